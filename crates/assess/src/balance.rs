//! County compulsory education, high-quality balance (县域义务教育优质均衡发展), resource
//! allocation dimension: the seven indicators per school and stage, which schools meet the
//! standard, the student-weighted 差异系数 of each indicator, and the county's verdict with
//! the gap to pass.
//!
//! Rules (2017 办法, thresholds in [`BalanceStandard`], editable):
//! - a school passes when it meets at least [`BalanceStandard::min_met`] (6) of the 7
//!   indicators and every other one reaches [`BalanceStandard::floor_ratio`] (85%) of its
//!   threshold;
//! - for each indicator the 差异系数 across the county's schools of the stage is at most
//!   [`StageStandard::cv_limit`] (0.50 小学, 0.45 初中);
//! - a county passes a stage when every school passes and every indicator's 差异系数 is
//!   within the limit.
//!
//! A failing school is given the smallest plan that makes it pass, in whole units of the raw
//! totals ("需增加网络多媒体教室 3 间"): the indicator allowed to stay below the threshold is
//! the one whose leaving at 85% saves most, the increases measured against the thresholds.
//!
//! The other three dimensions (government guarantee, quality, satisfaction) are not data of
//! this kind and are not assessed here.

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::cv::{self, Sample};

/// Relative tolerance of the threshold comparisons, so that a value equal to a threshold
/// in decimal (4.2 teachers per 100) is not refused for binary rounding.
const EPS: f64 = 1e-9;

/// A stage of compulsory education. Schools with both stages (九年一贯制, 完全中学) are
/// given as one row per stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Stage {
    #[serde(rename = "小学")]
    Primary,
    #[serde(rename = "初中")]
    Junior,
}

impl Stage {
    pub const ALL: [Stage; 2] = [Stage::Primary, Stage::Junior];

    pub fn label(self) -> &'static str {
        match self {
            Stage::Primary => "小学",
            Stage::Junior => "初中",
        }
    }

    /// The stage named in a data file: exactly 小学 or 初中.
    pub fn parse(text: &str) -> Option<Stage> {
        match text.trim() {
            "小学" => Some(Stage::Primary),
            "初中" => Some(Stage::Junior),
            _ => None,
        }
    }
}

/// The seven resource indicators, in the order of the 2017 办法.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Indicator {
    QualifiedTeachers,
    KeyTeachers,
    PeArtsTeachers,
    TeachingArea,
    SportsArea,
    EquipmentValue,
    MultimediaRooms,
}

impl Indicator {
    pub const ALL: [Indicator; 7] = [
        Indicator::QualifiedTeachers,
        Indicator::KeyTeachers,
        Indicator::PeArtsTeachers,
        Indicator::TeachingArea,
        Indicator::SportsArea,
        Indicator::EquipmentValue,
        Indicator::MultimediaRooms,
    ];

    /// Position in [`Indicator::ALL`] and in [`School::amounts`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The indicator's name as results show it.
    pub fn name(self) -> &'static str {
        match self {
            Indicator::QualifiedTeachers => "每百名学生拥有高于规定学历教师数",
            Indicator::KeyTeachers => "每百名学生拥有县级以上骨干教师数",
            Indicator::PeArtsTeachers => "每百名学生拥有体育艺术专任教师数",
            Indicator::TeachingArea => "生均教学及辅助用房面积",
            Indicator::SportsArea => "生均体育运动场馆面积",
            Indicator::EquipmentValue => "生均教学仪器设备值",
            Indicator::MultimediaRooms => "每百名学生拥有网络多媒体教室数",
        }
    }

    /// The input column holding the school's raw total.
    pub fn column(self) -> &'static str {
        match self {
            Indicator::QualifiedTeachers => "高于规定学历教师数",
            Indicator::KeyTeachers => "县级以上骨干教师数",
            Indicator::PeArtsTeachers => "体育艺术专任教师数",
            Indicator::TeachingArea => "教学及辅助用房面积",
            Indicator::SportsArea => "体育运动场馆面积",
            Indicator::EquipmentValue => "教学仪器设备值",
            Indicator::MultimediaRooms => "网络多媒体教室数",
        }
    }

    /// 100 for the per-100-students indicators, 1 for the per-student ones.
    pub fn scale(self) -> f64 {
        match self {
            Indicator::QualifiedTeachers
            | Indicator::KeyTeachers
            | Indicator::PeArtsTeachers
            | Indicator::MultimediaRooms => 100.0,
            Indicator::TeachingArea | Indicator::SportsArea | Indicator::EquipmentValue => 1.0,
        }
    }

    /// The unit of the indicator value.
    pub fn value_unit(self) -> &'static str {
        match self {
            Indicator::QualifiedTeachers | Indicator::KeyTeachers | Indicator::PeArtsTeachers => "人/百生",
            Indicator::TeachingArea | Indicator::SportsArea => "平方米/生",
            Indicator::EquipmentValue => "元/生",
            Indicator::MultimediaRooms => "间/百生",
        }
    }

    /// What is added to close a gap, and its unit: "需增加{noun} 3 {unit}".
    pub fn noun(self) -> (&'static str, &'static str) {
        match self {
            Indicator::QualifiedTeachers => ("高于规定学历教师", "名"),
            Indicator::KeyTeachers => ("县级以上骨干教师", "名"),
            Indicator::PeArtsTeachers => ("体育艺术专任教师", "名"),
            Indicator::TeachingArea => ("教学及辅助用房面积", "平方米"),
            Indicator::SportsArea => ("体育运动场馆面积", "平方米"),
            Indicator::EquipmentValue => ("教学仪器设备值", "元"),
            Indicator::MultimediaRooms => ("网络多媒体教室", "间"),
        }
    }
}

