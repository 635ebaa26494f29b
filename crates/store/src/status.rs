//! Status as users see it: gathers the facts of every assignment of a plan from the stored
//! data (a handful of queries, not one per row) and hands them to `domain::assess` — the one
//! function that computes status — then rolls them up with `domain::roll_up`. Pages, the API
//! and exports all call this.

use crate::plans::{Indicator, Milestone, PlanRow, Task};
use crate::reports::ReportState;
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use domain::{Assessment, AssignmentFacts, Period, Status, StatusCounts, TargetFact, Thresholds};
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusView {
    /// completed, ahead, on_pace, behind, not_started, overdue
    pub status: String,
    /// 已完成, 超序时, 序时推进, 滞后, 未启动, 逾期
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
}

impl From<&Assessment> for StatusView {
    fn from(a: &Assessment) -> Self {
        StatusView {
            status: a.status.key().to_string(),
            label: a.status.label().to_string(),
            colour: a.colour.key().to_string(),
            progress: a.progress,
            pace: a.pace,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
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

#[derive(Debug, Clone, Serialize, ToSchema)]
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
    #[schema(ignore)]
    pub assessment: Assessment,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskView {
    #[serde(flatten)]
    pub task: Task,
    pub status: StatusView,
    pub indicators: Vec<Indicator>,
    pub milestones: Vec<Milestone>,
    pub units: Vec<AssignmentView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SectionView {
    pub number: i64,
    pub title: String,
    pub status: StatusView,
    pub counts: CountsView,
    pub items: Vec<TaskView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitCounts {
    pub unit_id: i64,
    pub unit_name: String,
    pub counts: CountsView,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SectionCounts {
    pub number: i64,
    pub title: String,
    pub counts: CountsView,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanView {
    pub plan: PlanRow,
    pub period: String,
    pub as_of: String,
    pub status: StatusView,
    pub sections: Vec<SectionView>,
    pub dashboard: Dashboard,
}

/// One row of a reporter's (or the bureau's) work list for a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkItem {
    pub assignment_id: i64,
    pub plan_id: i64,
    pub task_id: i64,
    pub item_label: String,
    pub title: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub role: String,
    pub period: String,
    pub due_date: String,
    pub report_state: String,
    pub report_state_label: String,
    pub late: bool,
    pub review_comment: Option<String>,
}

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
        let r = sqlx::query(
            "SELECT a.id, a.task_id, a.unit_id, u.name, a.role, a.via_group FROM assignments a JOIN units u ON u.id = a.unit_id WHERE a.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(crate::plans::Assignment {
            id: r.get(0),
            task_id: r.get(1),
            unit_id: r.get(2),
            unit_name: r.get(3),
            role: r.get(4),
            via_group: r.get(5),
        })
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
        let period = period.unwrap_or_else(|| Period::containing(today));
        let as_of = today.min(period.last_day());
        let version = self.data_version().await?;
        let key = ViewKey {
            plan_id,
            period: period.to_string(),
            as_of,
            thresholds: [th.ahead_margin.to_bits(), th.yellow_gap.to_bits(), th.red_gap.to_bits()],
        };
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

    /// The work list for a period: one row per assignment of published plans (of one unit,
    /// or all), returned reports first, then the rest in plan order.
    pub async fn worklist(&self, unit_id: Option<i64>, period: Period, due_day: u32) -> Result<Vec<WorkItem>> {
        match unit_id {
            Some(unit_id) => Ok(self.unit_worklist(unit_id, period, due_day).await?.to_vec()),
            None => self.compute_worklist(None, period, due_day).await,
        }
    }

    /// A unit's work for a period, computed once per state of the data and shared (with its
    /// JSON) by every request for it until the data changes — a reporter's home page and task
    /// list are the most asked-for reads of the month's last days. The bureau's whole list,
    /// thousands of rows at a province's scale, is read each time rather than kept.
    pub async fn unit_worklist(
        &self,
        unit_id: i64,
        period: Period,
        due_day: u32,
    ) -> Result<Arc<Shared<Vec<WorkItem>>>> {
        // Read before the data, so that a list is never kept under a newer version than the
        // one it was computed from.
        let version = self.data_version().await?;
        let cell = self.views.worklists.slot(WorklistKey { unit_id, period, due_day }, version);
        let list = cell
            .get_or_try_init(|| async {
                let list = self.compute_worklist(Some(unit_id), period, due_day).await?;
                Ok::<_, StoreError>(Arc::new(Shared::new(list)))
            })
            .await?;
        Ok(list.clone())
    }

    /// The data version: raised by triggers in every transaction that changes what views
    /// are computed from (migration `0010_data_version`), whichever process or tool makes it.
    async fn data_version(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT version FROM data_version WHERE id = 1").fetch_one(&self.pool).await?.get(0))
    }

    /// The work list as stored.
    async fn compute_worklist(&self, unit_id: Option<i64>, period: Period, due_day: u32) -> Result<Vec<WorkItem>> {
        // Two texts rather than "$2 IS NULL OR a.unit_id = $2": SQLite cannot use the unit
        // index for that, and a reporter's list would scan every assignment of the province.
        let unit_filter = if unit_id.is_some() { "a.unit_id = $2" } else { "$2 IS NULL" };
        let rows = sqlx::query(sql!(
            "SELECT a.id, t.plan_id, t.id, t.item_label, t.title, a.unit_id, u.name, a.role, r.state, r.late, r.review_comment \
             FROM assignments a JOIN tasks t ON t.id = a.task_id JOIN plans p ON p.id = t.plan_id JOIN units u ON u.id = a.unit_id \
             LEFT JOIN reports r ON r.assignment_id = a.id AND r.period = $1 \
             WHERE p.status = 'published' AND {unit_filter} ORDER BY t.plan_id, t.position, a.id"
        ))
        .bind(period.to_string())
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        let due = period.due_date(due_day).to_string();
        let mut items: Vec<WorkItem> = rows
            .iter()
            .map(|r| {
                let state: Option<String> = r.get(8);
                let state = state.as_deref().map_or(ReportState::New, ReportState::parse);
                WorkItem {
                    assignment_id: r.get(0),
                    plan_id: r.get(1),
                    task_id: r.get(2),
                    item_label: r.get(3),
                    title: r.get(4),
                    unit_id: r.get(5),
                    unit_name: r.get(6),
                    role: r.get(7),
                    period: period.to_string(),
                    due_date: due.clone(),
                    report_state: state.key().to_string(),
                    report_state_label: state.label().to_string(),
                    late: r.get::<Option<i64>, _>(9).is_some_and(|l| l != 0),
                    review_comment: r.get(10),
                }
            })
            .collect();
        items.sort_by_key(|w| w.report_state != "returned");
        Ok(items)
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

/// What a plan view depends on besides the data: the plan, the month, the day it is
/// assessed on, the thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ViewKey {
    plan_id: i64,
    period: String,
    as_of: NaiveDate,
    thresholds: [u64; 3],
}

/// What a unit's work list depends on besides the data.
#[derive(Debug, Clone, PartialEq, Eq)]
struct WorklistKey {
    unit_id: i64,
    period: Period,
    due_day: u32,
}

/// A value computed from the stored data, shared by everyone who asks for it while the data
/// stands (it dereferences to the value), with its JSON serialised once when first asked
/// for: the API sends the same bytes to every caller instead of serialising per request.
#[derive(Debug)]
pub struct Shared<T> {
    value: T,
    json: std::sync::OnceLock<std::result::Result<bytes::Bytes, String>>,
    gzip: std::sync::OnceLock<std::result::Result<bytes::Bytes, String>>,
    /// A second form of the value for a narrower audience (a plan view as another unit may
    /// see it), made once and shared like the value itself.
    narrowed: std::sync::OnceLock<Arc<Shared<T>>>,
}

impl<T: Serialize> Shared<T> {
    fn new(value: T) -> Self {
        Shared {
            value,
            json: std::sync::OnceLock::new(),
            gzip: std::sync::OnceLock::new(),
            narrowed: std::sync::OnceLock::new(),
        }
    }

    /// The value as `narrow` makes it for a narrower audience, computed once per shared value
    /// (so once per state of the data) however many requests ask. `narrow` must be the same
    /// function at every call: the first result is kept.
    pub fn narrowed(&self, narrow: impl FnOnce(&T) -> T) -> Arc<Shared<T>> {
        self.narrowed.get_or_init(|| Arc::new(Shared::new(narrow(&self.value)))).clone()
    }

    /// The JSON compressed with gzip, made once when first asked for: for a client that
    /// accepts it (every browser does), a city's plan crosses the network in a tenth of its
    /// size, and no request but the first pays for the compression.
    pub fn json_gzip(&self) -> std::result::Result<bytes::Bytes, String> {
        self.gzip
            .get_or_init(|| {
                use std::io::Write;
                let json = self.json()?;
                let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(&json).map_err(|e| e.to_string())?;
                encoder.finish().map(bytes::Bytes::from).map_err(|e| e.to_string())
            })
            .clone()
    }

    /// The value as JSON (the same text `serde_json` makes of it). Cloning the bytes shares them.
    pub fn json(&self) -> std::result::Result<bytes::Bytes, String> {
        self.json
            .get_or_init(|| serde_json::to_vec(&self.value).map(bytes::Bytes::from).map_err(|e| e.to_string()))
            .clone()
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// A computed plan view as the cache shares it.
pub type SharedPlanView = Shared<PlanView>;

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

/// Values computed from the stored data, each in a slot that everyone asking for the same key
/// and data version at the same time shares (the first computes, the others wait for it).
/// Bounded: entries of older data versions go first — nobody will ask for them again — and
/// past the bound the oldest are dropped.
struct Slots<K, V> {
    entries: Mutex<Vec<Slot<K, V>>>,
    limit: usize,
}

/// A key, the data version, and the value computed (or being computed) for them.
type Slot<K, V> = (K, i64, Arc<OnceCell<V>>);

impl<K: PartialEq, V> Slots<K, V> {
    fn new(limit: usize) -> Self {
        Slots { entries: Mutex::new(Vec::new()), limit }
    }

    /// The slot for `key` as of data version `version`.
    fn slot(&self, key: K, version: i64) -> Arc<OnceCell<V>> {
        // Never held across an await: only the list is guarded, not the computation.
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, _, cell)) = entries.iter().find(|(k, v, _)| *v == version && *k == key) {
            return cell.clone();
        }
        entries.retain(|(_, v, _)| *v >= version);
        if entries.len() >= self.limit {
            entries.remove(0);
        }
        let cell = Arc::new(OnceCell::new());
        entries.push((key, version, cell.clone()));
        cell
    }

    fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }
}

/// What this process computed from the stored data and keeps while the data version stands.
pub(crate) struct ViewCache {
    /// Plan views: enough for every plan of a province for this month and the last, for a few
    /// days (a view is a few hundred kilobytes for a city's plan).
    plans: Slots<ViewKey, Arc<SharedPlanView>>,
    /// The school-data figures, by the day they are taken on.
    figures: Slots<NaiveDate, Arc<crate::schools::BoundFigures>>,
    /// Units' work lists (a few dozen rows each): the busiest units of a month.
    worklists: Slots<WorklistKey, Arc<Shared<Vec<WorkItem>>>>,
    /// Views computed at the same time, at most.
    computing: tokio::sync::Semaphore,
}

impl Default for ViewCache {
    fn default() -> Self {
        ViewCache {
            plans: Slots::new(64),
            figures: Slots::new(8),
            worklists: Slots::new(1024),
            computing: tokio::sync::Semaphore::new(2),
        }
    }
}

impl std::fmt::Debug for ViewCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ViewCache")
            .field("plans", &self.plans.len())
            .field("figures", &self.figures.len())
            .field("worklists", &self.worklists.len())
            .finish()
    }
}
