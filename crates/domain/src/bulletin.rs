//! The monthly supervision bulletin (一月一督导,一月一通报): one content model that every
//! output (Word, PDF, Excel, CSV, HTML) renders, so the documents never disagree.
//!
//! The caller gathers, for a plan and a month, each item with its assignments (each unit's
//! share of the item, with the [`Assessment`] that [`crate::assess`] gave it this month and last
//! month) and its quantitative targets; [`Bulletin::build`] turns that into the bulletin. No
//! status is computed here: assignments arrive assessed, items, sections and the plan are
//! [`roll_up`]s, counts and shares are [`StatusCounts`], an indicator's status is what
//! [`assess`] says of it (its progress is [`crate::progress`]).
//!
//! The bulletin's rules, as users read them:
//! - **总体情况**: items (from their units) and assignments by status, with counts, shares of
//!   the total and the change since last month (from last month's assessments; an assignment
//!   without one — new this month — is left out of last month's figures); reports due, on
//!   time, late and missing.
//! - **进展较快**: items 超序时, and items completed this month (not complete last month); units
//!   whose own work, rolled up like a task from its units, is 超序时 or 已完成, by how far they
//!   are ahead of pace.
//! - **存在问题**: items 逾期, 滞后 and 未启动 (逾期 first, then red before yellow), each with its
//!   units in those states and the problems they stated; units that did not report, or
//!   reported after the due day; reports whose text is unchanged from last month.
//! - **指标** (quantitative targets): value now, where it should be at the pace of the time
//!   elapsed ([`crate::target::expected_value`]: baseline, or 0, plus pace × the distance to the
//!   target; for a ceiling with a baseline above it, baseline minus pace × the distance down; a
//!   count in whole things), and the gap: how far the value is behind that (positive behind,
//!   negative ahead, in the target's unit). One-off targets (建成, 完成) go by milestones.
//! - **排名** ([`RANKING_RULE`]): districts by outcomes only — the share of their assignments
//!   已完成, 超序时 or 序时推进, then fewer red assignments, then the share completed; full ties
//!   share a rank. Never logins, clicks or uploads (2024 减负 rules).
//! - **下步要求**: the office's own text, as given.
//! - **附件** the ledger (任务台账): one row per assignment, in plan order, with the columns of
//!   [`LEDGER_COLUMNS`].

use crate::pace::linear_pace;
use crate::period::Period;
use crate::rectification::{DirectiveFigures, VisitFigures};
use crate::status::{
    Assessment, AssignmentFacts, Colour, Status, StatusCounts, TargetFact, Thresholds, assess, roll_up,
};
pub use crate::target::is_count_unit;
use crate::target::{Comparator, TargetSpec, expected_value, reached};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The ranking rule, as printed under the ranking table.
pub const RANKING_RULE: &str = "排名规则：只看工作成效。按各区（市）承担任务中“已完成、超序时、序时推进”的占比从高到低排列；\
占比相同的，红色预警任务（逾期、严重滞后等）少的在前；仍相同的，已完成占比高的在前；再相同的并列。\
不以登录次数、点击量、上传材料数量等作为排名依据。";

/// The ledger's columns (domain.md §3), in order.
pub const LEDGER_COLUMNS: [&str; 16] = [
    "序号",
    "任务来源/编号",
    "工作任务",
    "量化目标",
    "牵头领导",
    "牵头单位",
    "配合单位",
    "责任人",
    "完成时限",
    "本月进展",
    "累计完成",
    "状态",
    "存在问题",
    "下步措施",
    "佐证材料",
    "备注",
];

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

/// What the bulletin is built from: a plan's items for one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulletinInput {
    /// The plan's title, without book-title marks: 2024年鹰潭市教育工作要点.
    pub plan_title: String,
    /// The issuing office (发文机关署名): 鹰潭市教育局.
    pub issuer: String,
    /// The bulletin's own title; `None` for the standard one (see [`Bulletin::title`]).
    pub title: Option<String>,
    /// 发文字号, e.g. 鹰教督通〔2024〕10号.
    pub doc_number: Option<String>,
    /// 主送机关, e.g. 各区(市)教育局,市直各学校,局机关各科室.
    pub addressees: Option<String>,
    pub period: Period,
    /// The day the figures describe (usually the period's last day or the due day).
    pub as_of: NaiveDate,
    /// 成文日期, chosen by the office; `None` leaves the date blank to be filled in (the
    /// machine's clock never decides the date of a document).
    pub issued_on: Option<NaiveDate>,
    /// 抄送 (版记), e.g. 市委教育工委委员,局领导.
    #[serde(default)]
    pub cc: Option<String>,
    /// 印发机关 (版记); the issuer when `None`.
    #[serde(default)]
    pub printed_by: Option<String>,
    pub thresholds: Thresholds,
    pub sections: Vec<SectionInput>,
    /// 下步要求, one paragraph each, written by the office.
    pub requirements: Vec<String>,
    /// The visits and 督办件 sections; `None` where the bureau records neither.
    #[serde(default)]
    pub supervision: Option<Supervision>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionInput {
    /// The section's number as printed, without the comma: 一.
    pub number: String,
    pub title: String,
    pub items: Vec<ItemInput>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemInput {
    /// The item's number as printed, without the point: 3.
    pub number: String,
    pub title: String,
    /// 牵头领导, when the plan names one.
    pub leader: Option<String>,
    pub indicators: Vec<IndicatorInput>,
    pub assignments: Vec<AssignmentInput>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Lead,
    Support,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Lead => "牵头",
            Role::Support => "配合",
        }
    }
}

/// This month's report of an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Submission {
    OnTime,
    Late,
    Missing,
}

impl Submission {
    pub fn label(self) -> &'static str {
        match self {
            Submission::OnTime => "按时报送",
            Submission::Late => "逾期报送",
            Submission::Missing => "未报送",
        }
    }
}

/// One unit's share of an item, as assessed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignmentInput {
    pub unit: String,
    /// The unit is a district (区县) and takes part in the ranking.
    pub district: bool,
    pub role: Role,
    /// 责任人.
    pub person: Option<String>,
    /// 完成时限.
    pub deadline: NaiveDate,
    /// This month's assessment (from `assess`).
    pub now: Assessment,
    /// Last month's assessment; `None` when the assignment did not exist yet.
    pub last: Option<Assessment>,
    pub submission: Submission,
    /// The report's text is the same as last month's.
    pub unchanged: bool,
    /// 本月进展, the report's text.
    pub progress_text: String,
    /// 存在问题, as the unit stated them.
    pub problems: String,
    /// 下步措施.
    pub next_steps: String,
    /// 佐证材料: names of the evidence files (optional by the 减负 rules).
    pub evidence: Vec<String>,
    /// 备注.
    pub remarks: String,
    /// The month the progress text was first reported, when it is an earlier month's text
    /// carried over unchanged; `None` otherwise (an unchanged text without it is last month's).
    #[serde(default)]
    pub text_period: Option<Period>,
}

/// A quantitative target of an item, with its value this month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorInput {
    /// What is measured: 公办园在园幼儿占比.
    pub subject: String,
    pub spec: TargetSpec,
    pub baseline: Option<f64>,
    /// The value this month (a pooled ratio for a ratio target); `None` when nobody reported.
    pub current: Option<f64>,
    /// The span over which the target is to be reached; pace runs evenly along it.
    pub start: NaiveDate,
    pub deadline: NaiveDate,
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/// The bulletin: every figure and sentence the documents show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bulletin {
    pub title: String,
    pub plan_title: String,
    pub issuer: String,
    pub doc_number: Option<String>,
    pub addressees: Option<String>,
    pub period: Period,
    pub as_of: NaiveDate,
    /// 成文日期; `None` until the office sets it.
    pub issued_on: Option<NaiveDate>,
    /// 抄送.
    #[serde(default)]
    pub cc: Option<String>,
    /// 印发机关.
    #[serde(default)]
    pub printed_by: Option<String>,
    /// The rules the judgements follow, printed as the body's notes (注).
    #[serde(default)]
    pub notes: Vec<String>,
    /// The tolerances the statuses and colours were computed with (for the colour legend).
    #[serde(default)]
    pub thresholds: Thresholds,
    /// The whole plan, rolled up from its sections.
    pub plan: Assessment,
    pub overview: Overview,
    pub fast: Fast,
    pub problems: Problems,
    pub indicators: Vec<IndicatorRow>,
    pub ranking: Ranking,
    pub requirements: Vec<String>,
    pub ledger: Vec<LedgerSection>,
    /// 督导检查和问题整改, 督办件办理 (absent in bulletins issued before visits were kept).
    #[serde(default)]
    pub supervision: Option<Supervision>,
}

/// The bulletin's visits and 督办件 sections: the figures of
/// [`crate::rectification::visit_figures`] and [`crate::rectification::directive_figures`]
/// (the ledger page shows the same), in the words every format prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Supervision {
    pub visits: VisitFigures,
    pub directives: DirectiveFigures,
}

/// One figure of [`Supervision`] as the spreadsheet and the CSV list it: the part (督导检查和
/// 问题整改 or 督办件), what is counted, the unit it names (逾期未整改 by unit, an overdue
/// item's lead unit) and the value as printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupervisionRow {
    pub part: &'static str,
    pub item: String,
    pub unit: String,
    pub value: String,
}

/// The part names of [`Supervision`], as headings.
pub const SUPERVISION_PARTS: [&str; 2] = ["督导检查和问题整改", "督办件办理"];