/// The seven thresholds of one stage.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// 每百名学生拥有高于规定学历教师数.
    pub qualified_teachers: f64,
    /// 每百名学生拥有县级以上骨干教师数.
    pub key_teachers: f64,
    /// 每百名学生拥有体育、艺术(美术、音乐)专任教师数.
    pub pe_arts_teachers: f64,
    /// 生均教学及辅助用房面积, m².
    pub teaching_area: f64,
    /// 生均体育运动场馆面积, m².
    pub sports_area: f64,
    /// 生均教学仪器设备值, yuan.
    pub equipment_value: f64,
    /// 每百名学生拥有网络多媒体教室数.
    pub multimedia_rooms: f64,
}

impl Thresholds {
    /// 小学, 2017 办法.
    pub const PRIMARY_2017: Thresholds = Thresholds {
        qualified_teachers: 4.2,
        key_teachers: 1.0,
        pe_arts_teachers: 0.9,
        teaching_area: 4.5,
        sports_area: 7.5,
        equipment_value: 2000.0,
        multimedia_rooms: 2.3,
    };
    /// 初中, 2017 办法.
    pub const JUNIOR_2017: Thresholds = Thresholds {
        qualified_teachers: 5.3,
        key_teachers: 1.0,
        pe_arts_teachers: 0.9,
        teaching_area: 5.8,
        sports_area: 10.2,
        equipment_value: 2500.0,
        multimedia_rooms: 2.4,
    };

    pub fn get(&self, indicator: Indicator) -> f64 {
        match indicator {
            Indicator::QualifiedTeachers => self.qualified_teachers,
            Indicator::KeyTeachers => self.key_teachers,
            Indicator::PeArtsTeachers => self.pe_arts_teachers,
            Indicator::TeachingArea => self.teaching_area,
            Indicator::SportsArea => self.sports_area,
            Indicator::EquipmentValue => self.equipment_value,
            Indicator::MultimediaRooms => self.multimedia_rooms,
        }
    }
}

/// The standard of one stage: thresholds and the limit of the 差异系数.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageStandard {
    pub thresholds: Thresholds,
    pub cv_limit: f64,
}

/// The resource-allocation standard; defaults are the national 2017 办法's. Every number is
/// data an administrator may change (for a provincial standard, or when the ministry's text
/// differs from the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BalanceStandard {
    pub primary: StageStandard,
    pub junior: StageStandard,
    /// How many of the seven indicators a school must meet.
    pub min_met: usize,
    /// The share of the threshold every other indicator must reach.
    pub floor_ratio: f64,
}

impl Default for BalanceStandard {
    fn default() -> Self {
        BalanceStandard {
            primary: StageStandard { thresholds: Thresholds::PRIMARY_2017, cv_limit: 0.50 },
            junior: StageStandard { thresholds: Thresholds::JUNIOR_2017, cv_limit: 0.45 },
            min_met: 6,
            floor_ratio: 0.85,
        }
    }
}

