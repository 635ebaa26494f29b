//! Plans: the list, the plan as a tree with status, importing and reviewing a document
//! before publishing, and the task page with everything known about one item.

use crate::AppState;
use crate::pages::charts;
use crate::pages::filters;
use crate::pages::{PageError, PageResult, Viewer, redirect_with, render, render_status, state_colour};
use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use domain::Period;
use serde::Deserialize;
use std::collections::BTreeMap;
use store::StoreError;
use store::instructions::Instruction;
use store::plans::{Milestone, PlanRow, Task};
use store::reports::TaskReport;
use store::status::{AssignmentView, StatusView, TaskView};

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    ctx: crate::pages::Ctx,
    plans: Vec<PlanRow>,
}

impl PlansPage {
    fn status_label(&self, s: &str) -> &'static str {
        plan_status_label(s)
    }
}

fn plan_status_label(s: &str) -> &'static str {
    match s {
        "draft" => "待审核发布",
        "published" => "已发布",
        "archived" => "已归档",
        _ => "未知",
    }
}

pub async fn list(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let mut plans = state.store.plans().await?;
    // Drafts are the supervision office's working material.
    if !viewer.ctx.bureau() {
        plans.retain(|p| p.status != "draft");
    }
    plans.reverse();
    render(&PlansPage { ctx: viewer.ctx, plans })
}

#[derive(Deserialize, Default)]
pub struct PlanQuery {
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    section: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

pub struct TargetLine {
    pub text: String,
    pub unit_values: String,
}

pub struct ItemRow {
    pub task: Task,
    pub status: StatusView,
    pub units: Vec<AssignmentView>,
    pub targets: Vec<TargetLine>,
}

pub struct SectionRow {
    pub number: i64,
    pub title: String,
    pub status: StatusView,
    pub items: Vec<ItemRow>,
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    ctx: crate::pages::Ctx,
    plan: PlanRow,
    period: String,
    status: StatusView,
    sections: Vec<SectionRow>,
    section_choices: Vec<(String, String)>,
    unit_choices: Vec<(String, String)>,
    status_choices: Vec<(&'static str, &'static str)>,
    filter: (String, String, String),
    shown: usize,
    public: bool,
    /// The public page shows the summary of visits (the office opened it).
    public_visits: bool,
}

/// The period a plan page shows: the one asked for, if it is allowed for the plan
/// (`Period::check_for_plan`, as in the API), or the current month.
async fn parse_period(s: Option<&str>, state: &AppState, plan_id: i64) -> Result<Period, PageError> {
    Ok(match s.filter(|s| !s.is_empty()) {
        Some(s) => crate::periods::plan_period(state, plan_id, s).await?,
        None => crate::periods::open_period(state),
    })
}

pub async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<PlanQuery>,
) -> PageResult {
    let plan = state.store.plan(id).await?;
    if plan.status == "draft" {
        if !viewer.ctx.bureau() {
            return Err(PageError::NotFound);
        }
        return Ok(axum::response::Redirect::to(&format!("/plans/{id}/review")).into_response());
    }
    let period = parse_period(q.period.as_deref(), &state, id).await?;
    let view = state.store.plan_view(id, Some(period), state.config.today(), &Default::default()).await?;
    let section_choices =
        view.sections.iter().map(|s| (s.number.to_string(), format!("{}、{}", s.number, s.title))).collect();
    let mut units: BTreeMap<i64, String> = BTreeMap::new();
    for a in view.sections.iter().flat_map(|s| &s.items).flat_map(|i| &i.units) {
        units.insert(a.unit_id, a.unit_name.clone());
    }
    let want = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let (f_section, f_unit, f_status) = (want(&q.section), want(&q.unit), want(&q.status));
    let mut shown = 0;
    let sections = view
        .sections
        .iter()
        .filter(|s| f_section.as_ref().is_none_or(|f| *f == s.number.to_string()))
        .map(|s| SectionRow {
            number: s.number,
            title: s.title.clone(),
            status: s.status.clone(),
            items: s
                .items
                .iter()
                .filter(|i| f_unit.as_ref().is_none_or(|u| i.units.iter().any(|a| a.unit_id.to_string() == *u)))
                .filter(|i| {
                    f_status.as_ref().is_none_or(|st| match &f_unit {
                        // With a unit chosen, the status asked about is that unit's.
                        Some(u) => i.units.iter().any(|a| a.unit_id.to_string() == *u && a.status.status == *st),
                        None => i.status.status == *st,
                    })
                })
                .map(item_row)
                .inspect(|_| shown += 1)
                .collect(),
        })
        .filter(|s| !s.items.is_empty())
        .collect();
    render(&PlanPage {
        ctx: viewer.ctx,
        period: view.period.clone(),
        status: view.status.clone(),
        plan: view.plan.clone(),
        sections,
        section_choices,
        unit_choices: units.into_iter().map(|(id, n)| (id.to_string(), n)).collect(),
        status_choices: domain::Status::ALL.iter().map(|s| (s.key(), s.label())).collect(),
        filter: (f_section.unwrap_or_default(), f_unit.unwrap_or_default(), f_status.unwrap_or_default()),
        shown,
        public: crate::areas::public::is_public(&state, id).await?,
        public_visits: crate::areas::public::shows_visits(&state, id).await?,
    })
}

