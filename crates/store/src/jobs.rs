//! Scheduled jobs: opening each month's reporting, reminding units before the due day and
//! telling them when they are overdue. Every server process runs the scheduler; the `jobs`
//! table makes each occurrence of a job run once however many processes are up.

use crate::{Result, Store, now};
use chrono::NaiveDate;
use domain::Period;
use serde::Serialize;
use sqlx::Row;

/// Days before the due day on which units that have not submitted are reminded.
pub const REMIND_DAYS_BEFORE: u32 = 5;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub unit_id: i64,
    /// opened, reminder, overdue or urge
    pub kind: String,
    pub period: String,
    pub message: String,
    pub created_at: String,
}

impl Store {
    /// Claims one occurrence of a job (`name`, `key`): true for exactly one caller, across
    /// processes, because the claim is a single conditional UPDATE.
    pub async fn claim_job(&self, name: &str, key: &str, owner: &str) -> Result<bool> {
        // Make sure the row exists; a concurrent insert of the same name just fails.
        let _ = sqlx::query("INSERT INTO jobs (name) VALUES ($1)").bind(name).execute(&self.pool).await;
        let done = sqlx::query(
            "UPDATE jobs SET last_run = $1, locked_by = $2, locked_until = $3 WHERE name = $4 AND (last_run IS NULL OR last_run < $1)",
        )
        .bind(key)
        .bind(owner)
        .bind(now())
        .bind(name)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Runs whatever is due on `today`; returns the names of the jobs this call ran.
    pub async fn run_due_jobs(&self, today: NaiveDate, due_day: u32, owner: &str) -> Result<Vec<String>> {
        let period = Period::containing(today);
        let key = period.to_string();
        let due = period.due_date(due_day);
        let mut ran = Vec::new();
        if self.claim_job("open_period", &key, owner).await? {
            let n = self
                .notify_units(
                    &key,
                    "opened",
                    None,
                    &format!(
                        "{}年{}月工作进展报送已开放,请于{}前提交。",
                        period.year,
                        period.month,
                        due.format("%m月%d日")
                    ),
                )
                .await?;
            ran.push(format!("open_period {key} ({n})"));
        }
        // The month before has closed: freeze its bulletin for every published plan that has
        // none published yet, so what the month looked like is kept as it was.
        if self.claim_job("snapshot_bulletins", &key, owner).await? {
            let closed = period.prev();
            let mut n = 0;
            for plan in self.plans().await?.into_iter().filter(|p| p.status == "published") {
                if self.published_bulletin(plan.id, closed).await?.is_none() {
                    let input = self.bulletin_input(plan.id, closed, today, &Default::default()).await?;
                    self.publish_bulletin(plan.id, closed, today, &domain::bulletin::Bulletin::build(&input)).await?;
                    n += 1;
                }
            }
            ran.push(format!("snapshot_bulletins {closed} ({n})"));
        }
        let remind_from = due - chrono::Duration::days(i64::from(REMIND_DAYS_BEFORE));
        if today >= remind_from && today <= due && self.claim_job("remind", &key, owner).await? {
            let n = self
                .notify_units(
                    &key,
                    "reminder",
                    Some(&key),
                    &format!(
                        "{}月工作进展报送将于{}截止,尚有报告未提交,请抓紧填报。",
                        period.month,
                        due.format("%m月%d日")
                    ),
                )
                .await?;
            ran.push(format!("remind {key} ({n})"));
        }
        if today > due && self.claim_job("overdue", &key, owner).await? {
            let n = self
                .notify_units(
                    &key,
                    "overdue",
                    Some(&key),
                    &format!(
                        "{}月工作进展报送已于{}截止,你单位仍有报告未提交,请尽快补报。",
                        period.month,
                        due.format("%m月%d日")
                    ),
                )
                .await?;
            ran.push(format!("overdue {key} ({n})"));
        }
        Ok(ran)
    }

    /// Sends a notice to every unit with assignments in a published plan; with `unsubmitted`,
    /// only to units that still have a report of that period not submitted.
    async fn notify_units(&self, period: &str, kind: &str, unsubmitted: Option<&str>, message: &str) -> Result<usize> {
        let units = sqlx::query(
            "SELECT DISTINCT a.unit_id FROM assignments a JOIN tasks t ON t.id = a.task_id JOIN plans p ON p.id = t.plan_id \
             WHERE p.status = 'published' AND ($1 IS NULL OR NOT EXISTS (SELECT 1 FROM reports r WHERE r.assignment_id = a.id \
             AND r.period = $1 AND r.state IN ('submitted', 'approved'))) ORDER BY a.unit_id",
        )
        .bind(unsubmitted.map(str::to_string))
        .fetch_all(&self.pool)
        .await?;
        let mut tx = self.write_tx().await?;
        let at = now();
        for u in &units {
            sqlx::query(
                "INSERT INTO notifications (unit_id, kind, period, message, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(u.get::<i64, _>(0))
            .bind(kind)
            .bind(period)
            .bind(message)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(units.len())
    }

    /// The supervision office urges (催办) one unit by hand; the urge is recorded.
    pub async fn urge(&self, unit_id: i64, period: &str, message: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO notifications (unit_id, kind, period, message, created_at) VALUES ($1, 'urge', $2, $3, $4)",
        )
        .bind(unit_id)
        .bind(period)
        .bind(message)
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A unit's notices, newest first.
    pub async fn notifications(&self, unit_id: Option<i64>, limit: i64) -> Result<Vec<Notification>> {
        let rows = sqlx::query(
            "SELECT id, unit_id, kind, period, message, created_at FROM notifications WHERE ($1 IS NULL OR unit_id = $1) \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(unit_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Notification {
                id: r.get(0),
                unit_id: r.get(1),
                kind: r.get(2),
                period: r.get(3),
                message: r.get(4),
                created_at: r.get(5),
            })
            .collect())
    }

    /// Claims up to `limit` recent notices not yet delivered by e-mail or webhook, for this
    /// process alone (a conditional UPDATE, as with jobs). Notices older than two days are
    /// left alone: turning channels on must not flood units with last year's reminders.
    pub async fn claim_deliveries(&self, owner: &str, limit: i64) -> Result<Vec<Delivery>> {
        let since =
            (chrono::Utc::now() - chrono::Duration::days(2)).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        sqlx::query(
            "UPDATE notifications SET claimed_by = $1, attempts = attempts + 1 WHERE id IN (SELECT id FROM notifications \
             WHERE delivered_at IS NULL AND claimed_by IS NULL AND attempts < $2 AND created_at > $3 ORDER BY id LIMIT $4) \
             AND claimed_by IS NULL",
        )
        .bind(owner)
        .bind(MAX_DELIVERY_ATTEMPTS)
        .bind(&since)
        .bind(limit)
        .execute(&self.pool)
        .await?;
        let rows = sqlx::query(
            "SELECT n.id, u.name, u.email, n.kind, n.period, n.message FROM notifications n JOIN units u ON u.id = n.unit_id \
             WHERE n.claimed_by = $1 AND n.delivered_at IS NULL ORDER BY n.id",
        )
        .bind(owner)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Delivery {
                id: r.get(0),
                unit: r.get(1),
                email: r.get(2),
                kind: r.get(3),
                period: r.get(4),
                message: r.get(5),
            })
            .collect())
    }

    /// Records how a delivery went. A failure releases the claim so a later round retries,
    /// up to `MAX_DELIVERY_ATTEMPTS`; the note keeps the reason.
    pub async fn finish_delivery(&self, id: i64, delivered: bool, note: &str) -> Result<()> {
        sqlx::query("UPDATE notifications SET delivered_at = $1, delivery_note = $2, claimed_by = NULL WHERE id = $3")
            .bind(delivered.then(now))
            .bind(note)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How a notice's delivery stands: (delivered at, note, attempts).
    pub async fn delivery_state(&self, id: i64) -> Result<(Option<String>, Option<String>, i64)> {
        let r = sqlx::query("SELECT delivered_at, delivery_note, attempts FROM notifications WHERE id = $1")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok((r.get(0), r.get(1), r.get(2)))
    }
}

/// How many times a notice is tried before it is left with its error.
pub const MAX_DELIVERY_ATTEMPTS: i64 = 5;

/// A notice claimed for delivery, with where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub unit: String,
    pub email: Option<String>,
    pub kind: String,
    pub period: String,
    pub message: String,
}
