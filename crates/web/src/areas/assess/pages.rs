//! 县域评估: school data snapshots and the national assessments computed from the latest
//! ones (优质均衡, 普及普惠), with their charts. The same figures as `duban assess` and the
//! API, from the same functions in the `assess` crate.

use super::read_import_form;
use crate::AppState;
use crate::pages::filters;
use askama::Template;
use axum::extract::Multipart;
use axum::extract::State;
use axum::http::StatusCode;

use crate::pages::PageError;
use crate::pages::PageResult;
use crate::pages::Viewer;
use crate::pages::charts;
use crate::pages::redirect_with;
use crate::pages::render;
use crate::pages::render_status;
use store::schools::DataKind;
use store::schools::Snapshot;

pub struct CountyLine {
    pub county: String,
    pub stage: &'static str,
    pub pass: bool,
    pub schools: String,
    pub failing: String,
    pub problems: Vec<String>,
    pub chart: String,
}

pub struct SchoolLine {
    pub county: String,
    pub name: String,
    pub stage: &'static str,
    pub met: usize,
    pub gaps: String,
}

pub struct AreaLine {
    pub county: String,
    pub children: u64,
    pub public_share: String,
    pub inclusive_share: String,
    pub gross: String,
    pub national: &'static str,
    pub target: &'static str,
    pub problems: String,
}

#[derive(Template)]
#[template(path = "assess.html")]
struct AssessPage {
    ctx: crate::pages::Ctx,
    history: Vec<Snapshot>,
    kinds: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    counties: Vec<CountyLine>,
    failing_schools: Vec<SchoolLine>,
    balance_note: String,
    areas: Vec<AreaLine>,
    preschool_chart: String,
    preschool_note: String,
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), crate::pages::pct)
}

fn verdict(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "达标",
        Some(false) => "未达标",
        None => "无法判断",
    }
}

async fn page(state: &AppState, viewer: Viewer, error: Option<String>) -> Result<AssessPage, PageError> {
    let history = state.store.school_data_history(None).await?;
    let (mut counties, mut failing_schools, mut balance_note) = (Vec::new(), Vec::new(), String::new());
    if let Some(r) = state.store.balance_report().await? {
        balance_note = r.scope.to_string();
        for c in &r.counties {
            let bars: Vec<(String, f64, &str)> = c
                .indicators
                .iter()
                .map(|i| {
                    let cv = i.cv.unwrap_or(0.0);
                    (i.column.to_string(), (cv * 1000.0).round() / 1000.0, if i.pass { "green" } else { "red" })
                })
                .collect();
            counties.push(CountyLine {
                county: c.county.clone(),
                stage: c.stage.label(),
                pass: c.pass,
                schools: format!("{}/{}", c.schools_meeting, c.schools_total),
                failing: c.failing_indicators.join("、"),
                problems: c.problems.clone(),
                chart: charts::bars(
                    &format!(
                        "{}{}各指标差异系数(上限 {})",
                        c.county,
                        c.stage.label(),
                        c.indicators.first().map_or(0.0, |i| i.limit)
                    ),
                    &bars,
                    "",
                ),
            });
        }
        failing_schools = r
            .schools
            .iter()
            .filter(|s| !s.pass)
            .map(|s| SchoolLine {
                county: s.county.clone(),
                name: s.name.clone(),
                stage: s.stage.label(),
                met: s.met,
                gaps: s.gaps.iter().map(|g| g.text.clone()).collect::<Vec<_>>().join(";"),
            })
            .collect();
    }
    let (mut areas, mut preschool_chart, mut preschool_note) = (Vec::new(), String::new(), String::new());
    if let Some(r) = state.store.preschool_report(None).await? {
        preschool_note = r.method.to_string();
        for a in r.counties.iter().chain(std::iter::once(&r.city)) {
            areas.push(AreaLine {
                county: a.county.clone(),
                children: a.children,
                public_share: pct(a.public_share),
                inclusive_share: pct(a.inclusive_share),
                gross: pct(a.gross_enrolment),
                national: verdict(a.national_pass),
                target: verdict(a.target_pass),
                problems: a.problems.join(";"),
            });
        }
        let bars: Vec<(String, f64, &str)> = r
            .counties
            .iter()
            .chain(std::iter::once(&r.city))
            .map(|a| {
                let v = a.public_share.unwrap_or(0.0) * 100.0;
                (
                    a.county.clone(),
                    (v * 10.0).round() / 10.0,
                    if a.target_pass == Some(false) { "red" } else { "green" },
                )
            })
            .collect();
        preschool_chart = charts::bars("公办园在园幼儿占比(%)", &bars, "%");
    }
    Ok(AssessPage {
        ctx: viewer.ctx,
        history,
        kinds: DataKind::ALL.iter().map(|k| (k.key(), k.label())).collect(),
        error,
        counties,
        failing_schools,
        balance_note,
        areas,
        preschool_chart,
        preschool_note,
    })
}

pub async fn show(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    render(&page(&state, viewer, None).await?)
}

pub async fn import(State(state): State<AppState>, viewer: Viewer, mut multipart: Multipart) -> PageResult {
    let f = read_import_form(&mut multipart).await.map_err(PageError::BadRequest)?;
    viewer.check_csrf(&f.csrf)?;
    let refuse = |message: String| async {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, viewer, Some(message)).await?)
    };
    let Some(kind) = f.kind else { return refuse("请选择数据类别".into()).await };
    let Some(as_of) = f.as_of else { return refuse("请填写统计时点(YYYY-MM-DD)".into()).await };
    let Some((name, bytes)) = f.file else { return refuse("请选择要导入的文件".into()).await };
    match state.store.import_school_data(kind, as_of, &name, &bytes, f.accept_valid, &f.note).await? {
        Ok(s) => Ok(redirect_with(
            "/assess",
            &format!(
                "已导入{}:{} 行{}",
                kind.label(),
                s.rows,
                if s.skipped > 0 { format!(",跳过 {} 行有误数据", s.skipped) } else { String::new() }
            ),
        )),
        Err(refused) => refuse(refused.message).await,
    }
}
