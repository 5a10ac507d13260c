//! The engine in process, over a real SQLite store in a temporary directory (no HTTP, no
//! socket): what a phone's upload stores, what a reload from the store restores, refusals that
//! keep nothing, and an evicted dossier coming back exactly as it was.

use std::sync::Arc;

use abjuan_shared::doc::{DossierDocs, Volume};
use abjuan_shared::sync::{phone, DossierState};
use automerge::ActorId;

use super::{Access, Engine, Limits};
use crate::client::{now, sample_dossier};
use crate::store::sqlite::SqliteStore;
use crate::sync::wire::{Bytes, DocRequest, SyncReply, SyncRequest};

const ID: &str = "0193f0a0-0000-7000-8000-0000000000aa";

fn engine(dir: &std::path::Path, cache_bytes: usize, compact_after: usize) -> Engine {
    let store = SqliteStore::open(dir).expect("store");
    Engine::new(
        Arc::new(store),
        cache_bytes,
        Limits {
            compact_after,
            ..Limits::default()
        },
    )
}

/// The fast-path request for both documents of `docs`, given the server heads last seen.
fn request(docs: &DossierDocs, heads: &[Vec<String>; 2]) -> SyncRequest {
    let mut out = Vec::new();
    for (i, volume) in [Volume::A, Volume::B].into_iter().enumerate() {
        let known: Vec<automerge::ChangeHash> =
            heads[i].iter().filter_map(|h| h.parse().ok()).collect();
        out.push(DocRequest {
            dossier: ID.into(),
            volume: volume.as_str().into(),
            heads: heads[i].clone(),
            changes: phone::outgoing(docs.doc(volume), &known)
                .into_iter()
                .map(Bytes)
                .collect(),
            sync: None,
        });
    }
    SyncRequest { docs: out }
}

fn heads_of(reply: &SyncReply) -> [Vec<String>; 2] {
    [reply.docs[0].heads.clone(), reply.docs[1].heads.clone()]
}

/// A sample dossier written by `actor`, and the engine's reply to its first upload.
async fn first_upload(e: &Engine, actor: &ActorId) -> (DossierDocs, SyncReply) {
    let docs = DossierDocs::create(
        &sample_dossier(ID, "yongji-puzhou", "neighbour", "楼上漏水"),
        actor,
        now(),
    )
    .expect("create");
    let reply = e
        .sync(&request(&docs, &[vec![], vec![]]), "phone", Access::Open)
        .await
        .expect("sync");
    (docs, reply)
}

/// The phone types `i` into the summary and syncs; the reply.
async fn type_and_sync(
    e: &Engine,
    docs: &mut DossierDocs,
    heads: &[Vec<String>; 2],
    actor: &ActorId,
    i: usize,
) -> SyncReply {
    docs.splice_text("/header/summary", 0, 0, &format!("{i}"), actor, now())
        .expect("edit");
    e.sync(&request(docs, heads), "phone", Access::Open)
        .await
        .expect("sync")
}

#[tokio::test]
async fn uploads_are_stored_and_a_reload_restores_the_same_dossier() {
    let dir = tempfile::tempdir().expect("tempdir");
    let actor = ActorId::random();
    let e = engine(dir.path(), 64 << 20, 3);
    let (mut docs, reply) = first_upload(&e, &actor).await;
    assert!(reply.docs.iter().all(|d| d.ok), "{reply:?}");
    assert_eq!(reply.dossiers[ID]["report"]["valid"], true);
    // More edits than `compact_after`: the store folds them into a snapshot with the views.
    let mut heads = heads_of(&reply);
    for i in 0..5 {
        let reply = type_and_sync(&e, &mut docs, &heads, &actor, i).await;
        assert_eq!(reply.docs[0].applied, 1);
        assert!(reply.docs[0].changes.is_empty(), "the phone lacks nothing");
        heads = heads_of(&reply);
    }
    let live = {
        let entry = e.entry(ID).await.expect("entry");
        let entry = entry.lock().await;
        entry.state.json()
    };
    // A second engine over the same directory (a restart) loads it from the store.
    drop(e);
    let again = engine(dir.path(), 64 << 20, 3);
    let entry = again.entry(ID).await.expect("entry");
    let entry = entry.lock().await;
    assert_eq!(entry.state.json(), live);
    assert_eq!(entry.state.json(), docs.to_json().expect("json"));
    let whole = DossierState::from_docs(entry.state.docs().clone()).expect("read");
    assert_eq!(entry.state.view(Volume::A), whole.view(Volume::A));
    assert!(entry.state.stored[0].since_snapshot < 3, "compacted");
}

