//! Plans: an imported document (the original kept) with its parsed structure, published into
//! tasks (one per item), assignments (one per responsible unit, groups expanded), indicators
//! (the item's quantitative targets) and milestones (its events, documents and targets).

use crate::search::Doc;
use crate::{Result, Store, StoreError, now, now_on};
use chrono::NaiveDate;
use plan::{MeasureKind, Plan, Role as UnitRole};
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// The most unit responsibilities one plan may make once groups are expanded: with
/// `plan::limits::MAX_ITEMS` items, forty units each.
pub const MAX_ASSIGNMENTS: usize = 20_000;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PlanRow {
    pub id: i64,
    pub title: String,
    pub year: Option<i64>,
    /// draft → published → archived
    pub status: String,
    pub source_name: String,
    pub created_at: String,
    pub published_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Task {
    pub id: i64,
    pub plan_id: i64,
    pub section: i64,
    pub section_title: String,
    pub item_number: i64,
    pub item_label: String,
    pub title: String,
    pub body: String,
    pub start_date: String,
    pub deadline: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Assignment {
    pub id: i64,
    pub task_id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    /// responsible, lead or co
    pub role: String,
    /// The group the unit was reached through ("各区(市)"), if any.
    pub via_group: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Indicator {
    pub id: i64,
    pub task_id: i64,
    pub subject: String,
    pub value: f64,
    pub max_value: Option<f64>,
    pub unit: String,
    pub comparator: String,
    /// The value at the start of the plan, when known: progress counts from it.
    pub baseline: Option<f64>,
    pub per_scope: Option<String>,
    pub deadline: String,
    /// The target broken down per unit (unit id → that unit's own target value); a unit
    /// without a share is measured against the whole target.
    pub breakdown: BTreeMap<i64, f64>,
    /// A figure of the school data the value comes from (see `schools::sources`); units do
    /// not report a bound target.
    pub source: Option<String>,
}

impl Indicator {
    /// The target one unit is measured against: its share when the target is broken down.
    pub fn spec_for(&self, unit_id: i64) -> domain::TargetSpec {
        domain::TargetSpec {
            value: self.breakdown.get(&unit_id).copied().unwrap_or(self.value),
            max: self.max_value,
            comparator: domain::Comparator::parse_or_floor(&self.comparator),
            unit: self.unit.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Milestone {
    pub id: i64,
    pub task_id: i64,
    pub text: String,
    pub kind: String,
    pub due_date: String,
    /// The office has set the due date. Only scheduled milestones drive pace: publishing gives
    /// every measure the plan's year end, which would make pace zero until December.
    pub scheduled: bool,
}

/// What publishing made.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Published {
    pub tasks: usize,
    pub assignments: usize,
    pub indicators: usize,
    pub milestones: usize,
}

fn role_key(r: UnitRole) -> &'static str {
    match r {
        UnitRole::Responsible => "responsible",
        UnitRole::Lead => "lead",
        UnitRole::Co => "co",
    }
}

/// A deadline written as "2024年底" / "2024年6月底" → an ISO date; the plan's year end when
/// nothing more precise is written.
pub fn deadline_date(written: Option<&str>, year: i32) -> String {
    let year_end = format!("{year:04}-12-31");
    let Some(w) = written else { return year_end };
    let digits: Vec<u32> = w.split(|c: char| !c.is_ascii_digit()).filter_map(|p| p.parse().ok()).collect();
    match digits.as_slice() {
        [y, m, ..] if (1..=12).contains(m) => {
            let last = chrono::NaiveDate::from_ymd_opt(*y as i32, *m, 1)
                .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
                .and_then(|d| d.pred_opt());
            last.map_or(year_end, |d| d.format("%Y-%m-%d").to_string())
        }
        [y, ..] if (2000..=2100).contains(y) => format!("{y:04}-12-31"),
        _ => year_end,
    }
}

const PLAN_COLUMNS: &str = "id, title, year, status, source_name, created_at, published_at";

fn plan_from_row(r: &sqlx::any::AnyRow) -> PlanRow {
    PlanRow {
        id: r.get("id"),
        title: r.get("title"),
        year: r.get("year"),
        status: r.get("status"),
        source_name: r.get("source_name"),
        created_at: r.get("created_at"),
        published_at: r.get("published_at"),
    }
}

impl Store {
    /// Stores an imported document and its parsed plan as a draft.
    pub async fn import_plan(
        &self,
        source_name: &str,
        bytes: &[u8],
        parsed: &Plan,
        user_id: Option<i64>,
    ) -> Result<i64> {
        let json = serde_json::to_string(parsed).map_err(|e| StoreError::invalid("plan", e.to_string()))?;
        let row = sqlx::query(
            "INSERT INTO plans (title, year, status, source_name, source_format, source_bytes, parsed_json, created_at, created_by) \
             VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&parsed.title)
        .bind(parsed.meta.year.map(i64::from))
        .bind(source_name)
        .bind(&parsed.format)
        .bind(bytes.to_vec())
        .bind(json)
        .bind(now())
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get(0))
    }

    /// The newest published plan: what pages, the dashboard and the commands show when no
    /// plan is named.
    pub async fn current_plan(&self) -> Result<Option<i64>> {
        Ok(self.plans().await?.into_iter().filter(|p| p.status == "published").map(|p| p.id).max())
    }

    pub async fn plans(&self) -> Result<Vec<PlanRow>> {
        let rows = sqlx::query(sql!("SELECT {PLAN_COLUMNS} FROM plans ORDER BY id")).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(plan_from_row).collect())
    }

    pub async fn plan(&self, id: i64) -> Result<PlanRow> {
        let row = sqlx::query(sql!("SELECT {PLAN_COLUMNS} FROM plans WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(plan_from_row).ok_or(StoreError::NotFound)
    }

    /// Refuses (422, field `period`) a period a request names for plan `plan_id` that lies
    /// outside the plan's year or after `open` (`Period::check_for_plan`); `NotFound` for no
    /// such plan.
    pub async fn check_plan_period(&self, plan_id: i64, period: domain::Period, open: domain::Period) -> Result<()> {
        let year = self.plan(plan_id).await?.year;
        period
            .check_for_plan(year.and_then(|y| i32::try_from(y).ok()), open)
            .map_err(|m| StoreError::invalid("period", m))
    }

    /// [`Store::check_plan_period`] for the plan of an assignment.
    pub async fn check_assignment_period(
        &self,
        assignment_id: i64,
        period: domain::Period,
        open: domain::Period,
    ) -> Result<()> {
        let row = sqlx::query(
            "SELECT p.year FROM assignments a JOIN tasks t ON t.id = a.task_id JOIN plans p ON p.id = t.plan_id \
             WHERE a.id = $1",
        )
        .bind(assignment_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let year: Option<i64> = row.get(0);
        period
            .check_for_plan(year.and_then(|y| i32::try_from(y).ok()), open)
            .map_err(|m| StoreError::invalid("period", m))
    }

    /// The parsed structure of a plan, with the edits made before publishing.
    pub async fn parsed_plan(&self, id: i64) -> Result<Plan> {
        let row =
            sqlx::query("SELECT parsed_json FROM plans WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        let json: String = row.ok_or(StoreError::NotFound)?.get(0);
        serde_json::from_str(&json).map_err(|e| StoreError::invalid("plan", e.to_string()))
    }

    /// Replaces a draft's parsed structure (a reviewer's edits).
    pub async fn update_draft(&self, id: i64, parsed: &Plan) -> Result<()> {
        let json = serde_json::to_string(parsed).map_err(|e| StoreError::invalid("plan", e.to_string()))?;
        let done = sqlx::query("UPDATE plans SET parsed_json = $1, title = $2 WHERE id = $3 AND status = 'draft'")
            .bind(json)
            .bind(&parsed.title)
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            self.plan(id).await?;
            return Err(StoreError::Conflict("只有草稿状态的工作要点可以修改".into()));
        }
        Ok(())
    }

    /// Publishes a draft: every item becomes a task; every responsible unit (each member of
    /// a group) an assignment; targets become indicators and measures milestones, due at the
    /// plan's year end unless the text says otherwise. All or nothing; a plan that lacks a
    /// title, items or responsible units, or is beyond the size bounds, is refused
    /// (`plan::limits::publish_problems`), and of two concurrent publications one gets 409.
    ///
    /// The write transaction holds every other writer of a SQLite database, so it does only
    /// writes: the search words are cut and the rows built before it begins, the directory is
    /// read in three statements, and rows go in as multi-row INSERTs — a few dozen statements
    /// for the largest plan allowed, not one per row.
    ///
    /// `today` is the caller's clock (the server's configured date, a demo's fixed one): a
    /// plan that names no year is `today`'s year, and it is recorded as published on `today`.
    pub async fn publish_plan(&self, id: i64, today: NaiveDate) -> Result<Published> {
        let row = self.plan(id).await?;
        if row.status != "draft" {
            return Err(StoreError::Conflict("该工作要点已发布,不能重复发布".into()));
        }
        let parsed = self.parsed_plan(id).await?;
        let problems = plan::limits::publish_problems(&parsed);
        if !problems.is_empty() {
            return Err(StoreError::invalid("plan", format!("无法发布:{}", problems.join(";"))));
        }
        let year = parsed.meta.year.unwrap_or_else(|| chrono::Datelike::year(&today));
        let start = format!("{year:04}-01-01");
        let year_end = format!("{year:04}-12-31");

        // Everything that needs no database, before the write.
        let link = |task_id: i64| format!("/api/v1/plans/{id}#task-{task_id}");
        struct Prepared<'a> {
            item: &'a plan::Item,
            section_title: String,
            deadline: String,
            doc: Doc,
            /// Measures that become milestones, with their search documents.
            milestones: Vec<(&'a plan::Measure, &'static str, Doc)>,
        }
        let prepared: Vec<Prepared> = parsed
            .items
            .iter()
            .map(|item| {
                let title = format!("{}{}", item.label, item.title);
                let milestones = item
                    .measures
                    .iter()
                    .filter_map(|m| {
                        let kind = match m.kind {
                            MeasureKind::Event => "event",
                            MeasureKind::Document => "document",
                            MeasureKind::Target => "target",
                            _ => return None,
                        };
                        Some((m, kind, Doc::new("measure", 0, title.clone(), m.text.clone(), String::new(), None)))
                    })
                    .collect();
                Prepared {
                    item,
                    section_title: parsed
                        .sections
                        .iter()
                        .find(|s| s.number == item.section)
                        .map(|s| s.title.clone())
                        .unwrap_or_default(),
                    deadline: item.deadline.as_deref().map_or(year_end.clone(), |d| deadline_date(Some(d), year)),
                    doc: Doc::new("item", 0, title, format!("{}{}", item.title, item.body), String::new(), None),
                    milestones,
                }
            })
            .collect();

        let mut tx = self.write_tx().await?;
        // Claim the draft first: a concurrent publication waits here (or finds it gone) and
        // answers 409 instead of making a second set of tasks.
        let claimed = sqlx::query(
            "UPDATE plans SET status = 'published', published_at = $1, year = $2 WHERE id = $3 AND status = 'draft'",
        )
        .bind(now_on(today))
        .bind(i64::from(year))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            return Err(StoreError::Conflict("该工作要点已发布,不能重复发布".into()));
        }

        // The directory, to resolve names, aliases and groups in memory.
        let mut units: HashMap<String, (i64, String)> = sqlx::query("SELECT id, name, kind FROM units")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| (r.get::<String, _>(1), (r.get::<i64, _>(0), r.get::<String, _>(2))))
            .collect();
        let by_id: HashMap<i64, String> = units.iter().map(|(_, (uid, kind))| (*uid, kind.clone())).collect();
        let aliases: HashMap<String, i64> = sqlx::query("SELECT alias, unit_id FROM unit_aliases")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<i64, _>(1)))
            .collect();
        let mut members: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for r in
            sqlx::query("SELECT group_id, member_id FROM group_members ORDER BY member_id").fetch_all(&mut *tx).await?
        {
            members.entry(r.get::<i64, _>(0)).or_default().push(r.get::<i64, _>(1));
        }

        // Tasks.
        let per = crate::sql::rows_per_statement(10);
        for (n, chunk) in prepared.chunks(per).enumerate() {
            let rows = crate::sql::placeholders(chunk.len(), 10);
            let mut q = sqlx::query(sql!(
                "INSERT INTO tasks (plan_id, section, section_title, item_number, item_label, title, body, start_date, \
                 deadline, position) VALUES {rows}"
            ));
            for (k, p) in chunk.iter().enumerate() {
                let position = n * per + k;
                q = q
                    .bind(id)
                    .bind(i64::from(p.item.section))
                    .bind(&p.section_title)
                    .bind(i64::from(p.item.number))
                    .bind(&p.item.label)
                    .bind(&p.item.title)
                    .bind(&p.item.body)
                    .bind(&start)
                    .bind(&p.deadline)
                    .bind(position as i64);
            }
            q.execute(&mut *tx).await?;
        }
        let mut task_ids = vec![0i64; prepared.len()];
        for r in sqlx::query("SELECT id, position FROM tasks WHERE plan_id = $1").bind(id).fetch_all(&mut *tx).await? {
            if let Some(slot) = usize::try_from(r.get::<i64, _>(1)).ok().and_then(|p| task_ids.get_mut(p)) {
                *slot = r.get(0);
            }
        }

        // Assignments: a name unknown to the directory becomes a unit of its own (kind
        // "other") so that no responsibility is silently dropped; a unit named twice
        // (directly and through a group) is assigned once, keeping the first, most specific
        // role.
        let mut assignments: Vec<(i64, i64, &'static str, Option<String>)> = Vec::new();
        for (p, task_id) in prepared.iter().zip(&task_ids) {
            let mut seen = std::collections::HashSet::new();
            for unit in &p.item.units {
                let found = units
                    .get(&unit.name)
                    .cloned()
                    .or_else(|| aliases.get(&unit.name).and_then(|uid| by_id.get(uid).map(|k| (*uid, k.clone()))));
                let (unit_id, kind) = match found {
                    Some(f) => f,
                    None => {
                        let kind = if unit.group { "group" } else { "other" };
                        let uid: i64 = sqlx::query("INSERT INTO units (name, kind) VALUES ($1, $2) RETURNING id")
                            .bind(&unit.name)
                            .bind(kind)
                            .fetch_one(&mut *tx)
                            .await?
                            .get(0);
                        units.insert(unit.name.clone(), (uid, kind.to_string()));
                        (uid, kind.to_string())
                    }
                };
                let (reached, via) = if kind == "group" {
                    (members.get(&unit_id).cloned().unwrap_or_default(), Some(unit.name.clone()))
                } else {
                    (vec![unit_id], None)
                };
                for member in reached {
                    if seen.insert(member) {
                        assignments.push((*task_id, member, role_key(unit.role), via.clone()));
                    }
                }
            }
        }
        if assignments.len() > MAX_ASSIGNMENTS {
            return Err(StoreError::invalid(
                "plan",
                format!(
                    "无法发布:单位组展开后共 {} 项单位责任,上限为 {MAX_ASSIGNMENTS} 项,请拆分工作要点或缩小责任单位范围",
                    assignments.len()
                ),
            ));
        }
        for chunk in assignments.chunks(crate::sql::rows_per_statement(4)) {
            let rows = crate::sql::placeholders(chunk.len(), 4);
            let mut q = sqlx::query(sql!("INSERT INTO assignments (task_id, unit_id, role, via_group) VALUES {rows}"));
            for (task_id, unit_id, role, via) in chunk {
                q = q.bind(*task_id).bind(*unit_id).bind(*role).bind(via.clone());
            }
            q.execute(&mut *tx).await?;
        }

        // Indicators.
        let targets: Vec<(i64, &plan::Target)> =
            prepared.iter().zip(&task_ids).flat_map(|(p, t)| p.item.targets.iter().map(move |x| (*t, x))).collect();
        for chunk in targets.chunks(crate::sql::rows_per_statement(9)) {
            let rows = crate::sql::placeholders(chunk.len(), 9);
            let mut q = sqlx::query(sql!(
                "INSERT INTO indicators (task_id, subject, value, max_value, unit, comparator, per_scope, deadline, \
                 source_text) VALUES {rows}"
            ));
            for (task_id, t) in chunk {
                q = q
                    .bind(*task_id)
                    .bind(&t.subject)
                    .bind(t.value)
                    .bind(crate::Real(t.max))
                    .bind(&t.unit)
                    .bind(t.comparator.symbol())
                    .bind(t.per.clone())
                    .bind(deadline_date(t.deadline.as_deref(), year))
                    .bind(&t.text);
            }
            q.execute(&mut *tx).await?;
        }

        // Milestones, then their ids in the order they went in (each statement numbers its
        // rows in order, and the statements run in order).
        let mut milestones: Vec<(i64, &plan::Measure, &'static str, &str)> = Vec::new();
        for (p, task_id) in prepared.iter().zip(&task_ids) {
            for (m, kind, _) in &p.milestones {
                milestones.push((*task_id, m, kind, &p.deadline));
            }
        }
        for chunk in milestones.chunks(crate::sql::rows_per_statement(5)) {
            let rows = crate::sql::placeholders(chunk.len(), 5);
            let mut q =
                sqlx::query(sql!("INSERT INTO milestones (task_id, text, kind, due_date, scheduled) VALUES {rows}"));
            for (task_id, m, kind, deadline) in chunk {
                // A date the reviewer gave makes the milestone scheduled: it then sets the pace.
                q = q
                    .bind(*task_id)
                    .bind(&m.text)
                    .bind(*kind)
                    .bind(m.due.clone().unwrap_or_else(|| deadline.to_string()))
                    .bind(crate::flag(m.due.is_some()));
            }
            q.execute(&mut *tx).await?;
        }
        let milestone_ids: Vec<(i64, i64)> = sqlx::query(
            "SELECT m.id, m.task_id FROM milestones m JOIN tasks t ON t.id = m.task_id WHERE t.plan_id = $1 ORDER BY m.id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
        if milestone_ids.len() != milestones.len()
            || milestone_ids.iter().zip(&milestones).any(|((_, task), (expected, ..))| task != expected)
        {
            return Err(StoreError::Conflict("发布时工作节点编号不一致,请重试".into()));
        }

        let milestone_count = milestones.len();
        drop(milestones);
        // The search index: the documents made above, now with their ids.
        let mut docs = Vec::with_capacity(prepared.len() + milestone_count);
        let mut next_milestone = milestone_ids.iter();
        for (p, task_id) in prepared.into_iter().zip(&task_ids) {
            let mut doc = p.doc;
            doc.ref_id = *task_id;
            doc.link = link(*task_id);
            docs.push(doc);
            for (_, _, mut doc) in p.milestones {
                doc.ref_id = next_milestone.next().map_or(0, |(mid, _)| *mid);
                doc.link = link(*task_id);
                docs.push(doc);
            }
        }
        crate::search::add_all(&mut tx, &docs).await?;
        tx.commit().await?;
        Ok(Published {
            tasks: task_ids.len(),
            assignments: assignments.len(),
            indicators: targets.len(),
            milestones: milestone_count,
        })
    }

    /// Archives a published plan: it stays readable, leaves work lists and reminders.
    pub async fn archive_plan(&self, id: i64) -> Result<PlanRow> {
        let done = sqlx::query("UPDATE plans SET status = 'archived' WHERE id = $1 AND status = 'published'")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            let row = self.plan(id).await?;
            return Err(StoreError::Conflict(format!("只有已发布的工作要点可以归档(当前状态:{})", row.status)));
        }
        self.plan(id).await
    }

    pub async fn tasks(&self, plan_id: i64) -> Result<Vec<Task>> {
        let rows = sqlx::query(sql!("SELECT {TASK_COLUMNS} FROM tasks WHERE plan_id = $1 ORDER BY position"))
            .bind(plan_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(task_from_row).collect())
    }

    /// The document a plan was imported from, as uploaded.
    pub async fn plan_source(&self, id: i64) -> Result<Vec<u8>> {
        let row = sqlx::query("SELECT source_bytes FROM plans WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.get(0))
    }

    pub async fn task(&self, id: i64) -> Result<Task> {
        let row = sqlx::query(sql!("SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(task_from_row(&row))
    }

    /// Assignments of a plan's tasks, optionally only those of one unit.
    pub async fn assignments(&self, plan_id: i64, unit_id: Option<i64>) -> Result<Vec<Assignment>> {
        let rows = sqlx::query(
            "SELECT a.id, a.task_id, a.unit_id, u.name, a.role, a.via_group FROM assignments a \
             JOIN tasks t ON t.id = a.task_id JOIN units u ON u.id = a.unit_id \
             WHERE t.plan_id = $1 AND ($2 IS NULL OR a.unit_id = $2) ORDER BY t.position, a.id",
        )
        .bind(plan_id)
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Assignment {
                id: r.get(0),
                task_id: r.get(1),
                unit_id: r.get(2),
                unit_name: r.get(3),
                role: r.get(4),
                via_group: r.get(5),
            })
            .collect())
    }

    pub async fn indicators(&self, task_id: i64) -> Result<Vec<Indicator>> {
        let rows = sqlx::query(sql!("SELECT {INDICATOR_COLUMNS} FROM indicators WHERE task_id = $1 ORDER BY id"))
            .bind(task_id)
            .fetch_all(&self.pool)
            .await?;
        let mut list: Vec<Indicator> = rows.iter().map(indicator_from_row).collect();
        self.attach_breakdowns(&mut list).await?;
        Ok(list)
    }

    /// Every indicator of a plan, with its breakdown, in task order.
    pub async fn plan_indicators(&self, plan_id: i64) -> Result<Vec<Indicator>> {
        let rows = sqlx::query(sql!(
            "SELECT {INDICATOR_COLUMNS} FROM indicators WHERE task_id IN (SELECT id FROM tasks WHERE plan_id = $1) \
             ORDER BY id"
        ))
        .bind(plan_id)
        .fetch_all(&self.pool)
        .await?;
        let mut list: Vec<Indicator> = rows.iter().map(indicator_from_row).collect();
        self.attach_breakdowns(&mut list).await?;
        Ok(list)
    }

    /// Records where an indicator stood when the plan began, keeping its breakdown.
    pub async fn set_indicator_baseline(&self, indicator_id: i64, baseline: Option<f64>) -> Result<()> {
        let current = self.indicator(indicator_id).await?;
        self.update_indicator(indicator_id, baseline, &current.breakdown).await.map(|_| ())
    }

    pub async fn indicator(&self, indicator_id: i64) -> Result<Indicator> {
        let row = sqlx::query(sql!("SELECT {INDICATOR_COLUMNS} FROM indicators WHERE id = $1"))
            .bind(indicator_id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut list = vec![indicator_from_row(&row)];
        self.attach_breakdowns(&mut list).await?;
        Ok(list.remove(0))
    }

    pub async fn milestones(&self, task_id: i64) -> Result<Vec<Milestone>> {
        let rows = sqlx::query(sql!("SELECT {MILESTONE_COLUMNS} FROM milestones WHERE task_id = $1 ORDER BY id"))
            .bind(task_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(milestone_from_row).collect())
    }

    /// Every milestone of a plan, in task order.
    pub async fn plan_milestones(&self, plan_id: i64) -> Result<Vec<Milestone>> {
        let rows = sqlx::query(sql!(
            "SELECT {MILESTONE_COLUMNS} FROM milestones WHERE task_id IN (SELECT id FROM tasks WHERE plan_id = $1) \
             ORDER BY task_id, id"
        ))
        .bind(plan_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(milestone_from_row).collect())
    }

    /// Sets a milestone's due date (and optionally rewords it). A scheduled milestone drives
    /// its task's pace, so its date must lie within the task's span.
    pub async fn schedule_milestone(&self, id: i64, due: NaiveDate, text: Option<&str>) -> Result<Milestone> {
        let row = sqlx::query(
            "SELECT t.start_date, t.deadline FROM milestones m JOIN tasks t ON t.id = m.task_id WHERE m.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let start: String = row.get(0);
        let deadline: String = row.get(1);
        let due_text = due.format("%Y-%m-%d").to_string();
        if due_text < start || due_text > deadline {
            return Err(StoreError::invalid(
                "due_date",
                format!("完成时限须在任务起止日期({start} 至 {deadline})之内"),
            ));
        }
        if let Some(t) = text {
            let t = t.trim();
            if t.is_empty() || t.chars().count() > 500 {
                return Err(StoreError::invalid("text", "节点内容不能为空,且不超过 500 字"));
            }
            sqlx::query("UPDATE milestones SET text = $1 WHERE id = $2").bind(t).bind(id).execute(&self.pool).await?;
        }
        sqlx::query("UPDATE milestones SET due_date = $1, scheduled = 1 WHERE id = $2")
            .bind(&due_text)
            .bind(id)
            .execute(&self.pool)
            .await?;
        let row = sqlx::query(sql!("SELECT {MILESTONE_COLUMNS} FROM milestones WHERE id = $1"))
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(milestone_from_row(&row))
    }

    /// Sets where a target stood when the plan began, and breaks it down per unit (unit id →
    /// the unit's own target), replacing both; an empty map removes the breakdown. Every unit
    /// must be assigned to the target's task, and every share must be a value the target could
    /// take. Nothing changes unless all of it is acceptable.
    pub async fn update_indicator(
        &self,
        indicator_id: i64,
        baseline: Option<f64>,
        shares: &BTreeMap<i64, f64>,
    ) -> Result<Indicator> {
        if baseline.is_some_and(|b| !b.is_finite() || b < 0.0) {
            return Err(StoreError::invalid("baseline", "基数须为非负数"));
        }
        let indicator = self.indicator(indicator_id).await?;
        let task_id = indicator.task_id;
        let assigned: Vec<i64> = sqlx::query("SELECT unit_id FROM assignments WHERE task_id = $1")
            .bind(task_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for (unit_id, value) in shares {
            if !assigned.contains(unit_id) {
                return Err(StoreError::invalid(&format!("shares.{unit_id}"), "该单位未承担此项任务"));
            }
            domain::validate_value(&indicator.spec_for(*unit_id), *value)
                .map_err(|m| StoreError::invalid(&format!("shares.{unit_id}"), m))?;
        }
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE indicators SET baseline = $1 WHERE id = $2")
            .bind(crate::Real(baseline))
            .bind(indicator_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM indicator_shares WHERE indicator_id = $1")
            .bind(indicator_id)
            .execute(&mut *tx)
            .await?;
        for (unit_id, value) in shares {
            sqlx::query("INSERT INTO indicator_shares (indicator_id, unit_id, value) VALUES ($1, $2, $3)")
                .bind(indicator_id)
                .bind(*unit_id)
                .bind(*value)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.indicator(indicator_id).await
    }

    /// Fills each indicator's per-unit breakdown.
    pub(crate) async fn attach_breakdowns(&self, indicators: &mut [Indicator]) -> Result<()> {
        if indicators.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = indicators.iter().map(|i| i.id.to_string()).collect();
        // Ids are integers we hold, so listing them inline is safe.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT indicator_id, unit_id, value FROM indicator_shares WHERE indicator_id IN ({})",
            ids.join(",")
        )))
        .fetch_all(&self.pool)
        .await?;
        for r in &rows {
            let id: i64 = r.get(0);
            if let Some(i) = indicators.iter_mut().find(|i| i.id == id) {
                i.breakdown.insert(r.get(1), r.get(2));
            }
        }
        Ok(())
    }
}

const TASK_COLUMNS: &str =
    "id, plan_id, section, section_title, item_number, item_label, title, body, start_date, deadline";

fn task_from_row(r: &sqlx::any::AnyRow) -> Task {
    Task {
        id: r.get("id"),
        plan_id: r.get("plan_id"),
        section: r.get("section"),
        section_title: r.get("section_title"),
        item_number: r.get("item_number"),
        item_label: r.get("item_label"),
        title: r.get("title"),
        body: r.get("body"),
        start_date: r.get("start_date"),
        deadline: r.get("deadline"),
    }
}

const INDICATOR_COLUMNS: &str =
    "id, task_id, subject, value, max_value, unit, comparator, baseline, per_scope, deadline, source";

fn indicator_from_row(r: &sqlx::any::AnyRow) -> Indicator {
    Indicator {
        id: r.get(0),
        task_id: r.get(1),
        subject: r.get(2),
        value: r.get(3),
        max_value: r.get(4),
        unit: r.get(5),
        comparator: r.get(6),
        baseline: r.get(7),
        per_scope: r.get(8),
        deadline: r.get(9),
        breakdown: BTreeMap::new(),
        source: r.get(10),
    }
}

const MILESTONE_COLUMNS: &str = "id, task_id, text, kind, due_date, scheduled";

fn milestone_from_row(r: &sqlx::any::AnyRow) -> Milestone {
    Milestone {
        id: r.get(0),
        task_id: r.get(1),
        text: r.get(2),
        kind: r.get(3),
        due_date: r.get(4),
        scheduled: r.get::<i64, _>(5) != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::deadline_date;

    #[test]
    fn deadlines() {
        assert_eq!(deadline_date(None, 2024), "2024-12-31");
        assert_eq!(deadline_date(Some("2024年底"), 2024), "2024-12-31");
        assert_eq!(deadline_date(Some("2024年6月底"), 2024), "2024-06-30");
        assert_eq!(deadline_date(Some("2024年2月"), 2024), "2024-02-29");
        assert_eq!(deadline_date(Some("2025-03-31"), 2025), "2025-03-31");
        assert_eq!(deadline_date(Some("年内"), 2024), "2024-12-31");
    }
}
