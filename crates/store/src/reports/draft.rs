//! Storing a draft: the conditional insert or update of a report with its values and
//! milestones, inside the group commit's transaction.

use super::{EventRow, Report, ReportInput, ReportState};
use crate::group_commit::Appends;
use crate::search::Doc;
use crate::sql::expect_one;
use crate::{Result, StoreError, now};
use sqlx::Row;

/// Stores a draft inside the caller's transaction (see [`crate::Store::save_report`]); returns the
/// report as stored but for its evidence, and whether it is new, with its history entry and
/// search document (`doc`, its id filled in here) for the group to insert.
pub(crate) async fn write_draft(
    conn: &mut sqlx::AnyConnection,
    assignment_id: i64,
    key: &str,
    version: i64,
    user_id: Option<i64>,
    input: &ReportInput,
    mut doc: Doc,
) -> Result<((Report, bool), Appends)> {
    let at = now();
    // A new form is inserted straight away (one statement where most saves of the month-end
    // rush are new reports); if the report exists after all, it is handled below like any
    // save of an existing one, which refuses version 0.
    let inserted: Option<i64> = if version == 0 {
        let insert = sqlx::query(
            "INSERT INTO reports (assignment_id, period, state, progress, cumulative, self_status, problems, next_steps, \
             version, updated_at) VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, 1, $8) \
             ON CONFLICT (assignment_id, period) DO NOTHING RETURNING id",
        )
        .bind(assignment_id)
        .bind(key);
        bind_texts(insert, input).bind(&at).fetch_optional(&mut *conn).await?.map(|r| r.get(0))
    } else {
        None
    };
    let current = match inserted {
        Some(_) => None,
        None => {
            sqlx::query(
                "SELECT id, state, version, late, unchanged, review_comment, submitted_at FROM reports \
                 WHERE assignment_id = $1 AND period = $2",
            )
            .bind(assignment_id)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    // A new report's id has never been used (ids are not reused), so it has no values,
    // milestones or search entries to clear.
    let is_new = inserted.is_some();
    let mut stored = Report {
        id: None,
        assignment_id,
        period: key.to_string(),
        state: ReportState::Draft,
        state_label: ReportState::Draft.label(),
        input: input.clone(),
        version: 1,
        late: false,
        unchanged: false,
        no_change: false,
        review_comment: None,
        submitted_at: None,
        updated_at: Some(at.clone()),
        prefilled_from: None,
        evidence: Vec::new(),
    };
    let report_id: i64 = match (inserted, current) {
        (Some(id), _) => id,
        // Neither inserted nor there: a save of a version that was never stored.
        (None, None) => return Err(StoreError::Conflict("该报告已被他人修改,请刷新后重试".into())),
        (None, Some(row)) => {
            let id: i64 = row.get(0);
            let state = ReportState::parse(&row.get::<String, _>(1));
            let stored_version: i64 = row.get(2);
            match state {
                ReportState::Approved => {
                    return Err(StoreError::Conflict("该报告已审核通过,已锁定".into()));
                }
                ReportState::Submitted | ReportState::PendingSignoff => {
                    return Err(StoreError::Conflict("该报告已提交,等待审核,不能修改".into()));
                }
                _ => {}
            }
            if stored_version != version {
                return Err(StoreError::Conflict(format!(
                    "该报告已被他人修改(当前版本 {stored_version}),请刷新后重试"
                )));
            }
            stored.state = state;
            stored.state_label = state.label();
            stored.version = stored_version + 1;
            stored.late = row.get::<i64, _>(3) != 0;
            stored.unchanged = row.get::<i64, _>(4) != 0;
            stored.review_comment = row.get(5);
            stored.submitted_at = row.get(6);
            // A returned report stays returned until it is resubmitted, so the reviewer's
            // comment stays visible while it is fixed. A save from the single-task form (which
            // has no 本月无新进展 choice) withdraws a declaration; the month page sets it again.
            let update = sqlx::query(
                "UPDATE reports SET progress = $1, cumulative = $2, self_status = $3, problems = $4, next_steps = $5, \
                 no_change = 0, version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8 AND state = $9",
            );
            let changed = bind_texts(update, input)
                .bind(&at)
                .bind(id)
                .bind(version)
                .bind(state.key())
                .execute(&mut *conn)
                .await?;
            // On PostgreSQL another writer may have got in since the read above.
            expect_one(changed.rows_affected(), "该报告已被他人修改,请刷新后重试")?;
            id
        }
    };
    if !is_new {
        sqlx::query("DELETE FROM report_values WHERE report_id = $1").bind(report_id).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM report_milestones WHERE report_id = $1").bind(report_id).execute(&mut *conn).await?;
    }
    for (id, value) in &input.values {
        sqlx::query("INSERT INTO report_values (report_id, indicator_id, value) VALUES ($1, $2, $3)")
            .bind(report_id)
            .bind(*id)
            .bind(*value)
            .execute(&mut *conn)
            .await?;
    }
    for (id, done_on) in &input.milestones {
        sqlx::query("INSERT INTO report_milestones (report_id, milestone_id, done_on) VALUES ($1, $2, $3)")
            .bind(report_id)
            .bind(*id)
            .bind(done_on)
            .execute(&mut *conn)
            .await?;
    }
    stored.id = Some(report_id);
    doc.ref_id = report_id;
    let events = vec![EventRow::new(report_id, &at, user_id, "save", None, input)];
    Ok(((stored, is_new), Appends::of(events).and(vec![doc])))
}

/// Binds what a reporter writes, in the order the statements above list it.
fn bind_texts<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    input: &'q ReportInput,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(&input.progress)
        .bind(&input.cumulative)
        .bind(input.self_status.clone())
        .bind(&input.problems)
        .bind(&input.next_steps)
}