#[tokio::test]
async fn a_refused_upload_keeps_nothing_and_a_tiny_cache_reloads_what_is_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A cache too small to keep anything between requests: every request loads again.
    let e = engine(dir.path(), 1, 200);
    let mut docs = DossierDocs::create(
        &sample_dossier(ID, "yongji-puzhou", "neighbour", "x"),
        &ActorId::random(),
        now(),
    )
    .expect("create");
    let reply = e
        .sync(&request(&docs, &[vec![], vec![]]), "p1", Access::Open)
        .await
        .expect("sync");
    let heads = heads_of(&reply);
    // Another dossier's changes sent as this one's: refused whole, nothing stored.
    let other = DossierDocs::create(
        &sample_dossier(
            "0193f0a0-0000-7000-8000-0000000000bb",
            "yongji-puzhou",
            "debt",
            "y",
        ),
        &ActorId::random(),
        now(),
    )
    .expect("create");
    let mut bad = request(&other, &[vec![], vec![]]);
    for d in &mut bad.docs {
        d.dossier = ID.into();
    }
    let reply = e.sync(&bad, "p1", Access::Open).await.expect("sync");
    assert!(reply.docs.iter().all(|d| !d.ok));
    assert_eq!(
        reply.docs[0].error.as_ref().map(|e| e.code.as_str()),
        Some("doc_wrong_dossier")
    );
    // A good edit still lands on what was stored before.
    docs.set_field(
        "/header/facts/priorCalls",
        serde_json::json!(2),
        &ActorId::random(),
        now(),
    )
    .expect("edit");
    let reply = e
        .sync(&request(&docs, &heads), "p1", Access::Open)
        .await
        .expect("sync");
    assert_eq!(reply.docs[0].applied, 1, "{reply:?}");
    let entry = e.entry(ID).await.expect("entry");
    let entry = entry.lock().await;
    assert_eq!(entry.state.json(), docs.to_json().expect("json"));
}

#[tokio::test]
async fn a_stopping_node_folds_change_tails_and_the_next_start_replays_none() {
    let dir = tempfile::tempdir().expect("tempdir");
    let actor = ActorId::random();
    let e = engine(dir.path(), 64 << 20, 200);
    let (mut docs, reply) = first_upload(&e, &actor).await;
    let mut heads = heads_of(&reply);
    // Ten edits after the first snapshot: a tail of ten changes, under `compact_after`.
    for i in 0..10 {
        heads = heads_of(&type_and_sync(&e, &mut docs, &heads, &actor, i).await);
    }
    let far = std::time::Instant::now() + std::time::Duration::from_secs(60);
    assert_eq!(e.compact_tails(11, far).await, 0, "no tail that long");
    assert_eq!(e.compact_tails(8, far).await, 1, "document A's tail");
    assert_eq!(e.compact_tails(8, far).await, 0, "folded once");
    drop(e);
    let again = engine(dir.path(), 64 << 20, 200);
    let entry = again.entry(ID).await.expect("entry");
    let entry = entry.lock().await;
    assert_eq!(entry.state.stored[0].since_snapshot, 0);
    assert!(entry.state.stored[0].snapshot);
    assert_eq!(entry.state.json(), docs.to_json().expect("json"));
    let whole = DossierState::from_docs(entry.state.docs().clone()).expect("read");
    assert_eq!(entry.state.view(Volume::A), whole.view(Volume::A));
    assert_eq!(entry.state.doc(Volume::A).get_heads(), docs.a.get_heads());
}