fn item_row(i: &TaskView) -> ItemRow {
    let targets = i
        .indicators
        .iter()
        .map(|ind| {
            let reported: Vec<String> = i
                .units
                .iter()
                .filter_map(|a| {
                    a.values.get(&ind.id).map(|v| format!("{} {}{}", a.unit_name, crate::pages::num(*v), ind.unit))
                })
                .collect();
            TargetLine {
                text: format!(
                    "{} {}",
                    ind.subject,
                    crate::pages::target_text(&ind.comparator, ind.value, ind.max_value, &ind.unit)
                ),
                unit_values: reported.join(";"),
            }
        })
        .collect();
    ItemRow { task: i.task.clone(), status: i.status.clone(), units: i.units.clone(), targets }
}

use axum::response::IntoResponse;

// ---- import and review ------------------------------------------------------------------

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    ctx: crate::pages::Ctx,
    error: Option<String>,
}

pub async fn import_form(viewer: Viewer) -> PageResult {
    render(&ImportPage { ctx: viewer.ctx, error: None })
}

pub async fn import(State(state): State<AppState>, viewer: Viewer, mut multipart: Multipart) -> PageResult {
    let (csrf, file) = crate::pages::read_upload(&mut multipart, "plan").await?;
    viewer.check_csrf(&csrf)?;
    let refuse = |viewer: Viewer, message: String| {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &ImportPage { ctx: viewer.ctx, error: Some(message) })
    };
    let Some((name, bytes)) = file else { return refuse(viewer, "请选择要上传的工作要点文件".into()) };
    let directory = state.store.directory().await?;
    let parsed = match plan::parse(&bytes, &directory) {
        Ok(p) => p,
        Err(e) => return refuse(viewer, format!("无法解析“{name}”:{e}")),
    };
    let id = state.store.import_plan(&name, &bytes, &parsed, Some(viewer.user().id)).await?;
    Ok(redirect_with(
        &format!("/plans/{id}/review"),
        &format!("已解析:{} 个条目,{} 条提示,请核对后发布", parsed.items.len(), parsed.warnings.len()),
    ))
}

pub struct DraftItem {
    pub index: usize,
    pub number: u32,
    pub label: String,
    pub section: String,
    pub title: String,
    pub body: String,
    pub units: String,
    /// (index, subject, value as typed, how it reads, error)
    pub targets: Vec<(usize, String, String, String, Option<String>)>,
    pub measures: usize,
    /// Measures that become milestones: (index, text, due as set, error).
    pub milestones: Vec<(usize, String, String, Option<String>)>,
    pub warnings: Vec<String>,
    pub title_error: Option<String>,
}

/// Measures that publishing turns into milestones (events, documents, targets).
fn becomes_milestone(m: &plan::Measure) -> bool {
    matches!(m.kind, plan::MeasureKind::Event | plan::MeasureKind::Document | plan::MeasureKind::Target)
}

