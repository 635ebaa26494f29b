//! Status of a province-sized plan set: every assignment assessed, then rolled up per item,
//! section and plan, as `store::status::plan_view` does for the dashboard (11 city plans of
//! 29 items, each item assigned to about 35 units: about 11,000 assignments).

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use domain::status::{AssignmentFacts, Milestone, TargetFact, Thresholds};
use domain::{Comparator, TargetSpec, assess, roll_up};
use std::hint::black_box;

const PLANS: usize = 11;
const ITEMS: usize = 29;
const UNITS_PER_ITEM: usize = 35;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, d).expect("a date")
}

/// A deterministic mix: targets with and without values, scheduled milestones, silent units.
fn facts(i: usize) -> AssignmentFacts {
    let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    let targets = (0..(h % 3) as usize)
        .map(|t| TargetFact {
            spec: TargetSpec { value: 90.0 + t as f64, max: None, comparator: Comparator::AtLeast, unit: "%".into() },
            baseline: Some(80.0),
            actual: (!h.is_multiple_of(7)).then_some(80.0 + (h % 13) as f64),
        })
        .collect();
    let milestones = (0..(h % 4) as usize)
        .map(|m| Milestone {
            due: day(3 + 3 * m as u32, 28),
            done_on: (h % 5 > m as u64).then(|| day(2 + 3 * m as u32, 15)),
        })
        .collect();
    AssignmentFacts {
        start: day(1, 1),
        deadline: day(12, 31),
        targets,
        milestones,
        reports: (h % 12) as u32,
        self_assessed: None,
        declared_complete: h.is_multiple_of(50),
    }
}

fn province(c: &mut Criterion) {
    let all: Vec<Vec<Vec<AssignmentFacts>>> = (0..PLANS)
        .map(|p| {
            (0..ITEMS)
                .map(|t| (0..UNITS_PER_ITEM).map(|u| facts((p * ITEMS + t) * UNITS_PER_ITEM + u)).collect())
                .collect()
        })
        .collect();
    let th = Thresholds::default();
    let as_of = day(10, 31);
    c.bench_function("status of 11 plans, 11,165 assignments (assess and roll up)", |b| {
        b.iter(|| {
            let mut plans = Vec::with_capacity(PLANS);
            for plan in &all {
                let items: Vec<_> = plan
                    .iter()
                    .map(|item| {
                        let units: Vec<_> = item.iter().map(|f| assess(f, as_of, &th)).collect();
                        roll_up(&units, &th)
                    })
                    .collect();
                plans.push(roll_up(&items, &th));
            }
            black_box(plans)
        })
    });
}

criterion_group!(benches, province);
criterion_main!(benches);
