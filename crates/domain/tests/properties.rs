//! Properties of the rules over arbitrary inputs.

use chrono::NaiveDate;
use domain::*;
use proptest::prelude::*;

fn date() -> impl Strategy<Value = NaiveDate> {
    (0i64..800).prop_map(|d| NaiveDate::from_ymd_opt(2024, 1, 1).expect("date") + chrono::Duration::days(d))
}

fn comparator() -> impl Strategy<Value = Comparator> {
    prop_oneof![
        Just(Comparator::AtLeast),
        Just(Comparator::AtMost),
        Just(Comparator::Exactly),
        Just(Comparator::About),
        Just(Comparator::Range)
    ]
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![-1e6f64..1e6, Just(0.0), Just(f64::NAN), Just(f64::INFINITY)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn progress_is_a_share(value in number(), baseline in proptest::option::of(number()), actual in number(), c in comparator()) {
        let p = progress(&TargetSpec { value, max: None, comparator: c, unit: "个".into() }, baseline, actual);
        prop_assert!(p.is_finite() && (0.0..=1.0).contains(&p));
    }

    #[test]
    fn pace_never_goes_back(start in date(), len in 0i64..400, a in date(), b in date()) {
        let deadline = start + chrono::Duration::days(len);
        let (early, late) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(linear_pace(start, deadline, early) <= linear_pace(start, deadline, late));
    }

    #[test]
    fn assess_is_total_and_completion_is_honest(
        targets in proptest::collection::vec((1.0f64..1000.0, proptest::option::of(0.0f64..1500.0), comparator()), 0..4),
        reports in 0u32..12,
        as_of in date(),
    ) {
        let facts = AssignmentFacts {
            start: NaiveDate::from_ymd_opt(2024, 1, 1).expect("date"),
            deadline: NaiveDate::from_ymd_opt(2024, 12, 31).expect("date"),
            targets: targets.iter().map(|(v, a, c)| TargetFact { spec: TargetSpec { value: *v, max: None, comparator: *c, unit: "个".into() }, baseline: None, actual: *a }).collect(),
            milestones: vec![],
            reports,
            self_assessed: None,
            declared_complete: false,
        };
        let a = assess(&facts, as_of, &Thresholds::default());
        prop_assert!((0.0..=1.0).contains(&a.pace));
        if a.status == Status::Completed && !facts.targets.is_empty() {
            prop_assert!(facts.targets.iter().all(|t| t.actual.is_some_and(|v| reached(&t.spec, v))));
        }
    }

    #[test]
    fn pooled_ratio_is_the_sum(parts in proptest::collection::vec((0.0f64..1e5, 1.0f64..1e5), 1..20)) {
        let pooled = Ratio::sum(parts.iter().map(|(n, d)| Ratio::new(*n, *d)));
        let n: f64 = parts.iter().map(|p| p.0).sum();
        let d: f64 = parts.iter().map(|p| p.1).sum();
        prop_assert!((pooled.value().expect("positive denominator") - n / d).abs() < 1e-9);
    }
}
