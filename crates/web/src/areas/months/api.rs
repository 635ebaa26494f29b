//! The unit's month (JSON): the sheet, and the month submitted in one request.

use crate::AppState;
use crate::api::auth::CurrentUser;
use crate::api::idempotency::{Idempotent, idempotent};
use crate::error::{ApiError, ApiResult, FieldError, Path, Problem};
use crate::wire;
use crate::wire::months::{MonthEntry, MonthSheet};
use crate::wire::reports::Report;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use serde::{Deserialize, Serialize};
use store::months::MonthOutcome;
use utoipa::ToSchema;

/// The caller's unit's month: every assignment, grouped by section, with its status, last
/// month's approved report (values and text), this month's draft or report with its version
/// and state, the indicator inputs expected (unit, target, the unit's own share where the
/// target is broken down) and the milestones to tick. Reporters and unit heads.
#[utoipa::path(get, path = "/api/v1/months/{period}", params(("period" = String, Path, description = "YYYY-MM")),
    security(("bearer" = [])),
    responses((status = 200, body = MonthSheet), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn sheet(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(period): Path<String>,
) -> ApiResult<Json<MonthSheet>> {
    let period = super::month_period(&state, &period)?;
    Ok(Json(super::sheet(&state, &who.user, period).await?.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitMonthRequest {
    /// One row per assignment to submit; rows of the month not named are left as they are.
    pub reports: Vec<MonthEntry>,
}

#[derive(Serialize, ToSchema)]
pub struct SubmittedMonth {
    pub period: String,
    /// How many reports were submitted.
    pub submitted: usize,
    pub reports: Vec<Report>,
}

/// Saves and submits the month: every row is checked first, and a refusal (422) lists every
/// row's problems at once with field paths such as `reports[3].values.12`, changing nothing;
/// then all rows are saved and submitted in one transaction, all or nothing. A row whose
/// `version` is stale (or whose report is already submitted) is 409, naming the row; an
/// assignment of another unit is 404. `no_change: true` (本月无新进展) makes a row complete
/// without text. `Idempotency-Key` is honoured.
#[utoipa::path(post, path = "/api/v1/months/{period}/submit", params(("period" = String, Path, description = "YYYY-MM")),
    request_body = SubmitMonthRequest, security(("bearer" = [])),
    responses((status = 200, body = SubmittedMonth), (status = 404, body = Problem), (status = 409, body = Problem),
               (status = 422, body = Problem)))]
pub async fn submit(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(period): Path<String>,
    Idempotent(key, body): Idempotent<Result<Json<SubmitMonthRequest>, JsonRejection>>,
) -> ApiResult<Json<serde_json::Value>> {
    let period = super::month_period(&state, &period)?;
    let Json(req) = body?;
    let entries: Vec<store::months::MonthEntry> = wire::list(req.reports);
    idempotent(&state, &who, &key, async {
        match super::submit(&state, &who.user, period, &entries).await? {
            MonthOutcome::Submitted(reports) => Ok(SubmittedMonth {
                period: period.to_string(),
                submitted: reports.len(),
                reports: wire::list(reports),
            }),
            MonthOutcome::Refused(problems) => {
                let n = problems.len();
                let errors = problems.into_iter().map(|p| FieldError { field: p.field, message: p.message }).collect();
                Err(ApiError::invalid_all(format!("有 {n} 处填写有误,本月报告均未提交"), errors))
            }
        }
    })
    .await
}
