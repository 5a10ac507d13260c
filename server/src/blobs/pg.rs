//! The blob store of the PostgreSQL mode (`--database-url`): attachment bytes as rows of
//! chunks in the same database as the dossiers, so every node behind the load balancer sees
//! every blob (files under each node's data directory would leave a photo uploaded through one
//! node missing on the others). Tables (migration 4, `store/postgres/schema.rs`):
//!
//! - `blobs`: one row per complete blob (size, type, the device that completed it, when);
//! - `blob_chunks`: its bytes, one row per chunk of at most [`CHUNK`] bytes keyed by the
//!   chunk's offset, so a ranged read touches only the chunks it needs and memory stays flat;
//! - `blob_uploads`: each device's unfinished upload (bytes received, last written), with its
//!   chunks in `blob_upload_chunks`. An append locks the upload row (`FOR UPDATE`), so two
//!   nodes appending to the same upload at once queue, and the second one is told where the
//!   upload now stands ([`BlobStoreError::Offset`]);
//! - `blob_sent`: bytes each device sent per day (`INSERT … ON CONFLICT … DO UPDATE …
//!   RETURNING`).
//!
//! Completing an upload copies its chunks into `blob_chunks` in the transaction that inserts
//! the `blobs` row with `ON CONFLICT DO NOTHING`: when two nodes complete the same blob at once
//! the second waits for the first and then leaves the stored blob as it is. Plain SQL, no
//! extension; the calls block on the node's runtime like the other PostgreSQL stores.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::store::{BlobMeta, BlobStore, BlobStoreError};
use crate::clock::now_ms;
use crate::store::postgres::{describe, Db};
use crate::store::StoreError;

/// Largest chunk row, in bytes (the routes' download chunk and upload flush size).
pub const CHUNK: usize = 256 * 1024;

impl From<tokio_postgres::Error> for BlobStoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        BlobStoreError::Io(describe(&e))
    }
}

impl From<StoreError> for BlobStoreError {
    fn from(e: StoreError) -> Self {
        BlobStoreError::Io(e.to_string())
    }
}

