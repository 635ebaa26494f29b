//! The bulletin of the demo's size (30 items, 300 assignments) in every format: building the
//! model, then rendering docx, pdf, xlsx, csv and html. Goal: all formats under 1 s together.

use criterion::{Criterion, criterion_group, criterion_main};
use domain::bulletin::Bulletin;
use report::{Format, render};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let input = report::sample::bulletin_input(30, 10);
    let bulletin = Bulletin::build(&input);
    let mut g = c.benchmark_group("bulletin");
    g.sample_size(10);
    g.bench_function("build", |b| b.iter(|| Bulletin::build(black_box(&input))));
    for f in Format::ALL {
        g.bench_function(f.extension(), |b| b.iter(|| render(black_box(&bulletin), f).expect("render")));
    }
    g.bench_function("all", |b| {
        b.iter(|| {
            let bulletin = Bulletin::build(black_box(&input));
            Format::ALL.map(|f| render(&bulletin, f).expect("render").len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
