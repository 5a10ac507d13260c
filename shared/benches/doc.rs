//! automerge costs: merging two replicas that each made 200 offline edits, loading a dossier
//! with 10,000 changes of history, and the saved size of a typical dossier.
//! `cargo bench -p abjuan-shared --bench doc`

#![allow(missing_docs, clippy::unwrap_used)]

use abjuan_shared::doc::DossierDocs;
use abjuan_shared::Dossier;
use automerge::ActorId;
use chrono::Duration;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use serde_json::json;
use std::hint::black_box;

fn base() -> Dossier {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/valid/follow-up-marriage.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn now() -> abjuan_shared::model::Timestamp {
    chrono::DateTime::parse_from_rfc3339("2025-06-01T12:00:00+08:00").unwrap()
}

/// `n` offline edits by `actor`: mostly typing in narratives, some field changes.
fn edit(docs: &mut DossierDocs, actor: u8, n: usize) {
    let who = ActorId::from([actor; 16].as_slice());
    for i in 0..n {
        let at = now() + Duration::seconds(i64::try_from(i).unwrap());
        if i % 10 == 9 {
            let phone = format!("139{:04}{:04}", actor, i);
            docs.set_field("/volumeB/parties/0/mobile", json!(phone), &who, at)
                .unwrap();
        } else {
            let s = i % 6;
            docs.splice_text(
                &format!("/volumeA/sessions/{s}/narrative"),
                i % 50,
                0,
                "字",
                &who,
                at,
            )
            .unwrap();
        }
    }
}

fn bench(c: &mut Criterion) {
    let origin = DossierDocs::create(&base(), &ActorId::from([1u8; 16].as_slice()), now()).unwrap();
    let (a_bytes, b_bytes) = origin.save();
    eprintln!(
        "typical dossier saved: {} bytes (A {} + B {})",
        a_bytes.len() + b_bytes.len(),
        a_bytes.len(),
        b_bytes.len()
    );

    let (mut left, mut right) = (origin.clone(), origin.clone());
    edit(&mut left, 2, 200);
    edit(&mut right, 3, 200);
    c.bench_function("merge two replicas with 200 offline edits each", |b| {
        b.iter_batched(
            || (left.clone(), right.clone()),
            |(mut l, mut r)| {
                l.merge(&mut r).unwrap();
                l
            },
            BatchSize::SmallInput,
        );
    });

    let mut long = origin.clone();
    edit(&mut long, 4, 10_000);
    let (a, b) = long.save();
    eprintln!(
        "dossier with {} changes saved: {} bytes",
        long.a.get_changes(&[]).len() + long.b.get_changes(&[]).len(),
        a.len() + b.len()
    );
    c.bench_function("load a dossier with 10,000 changes", |bench| {
        bench.iter(|| DossierDocs::load(black_box(&a), black_box(&b)).unwrap());
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
