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
    /// Percentage points behind pace ("31.0"), largest first; empty where the work has no
    /// measure.
    pub gap: String,
    pub lead: String,
    pub units: String,
}

pub struct Unreported {
    pub unit_id: i64,
    pub unit_name: String,
    pub missing: usize,
}

/// The units that have not reported for one month: after its due date a failure, with 催办;
/// before it, only a list of who is still to come.
pub struct UnreportedMonth {
    pub period: String,
    pub due_date: String,
    pub overdue: bool,
    pub units: Vec<Unreported>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: crate::pages::Ctx,
    due_date: String,
    work: Vec<WorkItem>,
    tasks: Vec<UnitTask>,
    /// The first reports of the review queue, and how many it holds (the queue page's figure).
    queue: Vec<store::reports::queue::QueueRow>,
    queue_total: usize,
    unreported: Vec<UnreportedMonth>,
    lagging: Vec<Lagging>,
    counts: Vec<CountCell>,
    plan_id: i64,
    plan_title: String,
    notifications: Vec<Notification>,
    /// The unit's findings still open (待整改, 整改中, 待核查, 逾期), overdue first.
    rectifications: Vec<store::inspections::Rectification>,
    /// The 督办件 the unit leads or joins, not yet closed, overdue first.
    directives: Vec<store::inspections::Directive>,
    /// For the system administrator: the newest scheduled backup failed its verification.
    backup_alarm: Option<String>,
}

impl HomePage {
    fn state_colour(&self, state: &str) -> &'static str {
        state_colour(state)
    }
    fn visit_colour(&self, state: &str) -> &'static str {
        crate::areas::inspections::state_colour(state)
    }
    fn role(&self, role: &str) -> &'static str {
        crate::pages::role_label(role)
    }
    /// Whether the unit's roles differ between its tasks: a column saying the same on every
    /// row is left out.
    fn roles_differ(&self) -> bool {
        self.work.iter().any(|w| w.role != self.work[0].role)
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
        queue_total: 0,
        unreported: Vec::new(),
        lagging: Vec::new(),
        counts: view.as_ref().map(|v| count_cells(&v.dashboard.items)).unwrap_or_default(),
        plan_id: plan_id.unwrap_or_default(),
        plan_title: view.as_ref().map(|v| v.plan.title.clone()).unwrap_or_default(),
        notifications: Vec::new(),
        rectifications: Vec::new(),
        directives: Vec::new(),
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
        page.rectifications = crate::areas::inspections::open_rectifications(&state, unit).await?;
        page.directives = crate::areas::inspections::open_directives(&state, unit).await?;
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
        let today = state.config.today();
        for p in [period, period.prev()] {
            let due = p.due_date(due_day);
            let mut missing: std::collections::BTreeMap<(String, i64), usize> = Default::default();
            for w in state.store.worklist(None, p, due_day).await?.iter() {
                if matches!(w.report_state.as_str(), "new" | "draft") {
                    *missing.entry((w.unit_name.clone(), w.unit_id)).or_default() += 1;
                }
            }
            let mut units: Vec<Unreported> = missing
                .into_iter()
                .map(|((unit_name, unit_id), missing)| Unreported { unit_id, unit_name, missing })
                .collect();
            units.sort_by(|a, b| b.missing.cmp(&a.missing).then(a.unit_name.cmp(&b.unit_name)));
            // Last month with everyone in is not news; this month is always shown.
            if p == period || !units.is_empty() {
                page.unreported.push(UnreportedMonth {
                    period: p.to_string(),
                    due_date: due.to_string(),
                    overdue: today > due,
                    units,
                });
            }
        }
        let queue = crate::areas::reports::review_queue(&state, &Default::default()).await?;
        page.queue_total = queue.len();
        page.queue = queue.into_iter().take(10).collect();
        if let Some(v) = &view {
            for item in v.sections.iter().flat_map(|s| &s.items) {
                if matches!(item.status.status.as_str(), "behind" | "overdue" | "not_started") {
                    let units = item
                        .units
                        .iter()
                        .filter(|a| matches!(a.status.status.as_str(), "behind" | "overdue" | "not_started"))
                        .map(|a| a.unit_name.as_str())
                        .collect::<Vec<_>>()
                        .join("、");
                    // The lead unit; an item without one names its responsible units.
                    let leads: Vec<&str> =
                        item.units.iter().filter(|a| a.role == "lead").map(|a| a.unit_name.as_str()).collect();
                    let lead = if leads.is_empty() {
                        item.units.iter().filter(|a| a.role != "co").map(|a| a.unit_name.as_str()).collect::<Vec<_>>()
                    } else {
                        leads
                    }
                    .join("、");
                    page.lagging.push(Lagging {
                        task_id: item.task.id,
                        label: item.task.item_label.clone(),
                        title: item.task.title.clone(),
                        status: item.status.clone(),
                        gap: item.status.gap_points().map(|g| format!("{g:.1}")).unwrap_or_default(),
                        lead,
                        units,
                    });
                }
            }
            // The furthest behind pace first; work without a measure after the measured.
            page.lagging.sort_by(|a, b| {
                let g = |l: &Lagging| l.status.gap().unwrap_or(f64::NEG_INFINITY);
                g(b).total_cmp(&g(a)).then(a.label.cmp(&b.label))
            });
        }
    }
    render(&page)
}
