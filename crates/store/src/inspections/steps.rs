//! Moving a finding or a 督办件 one step, conditional on the version read, with its notices.

use super::*;

/// Messages for a lost race.
pub(super) const FINDING_CHANGED: &str = "该问题已被他人办理或修改,请刷新后重试";
pub(super) const DIRECTIVE_CHANGED: &str = "该督办件已被他人办理或修改,请刷新后重试";

pub(super) fn directive_steps(d: &Directive) -> Vec<(NaiveDate, DirectiveStep)> {
    d.history
        .iter()
        .map(|e| {
            let step = match e.action.as_str() {
                "close" => DirectiveStep::Close,
                "return" => DirectiveStep::Return,
                _ => DirectiveStep::Feedback { done: e.done },
            };
            (e.on, step)
        })
        .collect()
}

/// The first 40 characters of a text, for a notice.
pub(super) fn short(text: &str) -> String {
    let mut s: String = text.chars().take(40).collect();
    if text.chars().count() > 40 {
        s.push('…');
    }
    s
}

pub(super) async fn notify(
    conn: &mut sqlx::AnyConnection,
    unit_id: i64,
    kind: &str,
    period: &str,
    message: &str,
    at: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO notifications (unit_id, kind, period, message, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(unit_id)
        .bind(kind)
        .bind(period)
        .bind(message)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves a finding by `step` inside the caller's transaction, if its version is still
/// `version` and the rules allow the step from its stage: the new stage, else a conflict.
pub(super) async fn claim_finding(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    version: i64,
    step: Step,
    at: &str,
) -> Result<Stage> {
    claim(conn, "findings", id, version, at, FINDING_CHANGED, |stage| {
        let next = Stage::parse(stage).unwrap_or(Stage::Issued).after(step)?;
        Ok((next.key(), next))
    })
    .await
}

/// As [`claim_finding`], for a 督办件.
pub(super) async fn claim_directive(
    conn: &mut sqlx::AnyConnection,
    id: i64,
    version: i64,
    step: DirectiveStep,
    at: &str,
) -> Result<DirectiveStage> {
    claim(conn, "directives", id, version, at, DIRECTIVE_CHANGED, |stage| {
        let next = DirectiveStage::parse(stage).unwrap_or(DirectiveStage::Open).after(step)?;
        Ok((next.key(), next))
    })
    .await
}

/// The one conditional step of a finding or a 督办件 (`table`): reads its stage and version,
/// asks `advance` for the next stage (a refusal is a conflict), and writes it only if neither
/// the stage nor the version changed meanwhile — on PostgreSQL a concurrent step that
/// committed first makes this one change nothing, and the caller is told `changed`.
pub(super) async fn claim<T>(
    conn: &mut sqlx::AnyConnection,
    table: &'static str,
    id: i64,
    version: i64,
    at: &str,
    changed: &'static str,
    advance: impl FnOnce(&str) -> std::result::Result<(&'static str, T), &'static str>,
) -> Result<T> {
    let row = sqlx::query(sql!("SELECT stage, version FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let stage: String = row.get(0);
    if row.get::<i64, _>(1) != version {
        return Err(StoreError::Conflict(changed.into()));
    }
    let (next_key, next) = advance(&stage).map_err(|why| StoreError::Conflict(why.into()))?;
    let updated = sqlx::query(sql!(
        "UPDATE {table} SET stage = $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 AND version = $4 AND stage = $5"
    ))
    .bind(next_key)
    .bind(at)
    .bind(id)
    .bind(version)
    .bind(&stage)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    expect_one(updated, changed)?;
    Ok(next)
}
