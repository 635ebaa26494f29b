//! County preschool, universal and inclusive (县域学前教育普及普惠, 2020 办法): per county
//! and for the city, the share of children in public kindergartens, the inclusive coverage,
//! and the three-year gross enrolment ratio where the population aged 3–5 is known; each
//! against the national thresholds and against the plan's own targets.
//!
//! ```text
//! 公办园在园幼儿占比     = children in public kindergartens / all children in kindergartens
//! 普惠性幼儿园覆盖率     = (children in public kindergartens
//!                           + children in certified inclusive private kindergartens)
//!                         / all children in kindergartens
//! 学前三年毛入园率       = all children in kindergartens / population aged 3–5
//! ```
//!
//! The city's figures are total numerator over total denominator, never an average of the
//! counties' percentages. Public satisfaction (≥ 85%) is not school data and is not assessed.

use serde::{Deserialize, Serialize};

const EPS: f64 = 1e-9;

/// Who runs a kindergarten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Ownership {
    #[serde(rename = "公办")]
    Public,
    #[serde(rename = "民办")]
    Private,
}

impl Ownership {
    pub fn label(self) -> &'static str {
        match self {
            Ownership::Public => "公办",
            Ownership::Private => "民办",
        }
    }

    pub fn parse(text: &str) -> Option<Ownership> {
        match text.trim() {
            "公办" => Some(Ownership::Public),
            "民办" => Some(Ownership::Private),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kindergarten {
    pub name: String,
    pub county: String,
    pub ownership: Ownership,
    /// Certified inclusive (普惠性). Public kindergartens count as inclusive whatever this says.
    pub inclusive: bool,
    /// 在园幼儿数.
    pub children: u64,
}

impl Kindergarten {
    /// Whether its children count towards the inclusive coverage.
    pub fn counts_as_inclusive(&self) -> bool {
        self.ownership == Ownership::Public || self.inclusive
    }
}

/// The population aged 3–5 of a county.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Population {
    pub county: String,
    pub aged_3_to_5: u64,
}

/// National thresholds (2020 办法) and the plan's own targets, as fractions. Every number is
/// data an administrator may change; a target set to `None` is not checked.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PreschoolStandard {
    /// 学前三年毛入园率, national: 0.85.
    pub gross_enrolment: f64,
    /// 普惠性幼儿园覆盖率, national: 0.80.
    pub inclusive_share: f64,
    /// 公办园在园幼儿占比, national: 0.50.
    pub public_share: f64,
    /// The plan's target for the public share (Yingtan 2024: 0.57).
    pub target_public_share: Option<f64>,
    /// The plan's target for the inclusive coverage (Yingtan 2024: 0.94).
    pub target_inclusive_share: Option<f64>,
    /// The plan's target for the gross enrolment ratio, if it sets one.
    pub target_gross_enrolment: Option<f64>,
}

impl Default for PreschoolStandard {
    fn default() -> Self {
        PreschoolStandard {
            gross_enrolment: 0.85,
            inclusive_share: 0.80,
            public_share: 0.50,
            target_public_share: Some(0.57),
            target_inclusive_share: Some(0.94),
            target_gross_enrolment: None,
        }
    }
}

impl PreschoolStandard {
    /// Shares are fractions in (0, 1]; a gross enrolment ratio may exceed 1 but is positive.
    pub fn validate(&self) -> Result<(), String> {
        let share = |name: &str, v: f64| {
            if v > 0.0 && v <= 1.0 {
                Ok(())
            } else {
                Err(format!("{name} {v} 无效,应为 0 到 1 之间的比例(如 0.5)"))
            }
        };
        share("公办园在园幼儿占比标准", self.public_share)?;
        share("普惠性幼儿园覆盖率标准", self.inclusive_share)?;
        if let Some(t) = self.target_public_share {
            share("公办园在园幼儿占比目标", t)?;
        }
        if let Some(t) = self.target_inclusive_share {
            share("普惠性幼儿园覆盖率目标", t)?;
        }
        for (name, v) in [
            ("学前三年毛入园率标准", Some(self.gross_enrolment)),
            ("学前三年毛入园率目标", self.target_gross_enrolment),
        ] {
            if let Some(v) = v
                && !(v.is_finite() && v > 0.0)
            {
                return Err(format!("{name} {v} 无效,应为正的比例(如 0.85)"));
            }
        }
        Ok(())
    }
}