fn big(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn small(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Blobs as rows of chunks in PostgreSQL.
#[derive(Debug)]
pub struct PgBlobStore {
    db: Arc<Db>,
}

impl PgBlobStore {
    /// The store over `db` (migrated to the current schema first).
    pub fn open(db: Arc<Db>) -> Result<Self, BlobStoreError> {
        crate::store::postgres::schema::migrate_db(&db)?;
        Ok(Self { db })
    }

    /// Runs `f` with a pooled connection, for a blocking caller.
    fn run<T, F, Fut>(&self, f: F) -> Result<T, BlobStoreError>
    where
        F: FnOnce(deadpool_postgres::Object) -> Fut,
        Fut: std::future::Future<Output = Result<T, BlobStoreError>>,
    {
        self.db.block(async {
            let client = self.db.pooled().await?;
            f(client).await
        })
    }
}

/// Drops `device`'s unfinished upload of `sha256` with its chunks, in the caller's
/// transaction.
async fn drop_upload(
    tx: &deadpool_postgres::Transaction<'_>,
    sha256: &str,
    device: &str,
) -> Result<(), BlobStoreError> {
    for sql in [
        "DELETE FROM blob_upload_chunks WHERE sha256 = $1 AND device = $2",
        "DELETE FROM blob_uploads WHERE sha256 = $1 AND device = $2",
    ] {
        tx.execute(sql, &[&sha256, &device]).await?;
    }
    Ok(())
}

/// Up to `len` bytes from `at` of the chunks `sql` selects (`pos`, `bytes`, in offset order;
/// its parameters: the keys, then the range's start and end).
async fn read_range(
    c: &tokio_postgres::Client,
    sql: &str,
    keys: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    at: u64,
    len: usize,
) -> Result<Vec<u8>, BlobStoreError> {
    let (start, end) = (big(at), big(at.saturating_add(len as u64)));
    let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = keys.to_vec();
    params.push(&start);
    params.push(&end);
    let rows = c.query(sql, &params).await?;
    let mut out = Vec::with_capacity(len.min(CHUNK * 2));
    for r in rows {
        let (pos, bytes): (i64, &[u8]) = (r.get(0), r.get(1));
        let want = at + out.len() as u64;
        let Some(from) = want
            .checked_sub(small(pos))
            .and_then(|f| usize::try_from(f).ok())
            .filter(|f| *f <= bytes.len())
        else {
            break; // a hole: never written so, but bytes are never returned out of place
        };
        let take = (bytes.len() - from).min(len - out.len());
        out.extend_from_slice(&bytes[from..from + take]);
        if out.len() == len {
            break;
        }
    }
    Ok(out)
}

impl BlobStore for PgBlobStore {
    fn stat(&self, sha256: &str) -> Result<Option<BlobMeta>, BlobStoreError> {
        self.run(|c| async move {
            let row = c
                .query_opt(
                    "SELECT size, media_type, device, stored_at FROM blobs WHERE sha256 = $1",
                    &[&sha256],
                )
                .await?;
            Ok(row.map(|r| BlobMeta {
                sha256: sha256.to_owned(),
                size: small(r.get(0)),
                media_type: r.get(1),
                device: r.get(2),
                stored_at: r.get(3),
            }))
        })
    }

    fn stored(&self, shas: &[String]) -> Result<BTreeSet<String>, BlobStoreError> {
        if shas.is_empty() {
            return Ok(BTreeSet::new());
        }
        let shas = shas.to_vec();
        self.run(|c| async move {
            let rows = c
                .query("SELECT sha256 FROM blobs WHERE sha256 = ANY($1)", &[&shas])
                .await?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn received(&self, sha256: &str, device: &str) -> Result<u64, BlobStoreError> {
        self.run(|c| async move {
            let row = c
                .query_opt(
                    "SELECT received FROM blob_uploads WHERE sha256 = $1 AND device = $2",
                    &[&sha256, &device],
                )
                .await?;
            Ok(row.map_or(0, |r| small(r.get(0))))
        })
    }

    fn restart(&self, sha256: &str, device: &str) -> Result<(), BlobStoreError> {
        self.run(|mut c| async move {
            let tx = c.transaction().await?;
            // The upsert takes the upload row's lock before its chunks go.
            tx.execute(
                "INSERT INTO blob_uploads (sha256, device, received, touched_at)
                 VALUES ($1, $2, 0, $3)
                 ON CONFLICT (sha256, device) DO UPDATE SET received = 0, touched_at = $3",
                &[&sha256, &device, &now_ms()],
            )
            .await?;
            tx.execute(
                "DELETE FROM blob_upload_chunks WHERE sha256 = $1 AND device = $2",
                &[&sha256, &device],
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn append(
        &self,
        sha256: &str,
        device: &str,
        at: u64,
        bytes: &[u8],
    ) -> Result<(), BlobStoreError> {
        self.run(|mut c| async move {
            let tx = c.transaction().await?;
            tx.execute(
                "INSERT INTO blob_uploads (sha256, device, received, touched_at)
                 VALUES ($1, $2, 0, $3) ON CONFLICT (sha256, device) DO NOTHING",
                &[&sha256, &device, &now_ms()],
            )
            .await?;
            let stands = small(
                tx.query_one(
                    "SELECT received FROM blob_uploads WHERE sha256 = $1 AND device = $2
                     FOR UPDATE",
                    &[&sha256, &device],
                )
                .await?
                .get(0),
            );
            if stands != at {
                tx.commit().await?;
                return Err(BlobStoreError::Offset(stands));
            }
            let insert = tx
                .prepare(
                    "INSERT INTO blob_upload_chunks (sha256, device, pos, len, bytes)
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .await?;
            let mut offset = at;
            for part in bytes.chunks(CHUNK) {
                let len = big(part.len() as u64);
                tx.execute(&insert, &[&sha256, &device, &big(offset), &len, &part])
                    .await?;
                offset += part.len() as u64;
            }
            tx.execute(
                "UPDATE blob_uploads SET received = $3, touched_at = $4
                 WHERE sha256 = $1 AND device = $2",
                &[&sha256, &device, &big(offset), &now_ms()],
            )
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn read_partial(
        &self,
        sha256: &str,
        device: &str,
        at: u64,
        len: usize,
    ) -> Result<Vec<u8>, BlobStoreError> {
        self.run(|c| async move {
            read_range(
                &c,
                "SELECT pos, bytes FROM blob_upload_chunks
                 WHERE sha256 = $1 AND device = $2 AND pos < $4 AND pos + len > $3 ORDER BY pos",
                &[&sha256, &device],
                at,
                len,
            )
            .await
        })
    }

    fn commit(&self, meta: &BlobMeta) -> Result<(), BlobStoreError> {
        self.run(|mut c| async move {
            let (sha, device) = (meta.sha256.as_str(), meta.device.as_str());
            let tx = c.transaction().await?;
            let upload = tx
                .query_opt(
                    "SELECT received FROM blob_uploads WHERE sha256 = $1 AND device = $2
                     FOR UPDATE",
                    &[&sha, &device],
                )
                .await?
                .map(|r| small(r.get(0)));
            // Waits for a concurrent commit of the same blob, then leaves it as it is.
            let inserted = tx
                .execute(
                    "INSERT INTO blobs (sha256, size, media_type, device, stored_at)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
                    &[
                        &sha,
                        &big(meta.size),
                        &meta.media_type,
                        &device,
                        &meta.stored_at,
                    ],
                )
                .await?;
            if inserted == 1 {
                if upload != Some(meta.size) {
                    // Never store a blob whose bytes are not all there (rolled back).
                    return Err(BlobStoreError::Io(format!(
                        "upload of {sha} holds {} bytes, not {}",
                        upload.unwrap_or(0),
                        meta.size
                    )));
                }
                tx.execute(
                    "INSERT INTO blob_chunks (sha256, pos, len, bytes)
                     SELECT sha256, pos, len, bytes FROM blob_upload_chunks
                     WHERE sha256 = $1 AND device = $2",
                    &[&sha, &device],
                )
                .await?;
            }
            drop_upload(&tx, sha, device).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn discard(&self, sha256: &str, device: &str) -> Result<(), BlobStoreError> {
        self.run(|mut c| async move {
            let tx = c.transaction().await?;
            drop_upload(&tx, sha256, device).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn read(&self, sha256: &str, at: u64, len: usize) -> Result<Vec<u8>, BlobStoreError> {
        self.run(|c| async move {
            read_range(
                &c,
                "SELECT pos, bytes FROM blob_chunks
                 WHERE sha256 = $1 AND pos < $3 AND pos + len > $2 ORDER BY pos",
                &[&sha256],
                at,
                len,
            )
            .await
        })
    }

    fn delete(&self, sha256: &str) -> Result<(), BlobStoreError> {
        self.run(|mut c| async move {
            let tx = c.transaction().await?;
            tx.execute("DELETE FROM blobs WHERE sha256 = $1", &[&sha256])
                .await?;
            tx.execute("DELETE FROM blob_chunks WHERE sha256 = $1", &[&sha256])
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    fn stored_before(
        &self,
        before_ms: i64,
        after: &str,
        limit: usize,
    ) -> Result<Vec<String>, BlobStoreError> {
        let limit = i64::try_from(limit).unwrap_or(1000);
        self.run(|c| async move {
            let rows = c
                .query(
                    "SELECT sha256 FROM blobs WHERE stored_at < $1 AND sha256 > $2
                     ORDER BY sha256 LIMIT $3",
                    &[&before_ms, &after, &limit],
                )
                .await?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn sweep_partials(&self, before_ms: i64) -> Result<usize, BlobStoreError> {
        self.run(|mut c| async move {
            let tx = c.transaction().await?;
            // Locked first: an upload written meanwhile is re-checked and kept whole.
            let old = tx
                .query(
                    "SELECT sha256, device FROM blob_uploads WHERE touched_at < $1 FOR UPDATE",
                    &[&before_ms],
                )
                .await?;
            for r in &old {
                let (sha, device): (&str, &str) = (r.get(0), r.get(1));
                drop_upload(&tx, sha, device).await?;
            }
            tx.commit().await?;
            Ok(old.len())
        })
    }

    fn charge(&self, device: &str, day: &str, bytes: u64) -> Result<u64, BlobStoreError> {
        let add = big(bytes);
        self.run(|c| async move {
            let total: i64 = c
                .query_one(
                    "INSERT INTO blob_sent (device, day, bytes) VALUES ($1, $2, $3)
                     ON CONFLICT (device, day) DO UPDATE SET bytes = blob_sent.bytes + EXCLUDED.bytes
                     RETURNING bytes",
                    &[&device, &day, &add],
                )
                .await?
                .get(0);
            // Yesterday's counts are not needed any more.
            if total == add {
                c.execute("DELETE FROM blob_sent WHERE day < $1", &[&day])
                    .await?;
            }
            Ok(small(total))
        })
    }

    fn charged(&self, device: &str, day: &str) -> Result<u64, BlobStoreError> {
        self.run(|c| async move {
            let row = c
                .query_opt(
                    "SELECT bytes FROM blob_sent WHERE device = $1 AND day = $2",
                    &[&device, &day],
                )
                .await?;
            Ok(row.map_or(0, |r| small(r.get(0))))
        })
    }
}