impl BalanceStandard {
    pub fn stage(&self, stage: Stage) -> &StageStandard {
        match stage {
            Stage::Primary => &self.primary,
            Stage::Junior => &self.junior,
        }
    }

    /// Every threshold and limit positive and finite, `min_met` at most 7, the floor in (0, 1].
    pub fn validate(&self) -> Result<(), String> {
        for stage in Stage::ALL {
            let s = self.stage(stage);
            for i in Indicator::ALL {
                let t = s.thresholds.get(i);
                if !(t.is_finite() && t > 0.0) {
                    return Err(format!("{}“{}”的标准值 {t} 无效,应为正数", stage.label(), i.name()));
                }
            }
            if !(s.cv_limit.is_finite() && s.cv_limit > 0.0) {
                return Err(format!("{}差异系数限值 {} 无效,应为正数", stage.label(), s.cv_limit));
            }
        }
        if self.min_met > Indicator::ALL.len() {
            return Err(format!("达标项数 {} 无效,最多为 7", self.min_met));
        }
        if !(self.floor_ratio > 0.0 && self.floor_ratio <= 1.0) {
            return Err(format!("其余指标的最低比例 {} 无效,应在 0 到 1 之间", self.floor_ratio));
        }
        Ok(())
    }
}

/// One school and stage with its raw totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct School {
    pub name: String,
    pub county: String,
    pub stage: Stage,
    /// 在校生数 of this stage.
    pub students: u64,
    /// The raw totals, in the order of [`Indicator::ALL`].
    pub amounts: [f64; 7],
}

impl School {
    pub fn amount(&self, indicator: Indicator) -> f64 {
        self.amounts[indicator.index()]
    }

    /// The school's indicator value: `scale · amount / students`.
    pub fn value(&self, indicator: Indicator) -> f64 {
        indicator_value(self.amount(indicator), self.students as f64, indicator.scale())
    }
}

/// `scale · amount / students`, with one rounding so that values equal to a threshold in
/// decimal come out as the threshold's nearest double.
fn indicator_value(amount: f64, students: f64, scale: f64) -> f64 {
    amount * scale / students
}

fn reaches(value: f64, target: f64) -> bool {
    value >= target * (1.0 - EPS)
}

/// The smallest whole number `k ≥ 0` such that `amount + k` brings the indicator value to
/// `target`. Zero when it is already there.
pub fn increment_to_reach(amount: f64, students: f64, scale: f64, target: f64) -> f64 {
    let ok = |k: f64| reaches(indicator_value(amount + k, students, scale), target);
    if ok(0.0) || students <= 0.0 {
        return 0.0;
    }
    let mut k = (target * students / scale - amount).ceil().max(1.0);
    // The estimate is off by at most one or two after rounding; bounded loops keep absurd
    // magnitudes from spinning.
    for _ in 0..8 {
        if k > 1.0 && ok(k - 1.0) {
            k -= 1.0;
        } else {
            break;
        }
    }
    for _ in 0..8 {
        if ok(k) {
            break;
        }
        k += 1.0;
    }
    k
}

/// An indicator value to be shown with the order of the indicators kept: serialised as a
/// JSON object `{indicator name: value}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndicatorValues(pub [f64; 7]);

impl IndicatorValues {
    pub fn get(&self, indicator: Indicator) -> f64 {
        self.0[indicator.index()]
    }
}

impl Serialize for IndicatorValues {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(Indicator::ALL.len()))?;
        for i in Indicator::ALL {
            map.serialize_entry(i.name(), &self.get(i))?;
        }
        map.end()
    }
}

/// An indicator of a school below its threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shortfall {
    pub indicator: &'static str,
    pub value: f64,
    pub threshold: f64,
    /// value / threshold.
    pub ratio: f64,
    /// Whether the value still reaches the floor (85% of the threshold).
    pub above_floor: bool,
}

/// One step of the smallest plan that makes a failing school pass.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub indicator: &'static str,
    pub column: &'static str,
    /// The value to reach: the threshold, or its floor share for the one indicator that may
    /// stay below it.
    pub target: f64,
    /// 达到标准 or 达到标准的85%.
    pub goal: String,
    /// The smallest whole increase of the raw total.
    pub increase: f64,
    pub unit: &'static str,
    /// "需增加网络多媒体教室 3 间".
    pub text: String,
}

