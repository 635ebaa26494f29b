//! Visits, rectifications, coverage and 督办件 (JSON).

use crate::AppState;
use crate::api::auth::CurrentUser;
use crate::api::idempotency::{Idempotent, idempotent};
use crate::api::{FileUpload, file_field};
use crate::error::{ApiError, ApiResult, Multipart, Path, Problem, Query};
use crate::wire;
use crate::wire::inspections::{
    CoverageReport, Directive, Inspection, InspectorSchools, NewDirective, NewInspection, Rectification, UnitRef,
    Verdict,
};
use crate::wire::reports::Evidence;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::Deserialize;
use store::inspections::{InspectionFilter, RectFilter, RectificationReport, VisitScope};
use utoipa::{IntoParams, ToSchema};

fn scope(who: &CurrentUser) -> VisitScope {
    VisitScope::of(&who.user)
}

/// Records a visit with its findings, all or nothing (督学 or the office). An inspector
/// recording it is one of its inspectors. Each finding goes to its responsible unit as a
/// rectification (待整改), with a notice.
#[utoipa::path(post, path = "/api/v1/inspections", request_body = NewInspection, security(("bearer" = [])),
    responses((status = 201, body = Inspection), (status = 422, body = Problem)))]
pub async fn create_inspection(
    State(state): State<AppState>,
    who: CurrentUser,
    Idempotent(key, body): Idempotent<Result<Json<NewInspection>, JsonRejection>>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let Json(input) = body?;
    let input = super::with_recorder(input.into(), &who.user);
    let today = state.config.today();
    let created = idempotent(&state, &who, &key, async {
        Ok(Inspection::from(state.store.create_inspection(&input, Some(who.user.id), today).await?))
    })
    .await?;
    Ok((StatusCode::CREATED, created))
}

/// Visits the caller sees, newest first: all for the bureau, their own for an inspector, the
/// visits with findings for their unit for a unit (only those findings).
#[utoipa::path(get, path = "/api/v1/inspections", params(InspectionQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<Inspection>), (status = 422, body = Problem)))]
pub async fn inspections(
    State(state): State<AppState>,
    who: CurrentUser,
    Query(q): Query<InspectionQuery>,
) -> ApiResult<Json<Vec<Inspection>>> {
    let filter = InspectionFilter { unit: q.unit, county: q.county, kind: q.kind, period: q.period };
    Ok(Json(wire::list(state.store.inspections(&filter, scope(&who), state.config.today()).await?)))
}

