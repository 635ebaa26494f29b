//! 年终考评: districts' scores with every point traced to its data, the office's bonus,
//! deduction and veto items, and publishing with an appeal window.

use crate::AppState;
use crate::pages::{PageError, PageResult, Viewer, redirect_with, render, render_status};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::Period;
use domain::scoring::{Adjustment, AdjustmentKind};
use serde::Deserialize;
use store::directory::Unit;
use store::scoring::{AdjustmentRow, Scores};

#[derive(Template)]
#[template(path = "scores.html")]
struct ScoresPage {
    ctx: crate::pages::Ctx,
    plan_id: i64,
    scores: Scores,
    live: bool,
    adjustments: Vec<AdjustmentRow>,
    districts: Vec<Unit>,
    error: Option<String>,
    final_: bool,
    /// The scheme now in force (a published result shows the one it was computed with).
    scheme: domain::scoring::Scheme,
}

impl ScoresPage {
    /// Every component with its weight in the scheme being edited (0: not weighed).
    fn weights(&self) -> Vec<(domain::scoring::Component, f64)> {
        domain::scoring::Component::ALL.iter().map(|c| (*c, self.scheme.weight(*c))).collect()
    }
    fn key(&self, c: &domain::scoring::Component) -> String {
        serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    }
    fn ratio(&self, r: &Option<f64>) -> String {
        r.map_or_else(|| "不计".to_string(), crate::pages::pct)
    }
    fn kind_label(&self, k: &AdjustmentKind) -> &'static str {
        k.label()
    }
}

async fn page(state: &AppState, viewer: Viewer, plan_id: i64, error: Option<String>) -> Result<ScoresPage, PageError> {
    let period = Period::containing(state.config.today());
    let (scores, live) = match state.store.published_scores(plan_id).await? {
        Some(p) => (p, false),
        None => (state.store.live_scores(plan_id, period, state.config.today(), state.config.due_day).await?, true),
    };
    let final_ =
        scores.published.as_ref().is_some_and(|p| p.appeal_until.as_str() < state.config.today().to_string().as_str());
    Ok(ScoresPage {
        ctx: viewer.ctx,
        plan_id,
        live,
        adjustments: state.store.score_adjustments(plan_id).await?,
        districts: state.store.units().await?.into_iter().filter(|u| u.kind == "district").collect(),
        error,
        final_,
        scheme: state.store.scoring_scheme(plan_id).await?.1,
        scores,
    })
}

pub async fn show(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    render(&page(&state, viewer, id, None).await?)
}

#[derive(Deserialize)]
pub struct AdjustmentForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    unit_id: i64,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    reason: String,
}

pub async fn add_adjustment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<AdjustmentForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let kind = match f.kind.as_str() {
        "bonus" => AdjustmentKind::Bonus,
        "deduction" => AdjustmentKind::Deduction,
        "veto" => AdjustmentKind::Veto,
        _ => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&state, viewer, id, Some("请选择类别".into())).await?,
            );
        }
    };
    let points = if kind == AdjustmentKind::Veto { 0.0 } else { f.points.trim().parse().unwrap_or(f64::NAN) };
    let a = Adjustment { kind, points, reason: f.reason };
    match state.store.add_score_adjustment(id, f.unit_id, &a, Some(viewer.user().id)).await {
        Ok(_) => Ok(redirect_with(&format!("/plans/{id}/scores"), "已记录")),
        Err(store::StoreError::Invalid { message, .. }) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, viewer, id, Some(message)).await?)
        }
        Err(e) => Err(e.into()),
    }
}

/// The office edits the scheme: the four weights and the bonus cap; a new version each time.
pub async fn save_scheme(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    viewer.check_csrf(&get("_csrf"))?;
    let (_, current) = state.store.scoring_scheme(id).await?;
    let number = |k: &str| get(k).parse::<f64>().ok();
    // An optional component (整改及时率) left blank or at 0 stays out of the scheme.
    let weights: Option<Vec<(domain::scoring::Component, f64)>> = domain::scoring::Component::ALL
        .iter()
        .filter_map(|c| {
            let key = format!("weight_{}", serde_json::to_value(c).ok()?.as_str()?);
            match number(&key) {
                Some(w) if c.optional() && w == 0.0 => None,
                None if c.optional() && get(&key).is_empty() => None,
                w => Some(w.map(|w| (*c, w))),
            }
        })
        .collect();
    let (Some(weights), Some(bonus_cap)) = (weights, number("bonus_cap")) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&state, viewer, id, Some("权重和加分上限须为数字".into())).await?,
        );
    };
    let scheme = domain::scoring::Scheme { weights, bonus_cap, ..current };
    match state.store.set_scoring_scheme(id, &scheme).await {
        Ok(v) => Ok(redirect_with(
            &format!("/plans/{id}/scores"),
            &format!("评分方案已保存为第 {v} 版;已发布的结果不受影响"),
        )),
        Err(store::StoreError::Invalid { message, .. }) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, viewer, id, Some(message)).await?)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    appeal_days: String,
}

pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<PublishForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let days: i64 = f.appeal_days.trim().parse().unwrap_or(-1);
    let period = Period::containing(state.config.today());
    match state.store.publish_scores(id, period, state.config.today(), state.config.due_day, days).await {
        Ok(s) => Ok(redirect_with(
            &format!("/plans/{id}/scores"),
            &format!("已发布考评结果,申诉期至 {}", s.published.map(|p| p.appeal_until).unwrap_or_default()),
        )),
        Err(store::StoreError::Invalid { message, .. }) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, viewer, id, Some(message)).await?)
        }
        Err(e) => Err(e.into()),
    }
}
