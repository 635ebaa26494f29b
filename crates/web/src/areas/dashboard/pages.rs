//! 驾驶舱: the state of the plan for leaders and the office, month by month. Every figure
//! comes from `Store::plan_view`, the same call the API's dashboard makes.

use crate::AppState;
use crate::pages::charts;
use crate::pages::{CountCell, PageError, PageResult, Viewer, count_cells, current_plan, render};
use askama::Template;
use axum::extract::{Query, State};
use domain::Period;
use serde::Deserialize;
use store::status::StatusView;

#[derive(Deserialize, Default)]
pub struct DashboardQuery {
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    plan: Option<i64>,
}

pub struct SectionLine {
    pub number: i64,
    pub title: String,
    pub status: StatusView,
    pub cells: Vec<CountCell>,
}

pub struct UnitLine {
    pub rank: usize,
    pub unit_id: i64,
    pub name: String,
    pub total: usize,
    pub good: usize,
    pub lagging: usize,
    pub share: String,
}

/// One figure of the month's visits or 督办件, as the bulletin counts it, linking to the list
/// it counts.
pub struct FigureCard {
    pub key: &'static str,
    pub label: &'static str,
    pub value: String,
    pub link: &'static str,
    pub colour: &'static str,
}

/// The cards of the month's rectification and 督办件 figures (`domain::bulletin::Supervision`,
/// the bulletin's model).
fn figure_cards(s: &domain::bulletin::Supervision) -> (Vec<FigureCard>, Vec<FigureCard>) {
    let card = |key, label, value: String, link, colour| FigureCard { key, label, value, link, colour };
    let (v, d) = (&s.visits, &s.directives);
    let visits = vec![
        card("found", "发现问题", v.found.to_string(), "/rectifications", "grey"),
        card("closed", "已销号", v.closed.to_string(), "/rectifications?state=closed", "green"),
        card("rate", "整改率", s.rate_text(), "/rectifications", "blue"),
        card("overdue", "逾期未整改", v.overdue_total.to_string(), "/rectifications?state=overdue", "red"),
    ];
    let directives = vec![
        card("registered", "本月登记", d.registered.to_string(), "/directives", "grey"),
        card("closed", "本月办结", d.closed.to_string(), "/directives?state=closed", "green"),
        card("open", "在办", d.open.to_string(), "/directives", "blue"),
        card("overdue", "逾期", d.overdue.len().to_string(), "/directives?state=overdue", "red"),
    ];
    (visits, directives)
}

pub struct Gauge {
    pub title: String,
    pub svg: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: crate::pages::Ctx,
    plan_title: String,
    plan_id: i64,
    period: String,
    periods: Vec<String>,
    counts: Vec<CountCell>,
    items: Vec<CountCell>,
    status_chart: String,
    trend_chart: String,
    sections: Vec<SectionLine>,
    districts: Vec<UnitLine>,
    gauges: Vec<Gauge>,
    /// 督导问题整改 and 督办件 figures of the month (the bulletin's).
    rect_cards: Vec<FigureCard>,
    directive_cards: Vec<FigureCard>,
}

/// District ranking rule, on outcomes only: the share of a district's assignments that are
/// 已完成, 超序时 or 序时推进; ties go to fewer 滞后, 逾期 and 未启动.
fn rank(lines: &mut [UnitLine]) {
    lines.sort_by(|a, b| {
        let share = |l: &UnitLine| if l.total == 0 { 0.0 } else { l.good as f64 / l.total as f64 };
        share(b).total_cmp(&share(a)).then(a.lagging.cmp(&b.lagging)).then(a.name.cmp(&b.name))
    });
    for (i, l) in lines.iter_mut().enumerate() {
        l.rank = i + 1;
    }
}

pub async fn dashboard(State(state): State<AppState>, viewer: Viewer, Query(q): Query<DashboardQuery>) -> PageResult {
    let today = state.config.today();
    let current = Period::containing(today);
    let Some(plan_id) = (match q.plan {
        Some(id) => Some(id),
        None => current_plan(&state).await?,
    }) else {
        return Err(PageError::BadRequest("尚未发布工作要点".into()));
    };
    // A month asked for must be allowed for the plan (`crate::periods`).
    let period = match q.period.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => crate::periods::plan_period(&state, plan_id, s).await?,
        None => current,
    };
    let th = Default::default();
    let view = state.store.plan_view(plan_id, Some(period), today, &th).await?;
    let year_start =
        Period::new(period.first_day().format("%Y").to_string().parse().unwrap_or(2024), 1).unwrap_or(period);
    let periods: Vec<Period> = Period::range(year_start, current).collect();

    // The trend: the share of assignments on or ahead of pace, month by month.
    let mut trend = Vec::new();
    for p in Period::range(year_start, period) {
        let v = state.store.plan_view(plan_id, Some(p), today, &th).await?;
        trend.push((p.to_string(), v.dashboard.assignments.on_pace_share.map(|s| s * 100.0)));
    }
    let trend_chart = charts::lines(
        "按序时推进及以上的任务分解占比(%)",
        &trend.iter().map(|t| t.0.clone()).collect::<Vec<_>>(),
        &[("占比".to_string(), trend.iter().map(|t| t.1).collect())],
        None,
    );
    let counts = count_cells(&view.dashboard.assignments);
    let status_chart = charts::bars(
        "任务分解状态",
        &counts.iter().map(|c| (c.label.to_string(), c.count as f64, c.colour)).collect::<Vec<_>>(),
        "",
    );
    let sections = view
        .sections
        .iter()
        .map(|s| SectionLine {
            number: s.number,
            title: format!("{}、{}", s.number, s.title),
            status: s.status.clone(),
            cells: count_cells(&s.counts),
        })
        .collect();
    let districts_units = state.store.units().await?;
    let mut districts: Vec<UnitLine> = view
        .dashboard
        .by_unit
        .iter()
        .filter(|u| districts_units.iter().any(|d| d.id == u.unit_id && d.kind == "district"))
        .map(|u| {
            let c = &u.counts.counts;
            let get = |k: &str| c.get(k).copied().unwrap_or(0);
            UnitLine {
                rank: 0,
                unit_id: u.unit_id,
                name: u.unit_name.clone(),
                total: u.counts.total,
                good: u.counts.on_pace,
                lagging: get("behind") + get("overdue") + get("not_started"),
                share: crate::pages::pct(u.counts.on_pace_share.unwrap_or(0.0)),
            }
        })
        .collect();
    rank(&mut districts);
    let gauges = view
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .filter(|i| !i.indicators.is_empty())
        .map(|i| Gauge {
            title: format!("{}{}", i.task.item_label, i.task.title),
            svg: charts::gauge(&i.task.title, i.status.progress, i.status.pace, &i.status.colour),
        })
        .collect();
    let supervision = super::api::supervision(&state, period).await?;
    let (rect_cards, directive_cards) = figure_cards(&supervision);
    render(&DashboardPage {
        ctx: viewer.ctx,
        rect_cards,
        directive_cards,
        plan_title: view.plan.title.clone(),
        plan_id,
        period: period.to_string(),
        periods: periods.iter().rev().map(|p| p.to_string()).collect(),
        items: count_cells(&view.dashboard.items),
        counts,
        status_chart,
        trend_chart,
        sections,
        districts,
        gauges,
    })
}
