//! Reminders before a finding's or a 督办件's deadline and notices once it is overdue.

use super::*;

/// How many days before a finding's deadline its unit is reminded.
pub const RECTIFICATION_REMIND_DAYS: i64 = 3;

impl Store {
    /// The notices the visits' workflow sends by itself on `today`, each exactly once across
    /// processes (a `jobs` claim per finding or item): a reminder to the unit of a finding
    /// still with it [`RECTIFICATION_REMIND_DAYS`] days or less before its deadline; an overdue
    /// notice once it is 逾期; for a 督办件, to its lead unit when a feedback falls due (once per
    /// due day) and once when it is overdue. Returns what was sent, for the log. The server's
    /// job loop calls it beside `run_due_jobs`.
    pub async fn run_visit_jobs(&self, today: NaiveDate, owner: &str) -> Result<Vec<String>> {
        let mut sent = Vec::new();
        let period = Period::containing(today).to_string();
        let open = self.rectifications_where(None, VisitScope::All, today).await?.into_iter().filter(|r| {
            matches!(RectState::parse(&r.state), Some(RectState::Pending | RectState::InProgress | RectState::Overdue))
        });
        let mut notices = Vec::new();
        for r in open {
            let (job, message) = if r.state == RectState::Overdue.key() {
                (
                    format!("rectification_overdue_{}", r.id),
                    format!("问题“{}”已超过整改期限({}),请尽快整改并报送整改情况。", short(&r.text), r.deadline),
                )
            } else if (r.deadline - today).num_days() <= RECTIFICATION_REMIND_DAYS {
                (
                    format!("rectification_reminder_{}", r.id),
                    format!("问题“{}”的整改期限为{},请按期完成整改并报送整改情况。", short(&r.text), r.deadline),
                )
            } else {
                continue;
            };
            if self.claim_job(&job, "1", owner).await? {
                notices.push((r.unit_id, "rectification", message));
                sent.push(job);
            }
        }
        for d in self.directives_where(None, VisitScope::All, today).await? {
            let (job, key, message) = if d.state == DirectiveState::Overdue.key() {
                (
                    format!("directive_overdue_{}", d.id),
                    "1".to_string(),
                    format!("督办件“{}”已超过办理时限({}),请尽快办结并反馈。", short(&d.title), d.deadline),
                )
            } else if let Some(due) = d.next_feedback_due.filter(|due| *due <= today) {
                (
                    format!("directive_feedback_{}", d.id),
                    day(due),
                    format!("督办件“{}”应于{}前反馈办理情况,请及时反馈。", short(&d.title), due),
                )
            } else {
                continue;
            };
            if self.claim_job(&job, &key, owner).await? {
                notices.push((d.lead_unit.id, "directive", message));
                sent.push(job);
            }
        }
        if !notices.is_empty() {
            let at = now();
            let mut tx = self.write_tx().await?;
            for (unit, kind, message) in &notices {
                notify(&mut tx, *unit, kind, &period, message, &at).await?;
            }
            tx.commit().await?;
        }
        Ok(sent)
    }
}
