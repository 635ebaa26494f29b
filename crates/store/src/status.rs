//! Status as users see it: gathers the facts of every assignment of a plan from the stored
//! data (a handful of queries, not one per row) and hands them to `domain::assess` — the one
//! function that computes status — then rolls them up with `domain::roll_up`. Pages, the API
//! and exports all call this. Units' work lists are in [`worklist`]; what is computed is kept
//! per state of the data in [`cache`].

mod cache;
mod worklist;

pub(crate) use cache::ViewCache;
use cache::{DashboardKey, ViewKey};
pub use cache::{Shared, SharedPlanView};
pub use worklist::WorkItem;

use crate::plans::{Indicator, Milestone, PlanRow, Task};
use crate::reports::ReportState;
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use domain::{Assessment, AssignmentFacts, Period, Status, StatusCounts, TargetFact, Thresholds};
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

#[derive(Debug, Clone, Serialize)]
pub struct StatusView {
    /// completed, ahead, on_pace, behind, not_started, overdue
    pub status: String,
    /// 已完成, 超序时, 序时推进, 滞后, 严重滞后, 未启动, 逾期 (`Assessment::label`)
    pub label: String,
    /// green, yellow, red
    pub colour: String,
    /// Share of the target achieved, 0–1, when measurable.
    pub progress: Option<f64>,
    /// 序时进度: where the work should be by now, 0–1.
    pub pace: f64,
}

impl StatusView {
    /// Progress for people ("41.0%", or "—" when the work has no measure).
    pub fn progress_pct(&self) -> String {
        self.progress.map_or_else(|| "—".to_string(), |p| format!("{:.1}%", p * 100.0))
    }

    /// 序时进度 for people.
    pub fn pace_pct(&self) -> String {
        format!("{:.1}%", self.pace * 100.0)
    }

    /// How far progress is behind pace, as a share (0.31 = 31 points): work not started is
    /// behind by the whole pace; `None` for work under way without a measure. Negative when
    /// ahead.
    pub fn gap(&self) -> Option<f64> {
        match self.progress {
            Some(p) => Some(self.pace - p),
            None if self.status == domain::Status::NotStarted.key() => Some(self.pace),
            None => None,
        }
    }

    /// [`StatusView::gap`] in percentage points, for people.
    pub fn gap_points(&self) -> Option<f64> {
        self.gap().map(|g| g * 100.0)
    }
}

