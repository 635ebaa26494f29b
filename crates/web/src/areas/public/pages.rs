//! 政务公开: the plan's progress for the public, once the supervision office publishes it.
//! Only approved data, and nothing internal: no comments, no evidence, no names of people.
//! Printable, and downloadable as csv.

use super::{is_public, key, shows_visits, visits_key};
use crate::AppState;
use crate::pages::PageError;
use crate::pages::PageResult;
use crate::pages::Viewer;
use crate::pages::redirect_with;
use crate::pages::render;
use askama::Template;
use axum::Form;
use axum::extract::Path;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use domain::Period;
use serde::Deserialize;

pub struct PublicItem {
    pub label: String,
    pub title: String,
    pub units: String,
    pub status_label: String,
    pub colour: String,
    pub progress: String,
    pub targets: Vec<String>,
}

pub struct PublicSection {
    pub title: String,
    pub items: Vec<PublicItem>,
}

#[derive(Template)]
#[template(path = "public.html")]
struct PublicPage {
    title: String,
    meta: Vec<(&'static str, String)>,
    period: String,
    as_of: String,
    sections: Vec<PublicSection>,
    plan_id: i64,
    /// The summary of visits and rectification, when the office opened it: aggregate
    /// figures only (`Supervision::public_lines`).
    visits: Option<Vec<String>>,
}

/// What the public sees, for the month that has most recently been reviewed: the previous
/// month, whose reports the office has approved (the current month is still being filled).
async fn public_view(state: &AppState, plan_id: i64) -> Result<PublicPage, PageError> {
    if !is_public(state, plan_id).await? {
        return Err(PageError::NotFound);
    }
    let plan = state.store.plan(plan_id).await?;
    if plan.status == "draft" {
        return Err(PageError::NotFound);
    }
    let parsed = state.store.parsed_plan(plan_id).await?;
    let period = Period::containing(state.config.today()).prev();
    let view = state.store.plan_view(plan_id, Some(period), state.config.today(), &Default::default()).await?;
    let m = &parsed.meta;
    let meta: Vec<(&'static str, String)> = [
        ("索引号", m.index_no.clone()),
        ("发文机关", m.issuer.clone()),
        ("发文字号", m.doc_no.clone()),
        ("成文日期", m.date.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    let sections = view
        .sections
        .iter()
        .map(|s| PublicSection {
            title: format!("{}、{}", s.number, s.title),
            items: s
                .items
                .iter()
                .map(|i| PublicItem {
                    label: i.task.item_label.clone(),
                    title: i.task.title.clone(),
                    units: {
                        let mut names: Vec<&str> = i.units.iter().map(|a| a.unit_name.as_str()).collect();
                        names.dedup();
                        names.join("、")
                    },
                    status_label: i.status.label.clone(),
                    colour: i.status.colour.clone(),
                    progress: i.status.progress_pct(),
                    targets: i
                        .indicators
                        .iter()
                        .map(|ind| {
                            format!(
                                "{} {}",
                                ind.subject,
                                crate::pages::target_text(&ind.comparator, ind.value, ind.max_value, &ind.unit)
                            )
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    // Nothing of visits unless the office opened the summary; then figures, never names.
    let visits = if shows_visits(state, plan_id).await? {
        let figures: domain::bulletin::Supervision =
            state.store.visit_bulletin(period, state.config.today()).await?.into();
        Some(figures.public_lines())
    } else {
        None
    };
    Ok(PublicPage {
        visits,
        title: view.plan.title.clone(),
        meta,
        period: view.period.clone(),
        as_of: view.as_of.clone(),
        sections,
        plan_id,
    })
}

pub async fn page(State(state): State<AppState>, Path(id): Path<i64>) -> PageResult {
    render(&public_view(&state, id).await?)
}

pub async fn csv(State(state): State<AppState>, Path(id): Path<i64>) -> PageResult {
    let page = public_view(&state, id).await?;
    let mut file = domain::csv_file::CsvFile::new();
    file.row(["部分", "序号", "事项", "责任单位", "量化目标", "状态", "进度", "统计期间"]);
    for s in &page.sections {
        for i in &s.items {
            file.row([
                s.title.as_str(),
                i.label.as_str(),
                i.title.as_str(),
                i.units.as_str(),
                &i.targets.join(";"),
                i.status_label.as_str(),
                i.progress.as_str(),
                page.period.as_str(),
            ]);
        }
    }
    let out = file.finish();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"progress.csv\""),
        ],
        out,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    public: String,
}

/// The supervision office opens (or closes) the public page of a plan.
pub async fn set(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<PublishForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    state.store.plan(id).await?;
    let on = f.public == "on";
    state.store.set_setting(&key(id), if on { "true" } else { "false" }).await?;
    Ok(redirect_with(&format!("/plans/{id}"), if on { "已向社会公开进展页面" } else { "已关闭公开页面" }))
}

#[derive(Deserialize)]
pub struct VisitsForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    visits: String,
}

/// The supervision office opens (or closes) the summary of visits on a plan's public page.
pub async fn set_visits(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<VisitsForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    state.store.plan(id).await?;
    let on = f.visits == "on";
    state.store.set_setting(&visits_key(id), if on { "true" } else { "false" }).await?;
    Ok(redirect_with(
        &format!("/plans/{id}"),
        if on {
            "公开页面已显示督导整改情况摘要(仅汇总数字)"
        } else {
            "公开页面已不再显示督导整改情况"
        },
    ))
}
