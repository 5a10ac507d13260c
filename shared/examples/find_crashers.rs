//! Finds inputs that make automerge itself panic (before our guards), by flipping bytes of a
//! real document and a real change, and writes the first few to tests/fuzz-crashers/.
//! `cargo run -p abjuan-shared --example find_crashers`
#![allow(clippy::unwrap_used, clippy::expect_used)]
use abjuan_shared::doc::DossierDocs;
use automerge::{ActorId, Automerge, Change};

fn panics(bytes: &[u8]) -> bool {
    std::panic::catch_unwind(|| {
        if let Ok(c) = Change::from_bytes(bytes.to_vec()) {
            let mut doc = Automerge::new();
            let before = doc.get_heads();
            if doc.apply_changes([c]).is_ok() {
                let _ = doc.get_changes(&before);
            }
        }
        let _ = Automerge::load(bytes);
    })
    .is_err()
}

fn main() {
    std::panic::set_hook(Box::new(|_| {}));
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/valid/follow-up-marriage.json"
    );
    let d: abjuan_shared::Dossier =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2025-06-01T12:00:00+08:00").unwrap();
    let docs = DossierDocs::create(&d, &ActorId::from([1u8; 16].as_slice()), now).unwrap();
    let change = abjuan_shared::doc::sync::changes_since(&docs.b, &[])
        .unwrap()
        .remove(0);
    let (a, _) = docs.save();
    let out = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz-crashers");
    let mut found = 0;
    for (name, original) in [("change", change), ("document", a)] {
        for i in 0..original.len() {
            for x in [1u8, 0x80, 0xff] {
                let mut bytes = original.clone();
                bytes[i] ^= x;
                if panics(&bytes) {
                    std::fs::write(format!("{out}/{name}-flip-{i}-{x:02x}.bin"), &bytes).unwrap();
                    found += 1;
                    println!("{name}: flipping byte {i} with {x:#04x} panics automerge");
                    break;
                }
            }
            if found >= 6 {
                return;
            }
        }
    }
}