#[derive(Template)]
#[template(path = "plan_review.html")]
struct ReviewPage {
    ctx: crate::pages::Ctx,
    plan: PlanRow,
    original: String,
    general_warnings: Vec<String>,
    items: Vec<DraftItem>,
    unit_names: Vec<String>,
    /// The units this document names when it is another authority's (its own directory).
    learned: Vec<LearnedRow>,
    learned_error: Option<String>,
    /// The draft's version the form was made on, sent back with the edits.
    version: String,
    form_error: Option<String>,
}

/// A unit learned from the document, as the review page offers it for renaming or merging.
pub struct LearnedRow {
    pub index: usize,
    pub name: String,
    pub kind: &'static str,
    pub level: String,
    pub items: usize,
    /// Whether the unit directory already has a unit of this name.
    pub matched: bool,
    /// The other learned units, to merge this one into.
    pub others: Vec<String>,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "group" => "单位组",
        "district" => "区县政府",
        "department" => "部门",
        _ => "其他",
    }
}

/// Shown when a review form is sent for a draft that changed after the form was made.
const STALE_DRAFT: &str = "该草稿在您打开页面后已被他人修改,您的修改未保存。下面是最新内容,请在此基础上重新修改。";

/// Shown when 发布 is pressed on a draft that changed after the page was made.
const STALE_PUBLISH: &str = "该草稿在您打开页面后已被他人修改,未发布。请核对下面的最新内容后再发布。";

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(rename = "_csrf")]
    csrf: String,
    /// The draft's version the reviewer saw.
    #[serde(default)]
    version: String,
}

async fn review_page(
    state: &AppState,
    viewer: Viewer,
    id: i64,
    parsed: &plan::Plan,
    version: &str,
    errors: BTreeMap<String, String>,
    form_error: Option<String>,
) -> Result<ReviewPage, PageError> {
    let row = state.store.plan(id).await?;
    let source = state.store.plan_source(id).await?;
    let original = match docread::extract(&source) {
        Ok(x) => plan::content_lines(&x.blocks).join("\n"),
        Err(e) => format!("(原文无法显示:{e})"),
    };
    let section_title = |n: u32| {
        parsed.sections.iter().find(|s| s.number == n).map(|s| format!("{}{}", s.label, s.title)).unwrap_or_default()
    };
    let items = parsed
        .items
        .iter()
        .enumerate()
        .map(|(index, i)| DraftItem {
            index,
            number: i.number,
            label: i.label.clone(),
            section: section_title(i.section),
            title: i.title.clone(),
            body: i.body.clone(),
            units: i.units.iter().map(|u| u.name.as_str()).collect::<Vec<_>>().join("、"),
            targets: i
                .targets
                .iter()
                .enumerate()
                .map(|(k, t)| {
                    (
                        k,
                        t.subject.clone(),
                        crate::pages::num(t.value),
                        t.comparator.describe(t.value, t.max, &t.unit),
                        errors.get(&format!("target_{index}_{k}")).cloned(),
                    )
                })
                .collect(),
            measures: i.measures.len(),
            milestones: i
                .measures
                .iter()
                .enumerate()
                .filter(|(_, m)| becomes_milestone(m))
                .map(|(k, m)| {
                    (
                        k,
                        m.text.clone(),
                        m.due.clone().unwrap_or_default(),
                        errors.get(&format!("measure_{index}_{k}")).cloned(),
                    )
                })
                .collect(),
            warnings: parsed.warnings.iter().filter(|w| w.item == Some(i.number)).map(|w| w.message.clone()).collect(),
            title_error: errors.get(&format!("title_{index}")).cloned(),
        })
        .collect();
    let unit_names: Vec<String> = state.store.units().await?.into_iter().map(|u| u.name).collect();
    // Learned again from the items as they stand, so that edits and merges show at once.
    let learned_units = if parsed.learned_units.is_empty() { Vec::new() } else { plan::directory::learn(parsed) };
    let known: std::collections::HashSet<String> = unit_names.iter().map(|n| plan::directory::key(n)).collect();
    let learned = learned_units
        .iter()
        .enumerate()
        .map(|(index, l)| LearnedRow {
            index,
            name: l.name.clone(),
            kind: kind_label(&l.kind),
            level: l.level.clone(),
            items: l.items,
            matched: known.contains(&plan::directory::key(&l.name)),
            others: learned_units.iter().filter(|o| o.name != l.name).map(|o| o.name.clone()).collect(),
        })
        .collect();
    Ok(ReviewPage {
        ctx: viewer.ctx,
        plan: row,
        original,
        // What stops publishing first (the same rule `publish_plan` applies), then the
        // parser's notes.
        general_warnings: plan::limits::publish_problems(parsed)
            .into_iter()
            .map(|p| format!("发布前须处理:{p}"))
            .chain(parsed.warnings.iter().filter(|w| w.item.is_none()).map(|w| w.message.clone()))
            .collect(),
        items,
        unit_names,
        learned,
        learned_error: errors.get("learned").cloned(),
        version: version.to_string(),
        form_error,
    })
}

