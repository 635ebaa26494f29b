//! 督办件: items from leaders' instructions, meetings and higher authorities; registered,
//! fed back, closed (办结) or returned.

use super::*;

impl Store {
    /// Registers a 督办件 (the office) on `today`. Refused: an unknown source or cadence, an
    /// empty title, a deadline before today, a lead or co unit not in the directory (or a
    /// group), the lead repeated as a co unit. The lead and co units get a notice.
    pub async fn create_directive(
        &self,
        input: &NewDirective,
        created_by: Option<i64>,
        today: NaiveDate,
    ) -> Result<Directive> {
        let source = lookup(&DIRECTIVE_SOURCES, &input.source)
            .ok_or_else(|| StoreError::invalid("source", "来源应为领导批示、会议议定、上级交办或其他"))?;
        let cadence = Cadence::parse(&input.cadence)
            .ok_or_else(|| StoreError::invalid("cadence", "反馈频次应为一次、每周或每月"))?;
        let title = text_field("title", "督办事项", &input.title, true)?;
        if title.chars().count() > 200 {
            return Err(StoreError::invalid("title", "督办事项不能超过 200 个字"));
        }
        let text = text_field("text", "督办内容", &input.text, false)?;
        if input.deadline < today {
            return Err(StoreError::invalid("deadline", format!("办理时限({})不能早于今天", input.deadline)));
        }
        let mut tx = self.write_tx().await?;
        let lead = single_unit(&mut tx, &input.lead_unit, "lead_unit", "牵头单位").await?;
        let mut co: Vec<Resolved> = Vec::new();
        for (i, u) in input.co_units.iter().enumerate() {
            let unit = single_unit(&mut tx, u, &format!("co_units[{i}]"), "配合单位").await?;
            if unit.id == lead.id {
                return Err(StoreError::invalid(
                    &format!("co_units[{i}]"),
                    format!("“{}”已是牵头单位,不能同时作为配合单位", unit.name),
                ));
            }
            if !co.iter().any(|c| c.id == unit.id) {
                co.push(unit);
            }
        }
        let at = now();
        let id: i64 = sqlx::query(
            "INSERT INTO directives (source, title, text, registered_on, deadline, cadence, stage, version, created_by, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9) RETURNING id",
        )
        .bind(source)
        .bind(&title)
        .bind(&text)
        .bind(day(today))
        .bind(day(input.deadline))
        .bind(cadence.key())
        .bind(DirectiveStage::Open.key())
        .bind(created_by)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        let period = Period::containing(today).to_string();
        for (unit, role) in std::iter::once((&lead, "lead")).chain(co.iter().map(|c| (c, "co"))) {
            sqlx::query("INSERT INTO directive_units (directive_id, unit_id, role) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(unit.id)
                .bind(role)
                .execute(&mut *tx)
                .await?;
            let message = format!(
                "督办件({}):{}。你单位为{},请于{}前办结,{}。",
                label_of(&DIRECTIVE_SOURCES, source),
                short(&title),
                if role == "lead" { "牵头单位" } else { "配合单位" },
                input.deadline.format("%Y年%m月%d日"),
                cadence.label()
            );
            notify(&mut tx, unit.id, "directive", &period, &message, &at).await?;
        }
        let units: Vec<i64> = std::iter::once(lead.id).chain(co.iter().map(|c| c.id)).collect();
        let doc = directive_doc(id, source, (&lead.name, &units), &title, &text, today);
        crate::search::add_all(&mut tx, &[doc]).await?;
        tx.commit().await?;
        self.directive(id, VisitScope::All, today).await
    }

    /// 督办件 `scope` sees, optionally in one state, earliest deadline first.
    pub async fn directives(&self, state: Option<&str>, scope: VisitScope, today: NaiveDate) -> Result<Vec<Directive>> {
        let state = match state.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(
                DirectiveState::parse(s)
                    .ok_or_else(|| StoreError::invalid("state", "状态应为办理中、待确认、已办结、逾期或退回"))?,
            ),
            None => None,
        };
        let mut list = self.directives_where(None, scope, today).await?;
        list.retain(|d| state.is_none_or(|s| d.state == s.key()));
        list.sort_by_key(|a| (a.deadline, a.id));
        Ok(list)
    }

