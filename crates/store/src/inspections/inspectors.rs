//! 责任督学挂牌: which schools each inspector (督学) is responsible for.

use super::*;

impl Store {
    // --- inspectors -----------------------------------------------------------------------

    /// Assigns `schools` to an inspector (责任督学挂牌), replacing their previous schools. A
    /// school has one responsible inspector: one assigned to another is refused, naming them.
    pub async fn set_inspector_schools(&self, inspector_id: i64, schools: &[i64]) -> Result<InspectorSchools> {
        self.assign_inspector_schools(inspector_id, schools, None).await
    }

    /// As [`Store::set_inspector_schools`], only if the inspector's schools are still
    /// `previous` (the ones the caller read, in any order): else a `Conflict`, nothing changed.
    pub async fn assign_inspector_schools(
        &self,
        inspector_id: i64,
        schools: &[i64],
        previous: Option<&[i64]>,
    ) -> Result<InspectorSchools> {
        let mut tx = self.write_tx().await?;
        let user = sqlx::query("SELECT role FROM users WHERE id = $1 AND disabled = 0")
            .bind(inspector_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::invalid("inspector", "该督学不存在或已停用"))?;
        if Role::parse(&user.get::<String, _>(0)) != Some(Role::Inspector) {
            return Err(StoreError::invalid("inspector", "只能为督学挂牌学校"));
        }
        for school in schools {
            let unit = resolve_unit(&mut tx, &UnitRef::Id(*school))
                .await?
                .ok_or_else(|| StoreError::invalid("schools", format!("学校编号 {school} 不在单位目录中")))?;
            if unit.kind != "school" {
                return Err(StoreError::invalid("schools", format!("“{}”不是学校", unit.name)));
            }
            let other = sqlx::query(
                "SELECT n.display_name FROM inspector_schools s JOIN users n ON n.id = s.user_id \
                 WHERE s.unit_id = $1 AND s.user_id <> $2",
            )
            .bind(*school)
            .bind(inspector_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(o) = other {
                return Err(StoreError::invalid(
                    "schools",
                    format!("“{}”已由督学{}挂牌,请先取消", unit.name, o.get::<String, _>(0)),
                ));
            }
        }
        if let Some(previous) = previous {
            let mut now: Vec<i64> =
                sqlx::query("SELECT unit_id FROM inspector_schools WHERE user_id = $1 ORDER BY unit_id")
                    .bind(inspector_id)
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
            now.dedup();
            let mut read = previous.to_vec();
            read.sort_unstable();
            read.dedup();
            if now != read {
                return Err(StoreError::Conflict("该督学的挂牌学校刚被他人修改,请刷新后重试".into()));
            }
        }
        sqlx::query("DELETE FROM inspector_schools WHERE user_id = $1").bind(inspector_id).execute(&mut *tx).await?;
        let at = now();
        let mut seen = Vec::new();
        for school in schools.iter().filter(|s| {
            let new = !seen.contains(*s);
            seen.push(**s);
            new
        }) {
            sqlx::query("INSERT INTO inspector_schools (unit_id, user_id, assigned_at) VALUES ($1, $2, $3)")
                .bind(*school)
                .bind(inspector_id)
                .bind(&at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.inspectors().await?.into_iter().find(|i| i.inspector.id == inspector_id).ok_or(StoreError::NotFound)
    }

    /// Every enabled inspector with their schools, by name.
    pub async fn inspectors(&self) -> Result<Vec<InspectorSchools>> {
        let people = sqlx::query("SELECT id, display_name FROM users WHERE role = $1 AND disabled = 0 ORDER BY id")
            .bind(Role::Inspector.key())
            .fetch_all(&self.pool)
            .await?;
        let schools = sqlx::query(
            "SELECT s.user_id, u.id, u.name FROM inspector_schools s JOIN units u ON u.id = s.unit_id ORDER BY u.id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(people
            .iter()
            .map(|p| {
                let id: i64 = p.get(0);
                InspectorSchools {
                    inspector: Person { id, name: p.get(1) },
                    schools: schools
                        .iter()
                        .filter(|s| s.get::<i64, _>(0) == id)
                        .map(|s| UnitName { id: s.get(1), name: s.get(2) })
                        .collect(),
                }
            })
            .collect())
    }

    pub(super) async fn assigned_schools(&self, inspector_id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query("SELECT unit_id FROM inspector_schools WHERE user_id = $1")
            .bind(inspector_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    // --- inspections ----------------------------------------------------------------------
}
