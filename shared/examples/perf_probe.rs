//! Times the parts of loading and merging (a probe, not a benchmark).
#![allow(clippy::unwrap_used, missing_docs)]
use abjuan_shared::doc::DossierDocs;
use automerge::{ActorId, Automerge};
use serde_json::json;
use std::time::Instant;

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/valid/follow-up-marriage.json"
    );
    let d: abjuan_shared::Dossier =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2025-06-01T12:00:00+08:00").unwrap();
    let mut docs = DossierDocs::create(&d, &ActorId::from([1u8; 16].as_slice()), now).unwrap();
    let who = ActorId::from([4u8; 16].as_slice());
    for i in 0..10_000usize {
        if i % 10 == 9 {
            docs.set_field(
                "/volumeB/parties/0/mobile",
                json!(format!("1390000{:04}", i)),
                &who,
                now,
            )
            .unwrap();
        } else {
            docs.splice_text(
                &format!("/volumeA/sessions/{}/narrative", i % 6),
                i % 50,
                0,
                "字",
                &who,
                now,
            )
            .unwrap();
        }
    }
    let (a, b) = docs.save();
    for _ in 0..3 {
        let t = Instant::now();
        let x = Automerge::load(&a).unwrap();
        let y = Automerge::load(&b).unwrap();
        let t1 = t.elapsed();
        let t = Instant::now();
        let _ = abjuan_shared::doc::read::to_json(&x).unwrap();
        let _ = abjuan_shared::doc::read::to_json(&y).unwrap();
        let t2 = t.elapsed();
        let t = Instant::now();
        let _ = Automerge::load_unverified_heads(&a).unwrap();
        let t3 = t.elapsed();
        println!("load {t1:?} to_json {t2:?} load_unverified(a) {t3:?}");
    }
}
