//! The [`BlobStore`] contract, run over both homes: files under a temporary directory, and rows
//! of chunks in PostgreSQL (`postgres_*`, against the server `scripts/test.d/15-postgres.sh`
//! starts; ignored without one). The PostgreSQL ones add two nodes (two pools on one
//! database) appending to one upload and completing one blob at the same moment.

use std::sync::Arc;

use abjuan_shared::attachment::content_address;

use super::{BlobMeta, BlobStore, BlobStoreError, FsBlobStore, PgBlobStore};
use crate::store::postgres::tests::fresh_database;
use crate::store::postgres::Db;

/// Bytes with a pattern from `seed` (longer than two PostgreSQL chunks when asked).
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ ((i >> 8) as u8))
        .collect()
}

fn meta(bytes: &[u8], device: &str, at: i64) -> BlobMeta {
    BlobMeta {
        sha256: content_address(bytes),
        size: bytes.len() as u64,
        media_type: "image/jpeg".into(),
        device: device.into(),
        stored_at: at,
    }
}

/// What the routes rely on, whatever the store.
fn contract(store: &dyn BlobStore) {
    let (dev, other) = ("phone-wang", "phone-li");
    let bytes = pattern(600_000, 1);
    let sha = content_address(&bytes);
    assert_eq!(store.received(&sha, dev), Ok(0));
    assert_eq!(store.stat(&sha), Ok(None));
    assert!(store
        .stored(std::slice::from_ref(&sha))
        .expect("stored")
        .is_empty());

    // An upload in two parts; an append that does not continue it is refused with where it
    // stands, and nothing of it is kept.
    store
        .append(&sha, dev, 0, &bytes[..300_000])
        .expect("first part");
    assert_eq!(
        store.append(&sha, dev, 0, &bytes[..10]),
        Err(BlobStoreError::Offset(300_000))
    );
    assert_eq!(
        store.append(&sha, dev, 400_000, &bytes[400_000..]),
        Err(BlobStoreError::Offset(300_000))
    );
    assert_eq!(store.received(&sha, dev), Ok(300_000));
    assert_eq!(store.received(&sha, other), Ok(0), "uploads are per device");
    assert_eq!(
        store
            .read_partial(&sha, dev, 100_000, 250_000)
            .expect("partial"),
        bytes[100_000..300_000]
    );
    store
        .append(&sha, dev, 300_000, &bytes[300_000..])
        .expect("rest");
    assert_eq!(
        store.read_partial(&sha, dev, 0, bytes.len()).expect("all"),
        bytes
    );

    // Completed: stored, readable in any range, the upload gone.
    let m = meta(&bytes, dev, 1_000);
    store.commit(&m).expect("commit");
    assert_eq!(store.received(&sha, dev), Ok(0));
    assert_eq!(store.stat(&sha), Ok(Some(m.clone())));
    assert_eq!(
        store
            .stored(&[sha.clone(), "f".repeat(64)])
            .expect("stored"),
        [sha.clone()].into_iter().collect()
    );
    assert_eq!(store.read(&sha, 0, bytes.len() + 10).expect("read"), bytes);
    assert_eq!(
        store.read(&sha, 262_000, 1_000).expect("across a chunk"),
        bytes[262_000..263_000]
    );
    assert_eq!(
        store.read(&sha, 599_990, 100).expect("tail"),
        bytes[599_990..]
    );
    assert!(store.read(&sha, 600_000, 10).expect("at end").is_empty());
    assert!(store.read(&sha, 700_000, 10).expect("past end").is_empty());

    // The same blob completed again by another device: the stored one stays as it is.
    store.append(&sha, other, 0, &bytes).expect("again");
    store
        .commit(&meta(&bytes, other, 2_000))
        .expect("commit again");
    assert_eq!(store.stat(&sha), Ok(Some(m.clone())));
    assert_eq!(store.received(&sha, other), Ok(0));
    assert_eq!(store.read(&sha, 0, bytes.len()).expect("read"), bytes);

    // Restart and discard drop what arrived.
    let small = pattern(5_000, 2);
    let s2 = content_address(&small);
    store.append(&s2, dev, 0, &small[..3_000]).expect("part");
    store.restart(&s2, dev).expect("restart");
    assert_eq!(store.received(&s2, dev), Ok(0));
    store
        .append(&s2, dev, 0, &small[..1_000])
        .expect("from the start");
    assert_eq!(
        store.read_partial(&s2, dev, 0, 5_000).expect("partial"),
        small[..1_000]
    );
    store.discard(&s2, dev).expect("discard");
    assert_eq!(store.received(&s2, dev), Ok(0));

    // Bytes sent per day; a new day forgets the old ones.
    assert_eq!(store.charge(dev, "2026-12-01", 10), Ok(10));
    assert_eq!(store.charge(dev, "2026-12-01", 5), Ok(15));
    assert_eq!(store.charged(dev, "2026-12-01"), Ok(15));
    assert_eq!(store.charged(other, "2026-12-01"), Ok(0));
    assert_eq!(store.charge(dev, "2026-12-02", 1), Ok(1));
    assert_eq!(store.charged(dev, "2026-12-01"), Ok(0));

    // The sweep's pages, removal, forgotten uploads.
    assert_eq!(store.stored_before(1_000, "", 10), Ok(vec![]));
    assert_eq!(store.stored_before(1_001, "", 10), Ok(vec![sha.clone()]));
    assert_eq!(store.stored_before(1_001, &sha, 10), Ok(vec![]));
    store.delete(&sha).expect("delete");
    assert_eq!(store.stat(&sha), Ok(None));
    assert!(store.read(&sha, 0, 10).expect("read").is_empty());
    store.append(&s2, dev, 0, &small).expect("forgotten");
    assert_eq!(store.sweep_partials(0), Ok(0));
    let later = crate::clock::now_ms() + 60_000;
    assert_eq!(store.sweep_partials(later), Ok(1));
    assert_eq!(store.received(&s2, dev), Ok(0));
}