pub const PUBLIC_SHARE: &str = "公办园在园幼儿占比";
pub const INCLUSIVE_SHARE: &str = "普惠性幼儿园覆盖率";
pub const GROSS_ENROLMENT: &str = "学前三年毛入园率";
pub const NATIONAL: &str = "国家标准";
pub const TARGET: &str = "市定目标";

/// One figure against one threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub name: &'static str,
    /// 国家标准 or 市定目标.
    pub standard: &'static str,
    pub value: Option<f64>,
    pub threshold: f64,
    /// `None` when the value is unknown (no population, or no children).
    pub pass: Option<bool>,
    /// The smallest whole number of children that closes the gap, in words.
    pub gap: Option<String>,
}

/// A county or the city.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Area {
    /// The county's name, or 全市 for the city.
    pub county: String,
    pub kindergartens: usize,
    pub public_kindergartens: usize,
    pub inclusive_private_kindergartens: usize,
    pub other_private_kindergartens: usize,
    /// 在园幼儿数.
    pub children: u64,
    pub public_children: u64,
    pub inclusive_private_children: u64,
    /// Public plus inclusive private.
    pub inclusive_children: u64,
    pub population_3_5: Option<u64>,
    pub public_share: Option<f64>,
    pub inclusive_share: Option<f64>,
    pub gross_enrolment: Option<f64>,
    /// Against the national thresholds: `None` when a figure is unknown and none fails.
    pub national_pass: Option<bool>,
    /// Against the plan's targets, the same way; `None` also when no target is set.
    pub target_pass: Option<bool>,
    pub checks: Vec<Check>,
    /// Every failing or unknown check, in words.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreschoolReport {
    pub method: &'static str,
    pub scope: &'static str,
    pub standard: PreschoolStandard,
    pub counties: Vec<Area>,
    pub city: Area,
    pub warnings: Vec<String>,
}

pub const METHOD: &str = "公办园在园幼儿占比 = 公办园在园幼儿数 ÷ 在园幼儿总数;普惠性幼儿园覆盖率 = (公办园在园幼儿数 + 认定的普惠性民办园在园幼儿数) ÷ 在园幼儿总数;学前三年毛入园率 = 在园幼儿总数 ÷ 3至5岁人口。全市数值为各区县分子合计除以分母合计,不是各区县百分比的平均";
pub const SCOPE: &str = "社会认可度不在学校数据中,未纳入本结论";

/// The name of the city's row.
pub const CITY: &str = "全市";