impl Supervision {
    /// Whether there is anything to say: no visit, finding or 督办件 ever, nothing overdue.
    pub fn is_empty(&self) -> bool {
        let (v, d) = (&self.visits, &self.directives);
        v.visits == 0
            && v.found == 0
            && v.closed == 0
            && v.found_to_date == 0
            && v.overdue_total == 0
            && d.registered == 0
            && d.closed == 0
            && d.open == 0
            && d.overdue.is_empty()
    }

    /// 整改率 as printed: "80.0%", or "—" with nothing found this year.
    pub fn rate_text(&self) -> String {
        self.visits.rate.map_or_else(|| "—".to_string(), percent)
    }

    /// The visits paragraph: 本月督导 N 次, 发现问题 M 个, 已销号 K 个, 整改率, 逾期未整改 by unit.
    pub fn visits_text(&self) -> String {
        let v = &self.visits;
        let mut s = format!(
            "本月督导{}次，发现问题{}个，已销号{}个。{}年以来累计发现问题{}个、已销号{}个，整改率{}。",
            v.visits,
            v.found,
            v.closed,
            v.period.year,
            v.found_to_date,
            v.closed_to_date,
            self.rate_text()
        );
        if v.overdue.is_empty() {
            s.push_str("目前没有逾期未整改的问题。");
        } else {
            let named: Vec<String> = v.overdue.iter().map(|(u, n)| format!("{u}{n}个")).collect();
            s.push_str(&format!("逾期未整改问题{}个：{}。", v.overdue_total, named.join("、")));
        }
        s
    }

    /// The 督办件 paragraph: registered, closed and open, and each overdue item with its lead
    /// unit and deadline.
    pub fn directives_text(&self) -> String {
        let d = &self.directives;
        let mut s = format!(
            "本月交办督办件{}件，办结{}件；截至{}，在办{}件。",
            d.registered,
            d.closed,
            chinese_date(d.as_of),
            d.open
        );
        if d.overdue.is_empty() {
            s.push_str("没有逾期未办结的督办件。");
        } else {
            let named: Vec<String> =
                d.overdue.iter().map(|(t, u, on)| format!("“{t}”（牵头单位{u}，期限{}）", chinese_date(*on))).collect();
            s.push_str(&format!("逾期未办结{}件：{}。", d.overdue.len(), named.join("；")));
        }
        s
    }

    /// What the public page may say (when the office opens it): aggregate figures only, no
    /// unit, no finding, no item named.
    pub fn public_lines(&self) -> Vec<String> {
        let (v, d) = (&self.visits, &self.directives);
        vec![
            format!("本月督导{}次，发现问题{}个，已销号{}个。", v.visits, v.found, v.closed),
            format!(
                "{}年以来累计发现问题{}个、已销号{}个，整改率{}；逾期未整改问题{}个。",
                v.period.year,
                v.found_to_date,
                v.closed_to_date,
                self.rate_text(),
                v.overdue_total
            ),
            format!(
                "督办件：本月交办{}件，办结{}件，在办{}件，其中逾期{}件。",
                d.registered,
                d.closed,
                d.open,
                d.overdue.len()
            ),
        ]
    }

    /// Every figure as a row, for the spreadsheet and the CSV.
    pub fn rows(&self) -> Vec<SupervisionRow> {
        let [visits, directives] = SUPERVISION_PARTS;
        let row = |part: &'static str, item: &str, unit: &str, value: String| SupervisionRow {
            part,
            item: item.to_string(),
            unit: unit.to_string(),
            value,
        };
        let v = &self.visits;
        let mut out = vec![
            row(visits, "本月督导（次）", "", v.visits.to_string()),
            row(visits, "本月发现问题（个）", "", v.found.to_string()),
            row(visits, "本月已销号（个）", "", v.closed.to_string()),
            row(visits, "今年以来发现问题（个）", "", v.found_to_date.to_string()),
            row(visits, "今年以来已销号（个）", "", v.closed_to_date.to_string()),
            row(visits, "整改率", "", self.rate_text()),
            row(visits, "逾期未整改（个）", "", v.overdue_total.to_string()),
        ];
        out.extend(v.overdue.iter().map(|(u, n)| row(visits, "逾期未整改（个）", u, n.to_string())));
        let d = &self.directives;
        out.extend([
            row(directives, "本月交办（件）", "", d.registered.to_string()),
            row(directives, "本月办结（件）", "", d.closed.to_string()),
            row(directives, "在办（件）", "", d.open.to_string()),
            row(directives, "逾期未办结（件）", "", d.overdue.len().to_string()),
        ]);
        out.extend(
            d.overdue
                .iter()
                .map(|(t, u, on)| row(directives, &format!("逾期：{t}"), u, format!("期限{}", chinese_date(*on)))),
        );
        out
    }
}

/// Counts by status now and last month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub total: usize,
    /// `None` when nothing was assessed last month.
    pub last_total: Option<usize>,
    /// One row per status, in `Status::ALL` order (zeros included).
    pub rows: Vec<TallyRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TallyRow {
    pub status: Status,
    pub count: usize,
    /// Share of the total, 0–1.
    pub share: f64,
    pub last_count: Option<usize>,
    pub last_share: Option<f64>,
}

impl TallyRow {
    /// Change in count since last month.
    pub fn change(&self) -> Option<i64> {
        self.last_count.map(|l| self.count as i64 - l as i64)
    }

    /// Change in share since last month, in fractions (0.05 = 5 percentage points).
    pub fn share_change(&self) -> Option<f64> {
        self.last_share.map(|l| self.share - l)
    }
}

impl Tally {
    fn new(now: &StatusCounts, last: Option<&StatusCounts>) -> Tally {
        let last = last.filter(|l| l.total() > 0);
        Tally {
            total: now.total(),
            last_total: last.map(|l| l.total()),
            rows: Status::ALL
                .into_iter()
                .map(|s| TallyRow {
                    status: s,
                    count: now.count(s),
                    share: now.share(s),
                    last_count: last.map(|l| l.count(s)),
                    last_share: last.map(|l| l.share(s)),
                })
                .collect(),
        }
    }

    pub fn row(&self, s: Status) -> TallyRow {
        self.rows.iter().copied().find(|r| r.status == s).unwrap_or(TallyRow {
            status: s,
            count: 0,
            share: 0.0,
            last_count: None,
            last_share: None,
        })
    }

