//! Property: N replicas (2–5) make random offline edits and exchange them in a random order,
//! with duplicates, by whole-document merge or by change batches; once everyone has everything,
//! all replicas hold byte-identical JSON, identical validation reports and identical grades.

#![allow(clippy::unwrap_used)]

mod common;

use abjuan_shared::doc::sync::{apply_checked, changes_since, parse_changes};
use abjuan_shared::doc::{assess, DossierDocs, Volume};
use abjuan_shared::{Dossier, ValidateOptions};
use automerge::ActorId;
use common::edits::{apply, edit};
use proptest::prelude::*;

/// Sends what `from` has to `to`, by whole merge or by change batches (the phone API's way).
fn exchange(replicas: &mut [DossierDocs], from: usize, to: usize, by_changes: bool) {
    if from == to {
        return;
    }
    let mut source = replicas[from].clone();
    let target = &mut replicas[to];
    if by_changes {
        let id = source.dossier_id(Volume::A).unwrap();
        for volume in [Volume::A, Volume::B] {
            let heads = target.doc(volume).get_heads();
            let raw = changes_since(source.doc(volume), &heads)
                .unwrap_or_else(|| changes_since(source.doc(volume), &[]).unwrap());
            let changes = parse_changes(&raw).unwrap();
            apply_checked(target.doc_mut(volume), volume, &id, changes).unwrap();
        }
    } else {
        target.merge(&mut source).unwrap();
    }
}

fn base() -> Dossier {
    serde_json::from_value(common::read_json(
        &common::fixtures().join("valid/follow-up-marriage.json"),
    ))
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge(
        n in 2..=5usize,
        edits in proptest::collection::vec((0..5usize, edit()), 1..25),
        exchanges in proptest::collection::vec((0..5usize, 0..5usize, any::<bool>()), 0..12),
    ) {
        let origin = DossierDocs::create(&base(), &ActorId::from([0u8; 16].as_slice()), common::now()).unwrap();
        let mut replicas = vec![origin; n];
        let mut exchanges = exchanges.into_iter();
        for (i, (replica, e)) in edits.iter().enumerate() {
            apply(&mut replicas[replica % n], replica % n, e);
            if i % 3 == 2 {
                if let Some((from, to, by_changes)) = exchanges.next() {
                    exchange(&mut replicas, from % n, to % n, by_changes);
                }
            }
        }
        // Gossip until everyone has everything (twice round: duplicates must be harmless).
        for round in 0..2 {
            for from in 0..n {
                for to in 0..n {
                    exchange(&mut replicas, from, to, (from + to + round) % 2 == 0);
                }
            }
        }
        let opts = ValidateOptions::new(common::now());
        let views: Vec<(String, String)> = replicas
            .iter()
            .map(|r| {
                let a = assess(r, &opts).unwrap();
                (r.to_json().unwrap().to_string(), serde_json::to_string(&(a.report, a.grade, a.conflicts)).unwrap())
            })
            .collect();
        for v in &views[1..] {
            prop_assert_eq!(&v.0, &views[0].0);
            prop_assert_eq!(&v.1, &views[0].1);
        }
    }
}
