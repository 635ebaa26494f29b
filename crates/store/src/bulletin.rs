//! The monthly bulletin's data: gathers a plan's month from the store into
//! `domain::bulletin::BulletinInput` (assessments from the same `plan_view` every page uses),
//! and keeps published bulletins as snapshots, so what was issued never changes even when
//! data is corrected later; a corrected bulletin is a new version.

use crate::status::{AssignmentView, TaskView};
use crate::{Result, Store, StoreError, now_on};
use chrono::{Datelike, NaiveDate};
use domain::bulletin::{
    AssignmentInput, Bulletin, BulletinInput, IndicatorInput, ItemInput, Role, SectionInput, Submission,
};
use domain::{Period, Thresholds};
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

/// A published bulletin.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub version: i64,
    pub published_at: String,
    pub bulletin: Bulletin,
}

struct MonthReport {
    /// The month an unchanged text was first reported, when earlier than last month.
    text_period: Option<Period>,
    state: String,
    late: bool,
    unchanged: bool,
    progress: String,
    problems: String,
    next_steps: String,
    evidence: Vec<String>,
}

fn chinese_numeral(n: i64) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n as usize].to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", DIGITS[(n - 10) as usize]),
        20..=99 => {
            format!("{}十{}", DIGITS[(n / 10) as usize], if n % 10 == 0 { "" } else { DIGITS[(n % 10) as usize] })
        }
        _ => n.to_string(),
    }
}

/// Before 下步要求 were kept per month, one text per plan: still offered as a starting point.
fn legacy_requirements_key(plan_id: i64) -> String {
    format!("bulletin_requirements_{plan_id}")
}

fn requirements_key(plan_id: i64, period: Period) -> String {
    format!("bulletin_requirements_{plan_id}_{period}")
}

fn settings_key(plan_id: i64, field: &str) -> String {
    format!("bulletin_{field}_{plan_id}")
}

/// The office's choices for a plan's bulletins (版头, 主送, 署名, 成文日期, 版记), kept per plan
/// once set: 发文字号 and 成文日期 are changed each month, the rest rarely.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct BulletinSettings {
    /// 发文字号, e.g. 鹰教督〔2024〕10号; empty for the 督查通报 masthead with 第N期.
    pub doc_number: String,
    /// 主送机关.
    pub addressees: String,
    /// 发文机关署名; empty for the plan's issuer.
    pub issuer: String,
    /// 成文日期; `None` leaves the date blank in the document.
    pub issued_on: Option<NaiveDate>,
    /// 抄送.
    pub cc: String,
    /// 印发机关; empty for the issuer.
    pub printed_by: String,
}

const SETTING_FIELDS: [&str; 6] = ["doc_number", "addressees", "issuer", "issued_on", "cc", "printed_by"];

