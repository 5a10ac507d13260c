//! Malformed or hostile automerge bytes (truncated, random, bit-flipped, a valid change for
//! another document) give an error, never a panic. Also replays every fuzz crasher ever found.

#![allow(clippy::unwrap_used)]

mod common;

use abjuan_shared::doc::hostile::exercise;
use abjuan_shared::doc::sync::{apply_checked, changes_since, parse_changes};
use abjuan_shared::doc::{DocError, DossierDocs, Volume};
use abjuan_shared::Dossier;
use automerge::ActorId;
use proptest::prelude::*;

fn docs() -> DossierDocs {
    let d: Dossier = serde_json::from_value(common::read_json(
        &common::fixtures().join("valid/follow-up-marriage.json"),
    ))
    .unwrap();
    DossierDocs::create(&d, &ActorId::from([1u8; 16].as_slice()), common::now()).unwrap()
}

#[test]
fn truncated_documents_are_refused() {
    let (a, b) = docs().save();
    for cut in [0, 1, 8, a.len() / 2, a.len() - 1] {
        assert!(DossierDocs::load(&a[..cut], &b).is_err(), "cut at {cut}");
    }
    assert_eq!(
        DossierDocs::load(b"not automerge", &b).unwrap_err(),
        DocError::Corrupt
    );
}

#[test]
fn a_valid_change_for_another_dossier_is_refused_and_changes_nothing() {
    let mine = docs();
    let mut other_dossier: Dossier = mine.dossier().unwrap();
    other_dossier.id = "0193f0a0-0000-7000-8000-0000000000ff".into();
    let other = DossierDocs::create(
        &other_dossier,
        &ActorId::from([2u8; 16].as_slice()),
        common::now(),
    )
    .unwrap();
    let foreign = parse_changes(&changes_since(&other.a, &[]).unwrap()).unwrap();
    let mut target = mine.clone();
    let err = apply_checked(
        &mut target.a,
        Volume::A,
        &mine.dossier_id(Volume::A).unwrap(),
        foreign,
    );
    assert_eq!(err.unwrap_err(), DocError::WrongDossier);
    assert_eq!(target.a.get_heads(), mine.a.get_heads());
    assert_eq!(target.to_json().unwrap(), mine.to_json().unwrap());
    // Whole documents of different dossiers do not merge either.
    let mut theirs = other.clone();
    assert_eq!(
        target.merge(&mut theirs).unwrap_err(),
        DocError::WrongDossier
    );
}

#[test]
fn fuzz_crashers_stay_fixed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-crashers");
    let mut replayed = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "bin") {
            let bytes = std::fs::read(&path).unwrap();
            exercise(&bytes);
            // The damaged change is refused as a whole, never half-applied.
            let mut target = docs();
            let before = target.b.get_heads();
            if let Ok(changes) = parse_changes(&[bytes]) {
                let id = target.dossier_id(Volume::B).unwrap();
                assert!(apply_checked(&mut target.b, Volume::B, &id, changes).is_err());
            }
            assert_eq!(target.b.get_heads(), before);
            replayed += 1;
        }
    }
    assert!(replayed > 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(&data);
    }

    #[test]
    fn damaged_documents_and_changes_never_panic(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), cut in any::<usize>()) {
        let d = docs();
        let (a, _) = d.save();
        let change = changes_since(&d.b, &[]).unwrap().remove(0);
        for original in [a, change] {
            let mut bytes = original.clone();
            for (at, x) in &flips {
                let i = at % bytes.len();
                bytes[i] ^= x | 1;
            }
            exercise(&bytes);
            exercise(&bytes[..cut % bytes.len()]);
        }
    }
}
