//! Visits (督导检查): recording one with its findings and photos, and reading them back as
//! each role may see them.

use super::*;

impl Store {
    /// Records a visit with its findings, all or nothing. Refused (`Invalid`, naming the
    /// field, e.g. `findings[1].deadline`): an unknown kind, a visit after `today`, a unit
    /// visited or responsible that is not a district or school of the directory, no
    /// inspector or one who is neither 督学 nor 督办管理员, an empty finding, a deadline before
    /// the visit, an unknown plan item or severity. Each responsible unit gets a notice.
    pub async fn create_inspection(
        &self,
        input: &NewInspection,
        created_by: Option<i64>,
        today: NaiveDate,
    ) -> Result<Inspection> {
        let kind = lookup(&INSPECTION_KINDS, &input.kind).ok_or_else(|| {
            StoreError::invalid("kind", "督导类型应为责任督学挂牌督导、专项督导、优质均衡创建督导、年检或其他")
        })?;
        if input.visited_on > today {
            return Err(StoreError::invalid("visited_on", format!("督导日期({})不能晚于今天", input.visited_on)));
        }
        let summary = text_field("summary", "督导情况", &input.summary, false)?;
        if input.inspectors.is_empty() {
            return Err(StoreError::invalid("inspectors", "请至少选择一名督学"));
        }
        if input.findings.len() > 200 {
            return Err(StoreError::invalid("findings", "一次督导最多记录 200 个问题"));
        }
        let mut tx = self.write_tx().await?;
        let visited = district_or_school(&mut tx, &input.unit, "unit", "督导对象").await?;
        let mut inspectors = Vec::new();
        for id in &input.inspectors {
            let row = sqlx::query("SELECT role, display_name FROM users WHERE id = $1 AND disabled = 0")
                .bind(*id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| StoreError::invalid("inspectors", format!("督学(用户编号 {id})不存在或已停用")))?;
            let name: String = row.get(1);
            if !matches!(Role::parse(&row.get::<String, _>(0)), Some(Role::Inspector | Role::Supervisor)) {
                return Err(StoreError::invalid("inspectors", format!("“{name}”不是督学或督办管理员")));
            }
            if !inspectors.contains(id) {
                inspectors.push(*id);
            }
        }
        struct Checked {
            text: String,
            task_id: Option<i64>,
            severity: &'static str,
            unit: Resolved,
            deadline: NaiveDate,
            requirement: String,
        }
        let mut findings = Vec::new();
        for (i, f) in input.findings.iter().enumerate() {
            let n = i + 1;
            let field = |name: &str| format!("findings[{i}].{name}");
            let text = text_field(&field("text"), &format!("第 {n} 个问题的内容"), &f.text, true)?;
            let requirement =
                text_field(&field("requirement"), &format!("第 {n} 个问题的整改要求"), &f.requirement, false)?;
            let severity = match f.severity.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => "general",
                Some(s) => lookup(&SEVERITIES, s).ok_or_else(|| {
                    StoreError::invalid(&field("severity"), format!("第 {n} 个问题的严重程度应为一般、较重或严重"))
                })?,
            };
            let unit =
                district_or_school(&mut tx, &f.unit, &field("unit"), &format!("第 {n} 个问题的责任单位")).await?;
            if f.deadline < input.visited_on {
                return Err(StoreError::invalid(
                    &field("deadline"),
                    format!("第 {n} 个问题的整改期限({})早于督导日期({})", f.deadline, input.visited_on),
                ));
            }
            if let Some(task) = f.task_id {
                let exists =
                    sqlx::query("SELECT id FROM tasks WHERE id = $1").bind(task).fetch_optional(&mut *tx).await?;
                if exists.is_none() {
                    return Err(StoreError::invalid(&field("task_id"), format!("第 {n} 个问题关联的工作任务不存在")));
                }
            }
            findings.push(Checked { text, task_id: f.task_id, severity, unit, deadline: f.deadline, requirement });
        }
        let at = now();
        let id: i64 = sqlx::query(
            "INSERT INTO inspections (kind, visited_on, unit_id, summary, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(kind)
        .bind(day(input.visited_on))
        .bind(visited.id)
        .bind(&summary)
        .bind(created_by)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        for user in &inspectors {
            sqlx::query("INSERT INTO inspection_inspectors (inspection_id, user_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*user)
                .execute(&mut *tx)
                .await?;
        }
        let period = Period::containing(input.visited_on).to_string();
        let visit = format!("{} {} {}", input.visited_on, label_of(&INSPECTION_KINDS, kind), visited.name);
        let mut docs = Vec::new();
        for (i, f) in findings.iter().enumerate() {
            let finding_id: i64 = sqlx::query(
                "INSERT INTO findings (inspection_id, position, text, task_id, severity, unit_id, deadline, requirement, \
                 stage, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10) RETURNING id",
            )
            .bind(id)
            .bind(i64::try_from(i + 1).unwrap_or(i64::MAX))
            .bind(&f.text)
            .bind(f.task_id)
            .bind(f.severity)
            .bind(f.unit.id)
            .bind(day(f.deadline))
            .bind(&f.requirement)
            .bind(Stage::Issued.key())
            .bind(&at)
            .fetch_one(&mut *tx)
            .await?
            .get(0);
            docs.push(finding_doc(
                finding_id,
                f.unit.id,
                &f.unit.name,
                (&visit, input.visited_on),
                &f.text,
                &f.requirement,
            ));
            let message = format!(
                "{}({})发现问题:{}。请于{}前完成整改并报送整改情况。",
                label_of(&INSPECTION_KINDS, kind),
                input.visited_on.format("%Y年%m月%d日"),
                short(&f.text),
                f.deadline.format("%Y年%m月%d日"),
            );
            notify(&mut tx, f.unit.id, "rectification", &period, &message, &at).await?;
        }
        crate::search::add_all(&mut tx, &docs).await?;
        tx.commit().await?;
        self.inspection(id, VisitScope::All, today).await
    }

    /// One visit as `scope` sees it (a unit sees only its own findings in it).
    pub async fn inspection(&self, id: i64, scope: VisitScope, today: NaiveDate) -> Result<Inspection> {
        let mut list = self.load_inspections(Some(id), &InspectionFilter::default(), scope, today).await?;
        list.pop().ok_or(StoreError::NotFound)
    }

    /// Visits `scope` sees, newest first (without their findings' histories).
    pub async fn inspections(
        &self,
        filter: &InspectionFilter,
        scope: VisitScope,
        today: NaiveDate,
    ) -> Result<Vec<Inspection>> {
        self.load_inspections(None, filter, scope, today).await
    }

    async fn load_inspections(
        &self,
        only: Option<i64>,
        filter: &InspectionFilter,
        scope: VisitScope,
        today: NaiveDate,
    ) -> Result<Vec<Inspection>> {
        if scope == VisitScope::Nothing {
            return Ok(Vec::new());
        }
        let period = match filter.period.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(p) => Some(p.parse::<Period>().map_err(|e| StoreError::invalid("period", e.to_string()))?),
            None => None,
        };
        let kind = match filter.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(k) => Some(lookup(&INSPECTION_KINDS, k).ok_or_else(|| StoreError::invalid("kind", "督导类型无效"))?),
            None => None,
        };
        let rows = sqlx::query(
            "SELECT i.id, i.kind, i.visited_on, i.unit_id, u.name, u.kind, u.district, i.summary, i.created_by, \
             i.created_at FROM inspections i JOIN units u ON u.id = i.unit_id \
             WHERE ($1 = 0 OR i.id = $1) AND ($2 = 0 OR i.unit_id = $2) ORDER BY i.visited_on DESC, i.id DESC",
        )
        .bind(only.unwrap_or(0))
        .bind(filter.unit.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?;
        let team = sqlx::query(
            "SELECT x.inspection_id, n.id, n.display_name FROM inspection_inspectors x JOIN users n ON n.id = x.user_id \
             ORDER BY n.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let assigned = match scope {
            VisitScope::Inspector(me) => self.assigned_schools(me).await?,
            _ => Vec::new(),
        };
        // Findings come with the visit; a unit sees its own only.
        let findings = self.rectifications_where(only, scope, today).await?;
        let files = sqlx::query(
            "SELECT id, inspection_id, file_name, content_type, size, sha256, uploaded_at FROM visit_evidence \
             WHERE report_id IS NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let id: i64 = r.get(0);
            let unit_id: i64 = r.get(3);
            let unit_name: String = r.get(4);
            let county = county_of(&r.get::<String, _>(5), &unit_name, r.get(6));
            let visited_on = date(&r.get::<String, _>(2));
            let inspectors: Vec<Person> = team
                .iter()
                .filter(|t| t.get::<i64, _>(0) == id)
                .map(|t| Person { id: t.get(1), name: t.get(2) })
                .collect();
            let own: Vec<Rectification> = findings.iter().filter(|f| f.inspection_id == id).cloned().collect();
            let visible = match scope {
                VisitScope::All => true,
                VisitScope::Unit(u) => unit_id == u || !own.is_empty(),
                VisitScope::Inspector(me) => inspectors.iter().any(|p| p.id == me) || assigned.contains(&unit_id),
                VisitScope::Nothing => false,
            };
            let kind_key: String = r.get(1);
            if !visible
                || period.is_some_and(|p| Period::containing(visited_on) != p)
                || kind.is_some_and(|k| k != kind_key)
                || filter.county.as_deref().is_some_and(|c| county.as_deref() != Some(c.trim()))
            {
                continue;
            }
            out.push(Inspection {
                id,
                kind_label: label_of(&INSPECTION_KINDS, &kind_key),
                kind: kind_key,
                visited_on,
                unit_id,
                unit_name,
                county,
                summary: r.get(7),
                inspectors,
                created_by: r.get(8),
                created_at: r.get(9),
                findings: own,
                evidence: files.iter().filter(|f| f.get::<i64, _>("inspection_id") == id).map(evidence_row).collect(),
            });
        }
        Ok(out)
    }