/// A school and stage assessed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchoolResult {
    pub name: String,
    pub county: String,
    pub stage: Stage,
    pub students: u64,
    /// How many of the seven indicators reach their threshold.
    pub met: usize,
    pub pass: bool,
    pub values: IndicatorValues,
    pub shortfalls: Vec<Shortfall>,
    /// Empty when the school passes.
    pub gaps: Vec<Gap>,
}

/// One indicator across a county's schools of one stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorResult {
    pub name: &'static str,
    pub column: &'static str,
    pub unit: &'static str,
    /// The student-weighted 差异系数; `None` only when it is undefined.
    pub cv: Option<f64>,
    pub limit: f64,
    pub pass: bool,
    /// The county aggregate X̄ (total over total students).
    pub county_value: Option<f64>,
    pub threshold: f64,
    /// Schools of the county and stage whose value is below the threshold.
    pub schools_below: usize,
    /// The schools with the lowest and the highest value, to show where a spread comes from.
    pub lowest: Option<Extreme>,
    pub highest: Option<Extreme>,
}

/// A school at one end of an indicator's range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Extreme {
    pub school: String,
    pub value: f64,
}

/// The verdict for one county and stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountyResult {
    pub county: String,
    pub stage: Stage,
    pub pass: bool,
    pub indicators: Vec<IndicatorResult>,
    pub schools_total: usize,
    pub schools_meeting: usize,
    pub students: u64,
    pub failing_schools: Vec<String>,
    /// Indicators whose 差异系数 exceeds the limit.
    pub failing_indicators: Vec<&'static str>,
    /// Every reason for a failing verdict, in words.
    pub problems: Vec<String>,
}

/// A county's overall verdict: every stage it has passes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountyVerdict {
    pub county: String,
    pub pass: bool,
    pub stages: Vec<Stage>,
}

/// The whole assessment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BalanceReport {
    pub method: String,
    /// Which dimension this is, and which it is not.
    pub scope: &'static str,
    pub standard: BalanceStandard,
    pub counties: Vec<CountyResult>,
    pub county_verdicts: Vec<CountyVerdict>,
    pub schools: Vec<SchoolResult>,
}

pub const SCOPE: &str =
    "仅评估资源配置(7 项指标、学校达标与差异系数);政府保障程度、教育质量、社会认可度不在学校数据中,未纳入本结论";

/// An indicator over an area as a ratio of sums: the total of the schools' raw amounts over
/// their total students, scaled (per student, or per 100 students) — for one county, or all
/// the schools given when `county` is `None`. Never an average of the schools' ratios.
/// `None` when the area has no students of that stage.
pub fn pooled(schools: &[School], stage: Stage, indicator: Indicator, county: Option<&str>) -> Option<f64> {
    let (amount, students) = schools
        .iter()
        .filter(|s| s.stage == stage && county.is_none_or(|c| s.county == c))
        .fold((0.0, 0u64), |(a, n), s| (a + s.amount(indicator), n + s.students));
    (students > 0).then(|| amount / students as f64 * indicator.scale())
}

