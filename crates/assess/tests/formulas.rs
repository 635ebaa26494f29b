//! The assessment formulas against independent computations and published check figures,
//! and their properties.

use assess::balance::{self, assess_school, increment_to_reach};
use assess::preschool::{self, percent};
use assess::{
    BalanceStandard, Indicator, Kindergarten, Ownership, Population, PreschoolStandard, Sample, School, Stage,
    coefficient_of_variation,
};
use proptest::prelude::*;

/// The weighted CV computed another way: each school's value repeated once per student,
/// then the plain population mean and standard deviation of that list.
fn cv_by_expansion(schools: &[(u32, f64)], scale: f64) -> f64 {
    let values: Vec<f64> =
        schools.iter().flat_map(|&(p, x)| std::iter::repeat_n(scale * x / f64::from(p), p as usize)).collect();
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    var.sqrt() / mean
}

/// The weighted CV in one pass: S² = Σ w_i X_i² − X̄², with X̄ as Σ w_i X_i.
fn cv_one_pass(schools: &[(f64, f64)], scale: f64) -> f64 {
    let total: f64 = schools.iter().map(|s| s.0).sum();
    let (mut m1, mut m2) = (0.0, 0.0);
    for &(p, x) in schools {
        let w = p / total;
        let v = scale * x / p;
        m1 += w * v;
        m2 += w * v * v;
    }
    (m2 - m1 * m1).max(0.0).sqrt() / m1
}

fn samples(schools: &[(f64, f64)]) -> Vec<Sample> {
    schools.iter().map(|&(p, x)| Sample::new(p, x)).collect()
}

#[test]
fn cv_of_a_five_school_county_by_hand() {
    // Multimedia classrooms of five primary schools (students, rooms).
    let county = [(1200.0, 30.0), (850.0, 20.0), (400.0, 8.0), (150.0, 5.0), (60.0, 1.0)];
    let cv = coefficient_of_variation(&samples(&county), 100.0).unwrap();
    // X̄ = 100 · 64 / 2660 = 2.406…, the county total over its students.
    let mean = 100.0 * 64.0 / 2660.0;
    let expanded = cv_by_expansion(&county.map(|(p, x)| (p as u32, x)), 100.0);
    assert!((cv - expanded).abs() < 1e-12, "{cv} vs {expanded}");
    assert!((cv - cv_one_pass(&county, 100.0)).abs() < 1e-12);
    assert!((assess::cv::aggregate(&samples(&county), 100.0).unwrap() - mean).abs() < 1e-12);
    // The unweighted CV of the same five values differs: the method matters.
    let values: Vec<f64> = county.iter().map(|&(p, x)| 100.0 * x / p).collect();
    let plain_mean = values.iter().sum::<f64>() / 5.0;
    let plain_sd = (values.iter().map(|v| (v - plain_mean).powi(2)).sum::<f64>() / 5.0).sqrt();
    assert!((cv - plain_sd / plain_mean).abs() > 0.01);
}

#[test]
fn published_preschool_check_figures() {
    // domain.md §4.2: 10301 / 25113 = 41.02%; (10301 + 7629) / 25113 = 71.40%.
    let k = |county: &str, ownership, inclusive, children| Kindergarten {
        name: format!("{county}{children}"),
        county: county.to_string(),
        ownership,
        inclusive,
        children,
    };
    let list = [
        k("甲区", Ownership::Public, true, 3001),
        k("甲区", Ownership::Private, true, 4000),
        k("甲区", Ownership::Private, false, 2000),
        k("乙县", Ownership::Public, false, 7300),
        k("乙县", Ownership::Private, true, 3629),
        k("乙县", Ownership::Private, false, 5183),
    ];
    let r = preschool::assess(&list, &[], &PreschoolStandard::default());
    assert_eq!((r.city.public_children, r.city.inclusive_children, r.city.children), (10301, 17930, 25113));
    assert_eq!(percent(r.city.public_share.unwrap()), "41.02%");
    assert_eq!(percent(r.city.inclusive_share.unwrap()), "71.40%");
    // Not the mean of the county percentages (3001/9001 and 7300/16112).
    let mean_of_shares = (3001.0 / 9001.0 + 7300.0 / 16112.0) / 2.0;
    assert_ne!(percent(mean_of_shares), "41.02%");
    assert_eq!(r.city.national_pass, Some(false));
    assert_eq!(r.city.target_pass, Some(false));
    let public = &r.city.checks.iter().find(|c| c.name == preschool::PUBLIC_SHARE && c.standard == "市定目标").unwrap();
    // 57% of 25113 is 14314.41: 4014 more children in public kindergartens.
    assert_eq!(public.gap.as_deref(), Some("需新增(或转为)公办园在园幼儿 4014 人"));
}

