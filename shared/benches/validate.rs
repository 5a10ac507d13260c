//! Validation speed on a realistic dossier (3 parties, 6 sessions with narratives of a few
//! hundred characters, 2 follow-ups): `cargo bench -p abjuan-shared --bench validate`.

#![allow(missing_docs, clippy::unwrap_used)]

use abjuan_shared::{grade, validate_dossier, validate_json, Dossier, ValidateOptions};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn realistic() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/valid/follow-up-marriage.json"
    );
    std::fs::read_to_string(path).unwrap()
}

fn bench(c: &mut Criterion) {
    let json = realistic();
    let dossier: Dossier = serde_json::from_str(&json).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2025-06-01T12:00:00+08:00").unwrap();
    let opts = ValidateOptions::new(now);
    assert!(validate_dossier(&dossier, &opts).valid);
    c.bench_function("validate_dossier (parsed, all rules)", |b| {
        b.iter(|| validate_dossier(black_box(&dossier), &opts));
    });
    c.bench_function("validate_json (parse + all rules)", |b| {
        b.iter(|| validate_json(black_box(&json), &opts));
    });
    c.bench_function("grade (core rules)", |b| {
        b.iter(|| grade(black_box(&dossier), None))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
