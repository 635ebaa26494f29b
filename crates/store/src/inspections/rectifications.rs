//! The rectification loop (整改): the findings as each role sees them, the ledger, the
//! unit's reports and the office's verdict (销号 or 退回).

use super::*;

impl Store {
    /// Every finding `scope` sees (of one visit when `inspection` is given), with histories.
    pub(super) async fn rectifications_where(
        &self,
        inspection: Option<i64>,
        scope: VisitScope,
        today: NaiveDate,
    ) -> Result<Vec<Rectification>> {
        let unit = match scope {
            VisitScope::Unit(u) => u,
            VisitScope::Nothing => return Ok(Vec::new()),
            _ => 0,
        };
        let rows = sqlx::query(sql!(
            "{FINDING_SELECT} WHERE ($1 = 0 OR f.inspection_id = $1) AND ($2 = 0 OR f.unit_id = $2) \
             ORDER BY i.visited_on DESC, f.inspection_id DESC, f.position"
        ))
        .bind(inspection.unwrap_or(0))
        .bind(unit)
        .fetch_all(&self.pool)
        .await?;
        let mut found: Vec<FindingRow> = rows.iter().map(finding_row).collect();
        if let VisitScope::Inspector(me) = scope {
            let assigned = self.assigned_schools(me).await?;
            let mine: Vec<i64> = sqlx::query("SELECT inspection_id FROM inspection_inspectors WHERE user_id = $1")
                .bind(me)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| r.get(0))
                .collect();
            found.retain(|f| {
                mine.contains(&f.inspection_id)
                    || assigned.contains(&f.unit_id)
                    || assigned.contains(&f.inspection_unit)
            });
        }
        let (mut steps, mut files) = load_steps(self, inspection).await?;
        Ok(found
            .into_iter()
            .map(|f| {
                let (h, e) = (steps.remove(&f.id).unwrap_or_default(), files.remove(&f.id).unwrap_or_default());
                build_rectification(f, h, e, today)
            })
            .collect())
    }

    /// Findings `scope` sees matching `filter`, newest visit first.
    pub async fn rectifications(
        &self,
        filter: &RectFilter,
        scope: VisitScope,
        today: NaiveDate,
    ) -> Result<Vec<Rectification>> {
        let state = match filter.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(
                RectState::parse(s)
                    .ok_or_else(|| StoreError::invalid("state", "状态应为待整改、整改中、待核查、已销号或逾期"))?,
            ),
            None => None,
        };
        let severity = match filter.severity.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(lookup(&SEVERITIES, s).ok_or_else(|| StoreError::invalid("severity", "严重程度无效"))?),
            None => None,
        };
        let all = self.rectifications_where(filter.inspection, scope, today).await?;
        Ok(all
            .into_iter()
            .filter(|r| {
                state.is_none_or(|s| r.state == s.key())
                    && filter.unit.is_none_or(|u| r.unit_id == u)
                    && filter.task.is_none_or(|t| r.task_id == Some(t))
                    && severity.is_none_or(|s| r.severity == s)
                    && filter.county.as_deref().is_none_or(|c| r.county.as_deref() == Some(c.trim()))
            })
            .collect())
    }

    /// One finding with its history, as `scope` sees it (`NotFound` outside it).
    pub async fn rectification(&self, id: i64, scope: VisitScope, today: NaiveDate) -> Result<Rectification> {
        let row = sqlx::query("SELECT inspection_id FROM findings WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        self.rectifications_where(Some(row.get(0)), scope, today)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(StoreError::NotFound)
    }

    /// The 问题整改台账: one row per finding matching `filter`, everything an export shows.
    pub async fn rectification_ledger(
        &self,
        filter: &RectFilter,
        scope: VisitScope,
        today: NaiveDate,
    ) -> Result<Vec<LedgerRow>> {
        let list = self.rectifications(filter, scope, today).await?;
        let team = sqlx::query(
            "SELECT x.inspection_id, n.display_name FROM inspection_inspectors x JOIN users n ON n.id = x.user_id \
             ORDER BY n.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut names: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for t in &team {
            names.entry(t.get(0)).or_default().push(t.get(1));
        }
        Ok(list
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                let measures = r
                    .history
                    .iter()
                    .filter(|s| s.action == "report")
                    .map(|s| format!("{}:{}", s.on, s.text))
                    .collect::<Vec<_>>()
                    .join("\n");
                let state = RectState::parse(&r.state).map_or("", RectState::label);
                LedgerRow {
                    number: i + 1,
                    id: r.id,
                    source: format!("{} {} {}", r.visited_on, r.inspection_kind, r.visited_unit),
                    inspectors: names.get(&r.inspection_id).map(|n| n.join("、")).unwrap_or_default(),
                    text: r.text,
                    category: r.task_label.unwrap_or_default(),
                    severity: r.severity_label,
                    unit: r.unit_name,
                    county: r.county.unwrap_or_default(),
                    requirement: r.requirement,
                    deadline: r.deadline,
                    measures,
                    state,
                    returns: r.returns,
                    verifier: r.verifier.unwrap_or_default(),
                    closed_on: r.closed_on,
                    closed_late: r.closed_late,
                    days_overdue: r.days_overdue,
                    comment: r.last_comment.unwrap_or_default(),
                }
            })
            .collect())
    }

    /// The responsible unit reports on a finding it sees (`scope`), naming the `version` it
    /// read: only while 待整改 or 整改中 (returned or not). A lost race or a finding no longer
    /// open to a report is a `Conflict`.
    pub async fn report_rectification(
        &self,
        id: i64,
        version: i64,
        report: &RectificationReport,
        scope: VisitScope,
        user_id: Option<i64>,
        today: NaiveDate,
    ) -> Result<Rectification> {
        let text = text_field("text", "整改情况", &report.text, true)?;
        self.rectification(id, scope, today).await?;
        let step = Step::Report { complete: report.complete };
        let mut tx = self.write_tx().await?;
        let at = now();
        claim_finding(&mut tx, id, version, step, &at).await?;
        let report_id: i64 = sqlx::query(
            "INSERT INTO rectification_reports (finding_id, text, complete, user_id, on_date, at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(id)
        .bind(&text)
        .bind(flag(report.complete))
        .bind(user_id)
        .bind(day(today))
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        for e in &report.evidence {
            let linked = sqlx::query(
                "UPDATE visit_evidence SET report_id = $1 WHERE id = $2 AND finding_id = $3 AND report_id IS NULL \
                 AND uploaded_by = $4",
            )
            .bind(report_id)
            .bind(*e)
            .bind(id)
            .bind(user_id.unwrap_or(-1))
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if linked != 1 {
                return Err(StoreError::invalid(
                    "evidence",
                    format!("佐证材料 {e} 不是本人为该问题上传的,或已用于另一次报送"),
                ));
            }
        }
        tx.commit().await?;
        self.rectification(id, VisitScope::All, today).await
    }

    /// The office closes (销号) or returns a finding 待核查, naming the `version` it read. A
    /// return needs a comment saying what is still wrong; the unit gets a notice of it.
    pub async fn verify_rectification(
        &self,
        id: i64,
        version: i64,
        verdict: Verdict,
        comment: &str,
        user_id: Option<i64>,
        today: NaiveDate,
    ) -> Result<Rectification> {
        let comment = text_field("comment", "核查意见", comment, verdict == Verdict::Return).map_err(|e| match e {
            StoreError::Invalid { field, message } if message.ends_with("不能为空") => StoreError::Invalid {
                field,
                message: "退回时必须填写核查意见,说明仍需整改的内容".into(),
            },
            e => e,
        })?;
        let step = match verdict {
            Verdict::Close => Step::Close,
            Verdict::Return => Step::Return,
        };
        let mut tx = self.write_tx().await?;
        let at = now();
        claim_finding(&mut tx, id, version, step, &at).await?;
        sqlx::query(
            "INSERT INTO rectification_verifications (finding_id, decision, comment, user_id, on_date, at) \
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
            let row =
                sqlx::query("SELECT unit_id, text FROM findings WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
            let message = format!("整改情况被退回:{}。核查意见:{comment}", short(&row.get::<String, _>(1)));
            notify(&mut tx, row.get(0), "rectification", &Period::containing(today).to_string(), &message, &at).await?;
        }
        tx.commit().await?;
        self.rectification(id, VisitScope::All, today).await
    }
}