#[test]
fn the_file_store_keeps_the_blob_store_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    contract(&FsBlobStore::open(dir.path()).expect("open"));
}

/// A node's blob store on `url` (its own pool, as a second process would have).
fn node(url: &str) -> Arc<PgBlobStore> {
    Arc::new(PgBlobStore::open(Db::open(url).expect("db")).expect("open"))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("thread")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: scripts/test.d/15-postgres.sh"]
async fn postgres_blob_store_keeps_the_blob_store_contract() {
    let url = fresh_database("blobs").await;
    blocking(move || contract(&*node(&url))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: scripts/test.d/15-postgres.sh"]
async fn postgres_two_nodes_appending_or_completing_at_once_keep_one_whole_blob() {
    let url = fresh_database("blobs2").await;
    let (one, two) = (node(&url), node(&url));
    for round in 0..8u8 {
        // Two nodes append the first part of one device's upload at once: one wins, the other
        // is told where the upload now stands, and the bytes are the winner's alone.
        let (a, b) = (pattern(300_000, round), pattern(200_000, round ^ 0x55));
        let sha = format!("{round:064x}");
        let (s1, s2, a1, b1) = (sha.clone(), sha.clone(), a.clone(), b.clone());
        let (n1, n2) = (one.clone(), two.clone());
        let (r1, r2) = tokio::join!(
            blocking(move || n1.append(&s1, "phone", 0, &a1)),
            blocking(move || n2.append(&s2, "phone", 0, &b1)),
        );
        let (s, n) = (sha.clone(), one.clone());
        let kept = blocking(move || n.read_partial(&s, "phone", 0, 1 << 20)).await;
        match (r1, r2) {
            (Ok(()), Err(BlobStoreError::Offset(n))) => {
                assert_eq!((n, kept), (a.len() as u64, Ok(a)));
            }
            (Err(BlobStoreError::Offset(n)), Ok(())) => {
                assert_eq!((n, kept), (b.len() as u64, Ok(b)));
            }
            other => panic!("round {round}: {other:?}"),
        }
    }

    // Two devices' uploads of one photo, completed through two nodes at once.
    let photo = pattern(700_000, 7);
    let sha = content_address(&photo);
    for (n, dev) in [(&one, "phone-a"), (&two, "phone-b")] {
        let (n, s, p, d) = (n.clone(), sha.clone(), photo.clone(), dev.to_owned());
        blocking(move || n.append(&s, &d, 0, &p))
            .await
            .expect("upload");
    }
    let (ma, mb) = (meta(&photo, "phone-a", 10), meta(&photo, "phone-b", 20));
    let (n1, n2) = (one.clone(), two.clone());
    let (r1, r2) = tokio::join!(
        blocking(move || n1.commit(&ma)),
        blocking(move || n2.commit(&mb))
    );
    assert_eq!((r1, r2), (Ok(()), Ok(())));
    let (s, n) = (sha.clone(), two.clone());
    let (stat, read, left_a, left_b) = blocking(move || {
        (
            n.stat(&s),
            n.read(&s, 0, 1 << 20),
            n.received(&s, "phone-a"),
            n.received(&s, "phone-b"),
        )
    })
    .await;
    let stat = stat.expect("stat").expect("stored");
    assert!(["phone-a", "phone-b"].contains(&stat.device.as_str()));
    assert_eq!(stat.size, photo.len() as u64);
    assert_eq!(read, Ok(photo));
    assert_eq!((left_a, left_b), (Ok(0), Ok(0)));
}