    /// One 督办件 with its history, as `scope` sees it.
    pub async fn directive(&self, id: i64, scope: VisitScope, today: NaiveDate) -> Result<Directive> {
        self.directives_where(Some(id), scope, today).await?.pop().ok_or(StoreError::NotFound)
    }

    pub(super) async fn directives_where(
        &self,
        only: Option<i64>,
        scope: VisitScope,
        today: NaiveDate,
    ) -> Result<Vec<Directive>> {
        let unit = match scope {
            VisitScope::All => 0,
            VisitScope::Unit(u) => u,
            VisitScope::Inspector(_) | VisitScope::Nothing => return Ok(Vec::new()),
        };
        let rows = sqlx::query(
            "SELECT d.id, d.source, d.title, d.text, d.registered_on, d.deadline, d.cadence, d.version FROM directives d \
             WHERE ($1 = 0 OR d.id = $1) AND ($2 = 0 OR EXISTS (SELECT 1 FROM directive_units x \
             WHERE x.directive_id = d.id AND x.unit_id = $2)) ORDER BY d.id",
        )
        .bind(only.unwrap_or(0))
        .bind(unit)
        .fetch_all(&self.pool)
        .await?;
        let units = sqlx::query(
            "SELECT x.directive_id, x.role, u.id, u.name FROM directive_units x JOIN units u ON u.id = x.unit_id \
             WHERE ($1 = 0 OR x.directive_id = $1) ORDER BY u.id",
        )
        .bind(only.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?;
        let mut events: HashMap<i64, Vec<(String, i64, DirectiveEvent)>> = HashMap::new();
        for r in sqlx::query(
            "SELECT f.directive_id, u.name, f.text, f.done, n.display_name, f.on_date, f.at FROM directive_feedback f \
             JOIN units u ON u.id = f.unit_id LEFT JOIN users n ON n.id = f.user_id \
             WHERE ($1 = 0 OR f.directive_id = $1) ORDER BY f.id",
        )
        .bind(only.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?
        {
            let at: String = r.get(6);
            events.entry(r.get(0)).or_default().push((
                at.clone(),
                0,
                DirectiveEvent {
                    action: "feedback".into(),
                    unit_name: r.get(1),
                    text: r.get(2),
                    done: r.get::<i64, _>(3) != 0,
                    user_name: r.get(4),
                    on: date(&r.get::<String, _>(5)),
                    at,
                },
            ));
        }
        for r in sqlx::query(
            "SELECT d.directive_id, d.decision, d.comment, n.display_name, d.on_date, d.at FROM directive_decisions d \
             LEFT JOIN users n ON n.id = d.user_id WHERE ($1 = 0 OR d.directive_id = $1) ORDER BY d.id",
        )
        .bind(only.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?
        {
            let at: String = r.get(5);
            events.entry(r.get(0)).or_default().push((
                at.clone(),
                1,
                DirectiveEvent {
                    action: r.get(1),
                    unit_name: None,
                    text: r.get(2),
                    done: false,
                    user_name: r.get(3),
                    on: date(&r.get::<String, _>(4)),
                    at,
                },
            ));
        }
        let mut out = Vec::new();
        for r in &rows {
            let id: i64 = r.get(0);
            let mut history = events.remove(&id).unwrap_or_default();
            history.sort_by(|a, b| (a.0.as_str(), a.1).cmp(&(b.0.as_str(), b.1)));
            let history: Vec<DirectiveEvent> = history.into_iter().map(|(_, _, e)| e).collect();
            let mine: Vec<_> = units.iter().filter(|u| u.get::<i64, _>(0) == id).collect();
            let lead = mine
                .iter()
                .find(|u| u.get::<String, _>(1) == "lead")
                .map(|u| UnitName { id: u.get(2), name: u.get(3) })
                .ok_or(StoreError::NotFound)?;
            let co_units = mine
                .iter()
                .filter(|u| u.get::<String, _>(1) != "lead")
                .map(|u| UnitName { id: u.get(2), name: u.get(3) })
                .collect();
            let source: String = r.get(1);
            let cadence = Cadence::parse(&r.get::<String, _>(6)).unwrap_or(Cadence::Once);
            let registered_on = date(&r.get::<String, _>(4));
            let deadline = date(&r.get::<String, _>(5));
            let mut d = Directive {
                id,
                source_label: label_of(&DIRECTIVE_SOURCES, &source),
                source,
                title: r.get(2),
                text: r.get(3),
                lead_unit: lead,
                co_units,
                registered_on,
                deadline,
                cadence: cadence.key().to_string(),
                cadence_label: cadence.label(),
                state: String::new(),
                state_label: "",
                next_feedback_due: None,
                feedback_late: false,
                closed_on: None,
                history,
                version: r.get(7),
            };
            let steps = directive_steps(&d);
            // As for findings: a step taken is never unseen behind a slow clock.
            let as_of = steps.iter().map(|(on, _)| *on).max().map_or(today, |l| l.max(today));
            let (stage, closed_on) = rules::directive_stage_as_of(&steps, as_of);
            let state = rules::directive_state(stage, deadline, today);
            let last_feedback = d.history.iter().filter(|e| e.action == "feedback").map(|e| e.on).max();
            d.next_feedback_due = rules::next_feedback_due(stage, cadence, registered_on, last_feedback, deadline);
            d.feedback_late = d.next_feedback_due.is_some_and(|due| due < today);
            d.state = state.key().to_string();
            d.state_label = state.label();
            d.closed_on = closed_on;
            out.push(d);
        }
        Ok(out)
    }

    /// A unit's feedback on a 督办件 it leads or joins, naming the `version` read. `done`
    /// (the item is done, asking the office to confirm) only from the lead unit.
    #[allow(clippy::too_many_arguments)]
    pub async fn directive_feedback(
        &self,
        id: i64,
        version: i64,
        unit_id: i64,
        text: &str,
        done: bool,
        user_id: Option<i64>,
        today: NaiveDate,
    ) -> Result<Directive> {
        let text = text_field("text", "反馈内容", text, true)?;
        let mut tx = self.write_tx().await?;
        let role = sqlx::query("SELECT role FROM directive_units WHERE directive_id = $1 AND unit_id = $2")
            .bind(id)
            .bind(unit_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        if done && role.get::<String, _>(0) != "lead" {
            return Err(StoreError::invalid("done", "只有牵头单位可以报送办结"));
        }
        let at = now();
        claim_directive(&mut tx, id, version, DirectiveStep::Feedback { done }, &at).await?;
        sqlx::query(
            "INSERT INTO directive_feedback (directive_id, unit_id, text, done, user_id, on_date, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(unit_id)
        .bind(&text)
        .bind(flag(done))
        .bind(user_id)
        .bind(day(today))
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.directive(id, VisitScope::All, today).await
    }

    /// The office confirms (办结) or returns a 督办件 待确认, naming the `version` read; a
    /// return needs a comment, and the lead unit gets a notice of it.
    pub async fn decide_directive(
        &self,
        id: i64,
        version: i64,
        verdict: Verdict,
        comment: &str,
        user_id: Option<i64>,
        today: NaiveDate,
    ) -> Result<Directive> {
        let comment = text_field("comment", "意见", comment, verdict == Verdict::Return).map_err(|e| match e {
            StoreError::Invalid { field, message } if message.ends_with("不能为空") => {
                StoreError::Invalid { field, message: "退回时必须填写意见,说明仍需办理的内容".into() }
            }
            e => e,
        })?;
        let step = match verdict {
            Verdict::Close => DirectiveStep::Close,
            Verdict::Return => DirectiveStep::Return,
        };
        let mut tx = self.write_tx().await?;
        let at = now();
        claim_directive(&mut tx, id, version, step, &at).await?;
        sqlx::query(
            "INSERT INTO directive_decisions (directive_id, decision, comment, user_id, on_date, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(verdict.key())
        .bind(&comment)
        .bind(user_id)
        .bind(day(today))
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        if verdict == Verdict::Return {
            let row = sqlx::query(
                "SELECT x.unit_id, d.title FROM directive_units x JOIN directives d ON d.id = x.directive_id \
                 WHERE x.directive_id = $1 AND x.role = 'lead'",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let message = format!("督办件“{}”的办结报送被退回:{comment}", short(&row.get::<String, _>(1)));
            notify(&mut tx, row.get(0), "directive", &Period::containing(today).to_string(), &message, &at).await?;
        }
        tx.commit().await?;
        self.directive(id, VisitScope::All, today).await
    }
}
