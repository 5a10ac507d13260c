//! The PostgreSQL store against a real server (`ABJUAN_TEST_POSTGRES`, started by
//! `scripts/postgres.sh`; `scripts/test.d/15-postgres.sh` runs these with `--ignored`): two
//! stores on one database stand for two nodes.

use std::sync::Arc;

use abjuan_shared::doc::Volume;

use super::{create_database, Db, PgStore};
use crate::store::{answer, Covers, Mark, NewChange, Since, Store, WriteOp};

/// A fresh database on the test server, and its URL.
pub(crate) async fn fresh_database(tag: &str) -> String {
    let base = std::env::var("ABJUAN_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!("ABJUAN_TEST_POSTGRES is not set: start one with scripts/postgres.sh")
    });
    let name = format!(
        "unit_{tag}_{}",
        uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
    );
    let admin = format!("{base}/postgres");
    let made = name.clone();
    tokio::task::spawn_blocking(move || create_database(&admin, &made))
        .await
        .expect("thread")
        .expect("create database");
    format!("{base}/{name}")
}

async fn node(url: &str) -> PgStore {
    PgStore::open(Db::open(url).expect("db"))
        .await
        .expect("open")
}

fn append(dossier: &str, volume: Volume, h: u8) -> WriteOp {
    WriteOp::Append {
        dossier: dossier.into(),
        volume,
        changes: vec![NewChange {
            hash: [h; 32],
            bytes: vec![h],
        }],
        device: "phone".into(),
        received_at: 1,
    }
}

async fn submit(store: &PgStore, ops: Vec<WriteOp>) -> crate::store::Written {
    answer(store.submit(ops)).await.expect("written")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: scripts/test.d/15-postgres.sh"]
async fn postgres_appends_are_idempotent_and_catch_up_follows_the_sequence() {
    let url = fresh_database("seq").await;
    let (one, two) = (node(&url).await, node(&url).await);
    let d = "0193f0a0-0000-7000-8000-000000000001";
    submit(&one, vec![append(d, Volume::A, 1), append(d, Volume::A, 1)]).await;
    let loaded = answer(two.load(d)).await.expect("load").expect("some");
    assert_eq!(loaded.a.changes, vec![vec![1]], "inserted once by hash");
    let mark = loaded.mark;
    assert_eq!(mark.seq, 2, "the sequence counts what was sent");
    // Node two catches up with what node one writes next, and only that.
    submit(&one, vec![append(d, Volume::B, 2), append(d, Volume::A, 3)]).await;
    let since = answer(two.since(vec![(d.into(), mark)]))
        .await
        .expect("since");
    match &since[0] {
        Since::Changes { a, b, mark: now } => {
            assert_eq!((a.clone(), b.clone()), (vec![vec![3]], vec![vec![2]]));
            assert_eq!(now.seq, 4);
            let again = answer(two.since(vec![(d.into(), *now)]))
                .await
                .expect("since");
            assert!(matches!(again[0], Since::Current), "{again:?}");
        }
        other => panic!("expected changes, got {other:?}"),
    }
    assert_eq!(one.uploads(d).expect("uploads").len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: scripts/test.d/15-postgres.sh"]
async fn postgres_compaction_deletes_only_what_it_read_and_only_once() {
    let url = fresh_database("compact").await;
    let (one, two) = (Arc::new(node(&url).await), node(&url).await);
    let d = "0193f0a0-0000-7000-8000-000000000002";
    submit(&one, vec![append(d, Volume::A, 1), append(d, Volume::A, 2)]).await;
    let seen = answer(one.load(d)).await.expect("load").expect("some").mark;
    // Node two stores a change node one has not read, then node one compacts what it read.
    submit(&two, vec![append(d, Volume::A, 3)]).await;
    let compact = |generation, through, own: Vec<[u8; 32]>, snap: u8| WriteOp::Compact {
        dossier: d.into(),
        volume: Volume::A,
        snapshot: vec![snap],
        derived: vec![],
        covers: Covers {
            generation,
            through,
            own,
        },
    };
    let w = submit(
        &one,
        vec![
            append(d, Volume::A, 4),
            compact(0, seen.seq, vec![[4; 32]], 9),
        ],
    )
    .await;
    assert_eq!(w.compacted.len(), 1, "the first snapshot");
    let g1 = w.compacted[0].2;
    let now = answer(two.load(d)).await.expect("load").expect("some");
    assert_eq!(now.a.snapshot, Some(vec![9]));
    assert_eq!(
        now.a.changes,
        vec![vec![3]],
        "node two's change stays a row"
    );
    assert_eq!(now.mark.generation, [g1, 0]);
    // Node two compacts from the generation before (it had not seen node one's snapshot):
    // refused, nothing deleted; then from the current one: done.
    let stale = submit(&two, vec![compact(0, now.mark.seq, vec![], 7)]).await;
    assert!(stale.compacted.is_empty());
    let w = submit(&two, vec![compact(g1, now.mark.seq, vec![], 8)]).await;
    assert_eq!(w.compacted.len(), 1);
    let last = answer(one.load(d)).await.expect("load").expect("some");
    assert_eq!(last.a.snapshot, Some(vec![8]));
    assert!(last.a.changes.is_empty());
    // A node whose mark names the old generation is told to load again.
    let since = answer(one.since(vec![(d.into(), now.mark)]))
        .await
        .expect("since");
    assert!(matches!(since[0], Since::Reload), "{since:?}");
    let unknown = Mark {
        seq: last.mark.seq,
        generation: [Mark::UNKNOWN, 0],
    };
    let since = answer(one.since(vec![(d.into(), unknown)]))
        .await
        .expect("since");
    assert!(matches!(since[0], Since::Reload), "{since:?}");
}