/// `numerator / denominator`, `None` for an empty denominator.
pub fn share(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// The smallest whole `k ≥ 0` with `(numerator + k) / denominator ≥ target`.
pub fn children_to_reach(numerator: u64, denominator: u64, target: f64) -> u64 {
    if denominator == 0 {
        return 0;
    }
    let ok = |k: u64| (numerator + k) as f64 / denominator as f64 >= target * (1.0 - EPS);
    if ok(0) {
        return 0;
    }
    let estimate = (target * denominator as f64 - numerator as f64).ceil();
    let mut k = if estimate.is_finite() && estimate >= 1.0 { estimate as u64 } else { 1 };
    for _ in 0..8 {
        if k > 1 && ok(k - 1) {
            k -= 1;
        } else {
            break;
        }
    }
    for _ in 0..8 {
        if ok(k) {
            break;
        }
        k += 1;
    }
    k
}

#[derive(Default)]
struct Totals {
    kindergartens: usize,
    public_kindergartens: usize,
    inclusive_private_kindergartens: usize,
    children: u64,
    public_children: u64,
    inclusive_private_children: u64,
}

impl Totals {
    fn add(&mut self, k: &Kindergarten) {
        self.kindergartens += 1;
        self.children += k.children;
        match (k.ownership, k.inclusive) {
            (Ownership::Public, _) => {
                self.public_kindergartens += 1;
                self.public_children += k.children;
            }
            (Ownership::Private, true) => {
                self.inclusive_private_kindergartens += 1;
                self.inclusive_private_children += k.children;
            }
            (Ownership::Private, false) => {}
        }
    }

    fn area(&self, county: &str, population: Option<u64>, standard: &PreschoolStandard) -> Area {
        let inclusive_children = self.public_children + self.inclusive_private_children;
        let public_share = share(self.public_children, self.children);
        let inclusive_share = share(inclusive_children, self.children);
        let gross_enrolment = population.and_then(|p| share(self.children, p));
        let public = |t: f64, standard: &'static str| {
            let k = children_to_reach(self.public_children, self.children, t);
            check(PUBLIC_SHARE, standard, public_share, t, k, "需新增(或转为)公办园在园幼儿")
        };
        let inclusive = |t: f64, standard: &'static str| {
            let k = children_to_reach(inclusive_children, self.children, t);
            check(INCLUSIVE_SHARE, standard, inclusive_share, t, k, "需将非普惠民办园在园幼儿转为普惠")
        };
        let gross = |t: f64, standard: &'static str| {
            let k = population.map_or(0, |p| children_to_reach(self.children, p, t));
            check(GROSS_ENROLMENT, standard, gross_enrolment, t, k, "需增加在园幼儿")
        };
        let national = vec![
            gross(standard.gross_enrolment, NATIONAL),
            inclusive(standard.inclusive_share, NATIONAL),
            public(standard.public_share, NATIONAL),
        ];
        let mut targets = Vec::new();
        if let Some(t) = standard.target_gross_enrolment {
            targets.push(gross(t, TARGET));
        }
        if let Some(t) = standard.target_inclusive_share {
            targets.push(inclusive(t, TARGET));
        }
        if let Some(t) = standard.target_public_share {
            targets.push(public(t, TARGET));
        }
        let national_pass = verdict(&national);
        let target_pass = if targets.is_empty() { None } else { verdict(&targets) };
        let checks: Vec<Check> = national.into_iter().chain(targets).collect();
        let problems = checks
            .iter()
            .filter_map(|c| match (c.pass, c.value) {
                (Some(false), Some(v)) => Some(format!(
                    "{} {},低于{} {}{}",
                    c.name,
                    percent(v),
                    c.standard,
                    threshold_percent(c.threshold),
                    c.gap.as_ref().map(|g| format!(",{g}")).unwrap_or_default()
                )),
                (None, _) if c.name == GROSS_ENROLMENT && population.is_none() => Some(format!(
                    "{}无法计算:未提供3至5岁人口({} {})",
                    c.name,
                    c.standard,
                    threshold_percent(c.threshold)
                )),
                (None, _) => Some(format!("{}无法计算:没有在园幼儿", c.name)),
                _ => None,
            })
            .collect();
        Area {
            county: county.to_string(),
            kindergartens: self.kindergartens,
            public_kindergartens: self.public_kindergartens,
            inclusive_private_kindergartens: self.inclusive_private_kindergartens,
            other_private_kindergartens: self.kindergartens
                - self.public_kindergartens
                - self.inclusive_private_kindergartens,
            children: self.children,
            public_children: self.public_children,
            inclusive_private_children: self.inclusive_private_children,
            inclusive_children,
            population_3_5: population,
            public_share,
            inclusive_share,
            gross_enrolment,
            national_pass,
            target_pass,
            checks,
            problems,
        }
    }
}

fn check(
    name: &'static str,
    standard: &'static str,
    value: Option<f64>,
    threshold: f64,
    children: u64,
    action: &str,
) -> Check {
    let pass = value.map(|v| v >= threshold * (1.0 - EPS));
    let gap = (pass == Some(false) && children > 0).then(|| format!("{action} {children} 人"));
    Check { name, standard, value, threshold, pass, gap }
}

/// False when any check fails; otherwise unknown when any is unknown; otherwise true.
fn verdict(checks: &[Check]) -> Option<bool> {
    if checks.iter().any(|c| c.pass == Some(false)) {
        Some(false)
    } else if checks.iter().any(|c| c.pass.is_none()) {
        None
    } else {
        Some(true)
    }
}

/// A fraction as a percentage with two decimals: 0.410186 → "41.02%".
pub fn percent(fraction: f64) -> String {
    format!("{:.2}%", fraction * 100.0)
}

/// A threshold as a percentage without needless decimals: 0.5 → "50%", 0.855 → "85.5%".
pub fn threshold_percent(fraction: f64) -> String {
    let p = (fraction * 10000.0).round() / 100.0;
    let s = format!("{p:.2}");
    format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
}

