//! The assessments over a province's schools: the student-weighted coefficient of variation
//! of one indicator across 15,000 schools, and the whole 优质均衡 assessment (every school
//! checked, seven CVs per county and stage) over the same number.

use assess::balance::{self, BalanceStandard, School, Stage};
use assess::{Sample, coefficient_of_variation};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const SCHOOLS: usize = 15_000;
const COUNTIES: usize = 99;

fn h(i: usize, salt: u64) -> u64 {
    ((i as u64) ^ salt).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40
}

fn schools() -> Vec<School> {
    (0..SCHOOLS)
        .map(|i| {
            let students = 200 + h(i, 1) % 2400;
            let per = |salt: u64, lo: u64, hi: u64| (students * (lo + h(i, salt) % (hi - lo + 1))) as f64 / 100.0;
            School {
                name: format!("第{i}学校"),
                county: format!("区县{}", i % COUNTIES),
                stage: if i % 3 == 0 { Stage::Junior } else { Stage::Primary },
                students,
                amounts: [
                    per(2, 3, 8),
                    per(3, 0, 2),
                    per(4, 0, 2),
                    per(5, 350, 850),
                    per(6, 550, 1200),
                    per(7, 150_000, 320_000),
                    per(8, 1, 4),
                ],
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let schools = schools();
    let samples: Vec<Sample> = schools.iter().map(|s| Sample::new(s.students as f64, s.amounts[0])).collect();
    c.bench_function("CV of one indicator over 15,000 schools", |b| {
        b.iter(|| black_box(coefficient_of_variation(black_box(&samples), 100.0)))
    });
    let standard = BalanceStandard::default();
    c.bench_function("优质均衡 assessment of 15,000 schools in 99 counties", |b| {
        b.iter(|| black_box(balance::assess(black_box(&schools), &standard)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