pub async fn review(State(state): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> PageResult {
    let row = state.store.plan(id).await?;
    if row.status != "draft" {
        return Ok(axum::response::Redirect::to(&format!("/plans/{id}")).into_response());
    }
    let draft = state.store.draft(id).await?;
    render(&review_page(&state, viewer, id, &draft.plan, &draft.version, BTreeMap::new(), None).await?)
}

/// Saves the reviewer's corrections to titles and units.
pub async fn save_draft(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    viewer.check_csrf(&get("_csrf").unwrap_or_default())?;
    let draft = state.store.draft(id).await?;
    let read_version = get("version").unwrap_or_default();
    // The fields are numbered by item: applied to a draft that changed since the form was
    // made they could land on other items, so a stale form saves nothing and shows the draft
    // as it now is.
    if read_version != draft.version {
        let page =
            review_page(&state, viewer, id, &draft.plan, &draft.version, BTreeMap::new(), Some(STALE_DRAFT.into()));
        return render_status(StatusCode::CONFLICT, &page.await?);
    }
    let mut parsed = draft.plan;
    let directory = state.store.directory().await?;
    // Errors by form field name.
    let mut errors = BTreeMap::new();
    for index in 0..parsed.items.len() {
        if let Some(title) = get(&format!("title_{index}")) {
            let title = title.trim().to_string();
            if title.is_empty() {
                errors.insert(format!("title_{index}"), "条目标题不能为空".to_string());
            } else if title.chars().count() > 500 {
                errors.insert(format!("title_{index}"), "条目标题不能超过 500 字".to_string());
            } else {
                parsed.items[index].title = title;
            }
        }
        for k in 0..parsed.items[index].targets.len() {
            let Some(typed) = get(&format!("target_{index}_{k}")) else { continue };
            match typed.trim().parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => parsed.items[index].targets[k].value = v,
                _ => {
                    errors.insert(format!("target_{index}_{k}"), "目标值须为非负数".to_string());
                }
            }
        }
        let year = parsed.meta.year;
        for k in 0..parsed.items[index].measures.len() {
            let Some(typed) = get(&format!("measure_{index}_{k}")) else { continue };
            let typed = typed.trim();
            if typed.is_empty() {
                parsed.items[index].measures[k].due = None;
                continue;
            }
            match chrono::NaiveDate::parse_from_str(typed, "%Y-%m-%d") {
                Ok(d) if year.is_none_or(|y| chrono::Datelike::year(&d) == y) => {
                    parsed.items[index].measures[k].due = Some(d.to_string());
                }
                _ => {
                    let within = year.map(|y| format!(",且在 {y} 年内")).unwrap_or_default();
                    errors.insert(format!("measure_{index}_{k}"), format!("时限格式应为 YYYY-MM-DD{within}"));
                }
            }
        }
        if let Some(units) = get(&format!("units_{index}")) {
            let current: Vec<&str> = parsed.items[index].units.iter().map(|u| u.name.as_str()).collect();
            if units.trim() != current.join("、") {
                plan::set_item_units(&mut parsed, index, &units, &directory);
            }
        }
    }
    // The learned units renamed or merged, after the items' own unit edits.
    if let Err(message) = apply_learned_edits(&mut parsed, &fields) {
        errors.insert("learned".to_string(), message);
    }
    if !errors.is_empty() {
        let page =
            review_page(&state, viewer, id, &parsed, &read_version, errors, Some("有填写错误,未保存。".into())).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    match state.store.update_draft(id, &parsed, &read_version).await {
        Ok(()) => Ok(redirect_with(&format!("/plans/{id}/review"), "已保存修改")),
        Err(StoreError::Conflict(m)) => Err(PageError::BadRequest(m)),
        Err(e) => Err(e.into()),
    }
}

/// The review page's 本文件中的单位 fields: `learned_{k}` names a unit, `rename_{k}` its new
/// name, `merge_{k}` another learned unit to merge it into. Applied all together by
/// `plan::directory::rename_units`, or not at all.
fn apply_learned_edits(parsed: &mut plan::Plan, fields: &[(String, String)]) -> Result<(), String> {
    if parsed.learned_units.is_empty() {
        return Ok(());
    }
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let names: Vec<String> = plan::directory::learn(parsed).into_iter().map(|l| l.name).collect();
    let mut pairs = Vec::new();
    for (field, name) in fields {
        let Some(k) = field.strip_prefix("learned_") else { continue };
        let name = name.clone();
        let rename = get(&format!("rename_{k}")).map(|r| r.trim().to_string()).unwrap_or_else(|| name.clone());
        let merge = get(&format!("merge_{k}")).map(|m| m.trim().to_string()).unwrap_or_default();
        if !names.contains(&name) {
            if rename != name || !merge.is_empty() {
                return Err(format!("本文件中没有单位“{name}”"));
            }
            continue;
        }
        match (rename != name, merge.is_empty()) {
            (true, false) => return Err(format!("单位“{name}”不能同时改名和并入其他单位")),
            (true, true) => pairs.push((name, rename)),
            (false, false) if !names.contains(&merge) => return Err(format!("本文件中没有单位“{merge}”")),
            (false, false) => pairs.push((name, merge)),
            (false, true) => {}
        }
    }
    plan::directory::rename_units(parsed, &pairs)
}

pub async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<PublishForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let published = match state.store.publish_reviewed(id, &f.version, state.config.today()).await {
        Err(StoreError::Conflict(_)) if state.store.plan(id).await?.status == "draft" => {
            let draft = state.store.draft(id).await?;
            let page = review_page(
                &state,
                viewer,
                id,
                &draft.plan,
                &draft.version,
                BTreeMap::new(),
                Some(STALE_PUBLISH.into()),
            );
            return render_status(StatusCode::CONFLICT, &page.await?);
        }
        done => done?,
    };
    Ok(redirect_with(
        &format!("/plans/{id}"),
        &format!("已发布:{} 项任务,{} 项单位责任", published.tasks, published.assignments),
    ))
}

