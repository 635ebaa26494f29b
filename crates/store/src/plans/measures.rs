//! A task's measures: its indicators (quantitative targets, their baselines and the office's
//! corrections) and its milestones (the dates the office schedules).

use super::*;

impl Store {
    pub async fn indicators(&self, task_id: i64) -> Result<Vec<Indicator>> {
        let rows = sqlx::query(sql!("SELECT {INDICATOR_COLUMNS} FROM indicators WHERE task_id = $1 ORDER BY id"))
            .bind(task_id)
            .fetch_all(&self.pool)
            .await?;
        let mut list: Vec<Indicator> = rows.iter().map(indicator_from_row).collect();
        self.attach_breakdowns(&mut list).await?;
        Ok(list)
    }

    /// Every indicator of a plan, with its breakdown, in task order.
    pub async fn plan_indicators(&self, plan_id: i64) -> Result<Vec<Indicator>> {
        let rows = sqlx::query(sql!(
            "SELECT {INDICATOR_COLUMNS} FROM indicators WHERE task_id IN (SELECT id FROM tasks WHERE plan_id = $1) \
             ORDER BY id"
        ))
        .bind(plan_id)
        .fetch_all(&self.pool)
        .await?;
        let mut list: Vec<Indicator> = rows.iter().map(indicator_from_row).collect();
        self.attach_breakdowns(&mut list).await?;
        Ok(list)
    }

    /// Records where an indicator stood when the plan began, keeping its breakdown.
    pub async fn set_indicator_baseline(&self, indicator_id: i64, baseline: Option<f64>) -> Result<()> {
        let current = self.indicator(indicator_id).await?;
        self.update_indicator(indicator_id, baseline, &current.breakdown).await.map(|_| ())
    }