impl From<&Assessment> for StatusView {
    fn from(a: &Assessment) -> Self {
        StatusView {
            status: a.status.key().to_string(),
            label: a.label().to_string(),
            colour: a.colour.key().to_string(),
            progress: a.progress,
            pace: a.pace,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CountsView {
    pub total: usize,
    /// Status key → count, every status present.
    pub counts: BTreeMap<String, usize>,
    /// Status key → share of the total, 0–1.
    pub shares: BTreeMap<String, f64>,
    /// How many are on or ahead of pace (已完成, 超序时, 序时推进), and their share (none when
    /// there is nothing to count): `domain::StatusCounts::on_pace`.
    pub on_pace: usize,
    pub on_pace_share: Option<f64>,
}

impl From<&StatusCounts> for CountsView {
    fn from(c: &StatusCounts) -> Self {
        CountsView {
            total: c.total(),
            counts: Status::ALL.iter().map(|s| (s.key().to_string(), c.count(*s))).collect(),
            shares: Status::ALL.iter().map(|s| (s.key().to_string(), c.share(*s))).collect(),
            on_pace: c.on_pace(),
            on_pace_share: c.on_pace_share(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AssignmentView {
    pub assignment_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub role: String,
    pub via_group: Option<String>,
    pub status: StatusView,
    /// The state of this period's report (new, draft, submitted, returned, approved).
    pub report_state: String,
    /// Indicator id → the unit's latest reported value.
    pub values: BTreeMap<i64, f64>,
    /// Milestone id → the day the unit finished it (approved reports only).
    pub milestones_done: BTreeMap<i64, String>,
    /// The assessment itself, for documents built on the rules (the bulletin).
    #[serde(skip)]
    pub assessment: Assessment,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    #[serde(flatten)]
    pub task: Task,
    pub status: StatusView,
    pub indicators: Vec<Indicator>,
    pub milestones: Vec<Milestone>,
    pub units: Vec<AssignmentView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SectionView {
    pub number: i64,
    pub title: String,
    pub status: StatusView,
    pub counts: CountsView,
    pub items: Vec<TaskView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitCounts {
    pub unit_id: i64,
    pub unit_name: String,
    pub counts: CountsView,
}

#[derive(Debug, Clone, Serialize)]
pub struct SectionCounts {
    pub number: i64,
    pub title: String,
    pub counts: CountsView,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub plan_id: i64,
    pub period: String,
    pub as_of: String,
    /// Items (tasks) by status.
    pub items: CountsView,
    /// Assignments by status.
    pub assignments: CountsView,
    pub by_section: Vec<SectionCounts>,
    pub by_unit: Vec<UnitCounts>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    pub plan: PlanRow,
    pub period: String,
    pub as_of: String,
    pub status: StatusView,
    pub sections: Vec<SectionView>,
    pub dashboard: Dashboard,
}

/// A plan's dashboard for a month: its plan view and the month's visit and 督办件 figures,
/// both as of one state of the data (see [`Store::dashboard_view`]).
#[derive(Debug)]
pub struct DashboardView {
    pub plan: Arc<SharedPlanView>,
    pub visits: Arc<crate::inspections::VisitBulletin>,
}

/// A dashboard as the cache shares it.
pub type SharedDashboard = Shared<DashboardView>;

/// The latest non-draft report of an assignment up to a period.
#[derive(Default)]
struct Latest {
    values: BTreeMap<i64, f64>,
    /// Milestone id → the earliest day an approved report said it was done.
    milestones_done: BTreeMap<i64, NaiveDate>,
    self_status: Option<String>,
    count: u32,
}

impl Store {
    pub async fn assignment(&self, id: i64) -> Result<crate::plans::Assignment> {
        use crate::plans::{ASSIGNMENT_COLUMNS, ASSIGNMENT_FROM};
        let r = sqlx::query(sql!("SELECT {ASSIGNMENT_COLUMNS} FROM {ASSIGNMENT_FROM} WHERE a.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(crate::plans::assignment_from_row(&r))
    }

    /// Status of every assignment, item and section of a plan for a period (the current
    /// month when `None`), as of the period's last day or today, whichever is earlier.
    ///
    /// The view is computed once per state of the data and shared: every dashboard, plan page
    /// and API read of the same plan, month and day between two changes gets the same value,
    /// and concurrent requests for a view not yet computed wait for one computation instead of
    /// each doing it. The data version (raised by triggers with every change, in the changing
    /// transaction) is read before the data, so a view is never kept under a version newer
    /// than what it was computed from.
    pub async fn plan_view(
        &self,
        plan_id: i64,
        period: Option<Period>,
        today: NaiveDate,
        th: &Thresholds,
    ) -> Result<Arc<SharedPlanView>> {
        let version = self.data_version().await?;
        self.plan_view_at(version, plan_id, period, today, th).await
    }

    /// [`Store::plan_view`] as of data version `version`, read by the caller before anything
    /// else (so that a view is never kept under a version newer than its data).
    async fn plan_view_at(
        &self,
        version: i64,
        plan_id: i64,
        period: Option<Period>,
        today: NaiveDate,
        th: &Thresholds,
    ) -> Result<Arc<SharedPlanView>> {
        let period = period.unwrap_or_else(|| Period::containing(today));
        let as_of = today.min(period.last_day());
        let key = ViewKey { plan_id, period: period.to_string(), as_of, thresholds: cache::threshold_bits(th) };
        let cell = self.views.plans.slot(key, version);
        let view = cell
            .get_or_try_init(|| async {
                // A few at a time: each holds a plan's rows (and the school data) while it
                // runs, and a burst of first requests for many plans must not hold them all.
                // The semaphore is never closed, so acquiring it cannot fail; were it closed,
                // the request fails rather than the server.
                let _turn = self
                    .views
                    .computing
                    .acquire()
                    .await
                    .map_err(|_| StoreError::Db(sqlx::Error::Protocol("计算视图的信号量已关闭".into())))?;
                let view = self.compute_plan_view(plan_id, period, as_of, th, version).await?;
                Ok::<_, StoreError>(Arc::new(Shared::new(view)))
            })
            .await?;
        Ok(view.clone())
    }

    /// A plan's dashboard for a month (the current one when `None`): its plan view and the
    /// month's visit and 督办件 figures, both as of one data version, shared with its JSON
    /// like the plan view, so that a dashboard read between two changes is a cache lookup
    /// and the same bytes.
    pub async fn dashboard_view(
        &self,
        plan_id: i64,
        period: Option<Period>,
        today: NaiveDate,
        th: &Thresholds,
    ) -> Result<Arc<SharedDashboard>> {
        let version = self.data_version().await?;
        let period = period.unwrap_or_else(|| Period::containing(today));
        let key = DashboardKey { plan_id, period, today, thresholds: cache::threshold_bits(th) };
        let cell = self.views.dashboards.slot(key, version);
        let dashboard = cell
            .get_or_try_init(|| async {
                let plan = self.plan_view_at(version, plan_id, Some(period), today, th).await?;
                let visits = self.visit_bulletin_at(version, period, today).await?;
                Ok::<_, StoreError>(Arc::new(Shared::new(DashboardView { plan, visits })))
            })
            .await?;
        Ok(dashboard.clone())
    }

    /// The figures targets bound to school data take, as of a day, computed once per data
    /// version (every plan of a province shares them, and they come from every school).
    async fn shared_bound_figures(&self, until: NaiveDate, version: i64) -> Result<Arc<crate::schools::BoundFigures>> {
        let cell = self.views.figures.slot(until, version);
        Ok(cell.get_or_try_init(|| async { self.bound_figures(until).await.map(Arc::new) }).await?.clone())
    }

    /// The plan view computed from the stored data (`plan_view` serves it from the cache).
    async fn compute_plan_view(
        &self,
        plan_id: i64,
        period: Period,
        as_of: NaiveDate,
        th: &Thresholds,
        version: i64,
    ) -> Result<PlanView> {
        let plan = self.plan(plan_id).await?;
        let tasks = self.tasks(plan_id).await?;
        let assignments = self.assignments(plan_id, None).await?;
        let indicators = self.plan_indicators(plan_id).await?;
        let milestones = self.plan_milestones(plan_id).await?;
        let latest = self.latest_reports(plan_id, period).await?;
        let states = self.report_states(plan_id, period).await?;
        // Targets bound to school data take their value from it, not from reports.
        let (figures, districts) = if indicators.iter().any(|i| i.source.is_some()) {
            let districts: std::collections::HashSet<i64> =
                self.units().await?.into_iter().filter(|u| u.kind == "district").map(|u| u.id).collect();
            (self.shared_bound_figures(period.last_day(), version).await?, districts)
        } else {
            Default::default()
        };

        let mut section_views: Vec<SectionView> = Vec::new();
        let mut all_assessments = Vec::new();
        let mut task_assessments = Vec::new();
        let mut task_sections = Vec::new();
        let mut by_unit: BTreeMap<(i64, String), Vec<Status>> = BTreeMap::new();
        for task in tasks {
            let inds: Vec<Indicator> = indicators.iter().filter(|i| i.task_id == task.id).cloned().collect();
            let marks: Vec<Milestone> = milestones.iter().filter(|m| m.task_id == task.id).cloned().collect();
            let mut units = Vec::new();
            let mut assessed = Vec::new();
            for a in assignments.iter().filter(|a| a.task_id == task.id) {
                let l = latest.get(&a.id);
                let mut values = l.map(|l| l.values.clone()).unwrap_or_default();
                for i in &inds {
                    if let Some(source) = &i.source {
                        let bound =
                            crate::schools::bound_value(&figures, source, &a.unit_name, districts.contains(&a.unit_id));
                        match bound {
                            Some(v) => values.insert(i.id, v),
                            None => values.remove(&i.id),
                        };
                    }
                }
                let facts = facts(&task, a.unit_id, &inds, &marks, l, &values);
                let assessment = domain::assess(&facts, as_of, th);
                by_unit.entry((a.unit_id, a.unit_name.clone())).or_default().push(assessment.status);
                units.push(AssignmentView {
                    assignment_id: a.id,
                    unit_id: a.unit_id,
                    unit_name: a.unit_name.clone(),
                    role: a.role.clone(),
                    via_group: a.via_group.clone(),
                    status: StatusView::from(&assessment),
                    report_state: states.get(&a.id).cloned().unwrap_or_else(|| ReportState::New.key().to_string()),
                    values,
                    milestones_done: l
                        .map(|l| l.milestones_done.iter().map(|(id, day)| (*id, day.to_string())).collect())
                        .unwrap_or_default(),
                    assessment,
                });
                assessed.push(assessment);
            }
            let task_status = domain::roll_up(&assessed, th);
            all_assessments.extend(assessed);
            task_assessments.push(task_status);
            task_sections.push(task.section);
            let view = TaskView {
                task: task.clone(),
                status: StatusView::from(&task_status),
                indicators: inds,
                milestones: marks,
                units,
            };
            match section_views.last_mut() {
                Some(s) if s.number == task.section => s.items.push(view),
                _ => section_views.push(SectionView {
                    number: task.section,
                    title: task.section_title.clone(),
                    status: StatusView::from(&task_status),
                    counts: CountsView::from(&StatusCounts::default()),
                    items: vec![view],
                }),
            }
        }
        for s in &mut section_views {
            let children: Vec<Assessment> =
                task_assessments.iter().zip(&task_sections).filter(|(_, n)| **n == s.number).map(|(a, _)| *a).collect();
            s.status = StatusView::from(&domain::roll_up(&children, th));
            s.counts = CountsView::from(&children.iter().map(|a| a.status).collect::<StatusCounts>());
        }
        let plan_status = domain::roll_up(&task_assessments, th);
        let dashboard = Dashboard {
            plan_id,
            period: period.to_string(),
            as_of: as_of.to_string(),
            items: CountsView::from(&task_assessments.iter().map(|a| a.status).collect::<StatusCounts>()),
            assignments: CountsView::from(&all_assessments.iter().map(|a| a.status).collect::<StatusCounts>()),
            by_section: section_views
                .iter()
                .map(|s| SectionCounts { number: s.number, title: s.title.clone(), counts: s.counts.clone() })
                .collect(),
            by_unit: by_unit
                .into_iter()
                .map(|((unit_id, unit_name), statuses)| UnitCounts {
                    unit_id,
                    unit_name,
                    counts: CountsView::from(&statuses.into_iter().collect::<StatusCounts>()),
                })
                .collect(),
        };
        Ok(PlanView {
            plan,
            period: period.to_string(),
            as_of: as_of.to_string(),
            status: StatusView::from(&plan_status),
            sections: section_views,
            dashboard,
        })
    }

    /// Per assignment: the latest approved report up to `period`, its values, and how many
    /// approved reports there are. Status counts reviewed data only: what a unit submitted
    /// moves its status once the supervision office has accepted it.
    async fn latest_reports(&self, plan_id: i64, period: Period) -> Result<HashMap<i64, Latest>> {
        let rows = sqlx::query(
            "SELECT r.id, r.assignment_id, r.self_status FROM reports r JOIN assignments a ON a.id = r.assignment_id \
             JOIN tasks t ON t.id = a.task_id WHERE t.plan_id = $1 AND r.period <= $2 AND r.state = 'approved' \
             ORDER BY r.period",
        )
        .bind(plan_id)
        .bind(period.to_string())
        .fetch_all(&self.pool)
        .await?;
        let values = sqlx::query(
            "SELECT v.report_id, v.indicator_id, v.value FROM report_values v JOIN reports r ON r.id = v.report_id \
             JOIN assignments a ON a.id = r.assignment_id JOIN tasks t ON t.id = a.task_id \
             WHERE t.plan_id = $1 AND r.period <= $2 AND r.state = 'approved'",
        )
        .bind(plan_id)
        .bind(period.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut by_report: HashMap<i64, BTreeMap<i64, f64>> = HashMap::new();
        for v in &values {
            by_report.entry(v.get(0)).or_default().insert(v.get(1), v.get(2));
        }
        let done = sqlx::query(
            "SELECT r.assignment_id, m.milestone_id, m.done_on FROM report_milestones m JOIN reports r ON r.id = m.report_id \
             JOIN assignments a ON a.id = r.assignment_id JOIN tasks t ON t.id = a.task_id \
             WHERE t.plan_id = $1 AND r.period <= $2 AND r.state = 'approved'",
        )
        .bind(plan_id)
        .bind(period.to_string())
        .fetch_all(&self.pool)
        .await?;
        let mut out: HashMap<i64, Latest> = HashMap::new();
        for r in &rows {
            let report_id: i64 = r.get(0);
            let entry = out.entry(r.get(1)).or_default();
            entry.count += 1;
            entry.self_status = r.get(2);
            // Values carry forward: a month that does not restate a figure keeps the last one.
            for (k, v) in by_report.get(&report_id).into_iter().flatten() {
                entry.values.insert(*k, *v);
            }
        }
        for d in &done {
            let Ok(day) = NaiveDate::parse_from_str(&d.get::<String, _>(2), "%Y-%m-%d") else { continue };
            let entry = out.entry(d.get(0)).or_default();
            let slot = entry.milestones_done.entry(d.get(1)).or_insert(day);
            *slot = (*slot).min(day);
        }
        Ok(out)
    }

    async fn report_states(&self, plan_id: i64, period: Period) -> Result<HashMap<i64, String>> {
        let rows = sqlx::query(
            "SELECT r.assignment_id, r.state FROM reports r JOIN assignments a ON a.id = r.assignment_id \
             JOIN tasks t ON t.id = a.task_id WHERE t.plan_id = $1 AND r.period = $2",
        )
        .bind(plan_id)
        .bind(period.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// The data version: raised by triggers in every transaction that changes what views
    /// are computed from (migration `0010_data_version`), whichever process or tool makes it.
    ///
    /// Concurrent callers share a query that starts after each of them asked (see
    /// [`crate::coalesce`]): the answer is never older than a query of one's own would give.
    ///
    /// On SQLite it is read on the calling thread where it can be (see [`crate::direct_read`]),
    /// which is the same read without the hand-off to the pool's threads.
    pub async fn data_version(&self) -> Result<i64> {
        if let Some(version) = self.direct.as_ref().and_then(|direct| direct.data_version()) {
            return Ok(version);
        }
        self.versions
            .read(|| async {
                Ok(sqlx::query("SELECT version FROM data_version WHERE id = 1").fetch_one(&self.pool).await?.get(0))
            })
            .await
    }
}

fn facts(
    task: &Task,
    unit_id: i64,
    indicators: &[Indicator],
    milestones: &[Milestone],
    latest: Option<&Latest>,
    // The unit's latest values: reported, or for bound targets, from the school data.
    values: &BTreeMap<i64, f64>,
) -> AssignmentFacts {
    let parse = |s: &str, fallback: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(fallback, "%Y-%m-%d"))
    };
    let start = parse(&task.start_date, "2000-01-01").unwrap_or_default();
    let deadline = parse(&task.deadline, &task.start_date).unwrap_or(start);
    let targets = indicators
        .iter()
        .map(|i| TargetFact { spec: i.spec_for(unit_id), baseline: i.baseline, actual: values.get(&i.id).copied() })
        .collect();
    let self_assessed = latest
        .and_then(|l| l.self_status.as_deref())
        .and_then(|s| Status::ALL.iter().copied().find(|st| st.key() == s));
    AssignmentFacts {
        start,
        deadline,
        targets,
        // Only milestones the office has scheduled count: publishing dates every measure at
        // the plan's year end, and such dates would hold pace at zero until December.
        milestones: milestones
            .iter()
            .filter(|m| m.scheduled)
            .filter_map(|m| {
                Some(domain::Milestone {
                    due: NaiveDate::parse_from_str(&m.due_date, "%Y-%m-%d").ok()?,
                    done_on: latest.and_then(|l| l.milestones_done.get(&m.id).copied()),
                })
            })
            .collect(),
        reports: latest.map_or(0, |l| l.count),
        self_assessed,
        declared_complete: self_assessed == Some(Status::Completed),
    }
}

impl PlanView {
    /// The view as a unit sees the work of the others (and, in this shared form, its own):
    /// report states before approval are not shown (`domain::visibility`). Status, targets and
    /// values are computed from approved reports only and stay as they are.
    pub fn for_peers(&self) -> PlanView {
        let mut view = self.clone();
        for item in view.sections.iter_mut().flat_map(|s| s.items.iter_mut()) {
            for unit in &mut item.units {
                unit.report_state = domain::visibility::peer_report_state(&unit.report_state).to_string();
            }
        }
        view
    }
}