#[test]
fn a_failing_school_is_told_what_to_add() {
    let school = School {
        name: "耳口乡中心小学".into(),
        county: "贵溪市".into(),
        stage: Stage::Primary,
        students: 320,
        // 14 qualified teachers (4.375), 2 key teachers (0.625 < 0.85), 3 PE/arts (0.9375),
        // 1600 m² (5), 3000 m² (9.375), 700000 yuan (2187.5), 5 rooms (1.5625 < 1.955).
        amounts: [14.0, 2.0, 3.0, 1600.0, 3000.0, 700_000.0, 5.0],
    };
    let r = assess_school(&school, &BalanceStandard::default());
    assert_eq!((r.met, r.pass), (5, false));
    // Leaving key teachers at 85% (0.85 · 3.2 = 2.72 → 3, one more) and raising rooms to 2.3
    // per 100 (7.36 → 8, three more) costs less against the thresholds than the other way
    // round (two more teachers and two more rooms).
    let texts: Vec<&str> = r.gaps.iter().map(|g| g.text.as_str()).collect();
    assert_eq!(texts, ["需增加县级以上骨干教师 1 名", "需增加网络多媒体教室 3 间"]);
}

fn county_schools() -> impl Strategy<Value = Vec<(u32, f64)>> {
    prop::collection::vec((1u32..40, 0.0f64..500.0), 1..12)
}

fn school_strategy() -> impl Strategy<Value = School> {
    (
        1u64..3000,
        prop::bool::ANY,
        // Indicator values between 0 and 2.5 times a threshold, as raw totals below.
        prop::array::uniform7(0.0f64..2.5),
    )
        .prop_map(|(students, junior, ratios)| {
            let stage = if junior { Stage::Junior } else { Stage::Primary };
            let standard = BalanceStandard::default();
            let t = standard.stage(stage).thresholds;
            let amounts = Indicator::ALL.map(|i| {
                let raw = ratios[i.index()] * t.get(i) * students as f64 / i.scale();
                // Heads and rooms are whole numbers.
                if i.scale() == 100.0 { raw.round() } else { raw }
            });
            School { name: "校".into(), county: "县".into(), stage, students, amounts }
        })
}