/// Assesses one school against its stage's standard.
pub fn assess_school(school: &School, standard: &BalanceStandard) -> SchoolResult {
    let stage = standard.stage(school.stage);
    let students = school.students as f64;
    let values = IndicatorValues(Indicator::ALL.map(|i| school.value(i)));
    let mut shortfalls = Vec::new();
    for i in Indicator::ALL {
        let (value, threshold) = (values.get(i), stage.thresholds.get(i));
        if !reaches(value, threshold) {
            shortfalls.push((
                i,
                Shortfall {
                    indicator: i.name(),
                    value,
                    threshold,
                    ratio: value / threshold,
                    above_floor: reaches(value, threshold * standard.floor_ratio),
                },
            ));
        }
    }
    let met = Indicator::ALL.len() - shortfalls.len();
    let pass = met >= standard.min_met && shortfalls.iter().all(|(_, s)| s.above_floor);
    let mut gaps = Vec::new();
    if !pass {
        // Up to `7 − min_met` indicators may stay below the threshold, at the floor; every
        // other one is raised to the threshold. Which ones stay is chosen to make the total
        // increase smallest, each increase measured against its threshold so that rooms,
        // teachers, square metres and yuan add up.
        let allowed = Indicator::ALL.len().saturating_sub(standard.min_met);
        let floor = standard.floor_ratio;
        let to_threshold: Vec<f64> = shortfalls
            .iter()
            .map(|(i, s)| increment_to_reach(school.amount(*i), students, i.scale(), s.threshold))
            .collect();
        let to_floor: Vec<f64> = shortfalls
            .iter()
            .map(|(i, s)| increment_to_reach(school.amount(*i), students, i.scale(), s.threshold * floor))
            .collect();
        let relative = |n: usize, k: f64| {
            let (i, s) = &shortfalls[n];
            k * i.scale() / students / s.threshold
        };
        let mut best: Option<(f64, u32)> = None;
        for mask in 0u32..(1 << shortfalls.len()) {
            if mask.count_ones() as usize > allowed {
                continue;
            }
            let cost: f64 = (0..shortfalls.len())
                .map(|n| relative(n, if mask & (1 << n) != 0 { to_floor[n] } else { to_threshold[n] }))
                .sum();
            if best.is_none_or(|(c, _)| cost < c - 1e-12) {
                best = Some((cost, mask));
            }
        }
        let left_at_floor = best.map_or(0, |(_, mask)| mask);
        for (n, (i, s)) in shortfalls.iter().enumerate() {
            let at_floor = left_at_floor & (1 << n) != 0;
            let (target, goal) = if at_floor {
                (s.threshold * floor, format!("达到标准的{}%", whole_percent(floor)))
            } else {
                (s.threshold, "达到标准".to_string())
            };
            let increase = increment_to_reach(school.amount(*i), students, i.scale(), target);
            if increase <= 0.0 {
                continue;
            }
            let (noun, unit) = i.noun();
            gaps.push(Gap {
                indicator: i.name(),
                column: i.column(),
                target,
                goal,
                increase,
                unit,
                text: format!("需增加{noun} {increase:.0} {unit}"),
            });
        }
    }
    SchoolResult {
        name: school.name.clone(),
        county: school.county.clone(),
        stage: school.stage,
        students: school.students,
        met,
        pass,
        values,
        shortfalls: shortfalls.into_iter().map(|(_, s)| s).collect(),
        gaps,
    }
}

/// A share as a percentage without needless decimals: 0.85 → "85", 0.875 → "87.5".
pub fn whole_percent(share: f64) -> String {
    let p = (share * 1000.0).round() / 10.0;
    if p.fract() == 0.0 { format!("{p:.0}") } else { format!("{p}") }
}