    pub async fn indicator(&self, indicator_id: i64) -> Result<Indicator> {
        let row = sqlx::query(sql!("SELECT {INDICATOR_COLUMNS} FROM indicators WHERE id = $1"))
            .bind(indicator_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut list = vec![indicator_from_row(&row)];
        self.attach_breakdowns(&mut list).await?;
        Ok(list.remove(0))
    }

    pub async fn milestones(&self, task_id: i64) -> Result<Vec<Milestone>> {
        let rows = sqlx::query(sql!("SELECT {MILESTONE_COLUMNS} FROM milestones WHERE task_id = $1 ORDER BY id"))
            .bind(task_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(milestone_from_row).collect())
    }

    /// Every milestone of a plan, in task order.
    pub async fn plan_milestones(&self, plan_id: i64) -> Result<Vec<Milestone>> {
        let rows = sqlx::query(sql!(
            "SELECT {MILESTONE_COLUMNS} FROM milestones WHERE task_id IN (SELECT id FROM tasks WHERE plan_id = $1) \
             ORDER BY task_id, id"
        ))
        .bind(plan_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(milestone_from_row).collect())
    }

    /// Sets a milestone's due date (and optionally rewords it). A scheduled milestone drives
    /// its task's pace, so its date must lie within the task's span.
    pub async fn schedule_milestone(&self, id: i64, due: NaiveDate, text: Option<&str>) -> Result<Milestone> {
        let row = sqlx::query(
            "SELECT t.start_date, t.deadline FROM milestones m JOIN tasks t ON t.id = m.task_id WHERE m.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let start: String = row.get(0);
        let deadline: String = row.get(1);
        let due_text = due.format("%Y-%m-%d").to_string();
        if due_text < start || due_text > deadline {
            return Err(StoreError::invalid(
                "due_date",
                format!("完成时限须在任务起止日期({start} 至 {deadline})之内"),
            ));
        }
        if let Some(t) = text {
            let t = t.trim();
            if t.is_empty() || t.chars().count() > 500 {
                return Err(StoreError::invalid("text", "节点内容不能为空,且不超过 500 字"));
            }
            sqlx::query("UPDATE milestones SET text = $1 WHERE id = $2").bind(t).bind(id).execute(&self.pool).await?;
        }
        sqlx::query("UPDATE milestones SET due_date = $1, scheduled = 1 WHERE id = $2")
            .bind(&due_text)
            .bind(id)
            .execute(&self.pool)
            .await?;
        let row = sqlx::query(sql!("SELECT {MILESTONE_COLUMNS} FROM milestones WHERE id = $1"))
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(milestone_from_row(&row))
    }

    /// Sets where a target stood when the plan began, and breaks it down per unit (unit id →
    /// the unit's own target), replacing both; an empty map removes the breakdown. Every unit
    /// must be assigned to the target's task, and every share must be a value the target could
    /// take. Nothing changes unless all of it is acceptable.
    pub async fn update_indicator(
        &self,
        indicator_id: i64,
        baseline: Option<f64>,
        shares: &BTreeMap<i64, f64>,
    ) -> Result<Indicator> {
        if baseline.is_some_and(|b| !b.is_finite() || b < 0.0) {
            return Err(StoreError::invalid("baseline", "基数须为非负数"));
        }
        let indicator = self.indicator(indicator_id).await?;
        let task_id = indicator.task_id;
        let assigned: Vec<i64> = sqlx::query("SELECT unit_id FROM assignments WHERE task_id = $1")
            .bind(task_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for (unit_id, value) in shares {
            if !assigned.contains(unit_id) {
                return Err(StoreError::invalid(&format!("shares.{unit_id}"), "该单位未承担此项任务"));
            }
            domain::validate_value(&indicator.spec_for(*unit_id), *value)
                .map_err(|m| StoreError::invalid(&format!("shares.{unit_id}"), m))?;
        }
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE indicators SET baseline = $1 WHERE id = $2")
            .bind(crate::Real(baseline))
            .bind(indicator_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM indicator_shares WHERE indicator_id = $1")
            .bind(indicator_id)
            .execute(&mut *tx)
            .await?;
        for (unit_id, value) in shares {
            sqlx::query("INSERT INTO indicator_shares (indicator_id, unit_id, value) VALUES ($1, $2, $3)")
                .bind(indicator_id)
                .bind(*unit_id)
                .bind(*value)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.indicator(indicator_id).await
    }

    /// Fills each indicator's per-unit breakdown.
    pub(crate) async fn attach_breakdowns(&self, indicators: &mut [Indicator]) -> Result<()> {
        if indicators.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = indicators.iter().map(|i| i.id.to_string()).collect();
        // Ids are integers we hold, so listing them inline is safe.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT indicator_id, unit_id, value FROM indicator_shares WHERE indicator_id IN ({})",
            ids.join(",")
        )))
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let id: i64 = r.get(0);
            if let Some(i) = indicators.iter_mut().find(|i| i.id == id) {
                i.breakdown.insert(r.get(1), r.get(2));
            }
        }
        Ok(())
    }
}

const INDICATOR_COLUMNS: &str =
    "id, task_id, subject, value, max_value, unit, comparator, baseline, per_scope, deadline, source";

fn indicator_from_row(r: &sqlx::any::AnyRow) -> Indicator {
    Indicator {
        id: r.get(0),
        task_id: r.get(1),
        subject: r.get(2),
        value: r.get(3),
        max_value: r.get(4),
        unit: r.get(5),
        comparator: r.get(6),
        baseline: r.get(7),
        per_scope: r.get(8),
        deadline: r.get(9),
        breakdown: BTreeMap::new(),
        source: r.get(10),
    }
}

const MILESTONE_COLUMNS: &str = "id, task_id, text, kind, due_date, scheduled";

fn milestone_from_row(r: &sqlx::any::AnyRow) -> Milestone {
    Milestone {
        id: r.get(0),
        task_id: r.get(1),
        text: r.get(2),
        kind: r.get(3),
        due_date: r.get(4),
        scheduled: r.get::<i64, _>(5) != 0,
    }
}