proptest! {
    #[test]
    fn cv_matches_the_expanded_list(schools in county_schools(), per_100 in prop::bool::ANY) {
        let scale = if per_100 { 100.0 } else { 1.0 };
        let pairs: Vec<(f64, f64)> = schools.iter().map(|&(p, x)| (f64::from(p), x)).collect();
        let cv = coefficient_of_variation(&samples(&pairs), scale);
        if pairs.iter().all(|p| p.1 == 0.0) {
            prop_assert_eq!(cv, Some(0.0));
        } else {
            let cv = cv.unwrap();
            let expected = cv_by_expansion(&schools, scale);
            prop_assert!((cv - expected).abs() <= 1e-9 * expected.max(1.0), "{} vs {}", cv, expected);
            prop_assert!((cv - cv_one_pass(&pairs, scale)).abs() <= 1e-6 * expected.max(1.0));
        }
    }

    #[test]
    fn cv_is_not_negative(schools in county_schools()) {
        let pairs: Vec<(f64, f64)> = schools.iter().map(|&(p, x)| (f64::from(p), x)).collect();
        let cv = coefficient_of_variation(&samples(&pairs), 100.0).unwrap();
        prop_assert!(cv >= 0.0);
    }

    #[test]
    fn cv_of_equal_values_is_zero(students in prop::collection::vec(1.0f64..5000.0, 1..15), value in 0.01f64..10_000.0) {
        let pairs: Vec<(f64, f64)> = students.iter().map(|&p| (p, value * p)).collect();
        let cv = coefficient_of_variation(&samples(&pairs), 1.0).unwrap();
        prop_assert!(cv.abs() < 1e-9, "{}", cv);
    }

    #[test]
    fn cv_is_scale_invariant(schools in county_schools(), factor in 0.001f64..1000.0, copies in 1u32..5) {
        let pairs: Vec<(f64, f64)> = schools.iter().map(|&(p, x)| (f64::from(p), x + 1.0)).collect();
        let cv = coefficient_of_variation(&samples(&pairs), 100.0).unwrap();
        // Amounts in other units (yuan → 10k yuan).
        let scaled: Vec<(f64, f64)> = pairs.iter().map(|&(p, x)| (p, x * factor)).collect();
        let cv_scaled = coefficient_of_variation(&samples(&scaled), 100.0).unwrap();
        prop_assert!((cv - cv_scaled).abs() < 1e-9 * cv.max(1.0));
        // Every school k times as large with the same values.
        let bigger: Vec<(f64, f64)> = pairs.iter().map(|&(p, x)| (p * f64::from(copies), x * f64::from(copies))).collect();
        let cv_bigger = coefficient_of_variation(&samples(&bigger), 100.0).unwrap();
        prop_assert!((cv - cv_bigger).abs() < 1e-9 * cv.max(1.0));
        // Order does not matter.
        let reversed: Vec<(f64, f64)> = pairs.iter().rev().copied().collect();
        let cv_reversed = coefficient_of_variation(&samples(&reversed), 100.0).unwrap();
        prop_assert!((cv - cv_reversed).abs() < 1e-9 * cv.max(1.0));
    }

    #[test]
    fn gaps_are_the_smallest_whole_increase(amount in 0.0f64..500.0, students in 1.0f64..3000.0, target in 0.1f64..10.0) {
        let k = increment_to_reach(amount, students, 100.0, target);
        prop_assert_eq!(k.fract(), 0.0);
        prop_assert!(100.0 * (amount + k) / students >= target * (1.0 - 1e-9));
        if k >= 1.0 {
            prop_assert!(100.0 * (amount + k - 1.0) / students < target * (1.0 - 1e-9));
        }
    }

    #[test]
    fn school_verdict_follows_the_rule_and_gaps_close_it(school in school_strategy()) {
        let standard = BalanceStandard::default();
        let r = assess_school(&school, &standard);
        let t = standard.stage(school.stage).thresholds;
        let tol = 1.0 - 1e-9;
        let met = Indicator::ALL.iter().filter(|&&i| school.amount(i) * i.scale() / school.students as f64 >= t.get(i) * tol).count();
        let floor_ok = Indicator::ALL.iter().all(|&i| school.amount(i) * i.scale() / school.students as f64 >= 0.85 * t.get(i) * tol);
        prop_assert_eq!(r.met, met);
        prop_assert_eq!(r.pass, met >= 6 && floor_ok);
        prop_assert_eq!(r.pass, r.gaps.is_empty());
        // Adding what the gaps say makes the school pass.
        let mut fixed = school.clone();
        for g in &r.gaps {
            let i = Indicator::ALL.iter().find(|i| i.name() == g.indicator).unwrap();
            fixed.amounts[i.index()] += g.increase;
        }
        prop_assert!(assess_school(&fixed, &standard).pass);
    }

    #[test]
    fn county_verdict_is_all_schools_and_all_spreads(schools in prop::collection::vec(school_strategy(), 1..10)) {
        let standard = BalanceStandard::default();
        let schools: Vec<School> = schools.into_iter().map(|s| School { stage: Stage::Primary, ..s }).collect();
        let r = balance::assess(&schools, &standard);
        prop_assert_eq!(r.counties.len(), 1);
        let c = &r.counties[0];
        prop_assert_eq!(c.schools_total, schools.len());
        prop_assert_eq!(c.schools_meeting, r.schools.iter().filter(|s| s.pass).count());
        let spreads_ok = c.indicators.iter().all(|i| i.cv.is_some_and(|cv| cv <= 0.5 + 1e-12));
        prop_assert_eq!(c.pass, c.schools_meeting == c.schools_total && spreads_ok);
        prop_assert_eq!(c.pass, c.problems.is_empty());
    }

    #[test]
    fn city_share_lies_between_county_shares(
        counties in prop::collection::vec(prop::collection::vec((prop::bool::ANY, prop::bool::ANY, 1u64..2000), 1..8), 1..6),
    ) {
        let mut list = Vec::new();
        for (n, kindergartens) in counties.iter().enumerate() {
            for (m, &(public, inclusive, children)) in kindergartens.iter().enumerate() {
                list.push(Kindergarten {
                    name: format!("园{m}"),
                    county: format!("县{n}"),
                    ownership: if public { Ownership::Public } else { Ownership::Private },
                    inclusive,
                    children,
                });
            }
        }
        let population: Vec<Population> = (0..counties.len())
            .map(|n| Population { county: format!("县{n}"), aged_3_to_5: 1000 + n as u64 * 77 })
            .collect();
        let r = preschool::assess(&list, &population, &PreschoolStandard::default());
        let shares = |f: fn(&preschool::Area) -> Option<f64>| {
            let v: Vec<f64> = r.counties.iter().filter_map(f).collect();
            (v.iter().copied().fold(f64::INFINITY, f64::min), v.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        };
        for f in [|a: &preschool::Area| a.public_share, |a: &preschool::Area| a.inclusive_share, |a: &preschool::Area| a.gross_enrolment] {
            let (lo, hi) = shares(f);
            let city = f(&r.city).unwrap();
            prop_assert!(lo - 1e-12 <= city && city <= hi + 1e-12, "{} not in [{}, {}]", city, lo, hi);
        }
        let total: u64 = list.iter().map(|k| k.children).sum();
        let public: u64 = list.iter().filter(|k| k.ownership == Ownership::Public).map(|k| k.children).sum();
        let inclusive: u64 = list.iter().filter(|k| k.ownership == Ownership::Public || k.inclusive).map(|k| k.children).sum();
        prop_assert_eq!(r.city.public_share, Some(public as f64 / total as f64));
        prop_assert_eq!(r.city.inclusive_share, Some(inclusive as f64 / total as f64));
        prop_assert!(r.city.public_share <= r.city.inclusive_share);
        let pop: u64 = population.iter().map(|p| p.aged_3_to_5).sum();
        prop_assert_eq!(r.city.gross_enrolment, Some(total as f64 / pop as f64));
    }
}
