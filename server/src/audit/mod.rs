//! The append-only audit log of security-relevant events: enrolments, revocations, refused
//! credentials, denied access, refused changes, exports, role and share changes, warning rule
//! sets added, retired or refused.
//!
//! Rows are hash-chained: each stores `hash = sha256(prev_hash || canonical row)`, the first
//! row's `prev_hash` being 32 zero bytes, so changing, inserting or deleting a row anywhere but
//! at the very end breaks [`AuditLog::verify`]; keep the head hash that `verify` prints (or an
//! export) somewhere else to cover the end too. SQLite triggers also refuse `UPDATE` and
//! `DELETE`. The log lives in its own file, `audit.sqlite3` in the data directory; appends
//! from several processes (server and `abjuan admin`) are serialised by an immediate
//! transaction, so the chain never forks. With `--database-url` it lives in PostgreSQL
//! ([`postgres`]): one chain for every node, appends serialised by the lock of its head row.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};

/// The file name in the data directory.
pub const FILE_NAME: &str = "audit.sqlite3";

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS audit_log (
        seq INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        person TEXT,
        device TEXT,
        bureau TEXT,
        subject TEXT,
        detail TEXT NOT NULL,
        prev_hash BLOB NOT NULL,
        hash BLOB NOT NULL
    );
    CREATE INDEX IF NOT EXISTS audit_log_bureau ON audit_log (bureau, seq);
    CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

mod chain;
mod event;
mod postgres;
#[cfg(test)]
mod tests;

use chain::{raw_row, row_hash, COLS};
pub use event::{AuditEvent, AuditFilter, AuditKind, AuditRecord, ChainCheck};

/// Why the audit log failed (logged; clients see `storage`).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// SQLite said no.
    #[error("audit sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL said no.
    #[error("audit postgres: {0}")]
    Postgres(String),
    /// Writing an export failed.
    #[error("audit export: {0}")]
    Io(#[from] std::io::Error),
    /// The lock was poisoned or the detail did not serialise.
    #[error("audit: {0}")]
    Other(String),
}

/// The audit log over one SQLite file, or in PostgreSQL.
#[derive(Debug)]
pub struct AuditLog {
    conn: Mutex<Option<Connection>>,
    pg: Option<std::sync::Arc<crate::store::postgres::Db>>,
}

impl AuditLog {
    /// The log in PostgreSQL (`--database-url`), migrated first.
    pub fn open_postgres(
        db: std::sync::Arc<crate::store::postgres::Db>,
    ) -> Result<Self, AuditError> {
        crate::store::postgres::schema::migrate_db(&db)
            .map_err(|e| AuditError::Postgres(e.to_string()))?;
        Ok(Self {
            conn: Mutex::new(None),
            pg: Some(db),
        })
    }

    /// Opens (creating when missing) the log in `dir`.
    pub fn open(dir: &Path) -> Result<Self, AuditError> {
        std::fs::create_dir_all(dir).map_err(|e| AuditError::Other(e.to_string()))?;
        Self::open_file(&dir.join(FILE_NAME))
    }

    /// Opens (creating when missing) the log in the file `path`.
    pub fn open_file(path: &Path) -> Result<Self, AuditError> {
        let conn = crate::store::sqlite::open_wal(path, false)?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(Some(conn)),
            pg: None,
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, AuditError>,
    ) -> Result<T, AuditError> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| AuditError::Other("audit lock poisoned".into()))?;
        let conn = conn
            .as_mut()
            .ok_or_else(|| AuditError::Other("no SQLite audit log".into()))?;
        f(conn)
    }

    /// Appends an event at `at_ms`; returns the stored row.
    pub fn append(&self, event: &AuditEvent, at_ms: i64) -> Result<AuditRecord, AuditError> {
        let detail =
            serde_json::to_string(&event.detail).map_err(|e| AuditError::Other(e.to_string()))?;
        let kind = event.kind.code();
        if let Some(db) = &self.pg {
            return postgres::append(db, event, &detail, at_ms);
        }
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let last: Option<(i64, Vec<u8>)> = tx
                .query_row(
                    "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let (seq, prev) = match last {
                Some((s, h)) => (s + 1, h),
                None => (1, vec![0u8; 32]),
            };
            let hash = row_hash(
                &prev,
                seq,
                at_ms,
                kind,
                event.person.as_deref(),
                event.device.as_deref(),
                event.bureau.as_deref(),
                event.subject.as_deref(),
                &detail,
            );
            tx.execute(
                &format!("INSERT INTO audit_log ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
                params![
                    seq,
                    at_ms,
                    kind,
                    event.person,
                    event.device,
                    event.bureau,
                    event.subject,
                    detail,
                    prev,
                    hash.as_slice()
                ],
            )?;
            tx.commit()?;
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

    /// Rows matching `filter`, oldest first.
    pub fn read(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>, AuditError> {
        let limit = i64::try_from(filter.limit.unwrap_or(1000).clamp(1, 10_000)).unwrap_or(1000);
        if let Some(db) = &self.pg {
            return postgres::read(db, filter, limit);
        }
        self.with(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {COLS} FROM audit_log WHERE (?1 IS NULL OR bureau = ?1) AND seq > ?2
                 ORDER BY seq LIMIT ?3"
            ))?;
            let rows = stmt.query_map(
                params![filter.bureau, filter.after.unwrap_or(0), limit],
                raw_row,
            )?;
            let mut out = Vec::new();
            for r in rows {
                if let Some(rec) = r?.record() {
                    out.push(rec);
                }
            }
            Ok(out)
        })
    }

    /// Writes every row matching `filter` (ignoring its limit) as JSON lines; returns how many.
    pub fn export_jsonl(
        &self,
        filter: &AuditFilter,
        out: &mut dyn Write,
    ) -> Result<u64, AuditError> {
        let mut after = filter.after.unwrap_or(0);
        let mut n = 0u64;
        loop {
            let page = self.read(&AuditFilter {
                bureau: filter.bureau.clone(),
                after: Some(after),
                limit: Some(10_000),
            })?;
            let Some(last) = page.last() else {
                break;
            };
            after = last.seq;
            for rec in &page {
                let line =
                    serde_json::to_string(rec).map_err(|e| AuditError::Other(e.to_string()))?;
                writeln!(out, "{line}")?;
                n += 1;
            }
        }
        out.flush()?;
        Ok(n)
    }

    /// Walks the whole chain and recomputes every hash.
    pub fn verify(&self) -> Result<ChainCheck, AuditError> {
        if let Some(db) = &self.pg {
            return postgres::verify(db);
        }
        self.with(|c| {
            let mut stmt = c.prepare(&format!("SELECT {COLS} FROM audit_log ORDER BY seq"))?;
            let rows = stmt.query_map([], raw_row)?;
            let mut prev = vec![0u8; 32];
            let mut expected_seq = 1;
            let mut n = 0u64;
            let mut broken_at = None;
            for r in rows {
                let r = r?;
                n += 1;
                if broken_at.is_none()
                    && (r.seq != expected_seq
                        || r.prev_hash != prev
                        || r.hash.as_slice() != r.computed().as_slice())
                {
                    broken_at = Some(r.seq);
                }
                expected_seq = r.seq + 1;
                prev = r.hash;
            }
            Ok(ChainCheck {
                rows: n,
                head: hex::encode(&prev),
                broken_at,
            })
        })
    }
}
