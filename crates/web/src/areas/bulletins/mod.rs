//! The monthly bulletin (一月一通报): made from the plan's data for a month, published
//! (frozen), downloaded in every format. `api.rs` answers JSON, `pages.rs` HTML.

pub mod api;
pub mod pages;

use crate::AppState;
use crate::error::ApiError;
use crate::error::ApiResult;
use axum::http::StatusCode;
use axum::http::header;
use axum::response::IntoResponse;
use axum::response::Response;
use domain::Period;
use domain::bulletin::Bulletin;

/// The bulletin of a month: the latest published version, or (none published, or `live`)
/// computed from the data as it stands.
pub async fn bulletin_for(
    state: &AppState,
    plan_id: i64,
    period: Period,
    live: bool,
) -> ApiResult<(Bulletin, Option<i64>)> {
    // Every bulletin route (API and pages) comes through here: a month outside the plan's
    // year or not yet begun is refused, so nothing is computed or published for it.
    state.store.check_plan_period(plan_id, period, crate::periods::open_period(state)).await?;
    if !live && let Some(s) = state.store.published_bulletin(plan_id, period).await? {
        return Ok((s.bulletin, Some(s.version)));
    }
    let input = state.store.bulletin_input(plan_id, period, state.config.today(), &Default::default()).await?;
    Ok((Bulletin::build(&input), None))
}

/// Renders a bulletin as a download (or JSON).
pub fn bulletin_response(bulletin: &Bulletin, format: Option<&str>) -> ApiResult<Response> {
    let format = format.unwrap_or("json");
    if format == "json" {
        return Ok(axum::Json(bulletin).into_response());
    }
    let Some(f) = report::Format::parse(format) else {
        return Err(ApiError::invalid("format", "格式应为 docx、pdf、xlsx、csv、html 或 json"));
    };
    let bytes = report::render(bulletin, f).map_err(|e| {
        tracing::error!(error = %e, "bulletin rendering failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "通报生成失败")
    })?;
    let disposition = if f == report::Format::Html {
        "inline".to_string()
    } else {
        crate::downloads::attachment_disposition(&report::file_name(bulletin, f))
    };
    Ok(([(header::CONTENT_TYPE, f.mime().to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}
