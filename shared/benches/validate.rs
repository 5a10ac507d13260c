//! Validation speed on a realistic dossier (3 parties, 6 sessions with narratives of a few
//! hundred characters, 2 follow-ups): `cargo bench -p abjuan-shared --bench validate`.

#![allow(missing_docs, clippy::unwrap_used)]

use abjuan_shared::{grade, validate_dossier, validate_json, Dossier, RuleSet, ValidateOptions};
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
    let set = bureau_rule_set(20);
    assert_eq!(
        grade(&dossier, Some(&set)).rule_set.map(|r| r.version),
        Some(1)
    );
    c.bench_function("grade (core + a bureau rule set of 20 rules)", |b| {
        b.iter(|| grade(black_box(&dossier), Some(&set)))
    });
    let as_json = serde_json::to_value(&dossier).unwrap();
    c.bench_function(
        "the 20 local rules on the dossier's JSON (fire_json)",
        |b| b.iter(|| set.local().fire_json(black_box(&as_json))),
    );
}

/// A bureau rule set of `n` rules of the usual kinds: a category, a list element's flag, a
/// number threshold, a substring of the summary.
fn bureau_rule_set(n: usize) -> RuleSet {
    let rules: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let when = match i % 4 {
                0 => serde_json::json!({"path": "/header/category", "op": "eq", "value": "debt"}),
                1 => serde_json::json!({"path": "/volumeB/parties/*/vulnerable/elderly", "op": "truthy"}),
                2 => serde_json::json!({"path": "/header/facts/priorCalls", "op": "gte", "value": 3 + i}),
                _ => serde_json::json!({"path": "/header/summary", "op": "contains", "value": "刀"}),
            };
            serde_json::json!({"id": format!("bench.rule_{i}"), "level": "yellow",
                               "reason": {"zh": "规则", "en": "rule"}, "when": when})
        })
        .collect();
    let text = serde_json::json!({"bureau": "bench", "version": 1, "rules": rules}).to_string();
    RuleSet::from_json(&text).unwrap()
}

criterion_group!(benches, bench);
criterion_main!(benches);
