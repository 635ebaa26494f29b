//! Year-end scoring: gathers each district's year from the store into
//! `domain::scoring::DistrictFacts` (progress from the same `plan_view` every page uses;
//! milestones, reports on time and first-pass reviews from the reports), keeps the scheme as
//! versioned data and the office's bonus, deduction and veto items with their reasons, and
//! freezes published results: changing the scheme never rewrites them.

use crate::{Result, Store, StoreError, now, now_on};
use chrono::NaiveDate;
use domain::Period;
use domain::scoring::{Adjustment, AdjustmentKind, Component, DistrictFacts, DistrictScore, Measure, Scheme};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scores {
    pub plan_id: i64,
    pub period: String,
    pub scheme_version: i64,
    pub scheme: Scheme,
    pub districts: Vec<DistrictScore>,
    /// Set once published: the version, when, and until when districts may appeal.
    pub published: Option<Published>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Published {
    pub version: i64,
    pub published_at: String,
    pub appeal_until: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdjustmentRow {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub adjustment: Adjustment,
    pub created_at: String,
}

impl Store {
    /// The plan's current scheme and its version (0: the built-in default).
    pub async fn scoring_scheme(&self, plan_id: i64) -> Result<(i64, Scheme)> {
        let row = sqlx::query(
            "SELECT version, content FROM scoring_schemes WHERE plan_id = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(plan_id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok((0, Scheme::default())),
            Some(r) => Ok((
                r.get(0),
                serde_json::from_str(&r.get::<String, _>(1))
                    .map_err(|e| StoreError::invalid("scheme", e.to_string()))?,
            )),
        }
    }

    /// Saves a new version of the scheme.
    pub async fn set_scoring_scheme(&self, plan_id: i64, scheme: &Scheme) -> Result<i64> {
        scheme.validate().map_err(|m| StoreError::invalid("scheme", m))?;
        self.plan(plan_id).await?;
        let (version, _) = self.scoring_scheme(plan_id).await?;
        let content = serde_json::to_string(scheme).map_err(|e| StoreError::invalid("scheme", e.to_string()))?;
        sqlx::query("INSERT INTO scoring_schemes (plan_id, version, content, created_at) VALUES ($1, $2, $3, $4)")
            .bind(plan_id)
            .bind(version + 1)
            .bind(content)
            .bind(now())
            .execute(&self.pool)
            .await?;
        Ok(version + 1)
    }

    /// Records a bonus, deduction or veto for a district, with its reason.
    pub async fn add_score_adjustment(
        &self,
        plan_id: i64,
        unit_id: i64,
        a: &Adjustment,
        user_id: Option<i64>,
    ) -> Result<i64> {
        if a.reason.trim().is_empty() || a.reason.chars().count() > 500 {
            return Err(StoreError::invalid("reason", "请写明理由(不超过 500 字)"));
        }
        if a.kind != AdjustmentKind::Veto && !(a.points.is_finite() && a.points > 0.0 && a.points <= 100.0) {
            return Err(StoreError::invalid("points", "分值须在 0 到 100 之间"));
        }
        self.plan(plan_id).await?;
        let unit = self.unit(unit_id).await?;
        if unit.kind != "district" {
            return Err(StoreError::invalid("unit_id", "只对区县考评"));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO score_adjustments (plan_id, unit_id, kind, points, reason, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(plan_id)
        .bind(unit_id)
        .bind(serde_json::to_value(a.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default())
        .bind(if a.kind == AdjustmentKind::Veto { 0.0 } else { a.points })
        .bind(a.reason.trim())
        .bind(now())
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?
        .get(0);
        Ok(id)
    }

    pub async fn score_adjustments(&self, plan_id: i64) -> Result<Vec<AdjustmentRow>> {
        let rows = sqlx::query(
            "SELECT s.id, s.unit_id, u.name, s.kind, s.points, s.reason, s.created_at FROM score_adjustments s \
             JOIN units u ON u.id = s.unit_id WHERE s.plan_id = $1 ORDER BY s.id",
        )
        .bind(plan_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let kind: AdjustmentKind = serde_json::from_value(serde_json::Value::String(r.get(3))).ok()?;
                Some(AdjustmentRow {
                    id: r.get(0),
                    unit_id: r.get(1),
                    unit_name: r.get(2),
                    adjustment: Adjustment { kind, points: r.get(4), reason: r.get(5) },
                    created_at: r.get(6),
                })
            })
            .collect())
    }

    /// Each district's year up to `period`, as the scoring rules read it. A month's report
    /// is due on `due_day` (the configured day every report screen uses): before it, the
    /// month is not yet owed.
    pub async fn district_facts(
        &self,
        plan_id: i64,
        period: Period,
        today: NaiveDate,
        due_day: u32,
        scheme: &Scheme,
    ) -> Result<Vec<DistrictFacts>> {
        let view = self.plan_view(plan_id, Some(period), today, &Default::default()).await?;
        let as_of = today.min(period.last_day());
        let districts: HashMap<i64, String> =
            self.units().await?.into_iter().filter(|u| u.kind == "district").map(|u| (u.id, u.name)).collect();
        let adjustments = self.score_adjustments(plan_id).await?;
        let mut facts: Vec<DistrictFacts> = Vec::new();
        let mut index: HashMap<i64, usize> = HashMap::new();
        let mut assignment_unit: HashMap<i64, i64> = HashMap::new();
        for item in view.sections.iter().flat_map(|s| &s.items) {
            for a in item.units.iter().filter(|a| districts.contains_key(&a.unit_id)) {
                assignment_unit.insert(a.assignment_id, a.unit_id);
                let i = *index.entry(a.unit_id).or_insert_with(|| {
                    facts.push(DistrictFacts {
                        unit: a.unit_name.clone(),
                        measures: Component::ALL.iter().map(|c| (*c, Measure::default())).collect(),
                        adjustments: Vec::new(),
                    });
                    facts.len() - 1
                });
                let weight = scheme.section_weight(item.task.section);
                if weight > 0.0 {
                    let status = domain::Status::parse(&a.status.status).unwrap_or(domain::Status::NotStarted);
                    let attained = domain::scoring::attainment(status, a.status.progress, a.status.pace);
                    let m = &mut facts[i].measures[0].1;
                    m.done += attained * weight;
                    m.of += weight;
                    let w = if weight == 1.0 { String::new() } else { format!(",权重 {weight}") };
                    m.evidence.push(format!(
                        "{}{}:{},进度 {},序时 {},计 {}{w}",
                        item.task.item_label,
                        item.task.title,
                        a.status.label,
                        a.status.progress_pct(),
                        a.status.pace_pct(),
                        (attained * 1000.0).round() / 10.0
                    ));
                }
                for mile in
                    item.milestones.iter().filter(|m| m.scheduled && m.due_date.as_str() <= as_of.to_string().as_str())
                {
                    let done = a.milestones_done.get(&mile.id);
                    let on_time = done.is_some_and(|d| d.as_str() <= mile.due_date.as_str());
                    let m = &mut facts[i].measures[1].1;
                    m.of += 1.0;
                    if on_time {
                        m.done += 1.0;
                    }
                    m.evidence.push(format!(
                        "{}:时限 {},{}",
                        mile.text,
                        mile.due_date,
                        match done {
                            Some(d) if on_time => format!("{d} 完成"),
                            Some(d) => format!("{d} 完成(逾期)"),
                            None => "未完成".to_string(),
                        }
                    ));
                }
            }
        }
        // Reports: on time over due (months whose due day has passed), and approved without a
        // return over approved.
        let rows = sqlx::query(
            "SELECT r.assignment_id, r.period, r.state, r.late, \
             (SELECT COUNT(*) FROM report_events e WHERE e.report_id = r.id AND e.action = 'return') \
             FROM reports r JOIN assignments a ON a.id = r.assignment_id JOIN tasks t ON t.id = a.task_id \
             WHERE t.plan_id = $1 AND r.period <= $2",
        )
        .bind(plan_id)
        .bind(period.to_string())
        .fetch_all(&self.pool)
        .await?;
        // The months owed so far: those whose due day has passed. A report of a month not yet
        // due is neither owed nor counted, so an early report cannot stand in for a missing one.
        let year_start = Period::new(period.year, 1).unwrap_or(period);
        let due: HashSet<String> =
            Period::range(year_start, period).filter(|p| p.due_date(due_day) <= as_of).map(|p| p.to_string()).collect();
        let due_months = due.len() as f64;
        let mut on_time: HashMap<i64, (f64, f64)> = HashMap::new();
        for r in &rows {
            let Some(unit) = assignment_unit.get(&r.get::<i64, _>(0)) else { continue };
            let state: String = r.get(2);
            let submitted = matches!(state.as_str(), "submitted" | "approved");
            if submitted && r.get::<i64, _>(3) == 0 && due.contains(&r.get::<String, _>(1)) {
                on_time.entry(*unit).or_default().0 += 1.0;
            }
            if state == "approved" {
                let e = on_time.entry(*unit).or_default();
                e.1 += 1.0;
                if r.get::<i64, _>(4) == 0 {
                    let i = index[unit];
                    facts[i].measures[3].1.done += 1.0;
                }
                facts[index[unit]].measures[3].1.of += 1.0;
            }
        }
        for (unit, i) in &index {
            let assignments = assignment_unit.values().filter(|u| *u == unit).count() as f64;
            let m = &mut facts[*i].measures[2].1;
            m.of = assignments * due_months;
            m.done = on_time.get(unit).map_or(0.0, |x| x.0).min(m.of);
            m.evidence
                .push(format!("应报 {} 份({} 项任务 × {} 个月),按时报送 {} 份", m.of, assignments, due_months, m.done));
            let fp = &mut facts[*i].measures[3].1;
            fp.evidence.push(format!("审核通过 {} 份,其中未经退回 {} 份", fp.of, fp.done));
            facts[*i].adjustments =
                adjustments.iter().filter(|a| a.unit_id == *unit).map(|a| a.adjustment.clone()).collect();
        }
        // 整改及时率, only when the scheme weighs it (off by default): a district's own findings
        // and its schools'.
        if scheme.weighs(Component::Rectification) {
            let mut timeliness = self.rectification_timeliness(as_of).await?;
            for f in &mut facts {
                if let Some(m) = timeliness.remove(&f.unit)
                    && let Some((_, slot)) = f.measures.iter_mut().find(|(c, _)| *c == Component::Rectification)
                {
                    *slot = m;
                }
            }
        }
        facts.sort_by(|a, b| a.unit.cmp(&b.unit));
        Ok(facts)
    }

    /// The scores as the data stand now, with the plan's current scheme.
    pub async fn live_scores(&self, plan_id: i64, period: Period, today: NaiveDate, due_day: u32) -> Result<Scores> {
        let (version, scheme) = self.scoring_scheme(plan_id).await?;
        let facts = self.district_facts(plan_id, period, today, due_day, &scheme).await?;
        Ok(Scores {
            plan_id,
            period: period.to_string(),
            scheme_version: version,
            districts: domain::scoring::rank(&scheme, &facts),
            scheme,
            published: None,
        })
    }

    /// Freezes the scores as they stand, opening an appeal window of `appeal_days`.
    pub async fn publish_scores(
        &self,
        plan_id: i64,
        period: Period,
        today: NaiveDate,
        due_day: u32,
        appeal_days: i64,
    ) -> Result<Scores> {
        if !(0..=90).contains(&appeal_days) {
            return Err(StoreError::invalid("appeal_days", "申诉期应为 0—90 天"));
        }
        let mut scores = self.live_scores(plan_id, period, today, due_day).await?;
        let version: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 FROM score_results WHERE plan_id = $1")
            .bind(plan_id)
            .fetch_one(&self.pool)
            .await?
            .get(0);
        let published = Published {
            version,
            published_at: now_on(today),
            appeal_until: (today + chrono::Duration::days(appeal_days)).to_string(),
        };
        scores.published = Some(published.clone());
        let content = serde_json::to_string(&scores).map_err(|e| StoreError::invalid("scores", e.to_string()))?;
        sqlx::query(
            "INSERT INTO score_results (plan_id, version, period, content, published_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(plan_id)
        .bind(version)
        .bind(period.to_string())
        .bind(content)
        .bind(&published.published_at)
        .execute(&self.pool)
        .await
        .map_err(|e| StoreError::lost_race(e, "成绩刚由他人发布了新版本,请刷新后再发布"))?;
        Ok(scores)
    }

    /// The latest published scores of a plan, if any.
    pub async fn published_scores(&self, plan_id: i64) -> Result<Option<Scores>> {
        let row = sqlx::query("SELECT content FROM score_results WHERE plan_id = $1 ORDER BY version DESC LIMIT 1")
            .bind(plan_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(r) = row else { return Ok(None) };
        serde_json::from_str(&r.get::<String, _>(0)).map(Some).map_err(|e| StoreError::invalid("scores", e.to_string()))
    }
}
