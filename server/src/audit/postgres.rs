//! The audit log in PostgreSQL: the same rows and the same hash chain as the SQLite log, one
//! chain for every node. An append locks the single `audit_head` row (`FOR UPDATE`), reads the
//! last sequence number and hash from it, inserts the row and moves the head, in one
//! transaction: concurrent writers on any node queue on that lock, so the chain never forks
//! (locking "the last row" instead would let a second writer, woken after the first
//! committed, still see the row before). A trigger refuses `UPDATE`, `DELETE`, `TRUNCATE`.

use tokio_postgres::Row;

use super::chain::{row_hash, RawRow, COLS};
use super::{AuditError, AuditEvent, AuditFilter, AuditRecord, ChainCheck};
use crate::store::postgres::Db;

/// Rows read per page when walking the chain.
const PAGE: i64 = 5000;

fn pg(e: impl std::fmt::Display) -> AuditError {
    AuditError::Postgres(e.to_string())
}

fn raw(r: &Row) -> RawRow {
    RawRow {
        seq: r.get(0),
        at: r.get(1),
        kind: r.get(2),
        person: r.get(3),
        device: r.get(4),
        bureau: r.get(5),
        subject: r.get(6),
        detail: r.get(7),
        prev_hash: r.get(8),
        hash: r.get(9),
    }
}

/// Appends `event` (its detail already serialised) at `at_ms`.
pub(super) fn append(
    db: &Db,
    event: &AuditEvent,
    detail: &str,
    at_ms: i64,
) -> Result<AuditRecord, AuditError> {
    let kind = event.kind.code();
    db.block(async {
        let mut c = db.pooled().await.map_err(pg)?;
        let tx = c
            .transaction()
            .await
            .map_err(|e| pg(crate::store::postgres::describe(&e)))?;
        let head = tx
            .query_one(
                "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
                &[],
            )
            .await
            .map_err(|e| pg(crate::store::postgres::describe(&e)))?;
        let seq: i64 = head.get::<_, i64>(0) + 1;
        let prev: Vec<u8> = head.get(1);
        let hash = row_hash(
            &prev,
            seq,
            at_ms,
            kind,
            event.person.as_deref(),
            event.device.as_deref(),
            event.bureau.as_deref(),
            event.subject.as_deref(),
            detail,
        );
        let insert = format!(
            "INSERT INTO audit_log ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        );
        let hash_bytes = hash.to_vec();
        tx.execute(
            &insert,
            &[
                &seq,
                &at_ms,
                &kind,
                &event.person,
                &event.device,
                &event.bureau,
                &event.subject,
                &detail,
                &prev,
                &hash_bytes,
            ],
        )
        .await
        .map_err(|e| pg(crate::store::postgres::describe(&e)))?;
        tx.execute(
            "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
            &[&seq, &hash_bytes],
        )
        .await
        .map_err(|e| pg(crate::store::postgres::describe(&e)))?;
        tx.commit()
            .await
            .map_err(|e| pg(crate::store::postgres::describe(&e)))?;
        Ok(AuditRecord {
            seq,
            at: at_ms,
            kind: event.kind,
            person: event.person.clone(),
            device: event.device.clone(),
            bureau: event.bureau.clone(),
            subject: event.subject.clone(),
            detail: event.detail.clone(),
            prev_hash: hex::encode(&prev),
            hash: hex::encode(hash),
        })
    })
}

/// Rows matching `filter`, oldest first, at most `limit`.
pub(super) fn read(
    db: &Db,
    filter: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditRecord>, AuditError> {
    db.block(async {
        let c = db.pooled().await.map_err(pg)?;
        let sql = format!(
            "SELECT {COLS} FROM audit_log WHERE ($1::TEXT IS NULL OR bureau = $1) AND seq > $2
             ORDER BY seq LIMIT $3"
        );
        let rows = c
            .query(&sql, &[&filter.bureau, &filter.after.unwrap_or(0), &limit])
            .await
            .map_err(|e| pg(crate::store::postgres::describe(&e)))?;
        Ok(rows.iter().filter_map(|r| raw(r).record()).collect())
    })
}

/// Walks the whole chain, a page at a time, and recomputes every hash.
pub(super) fn verify(db: &Db) -> Result<ChainCheck, AuditError> {
    db.block(async {
        let c = db.pooled().await.map_err(pg)?;
        let sql = format!("SELECT {COLS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
        let mut prev = vec![0u8; 32];
        let mut expected_seq = 1;
        let mut after = 0i64;
        let mut n = 0u64;
        let mut broken_at = None;
        loop {
            let rows = c
                .query(&sql, &[&after, &PAGE])
                .await
                .map_err(|e| pg(crate::store::postgres::describe(&e)))?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let r = raw(row);
                n += 1;
                if broken_at.is_none()
                    && (r.seq != expected_seq
                        || r.prev_hash != prev
                        || r.hash.as_slice() != r.computed().as_slice())
                {
                    broken_at = Some(r.seq);
                }
                expected_seq = r.seq + 1;
                after = r.seq;
                prev = r.hash;
            }
        }
        Ok(ChainCheck {
            rows: n,
            head: hex::encode(&prev),
            broken_at,
        })
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::{AuditEvent, AuditKind, AuditLog};
    use crate::store::postgres::Db;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    #[ignore = "needs PostgreSQL: scripts/test.d/15-postgres.sh"]
    async fn postgres_writers_on_several_nodes_extend_one_chain() {
        let url = crate::store::postgres::tests::fresh_database("audit").await;
        let logs: Vec<Arc<AuditLog>> = (0..3)
            .map(|_| Arc::new(AuditLog::open_postgres(Db::open(&url).expect("db")).expect("log")))
            .collect();
        let writers: Vec<_> = logs
            .iter()
            .cloned()
            .map(|log| {
                tokio::task::spawn_blocking(move || {
                    for i in 0..20 {
                        log.append(&AuditEvent::new(AuditKind::Export), i)
                            .expect("append");
                    }
                })
            })
            .collect();
        for w in writers {
            w.await.expect("writer");
        }
        let logs2 = logs.clone();
        tokio::task::spawn_blocking(move || {
            let check = logs2[0].verify().expect("verify");
            assert_eq!(
                (check.rows, check.broken_at),
                (60, None),
                "one unbroken chain"
            );
            let db = Db::open(&url).expect("db");
            let refused = db.block(async {
                let c = db.pooled().await.expect("connection");
                c.execute("UPDATE audit_log SET kind = 'x' WHERE seq = 1", &[])
                    .await
            });
            assert!(refused.is_err(), "the log is append-only");
        })
        .await
        .expect("checks");
    }
}