    // --- rectifications -------------------------------------------------------------------

    /// Attaches a file to a visit (`finding` none: the visit itself, e.g. the signed
    /// 督导意见书) or to a finding (photos at the visit; or a unit's file for its next report,
    /// which names it in `evidence`). Same checks as a report's evidence (type by content,
    /// size, [`MAX_EVIDENCE_FILES`] per visit or finding) and the same file store.
    pub async fn add_visit_evidence(
        &self,
        inspection_id: i64,
        finding_id: Option<i64>,
        name: &str,
        bytes: &[u8],
        user_id: Option<i64>,
    ) -> std::result::Result<Evidence, AddError> {
        if bytes.len() > MAX_EVIDENCE_BYTES {
            return Err(AddError::Refused(Refusal::TooLarge));
        }
        let content_type = crate::evidence::sniff(bytes).ok_or(AddError::Refused(Refusal::Type))?;
        if let Some(f) = finding_id {
            let row = sqlx::query("SELECT inspection_id FROM findings WHERE id = $1")
                .bind(f)
                .fetch_optional(&self.pool)
                .await
                .map_err(StoreError::from)?;
            if row.is_none_or(|r| r.get::<i64, _>(0) != inspection_id) {
                return Err(StoreError::NotFound.into());
            }
        }
        let sha = crate::evidence::sha256_hex(bytes);
        let path = self.evidence_path(&sha)?;
        {
            let mut conn = self.pool.acquire().await.map_err(StoreError::from)?;
            if evidence_count(&mut conn, inspection_id, finding_id).await? >= MAX_EVIDENCE_FILES {
                return Err(AddError::Refused(Refusal::TooMany));
            }
        }
        if !path.exists() {
            let owned = bytes.to_vec();
            tokio::task::spawn_blocking(move || crate::evidence::write_durably(&path, &owned))
                .await
                .map_err(std::io::Error::other)
                .and_then(|r| r)
                .map_err(StoreError::file)?;
        }
        let mut tx = self.write_tx().await?;
        if evidence_count(&mut tx, inspection_id, finding_id).await? >= MAX_EVIDENCE_FILES {
            return Err(AddError::Refused(Refusal::TooMany));
        }
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let at = now();
        let row = sqlx::query(
            "INSERT INTO visit_evidence (inspection_id, finding_id, file_name, content_type, size, sha256, uploaded_by, \
             uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             RETURNING id, file_name, content_type, size, sha256, uploaded_at",
        )
        .bind(inspection_id)
        .bind(finding_id)
        .bind(crate::evidence::clean_name(name))
        .bind(content_type)
        .bind(size)
        .bind(&sha)
        .bind(user_id)
        .bind(&at)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::from)?;
        let e = evidence_row(&row);
        tx.commit().await?;
        Ok(e)
    }

    /// A visit's file and the visit and finding it belongs to, for download (the caller
    /// checks the viewer sees that visit or finding).
    pub async fn visit_evidence(&self, id: i64) -> Result<(Evidence, i64, Option<i64>)> {
        let r = sqlx::query(
            "SELECT id, file_name, content_type, size, sha256, uploaded_at, inspection_id, finding_id \
             FROM visit_evidence WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok((evidence_row(&r), r.get("inspection_id"), r.get("finding_id")))
    }

    // --- figures --------------------------------------------------------------------------
}
