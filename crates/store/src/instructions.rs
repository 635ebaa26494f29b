//! Leaders' 批示: comments on a task, kept with who wrote them and when.

use crate::{Result, Store, StoreError, now};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Instruction {
    pub id: i64,
    pub task_id: i64,
    pub author: String,
    pub text: String,
    pub created_at: String,
}

impl Store {
    pub async fn add_instruction(&self, task_id: i64, user_id: i64, text: &str) -> Result<Instruction> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 1000 {
            return Err(StoreError::invalid("text", "批示内容须为 1—1000 字"));
        }
        if sqlx::query("SELECT id FROM tasks WHERE id = $1").bind(task_id).fetch_optional(&self.pool).await?.is_none() {
            return Err(StoreError::NotFound);
        }
        let id: i64 = sqlx::query(
            "INSERT INTO instructions (task_id, user_id, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(task_id)
        .bind(user_id)
        .bind(text)
        .bind(now())
        .fetch_one(&self.pool)
        .await?
        .get(0);
        self.instructions(task_id).await?.into_iter().find(|i| i.id == id).ok_or(StoreError::NotFound)
    }

    pub async fn instructions(&self, task_id: i64) -> Result<Vec<Instruction>> {
        let rows = sqlx::query(
            "SELECT i.id, i.task_id, u.display_name, i.text, i.created_at FROM instructions i JOIN users u ON u.id = i.user_id \
             WHERE i.task_id = $1 ORDER BY i.id",
        )
        .bind(task_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Instruction {
                id: r.get(0),
                task_id: r.get(1),
                author: r.get(2),
                text: r.get(3),
                created_at: r.get(4),
            })
            .collect())
    }

    /// Whether a unit has an assignment in a task (a unit's users may read its 批示).
    pub async fn unit_in_task(&self, unit_id: i64, task_id: i64) -> Result<bool> {
        Ok(sqlx::query("SELECT id FROM assignments WHERE unit_id = $1 AND task_id = $2")
            .bind(unit_id)
            .bind(task_id)
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }
}
