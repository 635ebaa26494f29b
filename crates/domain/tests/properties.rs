//! Properties of the rules over arbitrary inputs.

use chrono::NaiveDate;
use domain::*;
use proptest::prelude::*;

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).expect("date")
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (0i64..800).prop_map(|d| base() + chrono::Duration::days(d))
}

fn comparator() -> impl Strategy<Value = Comparator> {
    prop::sample::select(Comparator::ALL.to_vec())
}

fn status() -> impl Strategy<Value = Status> {
    prop::sample::select(Status::ALL.to_vec())
}

/// Ordinary numbers, with the awkward ones mixed in often enough to be hit.
fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => -1e6f64..1e6,
        1 => Just(0.0),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(f64::MAX),
        1 => Just(-f64::MAX),
    ]
}

fn spec() -> impl Strategy<Value = TargetSpec> {
    (number(), proptest::option::of(number()), comparator(), prop::sample::select(vec!["%", "所", "个"]))
        .prop_map(|(value, max, comparator, unit)| TargetSpec { value, max, comparator, unit: unit.into() })
}

fn milestone() -> impl Strategy<Value = Milestone> {
    (date(), proptest::option::of(date())).prop_map(|(due, done_on)| Milestone { due, done_on })
}

fn facts() -> impl Strategy<Value = AssignmentFacts> {
    (
        date(),
        0i64..500,
        proptest::collection::vec(
            (spec(), proptest::option::of(number()), proptest::option::of(number()))
                .prop_map(|(spec, baseline, actual)| TargetFact { spec, baseline, actual }),
            0..4,
        ),
        proptest::collection::vec(milestone(), 0..4),
        0u32..5,
        proptest::option::of(status()),
        any::<bool>(),
    )
        .prop_map(|(start, len, targets, milestones, reports, self_assessed, declared_complete)| AssignmentFacts {
            start,
            deadline: start + chrono::Duration::days(len),
            targets,
            milestones,
            reports,
            self_assessed,
            declared_complete,
        })
}

fn is_share(v: f64) -> bool {
    v.is_finite() && (0.0..=1.0).contains(&v)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn progress_is_a_share(s in spec(), baseline in proptest::option::of(number()), actual in number()) {
        let p = progress(&s, baseline, actual);
        prop_assert!(is_share(p), "{p}");
        if reached(&s, actual) {
            prop_assert_eq!(p, 1.0);
        }
    }

    #[test]
    fn pace_never_goes_back(start in date(), len in -30i64..400, a in date(), b in date()) {
        let deadline = start + chrono::Duration::days(len);
        let (early, late) = if a <= b { (a, b) } else { (b, a) };
        let (pe, pl) = (linear_pace(start, deadline, early), linear_pace(start, deadline, late));
        prop_assert!(is_share(pe) && is_share(pl));
        prop_assert!(pe <= pl);
    }

    #[test]
    fn milestone_pace_never_goes_back(dues in proptest::collection::vec(date(), 0..6), a in date(), b in date()) {
        let (early, late) = if a <= b { (a, b) } else { (b, a) };
        let (pe, pl) = (milestone_pace(&dues, early), milestone_pace(&dues, late));
        prop_assert!(is_share(pe) && is_share(pl));
        prop_assert!(pe <= pl);
    }

    #[test]
    fn assess_is_total_and_completion_is_honest(f in facts(), as_of in date()) {
        let a = assess(&f, as_of, &Thresholds::default());
        prop_assert!(is_share(a.pace));
        prop_assert!(a.progress.is_none_or(is_share));
        if a.status == Status::Completed {
            if f.targets.iter().any(|t| t.actual.is_some()) {
                prop_assert_eq!(a.progress, Some(1.0));
            }
            prop_assert!(f.targets.iter().all(|t| t.actual.is_some_and(|v| reached(&t.spec, v))));
            prop_assert!(f.milestones.iter().all(|m| m.done_on.is_some_and(|d| d <= as_of)));
            if f.targets.is_empty() && f.milestones.is_empty() {
                prop_assert!(f.declared_complete);
            }
        }
        if a.status == Status::Overdue {
            prop_assert!(as_of > f.deadline);
        }
        let green = matches!(a.status, Status::Completed | Status::Ahead | Status::OnPace);
        prop_assert_eq!(a.colour == Colour::Green, green);
    }

    #[test]
    fn roll_up_is_total(fs in proptest::collection::vec(facts(), 0..5), as_of in date()) {
        let th = Thresholds::default();
        let children: Vec<Assessment> = fs.iter().map(|f| assess(f, as_of, &th)).collect();
        let r = roll_up(&children, &th);
        prop_assert!(is_share(r.pace));
        prop_assert!(r.progress.is_none_or(is_share));
        let all_done = !children.is_empty() && children.iter().all(|c| c.status == Status::Completed);
        prop_assert_eq!(r.status == Status::Completed, all_done);
        let counts: StatusCounts = children.iter().map(|c| c.status).collect();
        prop_assert_eq!(counts.total(), children.len());
        if !children.is_empty() {
            let shares: f64 = Status::ALL.iter().map(|s| counts.share(*s)).sum();
            prop_assert!((shares - 1.0).abs() < 1e-9);
        }
    }

    #[test]
    fn pooled_ratio_is_the_sum(parts in proptest::collection::vec((0.0f64..1e5, 1.0f64..1e5), 1..20)) {
        let pooled = Ratio::sum(parts.iter().map(|(n, d)| Ratio::new(*n, *d)));
        let n: f64 = parts.iter().map(|p| p.0).sum();
        let d: f64 = parts.iter().map(|p| p.1).sum();
        prop_assert!((pooled.value().expect("positive denominator") - n / d).abs() < 1e-9);
        prop_assert!((pooled.percent().expect("positive denominator") - 100.0 * n / d).abs() < 1e-6);
    }

    #[test]
    fn period_round_trips(year in 1900i32..=2200, month in 1u32..=12, due_day in 0u32..40) {
        let p = Period { year, month };
        prop_assert_eq!(p.to_string().parse::<Period>().ok(), Some(p));
        prop_assert_eq!(p.next().prev(), p);
        prop_assert!(p.first_day() <= p.due_date(due_day) && p.due_date(due_day) <= p.last_day());
        prop_assert_eq!(Period::containing(p.due_date(due_day)), p);
    }
}
