//! A plan's life: imported as a draft with its parsed structure, edited, published into
//! tasks, assignments, indicators and milestones, archived.

use super::*;

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
    /// The parsed structure of a plan, with the edits made before publishing.
    pub async fn parsed_plan(&self, id: i64) -> Result<Plan> {
        let row =
            sqlx::query("SELECT parsed_json FROM plans WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        let json: String = row.ok_or(StoreError::NotFound)?.get(0);
        serde_json::from_str(&json).map_err(|e| StoreError::invalid("plan", e.to_string()))
    }

    /// A draft as a reviewer reads it: its parsed structure and the version that structure
    /// is at. An edit names the version it was made on (`update_draft`), so that of two
    /// reviewers editing the same draft the second is told instead of silently undoing the
    /// first's work; and the review form's fields are numbered by item, so an edit applied to
    /// a draft that changed underneath it could land on the wrong item.
    pub async fn draft(&self, id: i64) -> Result<Draft> {
        let row =
            sqlx::query("SELECT parsed_json FROM plans WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
        let json: String = row.ok_or(StoreError::NotFound)?.get(0);
        let plan = serde_json::from_str(&json).map_err(|e| StoreError::invalid("plan", e.to_string()))?;
        Ok(Draft { plan, version: draft_version(&json) })
    }

    /// Replaces a draft's parsed structure with a reviewer's edits, made on the draft as it
    /// was at `read_version` (from [`Store::draft`]). Refused with a conflict when the plan is
    /// no longer a draft or the draft has changed since; the write itself is conditional on
    /// the text that was checked, so a change landing between the check and the write is
    /// refused too.
    pub async fn update_draft(&self, id: i64, parsed: &Plan, read_version: &str) -> Result<()> {
        let json = serde_json::to_string(parsed).map_err(|e| StoreError::invalid("plan", e.to_string()))?;
        let row = sqlx::query("SELECT parsed_json, status FROM plans WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let (current, status): (String, String) = (row.get(0), row.get(1));
        if status != "draft" {
            return Err(StoreError::Conflict(ONLY_DRAFTS.into()));
        }
        if draft_version(&current) != read_version {
            return Err(StoreError::Conflict(DRAFT_CHANGED.into()));
        }
        let done = sqlx::query(
            "UPDATE plans SET parsed_json = $1, title = $2 WHERE id = $3 AND status = 'draft' AND parsed_json = $4",
        )
        .bind(json)
        .bind(&parsed.title)
        .bind(id)
        .bind(current)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            let now = self.plan(id).await?;
            let message = if now.status == "draft" { DRAFT_CHANGED } else { ONLY_DRAFTS };
            return Err(StoreError::Conflict(message.into()));
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
        self.publish(id, None, today).await
    }

    /// Publishes a draft as the reviewer saw it: refused with a conflict when the draft has
    /// changed since `reviewed_version` (from [`Store::draft`]), so nobody publishes edits
    /// they have not seen.
    pub async fn publish_reviewed(&self, id: i64, reviewed_version: &str, today: NaiveDate) -> Result<Published> {
        self.publish(id, Some(reviewed_version), today).await
    }

    async fn publish(&self, id: i64, reviewed_version: Option<&str>, today: NaiveDate) -> Result<Published> {
        let row = sqlx::query("SELECT parsed_json, status FROM plans WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let (json, status): (String, String) = (row.get(0), row.get(1));
        if status != "draft" {
            return Err(StoreError::Conflict("该工作要点已发布,不能重复发布".into()));
        }
        if reviewed_version.is_some_and(|v| v != draft_version(&json)) {
            return Err(StoreError::Conflict(DRAFT_CHANGED.into()));
        }
        let parsed: Plan = serde_json::from_str(&json).map_err(|e| StoreError::invalid("plan", e.to_string()))?;
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
        // Claim the draft first, as it was read: a concurrent publication waits here (or finds
        // it gone) and answers 409 instead of making a second set of tasks, and an edit saved
        // in between is not published unread.
        let claimed = sqlx::query(
            "UPDATE plans SET status = 'published', published_at = $1, year = $2 \
             WHERE id = $3 AND status = 'draft' AND parsed_json = $4",
        )
        .bind(now_on(today))
        .bind(i64::from(year))
        .bind(id)
        .bind(&json)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            drop(tx);
            let message = if self.plan(id).await?.status == "draft" {
                DRAFT_CHANGED
            } else {
                "该工作要点已发布,不能重复发布"
            };
            return Err(StoreError::Conflict(message.into()));
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
        let mut units_of: HashMap<i64, Vec<i64>> = HashMap::new();
        for (task_id, unit_id, ..) in &assignments {
            units_of.entry(*task_id).or_default().push(*unit_id);
        }
        for (p, task_id) in prepared.into_iter().zip(&task_ids) {
            let units = units_of.remove(task_id).unwrap_or_default();
            let mut doc = p.doc.in_plan(id).concerning(units.iter().copied());
            doc.ref_id = *task_id;
            doc.link = link(*task_id);
            docs.push(doc);
            for (_, _, doc) in p.milestones {
                let mut doc = doc.in_plan(id).concerning(units.iter().copied());
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
}