/// A value for a sentence: at most two decimals, trailing zeros dropped (the JSON has the
/// exact figure).
pub fn figure(value: f64) -> String {
    let s = format!("{value:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// Assesses every county and stage present in `schools`. Counties come in the order they
/// first appear, 小学 before 初中; schools in their input order.
pub fn assess(schools: &[School], standard: &BalanceStandard) -> BalanceReport {
    let results: Vec<SchoolResult> = schools.iter().map(|s| assess_school(s, standard)).collect();
    let mut counties: Vec<&str> = Vec::new();
    for s in schools {
        if !counties.contains(&s.county.as_str()) {
            counties.push(&s.county);
        }
    }
    let mut county_results = Vec::new();
    let mut verdicts = Vec::new();
    for county in &counties {
        let mut stages = Vec::new();
        for stage in Stage::ALL {
            let members: Vec<usize> =
                (0..schools.len()).filter(|&n| schools[n].county == *county && schools[n].stage == stage).collect();
            if members.is_empty() {
                continue;
            }
            stages.push(stage);
            county_results.push(assess_county(county, stage, &members, schools, &results, standard));
        }
        let pass = county_results.iter().filter(|c| c.county == *county).all(|c| c.pass);
        verdicts.push(CountyVerdict { county: county.to_string(), pass, stages });
    }
    BalanceReport {
        method: cv::METHOD.to_string(),
        scope: SCOPE,
        standard: *standard,
        counties: county_results,
        county_verdicts: verdicts,
        schools: results,
    }
}

fn assess_county(
    county: &str,
    stage: Stage,
    members: &[usize],
    schools: &[School],
    results: &[SchoolResult],
    standard: &BalanceStandard,
) -> CountyResult {
    let stage_standard = standard.stage(stage);
    let limit = stage_standard.cv_limit;
    let mut indicators = Vec::new();
    for i in Indicator::ALL {
        let samples: Vec<Sample> =
            members.iter().map(|&n| Sample::new(schools[n].students as f64, schools[n].amount(i))).collect();
        let cv = cv::coefficient_of_variation(&samples, i.scale());
        let threshold = stage_standard.thresholds.get(i);
        let by_value = |n: &&usize| results[**n].values.get(i);
        let lowest = members.iter().min_by(|a, b| by_value(a).total_cmp(&by_value(b)));
        let highest = members.iter().max_by(|a, b| by_value(a).total_cmp(&by_value(b)));
        let named = |n: Option<&usize>| {
            n.map(|&n| Extreme { school: results[n].name.clone(), value: results[n].values.get(i) })
        };
        indicators.push(IndicatorResult {
            name: i.name(),
            column: i.column(),
            unit: i.value_unit(),
            cv,
            limit,
            pass: cv.is_some_and(|c| c <= limit + 1e-12),
            county_value: cv::aggregate(&samples, i.scale()),
            threshold,
            schools_below: members.iter().filter(|&&n| !reaches(results[n].values.get(i), threshold)).count(),
            lowest: named(lowest),
            highest: named(highest),
        });
    }
    let failing: Vec<&SchoolResult> = members.iter().map(|&n| &results[n]).filter(|r| !r.pass).collect();
    let failing_indicators: Vec<&'static str> = indicators.iter().filter(|i| !i.pass).map(|i| i.name).collect();
    let mut problems = Vec::new();
    for r in &failing {
        let below: Vec<String> = r
            .shortfalls
            .iter()
            .map(|s| {
                let floor = if s.above_floor {
                    String::new()
                } else {
                    format!(",低于标准的{}%", whole_percent(standard.floor_ratio))
                };
                format!("{} {}(标准 {}{floor})", s.indicator, figure(s.value), figure(s.threshold))
            })
            .collect();
        let gaps: Vec<&str> = r.gaps.iter().map(|g| g.text.as_str()).collect();
        problems.push(format!("{}未达标:7 项指标达标 {} 项;{};{}", r.name, r.met, below.join("、"), gaps.join(",")));
    }
    for ind in indicators.iter().filter(|i| !i.pass) {
        let spread = match (&ind.lowest, &ind.highest) {
            (Some(lo), Some(hi)) => {
                format!("(最低 {} {},最高 {} {})", lo.school, figure(lo.value), hi.school, figure(hi.value))
            }
            _ => String::new(),
        };
        let cv = ind.cv.map_or("无法计算".to_string(), |c| format!("{c:.3}"));
        problems.push(format!("{}差异系数 {cv},超过限值 {}{spread}", ind.name, figure(limit)));
    }
    CountyResult {
        county: county.to_string(),
        stage,
        pass: failing.is_empty() && failing_indicators.is_empty(),
        schools_total: members.len(),
        schools_meeting: members.len() - failing.len(),
        students: members.iter().map(|&n| schools[n].students).sum(),
        failing_schools: failing.iter().map(|r| r.name.clone()).collect(),
        failing_indicators,
        problems,
        indicators,
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn pooled_figures_are_ratios_of_sums() {
        let school = |county: &str, students: u64, rooms: f64| School {
            name: format!("{county}{students}"),
            county: county.into(),
            stage: Stage::Junior,
            students,
            amounts: [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, rooms],
        };
        let schools = [school("甲", 100, 3.0), school("甲", 900, 9.0), school("乙", 500, 10.0)];
        // 甲: (3 + 9) / 1000 × 100 = 1.2, not the mean of 3 and 1.
        assert_eq!(pooled(&schools, Stage::Junior, Indicator::MultimediaRooms, Some("甲")), Some(1.2));
        assert_eq!(pooled(&schools, Stage::Junior, Indicator::MultimediaRooms, None), Some(22.0 / 1500.0 * 100.0));
        assert_eq!(pooled(&schools, Stage::Primary, Indicator::MultimediaRooms, None), None);
    }
    use super::*;

    fn school(name: &str, stage: Stage, students: u64, per: [f64; 7]) -> School {
        // `per` holds indicator values; raw totals are derived from them.
        let amounts = Indicator::ALL.map(|i| per[i.index()] * students as f64 / i.scale());
        School { name: name.into(), county: "甲县".into(), stage, students, amounts }
    }

    const GOOD: [f64; 7] = [5.0, 1.5, 1.0, 6.0, 9.0, 2500.0, 2.5];

    #[test]
    fn a_school_meeting_everything_passes() {
        let r = assess_school(&school("一小", Stage::Primary, 800, GOOD), &BalanceStandard::default());
        assert_eq!((r.met, r.pass), (7, true));
        assert!(r.gaps.is_empty());
        assert!((r.values.get(Indicator::EquipmentValue) - 2500.0).abs() < 1e-9);
    }

    #[test]
    fn thresholds_in_decimal_are_met_exactly() {
        // 42 teachers for 1000 pupils is 4.2 per 100, exactly the threshold.
        let mut s = school("一小", Stage::Primary, 1000, GOOD);
        s.amounts[0] = 42.0;
        s.amounts[6] = 23.0;
        let r = assess_school(&s, &BalanceStandard::default());
        assert_eq!(r.met, 7, "{:?}", r.shortfalls);
    }

    #[test]
    fn one_indicator_below_but_above_85_percent_passes() {
        let mut per = GOOD;
        per[6] = 2.0; // 2.0 / 2.3 = 87%
        let r = assess_school(&school("一小", Stage::Primary, 1000, per), &BalanceStandard::default());
        assert_eq!((r.met, r.pass), (6, true));
        assert_eq!(r.shortfalls.len(), 1);
        assert!(r.shortfalls[0].above_floor);
    }

    #[test]
    fn gap_is_the_smallest_whole_increase() {
        let mut per = GOOD;
        per[6] = 1.5; // 15 rooms for 1000 pupils; 85% of 2.3 is 1.955 → 20 rooms
        per[1] = 0.5; // 5 key teachers; 1 per 100 → 10
        let r = assess_school(&school("一小", Stage::Primary, 1000, per), &BalanceStandard::default());
        assert!(!r.pass);
        assert_eq!(r.met, 5);
        // Leaving key teachers at 85% costs 4 teachers (0.4 of the threshold) plus 8 rooms to
        // reach 2.3 per 100 (0.35); leaving rooms at 85% costs 5 rooms (0.22) plus 5 teachers
        // (0.5). The second is smaller.
        let texts: Vec<&str> = r.gaps.iter().map(|g| g.text.as_str()).collect();
        assert_eq!(texts, ["需增加县级以上骨干教师 5 名", "需增加网络多媒体教室 5 间"]);
        assert_eq!(r.gaps[1].goal, "达到标准的85%");
    }

    #[test]
    fn increments() {
        assert_eq!(increment_to_reach(15.0, 1000.0, 100.0, 2.3), 8.0);
        assert_eq!(increment_to_reach(23.0, 1000.0, 100.0, 2.3), 0.0);
        assert_eq!(increment_to_reach(22.0, 1000.0, 100.0, 2.3), 1.0);
        assert_eq!(increment_to_reach(0.0, 3.0, 1.0, 2000.0), 6000.0);
        assert_eq!(increment_to_reach(1000.5, 1.0, 1.0, 2000.0), 1000.0);
    }

    #[test]
    fn county_fails_on_spread_even_when_every_school_passes() {
        let std = BalanceStandard::default();
        let mut wide = GOOD;
        wide[4] = 40.0;
        let schools = vec![school("一小", Stage::Primary, 2000, GOOD), school("二小", Stage::Primary, 600, wide)];
        let r = assess(&schools, &std);
        assert_eq!(r.counties.len(), 1);
        let c = &r.counties[0];
        assert_eq!((c.schools_total, c.schools_meeting), (2, 2));
        assert!(!c.pass);
        assert_eq!(c.failing_indicators, ["生均体育运动场馆面积"]);
        assert!(c.problems[0].contains("最低 一小 9"), "{:?}", c.problems);
        assert!(!r.county_verdicts[0].pass);
    }

    #[test]
    fn default_standard_is_valid_and_edits_are_checked() {
        assert_eq!(BalanceStandard::default().validate(), Ok(()));
        let mut s = BalanceStandard::default();
        s.junior.thresholds.sports_area = 0.0;
        assert!(s.validate().unwrap_err().contains("生均体育运动场馆面积"));
        let s = BalanceStandard { min_met: 8, ..BalanceStandard::default() };
        assert!(s.validate().is_err());
    }

    #[test]
    fn figures() {
        assert_eq!(figure(2.0), "2");
        assert_eq!(figure(2.345), "2.35");
        assert_eq!(figure(0.5), "0.5");
        assert_eq!(whole_percent(0.85), "85");
    }
}