fn some(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl Store {
    /// This month's 下步要求 as saved by the office (empty until written).
    pub async fn bulletin_requirements(&self, plan_id: i64, period: Period) -> Result<String> {
        Ok(self.setting(&requirements_key(plan_id, period)).await?.unwrap_or_default())
    }

    /// What the page offers to edit: this month's 下步要求, or else last month's (or the
    /// plan's older text) as a starting point; `true` when it is such a starting point, not yet
    /// this month's.
    pub async fn bulletin_requirements_draft(&self, plan_id: i64, period: Period) -> Result<(String, bool)> {
        let now = self.bulletin_requirements(plan_id, period).await?;
        if !now.trim().is_empty() {
            return Ok((now, false));
        }
        let last = match self.setting(&requirements_key(plan_id, period.prev())).await? {
            Some(t) if !t.trim().is_empty() => t,
            _ => self.setting(&legacy_requirements_key(plan_id)).await?.unwrap_or_default(),
        };
        Ok((last, true))
    }

    pub async fn set_bulletin_requirements(&self, plan_id: i64, period: Period, text: &str) -> Result<()> {
        if text.chars().count() > 5000 {
            return Err(StoreError::invalid("requirements", "下步要求不能超过 5000 字"));
        }
        self.set_setting(&requirements_key(plan_id, period), text).await
    }

    /// The plan's bulletin settings (empty fields when never set).
    pub async fn bulletin_settings(&self, plan_id: i64) -> Result<BulletinSettings> {
        let mut v = Vec::new();
        for f in SETTING_FIELDS {
            v.push(self.setting(&settings_key(plan_id, f)).await?.unwrap_or_default());
        }
        Ok(BulletinSettings {
            doc_number: v[0].clone(),
            addressees: v[1].clone(),
            issuer: v[2].clone(),
            issued_on: NaiveDate::parse_from_str(v[3].trim(), "%Y-%m-%d").ok(),
            cc: v[4].clone(),
            printed_by: v[5].clone(),
        })
    }

    /// Saves the plan's bulletin settings, all or nothing: every field is checked first.
    pub async fn set_bulletin_settings(&self, plan_id: i64, s: &BulletinSettings) -> Result<()> {
        let texts = [
            ("doc_number", "发文字号", &s.doc_number, 50),
            ("addressees", "主送机关", &s.addressees, 500),
            ("issuer", "发文机关署名", &s.issuer, 100),
            ("cc", "抄送", &s.cc, 500),
            ("printed_by", "印发机关", &s.printed_by, 100),
        ];
        for (field, label, value, max) in texts {
            if value.chars().count() > max {
                return Err(StoreError::invalid(field, format!("{label}不能超过 {max} 字")));
            }
            if value.chars().any(char::is_control) {
                return Err(StoreError::invalid(field, format!("{label}不能含换行等控制字符")));
            }
        }
        if let Some(d) = s.issued_on
            && !(2000..=2100).contains(&d.year())
        {
            return Err(StoreError::invalid("issued_on", "成文日期不在合理范围内"));
        }
        for (field, _, value, _) in texts {
            self.set_setting(&settings_key(plan_id, field), value.trim()).await?;
        }
        let date = s.issued_on.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
        self.set_setting(&settings_key(plan_id, "issued_on"), &date).await
    }

    /// The bulletin of a plan for a month, computed from the data as it stands.
    pub async fn bulletin_input(
        &self,
        plan_id: i64,
        period: Period,
        today: NaiveDate,
        th: &Thresholds,
    ) -> Result<BulletinInput> {
        let plan = self.plan(plan_id).await?;
        if plan.status == "draft" {
            return Err(StoreError::Conflict("工作要点尚未发布,没有通报".into()));
        }
        let parsed = self.parsed_plan(plan_id).await?;
        let view = self.plan_view(plan_id, Some(period), today, th).await?;
        let year = parsed.meta.year.map(i64::from).or(plan.year);
        // Last month's figures exist only within the plan's year.
        let last = match year {
            Some(y) if i64::from(period.prev().year) == y => {
                Some(self.plan_view(plan_id, Some(period.prev()), today, th).await?)
            }
            _ => None,
        };
        let last_by_assignment: HashMap<i64, domain::Assessment> = last
            .iter()
            .flat_map(|v| v.sections.iter().flat_map(|s| &s.items).flat_map(|i| &i.units))
            .map(|a| (a.assignment_id, a.assessment))
            .collect();
        let reports = self.month_reports(plan_id, period).await?;
        let kinds: HashMap<i64, String> = self.units().await?.into_iter().map(|u| (u.id, u.kind)).collect();
        let settings = self.bulletin_settings(plan_id).await?;
        let requirements = self
            .bulletin_requirements(plan_id, period)
            .await?
            .split('\n')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        let as_of = today.min(period.last_day());
        let sections = view
            .sections
            .iter()
            .map(|s| SectionInput {
                number: chinese_numeral(s.number),
                title: s.title.clone(),
                items: s
                    .items
                    .iter()
                    .map(|item| item_input(item, &reports, &last_by_assignment, &kinds, as_of))
                    .collect(),
            })
            .collect();
        Ok(BulletinInput {
            plan_title: plan.title.clone(),
            issuer: some(&settings.issuer)
                .or_else(|| parsed.meta.issuer.clone())
                .unwrap_or_else(|| "督办办公室".to_string()),
            title: None,
            doc_number: some(&settings.doc_number),
            addressees: match some(&settings.addressees) {
                Some(a) => Some(a),
                None => self.setting("bulletin_addressees").await?,
            },
            period,
            as_of,
            // The office chooses the date of issue; never the machine's clock.
            issued_on: settings.issued_on,
            cc: some(&settings.cc),
            printed_by: some(&settings.printed_by),
            thresholds: *th,
            sections,
            requirements,
            // Visits and 督办件 are the bureau's, not one plan's: every plan's bulletin has them.
            supervision: Some(self.visit_bulletin(period, today).await?.into()),
        })
    }

    async fn month_reports(&self, plan_id: i64, period: Period) -> Result<HashMap<i64, MonthReport>> {
        let rows = sqlx::query(
            "SELECT r.id, r.assignment_id, r.state, r.late, r.unchanged, r.progress, r.problems, r.next_steps \
             FROM reports r JOIN assignments a ON a.id = r.assignment_id JOIN tasks t ON t.id = a.task_id \
             WHERE t.plan_id = $1 AND r.period = $2",
        )
        .bind(plan_id)
        .bind(period.to_string())
        .fetch_all(&self.pool)
        .await?;
        let files = sqlx::query(
            "SELECT e.report_id, e.file_name FROM evidence e JOIN reports r ON r.id = e.report_id \
             JOIN assignments a ON a.id = r.assignment_id JOIN tasks t ON t.id = a.task_id \
             WHERE t.plan_id = $1 AND r.period = $2 ORDER BY e.id",
        )
        .bind(plan_id)
        .bind(period.to_string())
        .fetch_all(&self.pool)
        .await?;
        // An unchanged text may have been carried over for months: the earliest month with the
        // same text is the month it was written in.
        let first = sqlx::query(
            "SELECT r.assignment_id, MIN(p.period) FROM reports r \
             JOIN reports p ON p.assignment_id = r.assignment_id AND p.progress = r.progress AND p.period < r.period \
             JOIN assignments a ON a.id = r.assignment_id JOIN tasks t ON t.id = a.task_id \
             WHERE t.plan_id = $1 AND r.period = $2 AND r.unchanged <> 0 GROUP BY r.assignment_id",
        )
        .bind(plan_id)
        .bind(period.to_string())
        .fetch_all(&self.pool)
        .await?;
        let first: HashMap<i64, Period> = first
            .iter()
            .filter_map(|r| Some((r.get::<i64, _>(0), r.get::<Option<String>, _>(1)?.parse().ok()?)))
            .collect();
        let mut evidence: HashMap<i64, Vec<String>> = HashMap::new();
        for f in &files {
            evidence.entry(f.get(0)).or_default().push(f.get(1));
        }
        Ok(rows
            .iter()
            .map(|r| {
                let id: i64 = r.get(0);
                (
                    r.get(1),
                    MonthReport {
                        text_period: first.get(&r.get::<i64, _>(1)).copied(),
                        state: r.get(2),
                        late: r.get::<i64, _>(3) != 0,
                        unchanged: r.get::<i64, _>(4) != 0,
                        progress: r.get(5),
                        problems: r.get(6),
                        next_steps: r.get(7),
                        evidence: evidence.remove(&id).unwrap_or_default(),
                    },
                )
            })
            .collect())
    }

    /// Publishes the bulletin of a month as it stands: a new version, frozen, dated `today`
    /// (the caller's clock, as the bulletin's figures are).
    pub async fn publish_bulletin(
        &self,
        plan_id: i64,
        period: Period,
        today: NaiveDate,
        bulletin: &Bulletin,
    ) -> Result<Snapshot> {
        let content = serde_json::to_string(bulletin).map_err(|e| StoreError::invalid("bulletin", e.to_string()))?;
        let mut tx = self.write_tx().await?;
        let version: i64 =
            sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 FROM bulletins WHERE plan_id = $1 AND period = $2")
                .bind(plan_id)
                .bind(period.to_string())
                .fetch_one(&mut *tx)
                .await?
                .get(0);
        let at = now_on(today);
        sqlx::query(
            "INSERT INTO bulletins (plan_id, period, version, content, published_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(plan_id)
        .bind(period.to_string())
        .bind(version)
        .bind(&content)
        .bind(&at)
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::lost_race(e, "该月通报刚由他人发布了新版本,请刷新后再发布"))?;
        tx.commit().await?;
        Ok(Snapshot { version, published_at: at, bulletin: bulletin.clone() })
    }

    /// The latest published version of a month's bulletin, if any.
    pub async fn published_bulletin(&self, plan_id: i64, period: Period) -> Result<Option<Snapshot>> {
        let row = sqlx::query(
            "SELECT version, published_at, content FROM bulletins WHERE plan_id = $1 AND period = $2 \
             ORDER BY version DESC LIMIT 1",
        )
        .bind(plan_id)
        .bind(period.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let bulletin: Bulletin = serde_json::from_str(&r.get::<String, _>(2))
            .map_err(|e| StoreError::invalid("bulletin", format!("已发布的通报无法读取:{e}")))?;
        Ok(Some(Snapshot { version: r.get(0), published_at: r.get(1), bulletin }))
    }
}

/// The value of a target for the whole item this month. Units report against the target as
/// it applies to them, so there is no honest way to average them: the figure is the one the
/// bureau's own department reported (it reports the city's figure); failing that, for a count
/// broken down per unit, the sum of the units' counts; otherwise none.
fn current_value(ind: &crate::plans::Indicator, units: &[AssignmentView], kinds: &HashMap<i64, String>) -> Option<f64> {
    let reported = |a: &&AssignmentView| a.values.contains_key(&ind.id);
    if let Some(a) = units.iter().filter(reported).find(|a| kinds.get(&a.unit_id).is_some_and(|k| k == "department")) {
        return a.values.get(&ind.id).copied();
    }
    if !ind.breakdown.is_empty() && ind.unit != "%" {
        let values: Vec<f64> = units.iter().filter_map(|a| a.values.get(&ind.id).copied()).collect();
        return (!values.is_empty()).then(|| values.iter().sum());
    }
    None
}

fn item_input(
    item: &TaskView,
    reports: &HashMap<i64, MonthReport>,
    last: &HashMap<i64, domain::Assessment>,
    kinds: &HashMap<i64, String>,
    as_of: NaiveDate,
) -> ItemInput {
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or(as_of);
    let start = date(&item.task.start_date);
    let deadline = date(&item.task.deadline);
    let indicators = item
        .indicators
        .iter()
        .map(|ind| IndicatorInput {
            subject: ind.subject.clone(),
            spec: domain::TargetSpec {
                value: ind.value,
                max: ind.max_value,
                comparator: domain::Comparator::parse_or_floor(&ind.comparator),
                unit: ind.unit.clone(),
            },
            baseline: ind.baseline,
            current: current_value(ind, &item.units, kinds),
            start,
            deadline: date(&ind.deadline),
        })
        .collect();
    let assignments = item
        .units
        .iter()
        .map(|a| {
            let r = reports.get(&a.assignment_id);
            let submitted = r.is_some_and(|r| matches!(r.state.as_str(), "submitted" | "approved"));
            let submission = match r {
                Some(r) if submitted && r.late => Submission::Late,
                Some(_) if submitted => Submission::OnTime,
                _ => Submission::Missing,
            };
            AssignmentInput {
                unit: a.unit_name.clone(),
                district: kinds.get(&a.unit_id).is_some_and(|k| k == "district"),
                role: if a.role == "co" { Role::Support } else { Role::Lead },
                person: None,
                deadline,
                now: a.assessment,
                last: last.get(&a.assignment_id).copied(),
                submission,
                unchanged: r.is_some_and(|r| submitted && r.unchanged),
                progress_text: r.filter(|_| submitted).map(|r| r.progress.clone()).unwrap_or_default(),
                problems: r.filter(|_| submitted).map(|r| r.problems.clone()).unwrap_or_default(),
                next_steps: r.filter(|_| submitted).map(|r| r.next_steps.clone()).unwrap_or_default(),
                evidence: r.filter(|_| submitted).map(|r| r.evidence.clone()).unwrap_or_default(),
                remarks: String::new(),
                text_period: r.filter(|_| submitted).and_then(|r| r.text_period),
            }
        })
        .collect();
    ItemInput {
        number: item.task.item_label.trim_end_matches(['.', '.', '、']).to_string(),
        title: item.task.title.clone(),
        leader: None,
        indicators,
        assignments,
    }
}

#[cfg(test)]
mod tests {
    use super::chinese_numeral;

    #[test]
    fn section_numbers() {
        let got: Vec<String> = [1, 8, 10, 12, 20, 21].iter().map(|n| chinese_numeral(*n)).collect();
        assert_eq!(got, ["一", "八", "十", "十二", "二十", "二十一"]);
    }
}