/// Assesses every county in `kindergartens` (in the order they first appear; counties only
/// in `population` follow) and the city.
///
/// The city's gross enrolment ratio is given only when every county with kindergartens has
/// its population; otherwise it is unknown and a warning says which counties lack it.
pub fn assess(
    kindergartens: &[Kindergarten],
    population: &[Population],
    standard: &PreschoolStandard,
) -> PreschoolReport {
    let mut order: Vec<&str> = Vec::new();
    for k in kindergartens {
        if !order.contains(&k.county.as_str()) {
            order.push(&k.county);
        }
    }
    let mut warnings = Vec::new();
    for p in population {
        if !order.contains(&p.county.as_str()) {
            warnings.push(format!("区县“{}”有3至5岁人口数据,但幼儿园名单中没有它的幼儿园,按在园幼儿 0 人计", p.county));
            order.push(&p.county);
        }
    }
    let population_of = |county: &str| population.iter().find(|p| p.county == county).map(|p| p.aged_3_to_5);
    let mut city = Totals::default();
    let mut counties = Vec::new();
    let mut missing = Vec::new();
    for county in &order {
        let mut totals = Totals::default();
        for k in kindergartens.iter().filter(|k| k.county == *county) {
            totals.add(k);
            city.add(k);
        }
        let pop = population_of(county);
        if pop.is_none() {
            missing.push(*county);
        }
        counties.push(totals.area(county, pop, standard));
    }
    let city_population = if missing.is_empty() {
        Some(population.iter().map(|p| p.aged_3_to_5).sum())
    } else {
        if !population.is_empty() {
            warnings.push(format!(
                "{} 没有3至5岁人口数据,全市学前三年毛入园率无法计算",
                missing.iter().map(|c| format!("“{c}”")).collect::<Vec<_>>().join("、")
            ));
        }
        None
    };
    let city = city.area(CITY, city_population, standard);
    PreschoolReport { method: METHOD, scope: SCOPE, standard: *standard, counties, city, warnings }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(county: &str, ownership: Ownership, inclusive: bool, children: u64) -> Kindergarten {
        Kindergarten { name: format!("{county}{children}"), county: county.into(), ownership, inclusive, children }
    }

    #[test]
    fn published_check_figures() {
        // domain.md §4.2: 10301 / 25113 = 41.02%; (10301 + 7629) / 25113 = 71.40%.
        let list = vec![
            k("甲", Ownership::Public, true, 6000),
            k("乙", Ownership::Public, false, 4301),
            k("甲", Ownership::Private, true, 5000),
            k("乙", Ownership::Private, true, 2629),
            k("乙", Ownership::Private, false, 7183),
        ];
        let r = assess(&list, &[], &PreschoolStandard::default());
        assert_eq!(r.city.children, 25113);
        assert_eq!(percent(r.city.public_share.unwrap()), "41.02%");
        assert_eq!(percent(r.city.inclusive_share.unwrap()), "71.40%");
        assert_eq!(r.city.national_pass, Some(false));
        assert_eq!(r.city.gross_enrolment, None);
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn gaps_in_children() {
        assert_eq!(children_to_reach(49, 100, 0.5), 1);
        assert_eq!(children_to_reach(50, 100, 0.5), 0);
        assert_eq!(children_to_reach(0, 3, 0.57), 2);
        assert_eq!(children_to_reach(0, 0, 0.57), 0);
    }

    #[test]
    fn unknown_gross_enrolment_is_not_a_pass() {
        let list = vec![k("甲", Ownership::Public, true, 90)];
        let r = assess(&list, &[], &PreschoolStandard::default());
        assert_eq!(r.counties[0].national_pass, None);
        assert_eq!(r.counties[0].target_pass, Some(true));
        let pop = [Population { county: "甲".into(), aged_3_to_5: 100 }];
        let r = assess(&list, &pop, &PreschoolStandard::default());
        assert_eq!(r.counties[0].gross_enrolment, Some(0.9));
        assert_eq!(r.counties[0].national_pass, Some(true));
        assert_eq!(r.city.gross_enrolment, Some(0.9));
    }

    #[test]
    fn city_gross_enrolment_needs_every_county() {
        let list = vec![k("甲", Ownership::Public, true, 90), k("乙", Ownership::Public, true, 50)];
        let pop = [Population { county: "甲".into(), aged_3_to_5: 100 }];
        let r = assess(&list, &pop, &PreschoolStandard::default());
        assert_eq!(r.city.gross_enrolment, None);
        assert_eq!(r.warnings.len(), 1);
        let pop = [
            Population { county: "甲".into(), aged_3_to_5: 100 },
            Population { county: "乙".into(), aged_3_to_5: 60 },
            Population { county: "丙".into(), aged_3_to_5: 40 },
        ];
        let r = assess(&list, &pop, &PreschoolStandard::default());
        assert_eq!(r.city.gross_enrolment, Some(140.0 / 200.0));
        assert_eq!(r.counties.len(), 3);
        assert_eq!(r.counties[2].public_share, None);
        assert_eq!(r.counties[2].gross_enrolment, Some(0.0));
    }
}