    pub fn count(&self, s: Status) -> usize {
        self.row(s).count
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub items: Tally,
    pub assignments: Tally,
    /// Distinct units with at least one assignment.
    pub units: usize,
    pub sections: Vec<SectionLine>,
    pub reports: ReportTally,
    /// The prose of 总体情况, one paragraph each.
    pub paragraphs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionLine {
    pub number: String,
    pub title: String,
    pub assessment: Assessment,
    pub items: Tally,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReportTally {
    /// Reports due this month: one per assignment.
    pub due: usize,
    pub on_time: usize,
    pub late: usize,
    pub missing: usize,
}

impl ReportTally {
    /// On-time reports over reports due; 0 when none were due.
    pub fn on_time_share(&self) -> f64 {
        if self.due == 0 { 0.0 } else { self.on_time as f64 / self.due as f64 }
    }
}

/// An item as the bulletin quotes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemLine {
    pub section: String,
    pub number: String,
    pub title: String,
    pub assessment: Assessment,
    pub last: Option<Assessment>,
    /// For 存在问题: the units 逾期, 滞后 or 未启动 on this item, with their stated problems.
    pub units: Vec<UnitNote>,
}

impl ItemLine {
    /// "3. 推进学前教育普惠发展" — the item as the plan numbers it.
    pub fn label(&self) -> String {
        format!("{}. {}", self.number, self.title)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitNote {
    pub unit: String,
    pub assessment: Assessment,
    pub problems: String,
    pub next_steps: String,
}

/// A unit's own work this month, rolled up from its assignments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitLine {
    pub unit: String,
    pub assessment: Assessment,
    pub assignments: usize,
    /// Its assignments 超序时 or 已完成 (and reported this month).
    pub ahead: usize,
    /// Its assignments 已完成, 超序时 or 序时推进 and reported this month.
    #[serde(default)]
    pub on_pace: usize,
    /// Its assignments 未启动 (not begun).
    #[serde(default)]
    pub not_started: usize,
    /// Its assignments without a report this month.
    #[serde(default)]
    pub unreported: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fast {
    pub items: Vec<ItemLine>,
    pub units: Vec<UnitLine>,
}

/// A unit and the items concerned (for 未报送, 逾期报送, 内容未更新).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitItems {
    pub unit: String,
    /// Item numbers, in plan order.
    pub items: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problems {
    pub lagging: Vec<ItemLine>,
    /// Units whose own work is judged 滞后, 未启动 or 逾期 by [`judge_unit`], worst first.
    #[serde(default)]
    pub units: Vec<UnitLine>,
    pub missing: Vec<UnitItems>,
    pub late: Vec<UnitItems>,
    pub unchanged: Vec<UnitItems>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorRow {
    pub item: String,
    pub subject: String,
    pub spec: TargetSpec,
    pub baseline: Option<f64>,
    pub current: Option<f64>,
    /// Where the value should be at pace; for a count (个, 所, 人…) a whole number, rounded
    /// down (up for a ceiling); `None` for a one-off target, judged by milestones.
    pub expected: Option<f64>,
    /// The target counts whole things (see [`is_count_unit`]).
    #[serde(default)]
    pub discrete: bool,
    /// How far the value is behind `expected` (positive behind, negative ahead); `None`
    /// without a value.
    pub gap: Option<f64>,
    pub reached: bool,
    /// As `assess` judges the target alone (progress, pace, status, colour).
    pub assessment: Assessment,
}

impl IndicatorRow {
    /// The target as people write it: ≥57%, ≤45人, 800个左右, 1–2所.
    pub fn target_text(&self) -> String {
        target_text(&self.spec)
    }

    /// The value now: "2所", "57.4%", "未报".
    pub fn current_text(&self) -> String {
        self.current.map_or_else(|| "未报".to_string(), |c| quantity(c, &self.spec.unit))
    }

    /// Where it should be: "2所", "55.7%", or "按节点" for a one-off target.
    pub fn expected_text(&self) -> String {
        self.expected.map_or_else(|| "按节点".to_string(), |e| quantity(e, &self.spec.unit))
    }

    /// "落后1所", "已达序时", "—".
    pub fn gap_text(&self) -> String {
        match self.gap {
            Some(g) if g > 0.0 => format!("落后{}", quantity(g, &self.spec.unit)),
            Some(_) => "已达序时".to_string(),
            None => "—".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    pub rule: String,
    pub rows: Vec<RankRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankRow {
    /// 1-based; tied units share a rank (1, 2, 2, 4).
    pub rank: usize,
    pub unit: String,
    pub total: usize,
    pub completed: usize,
    /// 已完成 + 超序时 + 序时推进.
    pub on_pace: usize,
    /// 滞后 + 未启动 + 逾期.
    pub lagging: usize,
    pub red: usize,
    /// `on_pace / total`.
    pub score: f64,
    /// The rank by last month's assessments, by the same rule.
    pub last_rank: Option<usize>,
}

impl RankRow {
    /// Places gained since last month (positive up).
    pub fn rank_change(&self) -> Option<i64> {
        self.last_rank.map(|l| l as i64 - self.rank as i64)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerSection {
    pub number: String,
    pub title: String,
    pub rows: Vec<LedgerRow>,
}

impl LedgerSection {
    /// "一、加强党的建设".
    pub fn heading(&self) -> String {
        format!("{}、{}", self.number, self.title)
    }
}

/// One assignment in the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerRow {
    /// Running number through the whole ledger, from 1.
    pub seq: usize,
    /// 任务来源/编号: section and item, 一-3.
    pub source: String,
    pub task: String,
    /// 量化目标: the item's targets, joined.
    pub target: String,
    pub leader: String,
    /// The unit, in the column of its role.
    pub lead_unit: String,
    pub support_unit: String,
    pub person: String,
    pub deadline: NaiveDate,
    pub progress_text: String,
    pub assessment: Assessment,
    pub problems: String,
    pub next_steps: String,
    pub evidence: String,
    /// The month the progress text was written in, when earlier than the bulletin's; the text
    /// then ends with "(9月报送)".
    #[serde(default)]
    pub stale_from: Option<Period>,
    /// 备注: the report's state when not on time, an unchanged text, and the office's remarks.
    pub remarks: String,
}

impl LedgerRow {
    /// The unit this row belongs to.
    pub fn unit(&self) -> &str {
        if self.lead_unit.is_empty() { &self.support_unit } else { &self.lead_unit }
    }

    /// The row as text, one cell per [`LEDGER_COLUMNS`] entry (dates as YYYY-MM-DD).
    pub fn cells(&self) -> [String; 16] {
        [
            self.seq.to_string(),
            self.source.clone(),
            self.task.clone(),
            self.target.clone(),
            self.leader.clone(),
            self.lead_unit.clone(),
            self.support_unit.clone(),
            self.person.clone(),
            self.deadline.format("%Y-%m-%d").to_string(),
            self.progress_text.clone(),
            self.assessment.progress.map_or_else(|| "—".to_string(), percent),
            self.assessment.status.label().to_string(),
            self.problems.clone(),
            self.next_steps.clone(),
            self.evidence.clone(),
            self.remarks.clone(),
        ]
    }
}

// ---------------------------------------------------------------------------------------------
// Formatting shared by every output
// ---------------------------------------------------------------------------------------------

/// A share as a percentage with one decimal: 0.4102 → "41.0%".
pub fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// A number without needless decimals: 3 → "3", 57.5 → "57.5", 1/3 → "0.33".
pub fn number(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_string() } else { s.to_string() }
}

/// A change with its sign: "+2", "−1", "0".
pub fn signed(change: i64) -> String {
    match change {
        c if c > 0 => format!("+{c}"),
        c if c < 0 => format!("−{}", -c),
        _ => "0".to_string(),
    }
}

/// The target as people write it: ≥57%, ≤45人, =3所, 800个左右, 1–2所.
pub fn target_text(spec: &TargetSpec) -> String {
    let (v, u) = (number(spec.value), spec.unit.as_str());
    match spec.comparator {
        Comparator::AtLeast => format!("≥{v}{u}"),
        Comparator::AtMost => format!("≤{v}{u}"),
        Comparator::Exactly => format!("{v}{u}"),
        Comparator::About => format!("{v}{u}左右"),
        Comparator::Range => match spec.max {
            Some(m) => format!("{v}–{}{u}", number(m)),
            None => format!("≥{v}{u}"),
        },
    }
}

/// 2024年10月31日.
pub fn chinese_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// What each status colour means, with the tolerances in force, as printed beside coloured
/// tables: (colour, "绿色：…").
pub fn colour_legend(th: &Thresholds) -> [(Colour, String); 3] {
    let red = number(th.red_gap * 100.0);
    let quarter = format!("{}%", number(crate::status::NOT_STARTED_RED_PACE * 100.0));
    [
        (Colour::Green, "绿色：已完成、超序时、序时推进".to_string()),
        (Colour::Yellow, format!("黄色：滞后（落后序时进度不超过{red}个百分点）、未启动（序时进度未过{quarter}）")),
        (Colour::Red, format!("红色：逾期、滞后超过{red}个百分点、序时进度已过{quarter}仍未启动")),
    ]
}

/// How a unit's own work is judged, as printed in the bulletin's notes ([`judge_unit`]).
pub const UNIT_RULE: &str = "单位整体研判看其全部任务分解：本月已报送且达到或快于序时的须过半数，且平均进度（未启动、未报送的按0计）超序时的，方列为进展较快；未报送、未启动的均计为未达序时。";

/// How count targets are paced, as printed in the bulletin's notes.
pub const COUNT_RULE: &str =
    "计数指标（个、所、人等）序时应达值取整数（递增向下取整，递减向上取整），建成、完成类一次性指标按节点研判。";

/// [`UNIT_RULE`] in a few words, for the body's note (the whole rule is in annex 1).
pub const UNIT_RULE_SHORT: &str = "单位须过半数任务已报送且达序时方为进展较快";

/// [`COUNT_RULE`] in a few words.
pub const COUNT_RULE_SHORT: &str = "计数指标序时取整数";

/// The body's one note (注) paragraph: each rule of `notes` in a few words and a pointer to
/// the annex that states them in full; `None` without rules.
pub fn short_note(notes: &[String], annex: &str) -> Option<String> {
    let parts: Vec<&str> = notes
        .iter()
        .map(|n| match n.as_str() {
            UNIT_RULE => UNIT_RULE_SHORT,
            COUNT_RULE => COUNT_RULE_SHORT,
            other => other.trim_end_matches('。'),
        })
        .collect();
    (!parts.is_empty()).then(|| format!("注：{}，规则详见{annex}。", parts.join("；")))
}

/// Words that make a target a one-off (built once, finished once).
const ONE_OFF_WORDS: [&str; 6] = ["建成", "完成", "出台", "制定", "印发", "挂牌"];

/// A one-off target: a count of at most one, or one whose subject says it is built or done
/// once. It is judged by its milestones, never prorated.
pub fn is_one_off(subject: &str, spec: &TargetSpec) -> bool {
    (is_count_unit(&spec.unit) && spec.value <= 1.0) || ONE_OFF_WORDS.iter().any(|w| subject.contains(w))
}

/// A value in its unit: whole for a count ("2所"), else as [`number`] ("57.4%").
pub fn quantity(v: f64, unit: &str) -> String {
    if is_count_unit(unit) { format!("{}{unit}", v.round() as i64) } else { format!("{}{unit}", number(v)) }
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303F}' | '\u{3400}'..='\u{9FFF}' | '\u{FF00}'..='\u{FFEF}' | '\u{F900}'..='\u{FAFF}')
}

/// Chinese text with full-width punctuation (,:;()), as 公文 require: in a text that has
/// Chinese characters, the ASCII forms become full-width, except inside numbers and times
/// (1,400; 10:30) and in addresses (http://). Text without Chinese is left alone.
pub fn full_width(s: &str) -> String {
    if !s.chars().any(is_cjk) || !s.contains([',', ':', ';', '(', ')']) {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    let mut skip_space = false;
    for (i, &c) in chars.iter().enumerate() {
        if std::mem::take(&mut skip_space) && c == ' ' {
            continue;
        }
        let prev = i.checked_sub(1).and_then(|k| chars.get(k)).copied();
        let next = chars.get(i + 1).copied();
        let between_digits = prev.is_some_and(|p| p.is_ascii_digit()) && next.is_some_and(|n| n.is_ascii_digit());
        let full = match c {
            ',' | ':' if between_digits => c,
            ':' if next == Some('/') => c,
            ',' => '\u{FF0C}',
            ':' => '\u{FF1A}',
            ';' => '\u{FF1B}',
            '(' => '\u{FF08}',
            ')' => '\u{FF09}',
            _ => c,
        };
        // "a, b" becomes "a,b": a full-width mark carries its own space.
        skip_space = full != c && full != '\u{FF08}';
        out.push(full);
    }
    out
}

/// A stated problem that says there is none (暂无, 无): not quoted in the body.
pub fn is_nothing(text: &str) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace() && !"，。；：！,.;:!".contains(*c)).collect();
    t.is_empty()
        || ["无", "暂无", "没有", "暂无问题", "无问题", "无明显问题", "暂未发现问题", "/", "—", "-"]
            .contains(&t.as_str())
}

/// One of a unit's assignments, as [`judge_unit`] weighs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitWork {
    pub assessment: Assessment,
    /// A report was submitted this month (on time or late).
    pub reported: bool,
}

/// A unit's own work this month, judged from every one of its assignments ([`UNIT_RULE`]):
/// - 已完成 when all are; 逾期 when any is; 未启动 when all are;
/// - otherwise the mean progress of all assignments (未启动, and unreported without a figure,
///   count 0; an assignment reported without any measure is left out) against their mean
///   pace, compared like any roll-up;
/// - but 超序时 or 序时推进 only when more than half of the assignments are on or ahead of pace
///   *and reported this month*; otherwise 滞后. Not-started and unreported assignments thus
///   always count against the unit: one assignment ahead cannot carry 28 not started.
pub fn judge_unit(unit: &str, work: &[UnitWork], th: &Thresholds) -> UnitLine {
    let total = work.len();
    let on_pace = work.iter().filter(|w| w.reported && is_on_pace(w.assessment.status)).count();
    let ahead =
        work.iter().filter(|w| w.reported && matches!(w.assessment.status, Status::Ahead | Status::Completed)).count();
    let not_started = work.iter().filter(|w| w.assessment.status == Status::NotStarted).count();
    let unreported = work.iter().filter(|w| !w.reported).count();
    let figures: Vec<(f64, f64)> = work
        .iter()
        .filter_map(|w| {
            let a = &w.assessment;
            match (a.status, a.progress) {
                (Status::NotStarted, p) => Some((p.unwrap_or(0.0), a.pace)),
                (Status::Completed, p) => Some((p.unwrap_or(1.0), a.pace)),
                (_, Some(p)) => Some((p, a.pace)),
                (_, None) if !w.reported => Some((0.0, a.pace)),
                (_, None) => None,
            }
        })
        .collect();
    let mean = |v: Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let progress = mean(figures.iter().map(|f| f.0).collect());
    let pace = mean(figures.iter().map(|f| f.1).collect())
        .or_else(|| mean(work.iter().map(|w| w.assessment.pace).collect()))
        .unwrap_or(0.0);
    let all = |s: Status| total > 0 && work.iter().all(|w| w.assessment.status == s);
    let status = if total == 0 || all(Status::NotStarted) {
        Status::NotStarted
    } else if all(Status::Completed) {
        Status::Completed
    } else if work.iter().any(|w| w.assessment.status == Status::Overdue) {
        Status::Overdue
    } else {
        let by_figures = match progress {
            Some(p) => crate::status::compare(p, pace, th),
            None => Status::OnPace,
        };
        if on_pace * 2 > total { by_figures } else { Status::Behind }
    };
    UnitLine {
        unit: unit.to_string(),
        assessment: Assessment::new(status, progress, pace, th),
        assignments: total,
        ahead,
        on_pace,
        not_started,
        unreported,
    }
}

// ---------------------------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------------------------

/// Worst first, for 存在问题: 逾期, then 滞后 and 未启动 red before yellow.
fn severity(a: &Assessment) -> u8 {
    match (a.status, a.colour) {
        (Status::Overdue, _) => 0,
        (Status::Behind, Colour::Red) => 1,
        (Status::NotStarted, Colour::Red) => 2,
        (Status::Behind, _) => 3,
        _ => 4,
    }
}

fn is_lagging(s: Status) -> bool {
    matches!(s, Status::Behind | Status::NotStarted | Status::Overdue)
}

fn is_on_pace(s: Status) -> bool {
    matches!(s, Status::Completed | Status::Ahead | Status::OnPace)
}

fn indicator_row(
    item: &str,
    ind: &IndicatorInput,
    item_now: &Assessment,
    as_of: NaiveDate,
    th: &Thresholds,
) -> IndicatorRow {
    let facts = AssignmentFacts {
        start: ind.start,
        deadline: ind.deadline,
        targets: vec![TargetFact { spec: ind.spec.clone(), baseline: ind.baseline, actual: ind.current }],
        milestones: vec![],
        reports: u32::from(ind.current.is_some()),
        self_assessed: None,
        declared_complete: false,
    };
    // assess paces a count in whole things (target::target_pace), so its status here is the
    // one every page shows for the same figures.
    let mut assessment = assess(&facts, as_of, th);
    // A reached target is never behind, whatever the arithmetic of an "about" target says.
    let reached = ind.current.is_some_and(|c| reached(&ind.spec, c));
    let discrete = is_count_unit(&ind.spec.unit);
    let ceiling = ind.spec.comparator == Comparator::AtMost;
    let open = !matches!(assessment.status, Status::Completed | Status::Overdue | Status::NotStarted);
    let (expected, gap) = if is_one_off(&ind.subject, &ind.spec) {
        // Built or done once: there is no "2.5 of 3 kindergartens" to expect; the item's
        // milestones (in its assessment) say whether the work is on time.
        if open {
            assessment = Assessment::new(item_now.status, assessment.progress, item_now.pace, th);
        }
        (None, None)
    } else {
        // The same whole-number expectation assess compared against.
        let expected = expected_value(&ind.spec, ind.baseline, linear_pace(ind.start, ind.deadline, as_of));
        let gap = ind.current.map(|c| if ceiling { c - expected } else { expected - c });
        let gap = gap.map(|g| if reached { g.min(0.0) } else { g });
        (Some(expected), gap)
    };
    IndicatorRow {
        item: item.to_string(),
        subject: ind.subject.clone(),
        spec: ind.spec.clone(),
        baseline: ind.baseline,
        current: ind.current,
        expected,
        discrete,
        gap,
        reached,
        assessment,
    }
}

/// Ranks units by the rule of [`RANKING_RULE`].
fn rank(units: &BTreeMap<String, Vec<Assessment>>) -> Vec<RankRow> {
    let mut rows: Vec<RankRow> = units
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(unit, v)| {
            let total = v.len();
            let completed = v.iter().filter(|a| a.status == Status::Completed).count();
            let on_pace = v.iter().filter(|a| is_on_pace(a.status)).count();
            let lagging = v.iter().filter(|a| is_lagging(a.status)).count();
            let red = v.iter().filter(|a| a.colour == Colour::Red).count();
            RankRow {
                rank: 0,
                unit: unit.clone(),
                total,
                completed,
                on_pace,
                lagging,
                red,
                score: on_pace as f64 / total as f64,
                last_rank: None,
            }
        })
        .collect();
    // Shares are compared as fractions (a/b vs c/d by a·d vs c·b), so 8/10 and 4/5 tie exactly.
    let order = |a: &RankRow, b: &RankRow| {
        (b.on_pace * a.total)
            .cmp(&(a.on_pace * b.total))
            .then(a.red.cmp(&b.red))
            .then((b.completed * a.total).cmp(&(a.completed * b.total)))
    };
    rows.sort_by(|a, b| order(a, b).then_with(|| a.unit.cmp(&b.unit)));
    for i in 0..rows.len() {
        rows[i].rank = if i > 0 && order(&rows[i - 1], &rows[i]).is_eq() { rows[i - 1].rank } else { i + 1 };
    }
    rows
}

fn group_units<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<UnitItems> {
    let mut map: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (unit, item) in pairs {
        let entry = map.entry(unit).or_insert_with(|| {
            order.push(unit);
            Vec::new()
        });
        if !entry.iter().any(|i| i == item) {
            entry.push(item.to_string());
        }
    }
    order.into_iter().map(|u| UnitItems { unit: u.to_string(), items: map.remove(u).unwrap_or_default() }).collect()
}

/// Items by status in a few words: "达到或快于序时进度的15项(50.0%,其中已完成1项),滞后12项、逾期3项".
fn items_sentence(t: &Tally) -> String {
    if t.total == 0 {
        return "暂无数据".to_string();
    }
    let on: usize = [Status::Completed, Status::Ahead, Status::OnPace].iter().map(|s| t.count(*s)).sum();
    let done = t.count(Status::Completed);
    let of_which = if done > 0 { format!("，其中已完成{done}项") } else { String::new() };
    let mut s = format!("达到或快于序时进度的{on}项（{}{of_which}）", percent(on as f64 / t.total as f64));
    let lagging: Vec<String> = [Status::Behind, Status::NotStarted, Status::Overdue]
        .iter()
        .filter(|st| t.count(**st) > 0)
        .map(|st| format!("{}{}项", st.label(), t.count(*st)))
        .collect();
    if !lagging.is_empty() {
        s.push('，');
        s.push_str(&lagging.join("、"));
    }
    s
}

/// The two largest changes since last month: "较上月已完成增加54项、滞后减少47项", or
/// "各状态数量与上月持平"; `None` without last month's figures. The full table is in the annex.
fn change_sentence(t: &Tally, noun: &str) -> Option<String> {
    t.last_total?;
    let mut changes: Vec<(Status, i64)> =
        t.rows.iter().filter_map(|r| r.change().map(|c| (r.status, c))).filter(|(_, c)| *c != 0).collect();
    // Largest first; equal changes in status order (the sort is stable).
    changes.sort_by_key(|(_, c)| std::cmp::Reverse(c.abs()));
    let parts: Vec<String> = changes
        .iter()
        .take(2)
        .map(|(s, c)| format!("{}{}{}{}", s.label(), if *c > 0 { "增加" } else { "减少" }, c.abs(), noun))
        .collect();
    Some(if parts.is_empty() {
        "各状态数量与上月持平".to_string()
    } else {
        format!("较上月{}", parts.join("、"))
    })
}

/// The office's overall judgement, from the items' statuses and the reporting.
fn judgement(items: &Tally, reports: &ReportTally) -> String {
    if items.total == 0 {
        return String::new();
    }
    let lagging: usize = [Status::Behind, Status::NotStarted, Status::Overdue].iter().map(|s| items.count(*s)).sum();
    let reporting = if reports.missing + reports.late > 0 {
        format!("，仍有{}项进展未按时报送", reports.missing + reports.late)
    } else {
        String::new()
    };
    if items.count(Status::Completed) == items.total {
        "总体看，各项重点任务已全部完成。".to_string()
    } else if lagging == 0 && reporting.is_empty() {
        "总体看，各项重点任务均达到或快于序时进度，进展顺利。".to_string()
    } else if lagging * 3 < items.total {
        format!("总体看，重点任务总体按序时推进，但有{lagging}项滞后{reporting}，推进不够平衡。")
    } else {
        "总体看，滞后任务较多，总体进度落后于序时，须加压推进。".to_string()
    }
}

impl Bulletin {
    /// The standard title: 关于2024年10月《2024年鹰潭市教育工作要点》落实情况的通报.
    pub fn standard_title(plan_title: &str, period: Period) -> String {
        format!("关于{}年{}月《{}》落实情况的通报", period.year, period.month, plan_title)
    }

    /// Builds the bulletin (see the module's rules).
    pub fn build(input: &BulletinInput) -> Bulletin {
        let th = &input.thresholds;
        let mut item_counts = StatusCounts::default();
        let mut item_counts_last = StatusCounts::default();
        let mut asg_counts = StatusCounts::default();
        let mut asg_counts_last = StatusCounts::default();
        let mut reports = ReportTally::default();
        let mut sections = Vec::new();
        let mut section_assessments = Vec::new();
        let mut fast_items = Vec::new();
        let mut lagging = Vec::new();
        let mut indicators = Vec::new();
        let mut ledger = Vec::new();
        // Per unit (by name): this month's and last month's assessments.
        let mut unit_now: BTreeMap<String, Vec<UnitWork>> = BTreeMap::new();
        let mut district_now: BTreeMap<String, Vec<Assessment>> = BTreeMap::new();
        let mut district_last: BTreeMap<String, Vec<Assessment>> = BTreeMap::new();
        let mut missing = Vec::new();
        let mut late = Vec::new();
        let mut unchanged = Vec::new();
        let mut seq = 0;

        for section in &input.sections {
            let mut section_items = Vec::new();
            let mut sec_counts = StatusCounts::default();
            let mut sec_counts_last = StatusCounts::default();
            let mut rows = Vec::new();
            for item in &section.items {
                let now: Vec<Assessment> = item.assignments.iter().map(|a| a.now).collect();
                let last: Vec<Assessment> = item.assignments.iter().filter_map(|a| a.last).collect();
                let item_now = roll_up(&now, th);
                let item_last = (!last.is_empty()).then(|| roll_up(&last, th));
                item_counts.add(item_now.status);
                sec_counts.add(item_now.status);
                if let Some(l) = item_last {
                    item_counts_last.add(l.status);
                    sec_counts_last.add(l.status);
                }
                section_items.push(item_now);

                let line = |units: Vec<UnitNote>| ItemLine {
                    section: section.number.clone(),
                    number: item.number.clone(),
                    title: item.title.clone(),
                    assessment: item_now,
                    last: item_last,
                    units,
                };
                let completed_now =
                    item_now.status == Status::Completed && item_last.is_none_or(|l| l.status != Status::Completed);
                if item_now.status == Status::Ahead || completed_now {
                    fast_items.push(line(vec![]));
                }
                if is_lagging(item_now.status) {
                    let mut units: Vec<&AssignmentInput> =
                        item.assignments.iter().filter(|a| is_lagging(a.now.status)).collect();
                    units.sort_by_key(|a| severity(&a.now));
                    lagging.push(line(
                        units
                            .into_iter()
                            .map(|a| UnitNote {
                                unit: a.unit.clone(),
                                assessment: a.now,
                                problems: a.problems.clone(),
                                next_steps: a.next_steps.clone(),
                            })
                            .collect(),
                    ));
                }

                let target_texts: Vec<String> =
                    item.indicators.iter().map(|ind| format!("{}{}", ind.subject, target_text(&ind.spec))).collect();
                for ind in &item.indicators {
                    indicators.push(indicator_row(&item.number, ind, &item_now, input.as_of, th));
                }

                for a in &item.assignments {
                    asg_counts.add(a.now.status);
                    if let Some(l) = a.last {
                        asg_counts_last.add(l.status);
                    }
                    reports.due += 1;
                    match a.submission {
                        Submission::OnTime => reports.on_time += 1,
                        Submission::Late => {
                            reports.late += 1;
                            late.push((a.unit.as_str(), item.number.as_str()));
                        }
                        Submission::Missing => {
                            reports.missing += 1;
                            missing.push((a.unit.as_str(), item.number.as_str()));
                        }
                    }
                    if a.unchanged && a.submission != Submission::Missing {
                        unchanged.push((a.unit.as_str(), item.number.as_str()));
                    }
                    unit_now
                        .entry(a.unit.clone())
                        .or_default()
                        .push(UnitWork { assessment: a.now, reported: a.submission != Submission::Missing });
                    if a.district {
                        district_now.entry(a.unit.clone()).or_default().push(a.now);
                        if let Some(l) = a.last {
                            district_last.entry(a.unit.clone()).or_default().push(l);
                        }
                    }

                    seq += 1;
                    // An earlier month's text carried over: say which month it is from, in
                    // every format, so nobody reads September's progress as October's.
                    let stale_from = (a.unchanged && a.submission != Submission::Missing)
                        .then(|| a.text_period.filter(|p| *p < input.period).unwrap_or(input.period.prev()));
                    let progress_text = match stale_from {
                        Some(p) if !a.progress_text.trim().is_empty() => {
                            format!("{}（{}月报送）", a.progress_text.trim_end(), p.month)
                        }
                        _ => a.progress_text.clone(),
                    };
                    let mut remarks = Vec::new();
                    if a.submission != Submission::OnTime {
                        remarks.push(a.submission.label().to_string());
                    }
                    if a.unchanged && a.submission != Submission::Missing {
                        remarks.push("内容与上月相同".to_string());
                    }
                    if !a.remarks.trim().is_empty() {
                        remarks.push(a.remarks.trim().to_string());
                    }
                    rows.push(LedgerRow {
                        seq,
                        source: format!("{}-{}", section.number, item.number),
                        task: item.title.clone(),
                        target: target_texts.join("；"),
                        leader: item.leader.clone().unwrap_or_default(),
                        lead_unit: if a.role == Role::Lead { a.unit.clone() } else { String::new() },
                        support_unit: if a.role == Role::Support { a.unit.clone() } else { String::new() },
                        person: a.person.clone().unwrap_or_default(),
                        deadline: a.deadline,
                        progress_text,
                        assessment: a.now,
                        problems: a.problems.clone(),
                        next_steps: a.next_steps.clone(),
                        evidence: a.evidence.join("、"),
                        stale_from,
                        remarks: remarks.join("；"),
                    });
                }
            }
            let sec_assessment = roll_up(&section_items, th);
            section_assessments.push(sec_assessment);
            sections.push(SectionLine {
                number: section.number.clone(),
                title: section.title.clone(),
                assessment: sec_assessment,
                items: Tally::new(&sec_counts, Some(&sec_counts_last)),
            });
            ledger.push(LedgerSection { number: section.number.clone(), title: section.title.clone(), rows });
        }

        // Worst first; within a severity, plan order (the sort is stable).
        lagging.sort_by_key(|l| severity(&l.assessment));

        let judged: Vec<UnitLine> = unit_now.iter().map(|(unit, work)| judge_unit(unit, work, th)).collect();
        let margin = |u: &UnitLine| u.assessment.progress.unwrap_or(1.0) - u.assessment.pace;
        let mut fast_units: Vec<UnitLine> = judged
            .iter()
            .filter(|u| matches!(u.assessment.status, Status::Ahead | Status::Completed))
            .cloned()
            .collect();
        fast_units.sort_by(|a, b| {
            (b.assessment.status == Status::Completed)
                .cmp(&(a.assessment.status == Status::Completed))
                .then(margin(b).total_cmp(&margin(a)))
                .then_with(|| a.unit.cmp(&b.unit))
        });
        // Lagging units, worst first: the larger the share of work not on pace, the worse.
        let mut lagging_units: Vec<UnitLine> = judged.into_iter().filter(|u| is_lagging(u.assessment.status)).collect();
        let behind_share = |u: &UnitLine| 1.0 - u.on_pace as f64 / u.assignments.max(1) as f64;
        lagging_units.sort_by(|a, b| {
            behind_share(b)
                .total_cmp(&behind_share(a))
                .then(b.assignments.cmp(&a.assignments))
                .then_with(|| a.unit.cmp(&b.unit))
        });

        let mut ranking = rank(&district_now);
        let last_ranks = rank(&district_last);
        for row in &mut ranking {
            row.last_rank = last_ranks.iter().find(|r| r.unit == row.unit).map(|r| r.rank);
        }

        let items = Tally::new(&item_counts, Some(&item_counts_last));
        let assignments = Tally::new(&asg_counts, Some(&asg_counts_last));
        // One paragraph of figures, short enough for the body's two pages: counts here, every
        // share and change in annex 1.
        // (The plan is named in the sentence before, and in the title.)
        let mut p = format!(
            "截至{}，{}项重点任务中，{}；{}个责任单位的{}项任务分解中，{}",
            chinese_date(input.as_of),
            items.total,
            items_sentence(&items),
            unit_now.len(),
            assignments.total,
            items_sentence(&assignments)
        );
        if let Some(c) = change_sentence(&assignments, "项") {
            p.push('，');
            p.push_str(&c);
        }
        p.push('。');
        p.push_str(&format!(
            "本月应报送{}项，按时报送{}项（{}），逾期报送{}项，未报送{}项。",
            reports.due,
            reports.on_time,
            percent(reports.on_time_share()),
            reports.late,
            reports.missing,
        ));
        p.push_str(&judgement(&items, &reports));
        let paragraphs = vec![p];
        let mut notes = vec![UNIT_RULE.to_string()];
        if indicators.iter().any(|i| i.discrete || i.expected.is_none()) {
            notes.push(COUNT_RULE.to_string());
        }

        Bulletin {
            title: input.title.clone().unwrap_or_else(|| Bulletin::standard_title(&input.plan_title, input.period)),
            plan_title: input.plan_title.clone(),
            issuer: input.issuer.clone(),
            doc_number: input.doc_number.clone(),
            addressees: input.addressees.clone(),
            period: input.period,
            as_of: input.as_of,
            issued_on: input.issued_on,
            cc: input.cc.clone(),
            printed_by: input.printed_by.clone(),
            notes,
            thresholds: *th,
            plan: roll_up(&section_assessments, th),
            overview: Overview { items, assignments, units: unit_now.len(), sections, reports, paragraphs },
            fast: Fast { items: fast_items, units: fast_units },
            problems: Problems {
                lagging,
                units: lagging_units,
                missing: group_units(missing.into_iter()),
                late: group_units(late.into_iter()),
                unchanged: group_units(unchanged.into_iter()),
            },
            indicators,
            ranking: Ranking { rule: RANKING_RULE.to_string(), rows: ranking },
            requirements: input.requirements.clone(),
            ledger,
            supervision: input.supervision.clone().filter(|s| !s.is_empty()),
        }
    }

    /// Whether the office may issue (印发) this bulletin: 下步要求 are the office's own words and
    /// must be written first. The reason, in Chinese, when not.
    pub fn check_issuable(&self) -> Result<(), String> {
        if self.requirements.iter().all(|r| r.trim().is_empty()) {
            return Err("下步要求尚未填写，不能印发：请先填写本月的下步要求（可在上月内容基础上修改）".to_string());
        }
        Ok(())
    }

    /// Every ledger row, in plan order.
    pub fn ledger_rows(&self) -> impl Iterator<Item = &LedgerRow> {
        self.ledger.iter().flat_map(|s| s.rows.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, m, day).expect("date")
    }

    fn a(status: Status, progress: Option<f64>, pace: f64) -> Assessment {
        Assessment::new(status, progress, pace, &Thresholds::default())
    }

    fn done() -> Assessment {
        a(Status::Completed, Some(1.0), 0.8)
    }
    fn ahead() -> Assessment {
        a(Status::Ahead, Some(0.95), 0.8)
    }
    fn on_pace() -> Assessment {
        a(Status::OnPace, Some(0.8), 0.8)
    }
    fn behind() -> Assessment {
        a(Status::Behind, Some(0.6), 0.8)
    }
    fn behind_red() -> Assessment {
        a(Status::Behind, Some(0.3), 0.8)
    }
    fn overdue() -> Assessment {
        a(Status::Overdue, Some(0.5), 1.0)
    }
    fn not_started() -> Assessment {
        a(Status::NotStarted, None, 0.8)
    }

    fn asg(unit: &str, district: bool, now: Assessment, last: Option<Assessment>) -> AssignmentInput {
        AssignmentInput {
            unit: unit.into(),
            district,
            role: Role::Lead,
            person: None,
            deadline: d(12, 31),
            now,
            last,
            submission: Submission::OnTime,
            unchanged: false,
            progress_text: "按计划推进".into(),
            problems: String::new(),
            next_steps: String::new(),
            evidence: vec![],
            remarks: String::new(),
            text_period: None,
        }
    }

    fn item(number: &str, assignments: Vec<AssignmentInput>) -> ItemInput {
        ItemInput {
            number: number.into(),
            title: format!("第{number}项任务"),
            leader: None,
            indicators: vec![],
            assignments,
        }
    }

    fn input(sections: Vec<SectionInput>) -> BulletinInput {
        BulletinInput {
            plan_title: "2024年鹰潭市教育工作要点".into(),
            issuer: "鹰潭市教育局".into(),
            title: None,
            doc_number: None,
            addressees: None,
            period: Period::new(2024, 10).expect("period"),
            as_of: d(10, 31),
            issued_on: Some(d(11, 5)),
            cc: None,
            printed_by: None,
            thresholds: Thresholds::default(),
            sections,
            requirements: vec!["各单位要对照台账逐项销号。".into()],
            supervision: None,
        }
    }

    fn section(number: &str, items: Vec<ItemInput>) -> SectionInput {
        SectionInput { number: number.into(), title: format!("{number}部分"), items }
    }

    /// Three items: one done by two units, one lagging (one unit behind red, one on pace), one
    /// overdue; last month the first was on pace, the second on pace, the third behind.
    fn sample() -> BulletinInput {
        let mut late = asg("余江区", true, behind_red(), Some(on_pace()));
        late.submission = Submission::Late;
        late.problems = "资金未到位".into();
        late.unchanged = true;
        let mut missing = asg("贵溪市", true, overdue(), Some(behind()));
        missing.submission = Submission::Missing;
        missing.unchanged = true; // a missing report cannot be unchanged
        input(vec![
            section(
                "一",
                vec![
                    item(
                        "1",
                        vec![
                            asg("月湖区", true, done(), Some(on_pace())),
                            asg("基教科", false, done(), Some(on_pace())),
                        ],
                    ),
                    item("2", vec![late, asg("月湖区", true, on_pace(), Some(on_pace()))]),
                ],
            ),
            section("二", vec![item("3", vec![missing])]),
        ])
    }

    #[test]
    fn counts_shares_and_change() {
        let b = Bulletin::build(&sample());
        let items = &b.overview.items;
        assert_eq!(items.total, 3);
        assert_eq!(items.count(Status::Completed), 1);
        assert_eq!(items.count(Status::Overdue), 1);
        // Item 2: mean progress (0.3 + 0.8)/2 = 0.55 against pace 0.8: 滞后, from roll_up.
        let item2 = roll_up(&[behind_red(), on_pace()], &Thresholds::default());
        assert_eq!(item2.status, Status::Behind);
        assert_eq!(items.count(Status::Behind), 1);
        assert!((items.row(Status::Completed).share - 1.0 / 3.0).abs() < 1e-12);
        // Last month: items 1 and 2 on pace, item 3 behind.
        assert_eq!(items.last_total, Some(3));
        assert_eq!(items.row(Status::Completed).change(), Some(1));
        assert_eq!(items.row(Status::OnPace).change(), Some(-2));
        assert_eq!(items.row(Status::Overdue).change(), Some(1));
        assert_eq!(items.row(Status::Behind).change(), Some(0));
        assert!((items.row(Status::OnPace).share_change().expect("last") + 2.0 / 3.0).abs() < 1e-12);

        let asg = &b.overview.assignments;
        assert_eq!(asg.total, 5);
        assert_eq!(asg.count(Status::Completed), 2);
        assert_eq!(asg.count(Status::OnPace), 1);
        assert_eq!(asg.count(Status::Behind), 1);
        assert_eq!(asg.count(Status::Overdue), 1);
        assert_eq!(asg.row(Status::Completed).share, 0.4);
        assert_eq!(asg.row(Status::OnPace).last_count, Some(4));
        assert_eq!(b.overview.units, 4);
        assert_eq!(b.overview.reports, ReportTally { due: 5, on_time: 3, late: 1, missing: 1 });
        assert_eq!(b.overview.reports.on_time_share(), 0.6);
        assert_eq!(
            b.overview.paragraphs[0],
            "截至2024年10月31日，3项重点任务中，达到或快于序时进度的1项（33.3%，其中已完成1项），滞后1项、逾期1项；\
             4个责任单位的5项任务分解中，达到或快于序时进度的3项（60.0%，其中已完成2项），滞后1项、逾期1项，\
             较上月序时推进减少3项、已完成增加2项。本月应报送5项，按时报送3项（60.0%），逾期报送1项，未报送1项。\
             总体看，滞后任务较多，总体进度落后于序时，须加压推进。",
            "counts in the body (shares and every change are in annex 1): short enough for two pages"
        );
        assert_eq!(b.overview.paragraphs.len(), 1, "总体情况 is one paragraph");
        assert_eq!(b.title, "关于2024年10月《2024年鹰潭市教育工作要点》落实情况的通报");
        let sec1 = &b.overview.sections[0];
        assert_eq!((sec1.items.total, sec1.items.count(Status::Completed)), (2, 1));
        assert_eq!(b.plan.status, Status::Overdue, "the plan rolls up from its sections");
    }

    #[test]
    fn no_last_month_means_no_change() {
        let b =
            Bulletin::build(&input(vec![section("一", vec![item("1", vec![asg("月湖区", true, on_pace(), None)])])]));
        assert_eq!(b.overview.items.last_total, None);
        assert_eq!(b.overview.items.row(Status::OnPace).change(), None);
        assert!(!b.overview.paragraphs[0].contains("较上月"));
        let empty = Bulletin::build(&input(vec![]));
        assert_eq!(empty.overview.items.total, 0);
        assert_eq!(empty.overview.items.row(Status::OnPace).share, 0.0);
        assert!(empty.overview.paragraphs[0].contains("暂无数据"));
        assert!(empty.ranking.rows.is_empty());
    }

    #[test]
    fn problems_and_fast() {
        let b = Bulletin::build(&sample());
        let lagging: Vec<&str> = b.problems.lagging.iter().map(|l| l.number.as_str()).collect();
        assert_eq!(lagging, ["3", "2"], "overdue first");
        assert_eq!(b.problems.lagging[1].units.len(), 1, "only the lagging unit is quoted");
        assert_eq!(b.problems.lagging[1].units[0].unit, "余江区");
        assert_eq!(b.problems.lagging[1].units[0].problems, "资金未到位");
        assert_eq!(b.problems.missing, [UnitItems { unit: "贵溪市".into(), items: vec!["3".into()] }]);
        assert_eq!(b.problems.late, [UnitItems { unit: "余江区".into(), items: vec!["2".into()] }]);
        assert_eq!(b.problems.unchanged, [UnitItems { unit: "余江区".into(), items: vec!["2".into()] }]);
        // Item 1 completed this month. Units: 基教科 (all done) first, then 月湖区 (done + on pace:
        // mean progress 0.9 against pace 0.8 rolls up to 超序时); 余江区 is behind.
        assert_eq!(b.fast.items.len(), 1);
        assert_eq!(b.fast.items[0].number, "1");
        let units: Vec<&str> = b.fast.units.iter().map(|u| u.unit.as_str()).collect();
        assert_eq!(units, ["基教科", "月湖区"]);
        assert_eq!(b.fast.units[1].assessment.status, Status::Ahead);
        assert_eq!((b.fast.units[1].assignments, b.fast.units[1].ahead), (2, 1));
        // An item already complete last month is not news.
        let mut again = sample();
        again.sections[0].items[0].assignments.iter_mut().for_each(|a| a.last = Some(done()));
        assert!(Bulletin::build(&again).fast.items.is_empty());
    }

    #[test]
    fn ranking_rule() {
        // 月湖区 2/2 on pace; 龙虎山 4/5; 余江区 8/10 with 1 red; 贵溪市 8/10 with 2 red;
        // 信江新区 4/5 with 1 red: ties with 余江区 (same share, same red, same completed).
        let mut items = Vec::new();
        let mut n = 0;
        let mut push = |unit: &str, v: Vec<Assessment>| {
            for s in v {
                n += 1;
                let district = unit != "基教科";
                items.push(item(&n.to_string(), vec![asg(unit, district, s, Some(on_pace()))]));
            }
        };
        push("月湖区", vec![on_pace(), done()]);
        push("龙虎山风景名胜区", [vec![on_pace(); 4], vec![behind()]].concat());
        push("余江区", [vec![on_pace(); 8], vec![behind(), behind_red()]].concat());
        push("贵溪市", [vec![on_pace(); 8], vec![behind_red(), overdue()]].concat());
        push("信江新区", [vec![on_pace(); 4], vec![not_started()]].concat());
        push("基教科", vec![overdue()]);
        let b = Bulletin::build(&input(vec![section("一", items)]));
        let r: Vec<(usize, &str)> = b.ranking.rows.iter().map(|r| (r.rank, r.unit.as_str())).collect();
        assert_eq!(
            r,
            [(1, "月湖区"), (2, "龙虎山风景名胜区"), (3, "余江区"), (3, "信江新区"), (5, "贵溪市")],
            "districts only; share first, then fewer red; full ties share a rank"
        );
        let yj = &b.ranking.rows[2];
        assert_eq!((yj.total, yj.on_pace, yj.lagging, yj.red, yj.completed), (10, 8, 2, 1, 0));
        assert_eq!(yj.score, 0.8);
        // Last month everyone was on pace: all tied first.
        assert!(b.ranking.rows.iter().all(|r| r.last_rank == Some(1)));
        assert_eq!(b.ranking.rows[4].rank_change(), Some(-4));
        assert!(b.ranking.rule.contains("不以登录次数"));
    }

    #[test]
    fn completed_share_breaks_remaining_ties() {
        let items = vec![
            item("1", vec![asg("月湖区", true, on_pace(), None)]),
            item("2", vec![asg("余江区", true, done(), None)]),
            item("3", vec![asg("贵溪市", true, ahead(), None)]),
        ];
        let b = Bulletin::build(&input(vec![section("一", items)]));
        let r: Vec<(usize, &str)> = b.ranking.rows.iter().map(|r| (r.rank, r.unit.as_str())).collect();
        // 超序时 and 序时推进 both count as on pace: 月湖区 and 贵溪市 tie (listed by name).
        assert_eq!(r, [(1, "余江区"), (2, "月湖区"), (2, "贵溪市")]);
        assert!(b.ranking.rows.iter().all(|r| r.last_rank.is_none()));
    }

    #[test]
    fn indicators_expected_and_gap() {
        let mut it = item("8", vec![asg("基教科", false, on_pace(), None)]);
        let spec = |value, comparator, unit: &str| TargetSpec { value, max: None, comparator, unit: unit.into() };
        // Pace on 2024-07-01 over 2024 (leap year): 183/366 = 0.5.
        it.indicators = vec![
            IndicatorInput {
                subject: "公办园在园幼儿占比".into(),
                spec: spec(57.0, Comparator::AtLeast, "%"),
                baseline: Some(50.0),
                current: Some(52.0),
                start: d(1, 1),
                deadline: d(12, 31),
            },
            IndicatorInput {
                subject: "新建幼儿园".into(),
                spec: spec(3.0, Comparator::Exactly, "所"),
                baseline: None,
                current: Some(2.0),
                start: d(1, 1),
                deadline: d(12, 31),
            },
            IndicatorInput {
                subject: "大班额".into(),
                spec: spec(45.0, Comparator::AtMost, "人"),
                baseline: Some(55.0),
                current: None,
                start: d(1, 1),
                deadline: d(12, 31),
            },
        ];
        let mut inp = input(vec![section("二", vec![it])]);
        inp.as_of = d(7, 1);
        let b = Bulletin::build(&inp);
        let [pct, count, ceiling] = &b.indicators[..] else { panic!("three rows") };
        assert_eq!(pct.assessment.pace, 0.5);
        assert_eq!(pct.expected, Some(53.5));
        assert_eq!(pct.gap, Some(1.5), "1.5 points behind where it should be");
        assert_eq!(pct.assessment.status, Status::Behind, "assess decides the status");
        assert_eq!(pct.target_text(), "≥57%");
        // Half of 3 kindergartens is not 1.5 kindergartens: the pace is 1 (rounded down).
        assert_eq!(count.expected, Some(1.0));
        assert_eq!(count.gap, Some(-1.0), "ahead");
        assert_eq!(count.expected_text(), "1所");
        assert_eq!(count.assessment.status, Status::Ahead);
        assert_eq!(ceiling.expected, Some(50.0));
        assert_eq!(ceiling.gap, None);
        assert_eq!(ceiling.assessment.status, Status::NotStarted);
        assert_eq!(b.ledger[0].rows[0].target, "公办园在园幼儿占比≥57%；新建幼儿园3所；大班额≤45人");
    }

    #[test]
    fn ledger_rows() {
        let mut inp = sample();
        inp.sections[0].items[1].assignments[1].role = Role::Support;
        inp.sections[0].items[1].assignments[1].evidence = vec!["照片.jpg".into(), "方案.docx".into()];
        let b = Bulletin::build(&inp);
        let rows: Vec<&LedgerRow> = b.ledger_rows().collect();
        assert_eq!(rows.len(), 5);
        assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        assert_eq!(b.ledger.len(), 2);
        assert_eq!(b.ledger[0].heading(), "一、一部分");
        let late = rows[2];
        assert_eq!(late.source, "一-2");
        assert_eq!(late.remarks, "逾期报送；内容与上月相同");
        let support = rows[3];
        assert_eq!((support.lead_unit.as_str(), support.support_unit.as_str()), ("", "月湖区"));
        assert_eq!(support.unit(), "月湖区");
        assert_eq!(support.evidence, "照片.jpg、方案.docx");
        assert_eq!(rows[4].remarks, "未报送");
        let cells = rows[0].cells();
        assert_eq!(cells.len(), LEDGER_COLUMNS.len());
        assert_eq!(cells[8], "2024-12-31");
        assert_eq!(cells[10], "100.0%");
        assert_eq!(cells[11], "已完成");
    }

    #[test]
    fn formatting() {
        assert_eq!(percent(0.41019), "41.0%");
        assert_eq!(number(3.0), "3");
        assert_eq!(number(57.5), "57.5");
        assert_eq!(number(1.0 / 3.0), "0.33");
        assert_eq!(number(-0.001), "0");
        assert_eq!(signed(2), "+2");
        assert_eq!(signed(-1), "−1");
        assert_eq!(signed(0), "0");
        let s = |value, max, comparator| TargetSpec { value, max, comparator, unit: "所".into() };
        assert_eq!(target_text(&s(800.0, None, Comparator::About)), "800所左右");
        assert_eq!(target_text(&s(1.0, Some(2.0), Comparator::Range)), "1–2所");
        assert_eq!(chinese_date(d(3, 1)), "2024年3月1日");
    }

    fn work(status: Status, progress: Option<f64>, reported: bool) -> UnitWork {
        UnitWork { assessment: a(status, progress, 0.83), reported }
    }

    #[test]
    fn a_unit_is_judged_by_all_its_assignments() {
        let th = Thresholds::default();
        // 贵溪市: none of its 29 reports sent; 28 assignments not started, one (its value comes
        // from school data) ahead. The old roll-up (mean over measured children) said 超序时.
        let mut guixi = vec![work(Status::NotStarted, None, false); 28];
        guixi.push(work(Status::Ahead, Some(1.0), false));
        let old: Vec<Assessment> = guixi.iter().map(|w| w.assessment).collect();
        assert_eq!(roll_up(&old, &th).status, Status::Ahead, "the old rule praised it");
        let g = judge_unit("贵溪市", &guixi, &th);
        assert_eq!(g.assessment.status, Status::Behind, "{g:?}");
        assert_eq!((g.assignments, g.on_pace, g.not_started, g.unreported), (29, 0, 28, 29));
        assert!(g.assessment.progress.expect("a figure") < 0.05, "not-started work counts 0");
        // 鹰潭市阳光学校: 1 of 20 reported (ahead); the other 19 silent.
        let mut yangguang = vec![work(Status::OnPace, None, false); 19];
        yangguang.push(work(Status::Ahead, Some(1.0), true));
        let y = judge_unit("鹰潭市阳光学校", &yangguang, &th);
        assert_eq!(y.assessment.status, Status::Behind, "{y:?}");
        assert_eq!((y.on_pace, y.ahead, y.unreported), (1, 1, 19));
        // Most on or ahead of pace, reported, and ahead on average: praised.
        let good = [
            work(Status::Ahead, Some(1.0), true),
            work(Status::Ahead, Some(0.98), true),
            work(Status::OnPace, Some(0.85), true),
        ];
        assert_eq!(judge_unit("月湖区", &good, &th).assessment.status, Status::Ahead);
        // The same with one more assignment not started: it counts 0, and the unit is no
        // longer ahead of pace on average.
        let with_idle = [&good[..], &[work(Status::NotStarted, None, false)]].concat();
        assert_ne!(judge_unit("月湖区", &with_idle, &th).assessment.status, Status::Ahead);
        // Exactly half on pace is not "most": 滞后, however far ahead the other half is.
        let half = [work(Status::Ahead, Some(1.0), true), work(Status::NotStarted, None, true)];
        assert_eq!(judge_unit("余江区", &half, &th).assessment.status, Status::Behind);
        // An assignment ahead but not reported this month does not count for the unit.
        let silent = [work(Status::Ahead, Some(1.0), false), work(Status::Ahead, Some(1.0), true)];
        assert_eq!(judge_unit("信江新区", &silent, &th).assessment.status, Status::Behind);
        let done = [work(Status::Completed, Some(1.0), true); 3];
        assert_eq!(judge_unit("基教科", &done, &th).assessment.status, Status::Completed);
        assert_eq!(judge_unit("空", &[], &th).assessment.status, Status::NotStarted);

        // In the bulletin: 贵溪市 is named among the lagging units, never among the fast ones,
        // and the rule is printed in the notes.
        let mut items = Vec::new();
        for (n, w) in guixi.iter().enumerate() {
            let mut x = asg("贵溪市", true, w.assessment, None);
            x.submission = Submission::Missing;
            items.push(item(&(n + 1).to_string(), vec![x, asg("月湖区", true, ahead(), None)]));
        }
        let b = Bulletin::build(&input(vec![section("一", items)]));
        let fast: Vec<&str> = b.fast.units.iter().map(|u| u.unit.as_str()).collect();
        assert_eq!(fast, ["月湖区"]);
        assert_eq!(b.problems.units.first().map(|u| u.unit.as_str()), Some("贵溪市"));
        assert_eq!(b.notes[0], UNIT_RULE);
    }

    #[test]
    fn counts_are_never_prorated_into_fractions() {
        // Pace on 2024-10-31 over 2024: 305/366 ≈ 0.833.
        let spec = |value, max, comparator, unit: &str| TargetSpec { value, max, comparator, unit: unit.into() };
        let ind = |subject: &str, spec: TargetSpec, current: Option<f64>| IndicatorInput {
            subject: subject.into(),
            spec,
            baseline: None,
            current,
            start: d(1, 1),
            deadline: d(12, 31),
        };
        let mut it = item("12", vec![asg("职成科", false, on_pace(), None)]);
        it.indicators = vec![
            ind("创建省市级思政名师工作室", spec(10.0, None, Comparator::Exactly, "个"), Some(7.0)),
            ind("新建幼儿园", spec(3.0, None, Comparator::Exactly, "所"), Some(2.0)),
            ind("中职学校", spec(1.0, Some(2.0), Comparator::Range, "所"), Some(0.0)),
            ind("取得技能等级证书学生", spec(1400.0, None, Comparator::AtLeast, "人"), Some(577.0)),
            ind("小规模学校", spec(89.0, None, Comparator::Exactly, "所"), Some(74.0)),
            ind("建成市域产教联合体", spec(3.0, None, Comparator::Exactly, "个"), Some(1.0)),
            ind("普惠性覆盖率", spec(94.0, None, Comparator::AtLeast, "%"), Some(90.0)),
        ];
        let b = Bulletin::build(&input(vec![section("四", vec![it])]));
        let rows: Vec<(String, String, String)> =
            b.indicators.iter().map(|r| (r.current_text(), r.expected_text(), r.gap_text())).collect();
        let row = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
        assert_eq!(
            rows,
            [
                row("7个", "8个", "落后1个"),
                row("2所", "2所", "已达序时"),
                row("0所", "按节点", "—"),
                row("577人", "1166人", "落后589人"),
                row("74所", "74所", "已达序时"),
                row("1个", "按节点", "—"),
                row("90%", "78.33%", "已达序时"),
            ]
        );
        // 2 of 3 kindergartens when 2 are due is on pace, not "0.5所 behind".
        assert_eq!(b.indicators[1].assessment.status, Status::OnPace);
        assert!(b.indicators[..6].iter().all(|r| r.discrete));
        assert!(b.indicators[..6].iter().all(|r| r.expected.is_none_or(|e| e.fract() == 0.0)));
        assert!(b.notes.iter().any(|n| n == COUNT_RULE));
        assert!(is_count_unit("人次") && !is_count_unit("%") && !is_count_unit("万人") && !is_count_unit(""));
        assert_eq!(quantity(8.333, "个"), "8个");
    }

    #[test]
    fn an_earlier_months_text_is_marked_with_its_month() {
        let mut inp = sample();
        let unchanged = &mut inp.sections[0].items[1].assignments[0];
        unchanged.progress_text = "9月，余江区召开推进会。".into();
        let mut older = asg("贵溪市", true, on_pace(), None);
        older.unchanged = true;
        older.progress_text = "8月，贵溪市完成选址。".into();
        older.text_period = Some(Period::new(2024, 8).expect("period"));
        inp.sections[1].items[0].assignments.push(older);
        let b = Bulletin::build(&inp);
        let rows: Vec<&LedgerRow> = b.ledger_rows().collect();
        assert_eq!(rows[2].progress_text, "9月，余江区召开推进会。（9月报送）");
        assert_eq!(rows[2].stale_from, Period::new(2024, 9));
        assert_eq!(rows[5].progress_text, "8月，贵溪市完成选址。（8月报送）");
        assert_eq!(rows[0].stale_from, None);
        assert!(!rows[0].progress_text.contains("报送）"));
    }

    #[test]
    fn chinese_text_gets_full_width_punctuation() {
        assert_eq!(full_width("各区(市)教育局,市直各学校:"), "各区（市）教育局，市直各学校：");
        assert_eq!(full_width("完成1,400人, 10:30召开; 见 http://x"), "完成1,400人，10:30召开；见 http://x");
        assert_eq!(full_width("a, b (c)"), "a, b (c)", "no Chinese: left alone");
        assert!(is_nothing("暂无。") && is_nothing(" 无 ") && !is_nothing("资金未到位"));
    }

    #[test]
    fn snapshots_are_serialisable() {
        // A published bulletin is stored as a snapshot: the model must be (de)serialisable.
        fn serde<T: Serialize + for<'de> Deserialize<'de>>() {}
        serde::<Bulletin>();
        serde::<BulletinInput>();
    }
}