#[derive(Deserialize, IntoParams)]
pub struct InspectionQuery {
    /// The unit visited.
    pub unit: Option<i64>,
    /// A county's name (or 市直).
    pub county: Option<String>,
    /// responsible, special, balance, annual, other.
    pub kind: Option<String>,
    /// Visits in this month (YYYY-MM).
    pub period: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct RectQuery {
    /// pending, in_progress, verifying, closed, overdue (or 待整改 …).
    pub state: Option<String>,
    /// The responsible unit.
    pub unit: Option<i64>,
    /// The visit that found it.
    pub inspection: Option<i64>,
    /// A county's name (or 市直).
    pub county: Option<String>,
    /// The plan item (category).
    pub task: Option<i64>,
    /// general, major, serious.
    pub severity: Option<String>,
}

impl From<RectQuery> for RectFilter {
    fn from(q: RectQuery) -> Self {
        RectFilter {
            state: q.state,
            unit: q.unit,
            inspection: q.inspection,
            county: q.county,
            task: q.task,
            severity: q.severity,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/inspections/{id}", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Inspection), (status = 404, body = Problem)))]
pub async fn inspection(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Inspection>> {
    Ok(Json(state.store.inspection(id, scope(&who), state.config.today()).await?.into()))
}

/// Attaches a file to a visit the caller recorded (the signed 督导意见书, photos); multipart
/// field `file`, optional field `finding` (a finding's id) for a finding's photo.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/evidence", params(("id" = i64, Path), FindingQuery), security(("bearer" = [])),
    request_body(content = FileUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = Evidence), (status = 404, body = Problem),
               (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn inspection_evidence(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<FindingQuery>,
    mut form: Multipart,
) -> ApiResult<(StatusCode, Json<Evidence>)> {
    state.store.inspection(id, scope(&who), state.config.today()).await?;
    let (name, bytes) = file_field(&mut form, "照片").await?;
    add_file(&state, id, q.finding, &name, &bytes, who.user.id).await
}

#[derive(Deserialize, IntoParams)]
pub struct FindingQuery {
    /// The finding the file shows (a photo of the problem); none for the visit's own files.
    pub finding: Option<i64>,
}

async fn add_file(
    state: &AppState,
    inspection: i64,
    finding: Option<i64>,
    name: &str,
    bytes: &[u8],
    user: i64,
) -> ApiResult<(StatusCode, Json<Evidence>)> {
    use store::evidence::{AddError, Refusal};
    match state.store.add_visit_evidence(inspection, finding, name, bytes, Some(user)).await {
        Ok(e) => Ok((StatusCode::CREATED, Json(e.into()))),
        Err(AddError::Refused(r)) => {
            let (status, code) = match r {
                Refusal::TooLarge | Refusal::DailyQuota(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
                Refusal::Type => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
                Refusal::TooMany => (StatusCode::UNPROCESSABLE_ENTITY, "too_many_files"),
            };
            Err(ApiError::new(status, code, r.message()))
        }
        Err(AddError::Store(e)) => Err(e.into()),
    }
}

/// Findings the caller sees (a unit: its own), filtered. `state`: pending, in_progress,
/// verifying, closed, overdue (or 待整改 …).
#[utoipa::path(get, path = "/api/v1/rectifications", params(RectQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<Rectification>), (status = 422, body = Problem)))]
pub async fn rectifications(
    State(state): State<AppState>,
    who: CurrentUser,
    Query(q): Query<RectQuery>,
) -> ApiResult<Json<Vec<Rectification>>> {
    Ok(Json(wire::list(state.store.rectifications(&q.into(), scope(&who), state.config.today()).await?)))
}

/// One finding with every step of its rectification; another unit's is 404.
#[utoipa::path(get, path = "/api/v1/rectifications/{id}", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Rectification), (status = 404, body = Problem)))]
pub async fn rectification(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Rectification>> {
    Ok(Json(state.store.rectification(id, scope(&who), state.config.today()).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct RectificationReportRequest {
    /// The finding's version read; a stale one gets 409.
    pub version: i64,
    /// 整改措施.
    pub text: String,
    /// The rectification is done (asks for 核查); false: progress only. True when absent.
    #[serde(default)]
    pub complete: Option<bool>,
    /// Files uploaded to this finding (`POST /api/v1/rectifications/{id}/evidence`).
    #[serde(default)]
    pub evidence: Vec<i64>,
}

/// The responsible unit reports measures taken (one or more times).
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/reports", params(("id" = i64, Path)),
    request_body = RectificationReportRequest, security(("bearer" = [])),
    responses((status = 200, body = Rectification), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn report(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
    Idempotent(key, body): Idempotent<Result<Json<RectificationReportRequest>, JsonRejection>>,
) -> ApiResult<Json<serde_json::Value>> {
    let today = state.config.today();
    // Another unit's finding is 404 before anything about the request is judged.
    state.store.rectification(id, scope(&who), today).await?;
    let Json(req) = body?;
    let report = RectificationReport { text: req.text, complete: req.complete.unwrap_or(true), evidence: req.evidence };
    idempotent(&state, &who, &key, async {
        Ok(Rectification::from(
            state.store.report_rectification(id, req.version, &report, scope(&who), Some(who.user.id), today).await?,
        ))
    })
    .await
}

/// Attaches a file (multipart field `file`) to a finding for the unit's next report.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/evidence", params(("id" = i64, Path)), security(("bearer" = [])),
    request_body(content = FileUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = Evidence), (status = 404, body = Problem),
               (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn rectification_evidence(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> ApiResult<(StatusCode, Json<Evidence>)> {
    let r = state.store.rectification(id, scope(&who), state.config.today()).await?;
    let (name, bytes) = file_field(&mut form, "整改材料").await?;
    add_file(&state, r.inspection_id, Some(id), &name, &bytes, who.user.id).await
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionRequest {
    /// The version read; a stale one gets 409.
    pub version: i64,
    /// close (销号 / 办结) or return (退回).
    pub decision: Verdict,
    /// Required for a return: what is still wrong.
    #[serde(default)]
    pub comment: String,
}

/// The office closes (销号) a finding 待核查 or returns it with a comment.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/verify", params(("id" = i64, Path)),
    request_body = DecisionRequest, security(("bearer" = [])),
    responses((status = 200, body = Rectification), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn verify(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
    Idempotent(key, body): Idempotent<Result<Json<DecisionRequest>, JsonRejection>>,
) -> ApiResult<Json<serde_json::Value>> {
    let today = state.config.today();
    state.store.rectification(id, scope(&who), today).await?;
    let Json(req) = body?;
    idempotent(&state, &who, &key, async {
        Ok(Rectification::from(
            state
                .store
                .verify_rectification(id, req.version, req.decision.into(), &req.comment, Some(who.user.id), today)
                .await?,
        ))
    })
    .await
}

#[derive(Deserialize, IntoParams)]
pub struct CoverageQuery {
    /// The month (YYYY-MM); this month when absent.
    pub period: Option<String>,
}

/// 一月一督导: of each inspector's assigned schools, those visited in the month, per
/// inspector and per county.
#[utoipa::path(get, path = "/api/v1/coverage", params(CoverageQuery), security(("bearer" = [])),
    responses((status = 200, body = CoverageReport), (status = 422, body = Problem)))]
pub async fn coverage(
    State(state): State<AppState>,
    Query(q): Query<CoverageQuery>,
    _who: CurrentUser,
) -> ApiResult<Json<CoverageReport>> {
    let period = match q.period.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => crate::periods::parse_period(p)?,
        None => domain::Period::containing(state.config.today()),
    };
    Ok(Json(state.store.coverage(period).await?.into()))
}

/// Registers a 督办件 (the office); the lead and co units get a notice.
#[utoipa::path(post, path = "/api/v1/directives", request_body = NewDirective, security(("bearer" = [])),
    responses((status = 201, body = Directive), (status = 422, body = Problem)))]
pub async fn create_directive(
    State(state): State<AppState>,
    who: CurrentUser,
    Idempotent(key, body): Idempotent<Result<Json<NewDirective>, JsonRejection>>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let Json(input) = body?;
    let input: store::inspections::NewDirective = input.into();
    let today = state.config.today();
    let created = idempotent(&state, &who, &key, async {
        Ok(Directive::from(state.store.create_directive(&input, Some(who.user.id), today).await?))
    })
    .await?;
    Ok((StatusCode::CREATED, created))
}

#[derive(Deserialize, IntoParams)]
pub struct DirectiveQuery {
    /// open, confirming, closed, returned, overdue (or 办理中 …).
    pub state: Option<String>,
}

/// 督办件 the caller sees (a unit: those it leads or joins), earliest deadline first.
#[utoipa::path(get, path = "/api/v1/directives", params(DirectiveQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<Directive>), (status = 422, body = Problem)))]
pub async fn directives(
    State(state): State<AppState>,
    who: CurrentUser,
    Query(q): Query<DirectiveQuery>,
) -> ApiResult<Json<Vec<Directive>>> {
    Ok(Json(wire::list(state.store.directives(q.state.as_deref(), scope(&who), state.config.today()).await?)))
}

#[utoipa::path(get, path = "/api/v1/directives/{id}", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Directive), (status = 404, body = Problem)))]
pub async fn directive(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Directive>> {
    Ok(Json(state.store.directive(id, scope(&who), state.config.today()).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct FeedbackRequest {
    /// The version read; a stale one gets 409.
    pub version: i64,
    /// 办理情况.
    pub text: String,
    /// Done, asking the office to confirm (the lead unit only).
    #[serde(default)]
    pub done: bool,
}

/// A lead or co unit's feedback on a 督办件.
#[utoipa::path(post, path = "/api/v1/directives/{id}/feedback", params(("id" = i64, Path)),
    request_body = FeedbackRequest, security(("bearer" = [])),
    responses((status = 200, body = Directive), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn feedback(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
    Idempotent(key, body): Idempotent<Result<Json<FeedbackRequest>, JsonRejection>>,
) -> ApiResult<Json<serde_json::Value>> {
    let today = state.config.today();
    state.store.directive(id, scope(&who), today).await?;
    let unit = who.user.unit_id.ok_or_else(ApiError::not_found)?;
    let Json(req) = body?;
    idempotent(&state, &who, &key, async {
        Ok(Directive::from(
            state
                .store
                .directive_feedback(id, req.version, unit, &req.text, req.done, Some(who.user.id), today)
                .await?,
        ))
    })
    .await
}

/// The office confirms (办结) a 督办件 待确认 or returns it with a comment.
#[utoipa::path(post, path = "/api/v1/directives/{id}/decide", params(("id" = i64, Path)),
    request_body = DecisionRequest, security(("bearer" = [])),
    responses((status = 200, body = Directive), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    who: CurrentUser,
    Path(id): Path<i64>,
    Idempotent(key, body): Idempotent<Result<Json<DecisionRequest>, JsonRejection>>,
) -> ApiResult<Json<serde_json::Value>> {
    let today = state.config.today();
    state.store.directive(id, scope(&who), today).await?;
    let Json(req) = body?;
    idempotent(&state, &who, &key, async {
        Ok(Directive::from(
            state
                .store
                .decide_directive(id, req.version, req.decision.into(), &req.comment, Some(who.user.id), today)
                .await?,
        ))
    })
    .await
}

/// 责任督学挂牌: every inspector with the schools they answer for.
#[utoipa::path(get, path = "/api/v1/inspectors", security(("bearer" = [])),
    responses((status = 200, body = Vec<InspectorSchools>)))]
pub async fn inspectors(State(state): State<AppState>, _who: CurrentUser) -> ApiResult<Json<Vec<InspectorSchools>>> {
    Ok(Json(wire::list(state.store.inspectors().await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct AssignSchools {
    /// The inspector's schools from now on (ids or names from the directory); replaces their
    /// previous ones. A school has one responsible inspector.
    pub schools: Vec<UnitRef>,
    /// The inspector's schools as the caller read them (ids): when given and no longer so,
    /// 409 and nothing changes.
    #[serde(default)]
    pub previous: Option<Vec<i64>>,
}

/// Resolves schools named by id or name: a name not in the directory is refused naming its
/// place in the list (`schools[1]`); ids are checked by the store.
pub(crate) async fn school_ids(state: &AppState, schools: &[UnitRef]) -> Result<Vec<i64>, ApiError> {
    let mut ids = Vec::with_capacity(schools.len());
    for (i, s) in schools.iter().enumerate() {
        match s {
            UnitRef::Id(id) => ids.push(*id),
            UnitRef::Name(name) => match state.store.unit_by_name(name.trim()).await? {
                Some(u) => ids.push(u.id),
                None => {
                    return Err(ApiError::invalid(
                        &format!("schools[{i}]"),
                        format!("学校“{}”不在单位目录中", name.trim()),
                    ));
                }
            },
        }
    }
    Ok(ids)
}

/// Assigns schools to an inspector (责任督学挂牌; the office). An unknown school, a school of
/// another inspector, or a user who is not a 督学 is 422 with nothing changed.
#[utoipa::path(put, path = "/api/v1/inspectors/{id}/schools", params(("id" = i64, Path)),
    request_body = AssignSchools, security(("bearer" = [])),
    responses((status = 200, body = InspectorSchools), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn assign_schools(
    State(state): State<AppState>,
    _who: CurrentUser,
    Path(id): Path<i64>,
    body: Result<Json<AssignSchools>, JsonRejection>,
) -> ApiResult<Json<InspectorSchools>> {
    let Json(req) = body?;
    if req.schools.len() > 500 {
        return Err(ApiError::invalid("schools", "一次最多挂牌 500 所学校"));
    }
    let ids = school_ids(&state, &req.schools).await?;
    Ok(Json(state.store.assign_inspector_schools(id, &ids, req.previous.as_deref()).await?.into()))
}
