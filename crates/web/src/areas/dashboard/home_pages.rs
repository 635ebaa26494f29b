//! 工作台: what each role has to do now. A unit sees this month's reports to fill, returned
//! ones first; the supervision office its review queue, the units that have not reported and
//! the lagging items; a leader the state of the plan.

use crate::AppState;
use crate::pages::{CountCell, PageResult, Viewer, count_cells, current_plan, render, state_colour};
use askama::Template;
use axum::extract::State;
use domain::Period;
use store::jobs::Notification;
use store::status::{SharedPlanView, StatusView, WorkItem};

pub struct UnitTask {
    pub task_id: i64,
    pub label: String,
    pub title: String,
    pub status: StatusView,
}

pub struct Lagging {
    pub task_id: i64,
    pub label: String,
    pub title: String,
    pub status: StatusView,
    pub units: String,
}

pub struct Unreported {
    pub unit_name: String,
    pub missing: usize,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: crate::pages::Ctx,
    due_date: String,
    work: Vec<WorkItem>,
    tasks: Vec<UnitTask>,
    queue: Vec<WorkItem>,
    unreported: Vec<Unreported>,
    lagging: Vec<Lagging>,
    counts: Vec<CountCell>,
    plan_title: String,
    notifications: Vec<Notification>,
    /// The unit's findings still open (待整改, 整改中, 待核查, 逾期), overdue first.
    rectifications: Vec<store::inspections::Rectification>,
    /// For the system administrator: the newest scheduled backup failed its verification.
    backup_alarm: Option<String>,
}

impl HomePage {
    fn state_colour(&self, state: &str) -> &'static str {
        state_colour(state)
    }
    fn role(&self, role: &str) -> &'static str {
        crate::pages::role_label(role)
    }
}

pub async fn home(State(state): State<AppState>, viewer: Viewer) -> PageResult {
    let period = Period::containing(state.config.today());
    let due_day = state.config.due_day;
    let user = viewer.user().clone();
    let plan_id = current_plan(&state).await?;
    let view: Option<std::sync::Arc<SharedPlanView>> = match plan_id {
        Some(id) => Some(state.store.plan_view(id, Some(period), state.config.today(), &Default::default()).await?),
        None => None,
    };
    let mut page = HomePage {
        due_date: period.due_date(due_day).to_string(),
        work: Vec::new(),
        tasks: Vec::new(),
        queue: Vec::new(),
        unreported: Vec::new(),
        lagging: Vec::new(),
        counts: view.as_ref().map(|v| count_cells(&v.dashboard.assignments)).unwrap_or_default(),
        plan_title: view.as_ref().map(|v| v.plan.title.clone()).unwrap_or_default(),
        notifications: Vec::new(),
        rectifications: Vec::new(),
        backup_alarm: None,
        ctx: viewer.ctx,
    };
    if user.role == store::users::Role::Admin {
        page.backup_alarm = crate::failed_backup(&state.config).await.map(|v| crate::backup_failure_text(&v));
    }
    if user.role.is_unit_bound() {
        let Some(unit) = user.unit_id else { return render(&page) };
        page.work = state.store.worklist(Some(unit), period, due_day).await?;
        page.notifications = state.store.notifications(Some(unit), 5).await?;
        let scope = store::inspections::VisitScope::Unit(unit);
        let mut open = state.store.rectifications(&Default::default(), scope, state.config.today()).await?;
        open.retain(|r| r.state != "closed");
        open.sort_by_key(|r| (r.state != "overdue", r.deadline));
        page.rectifications = open;
        if let Some(v) = &view {
            for item in v.sections.iter().flat_map(|s| &s.items) {
                if let Some(a) = item.units.iter().find(|a| a.unit_id == unit) {
                    page.tasks.push(UnitTask {
                        task_id: item.task.id,
                        label: item.task.item_label.clone(),
                        title: item.task.title.clone(),
                        status: a.status.clone(),
                    });
                }
            }
        }
    } else {
        let all = state.store.worklist(None, period, due_day).await?;
        let mut missing: std::collections::BTreeMap<String, usize> = Default::default();
        for w in &all {
            if matches!(w.report_state.as_str(), "new" | "draft") {
                *missing.entry(w.unit_name.clone()).or_default() += 1;
            }
        }
        page.unreported = missing.into_iter().map(|(unit_name, missing)| Unreported { unit_name, missing }).collect();
        page.unreported.sort_by(|a, b| b.missing.cmp(&a.missing).then(a.unit_name.cmp(&b.unit_name)));
        page.queue = all.into_iter().filter(|w| w.report_state == "submitted").collect();
        if let Some(v) = &view {
            for item in v.sections.iter().flat_map(|s| &s.items) {
                if matches!(item.status.status.as_str(), "behind" | "overdue") {
                    let units = item
                        .units
                        .iter()
                        .filter(|a| matches!(a.status.status.as_str(), "behind" | "overdue" | "not_started"))
                        .map(|a| a.unit_name.as_str())
                        .collect::<Vec<_>>()
                        .join("、");
                    page.lagging.push(Lagging {
                        task_id: item.task.id,
                        label: item.task.item_label.clone(),
                        title: item.task.title.clone(),
                        status: item.status.clone(),
                        units,
                    });
                }
            }
        }
    }
    render(&page)
}
