//! How fast the parser reads the Yingtan plan (22 KB of text, 29 items). Goal: under 2 ms.
//! Run: cargo bench -p duban-plan --bench parse

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const YINGTAN: &[u8] = include_bytes!("../../../data/plans/yingtan-2024-education-work-plan.txt");

fn parse_yingtan(c: &mut Criterion) {
    let directory = plan::Directory::from_toml(include_str!("../../../data/units/yingtan.toml")).expect("directory");
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(YINGTAN.len() as u64));
    group.bench_function("yingtan_2024_txt", |b| {
        b.iter(|| plan::parse(black_box(YINGTAN), &directory).expect("parses"))
    });
    group.finish();
}

criterion_group!(benches, parse_yingtan);
criterion_main!(benches);