// ---- the task page ----------------------------------------------------------------------

pub struct IndicatorPanel {
    pub subject: String,
    pub target: String,
    pub gauge: String,
    pub chart: String,
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    ctx: crate::pages::Ctx,
    plan: PlanRow,
    view: TaskView,
    period: String,
    indicators: Vec<IndicatorPanel>,
    milestones: Vec<Milestone>,
    timeline: Vec<TaskReport>,
    instructions: Vec<Instruction>,
}

impl TaskPage {
    fn state_colour(&self, s: &TaskReport) -> &'static str {
        state_colour(s.state.key())
    }
    /// Whether the report is listed and opened here: the viewer's own unit's, or any for the
    /// bureau. Other units' approved figures feed the charts only.
    fn may_open(&self, r: &TaskReport) -> bool {
        crate::policy::owns_report(&self.ctx.user, self.unit_of(r.assignment_id))
    }
    fn unit_of(&self, assignment_id: i64) -> Option<i64> {
        self.view.units.iter().find(|a| a.assignment_id == assignment_id).map(|a| a.unit_id)
    }
}

pub async fn task(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(q): Query<PlanQuery>,
) -> PageResult {
    let task = state.store.task(id).await?;
    let own_unit = viewer.user().unit_id;
    if viewer.user().role.is_unit_bound() && !state.store.unit_in_task(own_unit.unwrap_or(-1), id).await? {
        return Err(PageError::NotFound);
    }
    let period = parse_period(q.period.as_deref(), &state, task.plan_id).await?;
    let view = state.store.plan_view(task.plan_id, Some(period), state.config.today(), &Default::default()).await?;
    let Some(mut item) = view.sections.iter().flat_map(|s| &s.items).find(|i| i.task.id == id).cloned() else {
        return Err(PageError::NotFound);
    };
    // What another unit has not yet had approved is not shown to a unit (`policy`).
    let user = viewer.user();
    for a in &mut item.units {
        if !crate::policy::may_see_unit_work(user, a.unit_id) {
            a.report_state = domain::visibility::peer_report_state(&a.report_state).to_string();
        }
    }
    let unit_of = |assignment: i64| item.units.iter().find(|a| a.assignment_id == assignment).map(|a| a.unit_id);
    // The charts draw every figure the viewer may see; the list shows the reports they may open.
    let figures = crate::policy::task_reports(user, state.store.task_reports(id).await?, unit_of);
    let timeline: Vec<TaskReport> =
        figures.iter().filter(|r| crate::policy::owns_report(user, unit_of(r.assignment_id))).cloned().collect();
    let mut periods: Vec<String> = figures.iter().map(|r| r.period.clone()).collect();
    periods.sort();
    periods.dedup();
    let indicators = item
        .indicators
        .iter()
        .map(|ind| {
            let series: Vec<(String, Vec<Option<f64>>)> = item
                .units
                .iter()
                .map(|a| {
                    let values = periods
                        .iter()
                        .map(|p| {
                            figures
                                .iter()
                                .find(|r| r.assignment_id == a.assignment_id && &r.period == p)
                                .and_then(|r| r.values.get(&ind.id).copied())
                        })
                        .collect();
                    (a.unit_name.clone(), values)
                })
                .filter(|(_, v): &(String, Vec<Option<f64>>)| v.iter().any(Option::is_some))
                .collect();
            let target = crate::pages::target_text(&ind.comparator, ind.value, ind.max_value, &ind.unit);
            IndicatorPanel {
                subject: ind.subject.clone(),
                gauge: charts::gauge(
                    &format!("{} 完成进度", ind.subject),
                    item.status.progress,
                    item.status.pace,
                    &item.status.colour,
                ),
                chart: charts::lines(&format!("{} 各月填报值", ind.subject), &periods, &series, Some(ind.value)),
                target,
            }
        })
        .collect();
    let milestones = state.store.milestones(id).await?;
    let instructions = state.store.instructions(id).await?;
    render(&TaskPage {
        ctx: viewer.ctx,
        plan: view.plan.clone(),
        period: view.period.clone(),
        view: item,
        indicators,
        milestones,
        timeline,
        instructions,
    })
}

#[derive(Deserialize)]
pub struct InstructionForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    text: String,
}

pub async fn add_instruction(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<InstructionForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    state.store.add_instruction(id, viewer.user().id, &f.text).await?;
    Ok(redirect_with(&format!("/tasks/{id}"), "批示已记录"))
}

#[derive(Deserialize)]
pub struct MilestoneForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    due_date: String,
}

pub async fn schedule_milestone(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(f): Form<MilestoneForm>,
) -> PageResult {
    viewer.check_csrf(&f.csrf)?;
    let due = chrono::NaiveDate::parse_from_str(f.due_date.trim(), "%Y-%m-%d")
        .map_err(|_| PageError::BadRequest("完成时限格式应为 YYYY-MM-DD".into()))?;
    let m = state.store.schedule_milestone(id, due, None).await?;
    Ok(redirect_with(&format!("/tasks/{}", m.task_id), &format!("节点时限已设为 {}", m.due_date)))
}
