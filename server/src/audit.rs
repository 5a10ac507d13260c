//! The append-only audit log of security-relevant events: enrolments, revocations, refused
//! credentials, denied access, refused changes, exports, role and share changes.
//!
//! Rows are hash-chained: each stores `hash = sha256(prev_hash || canonical row)`, the first
//! row's `prev_hash` being 32 zero bytes, so changing, inserting or deleting a row anywhere but
//! at the very end breaks [`AuditLog::verify`]; keep the head hash that `verify` prints (or an
//! export) somewhere else to cover the end too. SQLite triggers also refuse `UPDATE` and
//! `DELETE`. The log lives in its own file, `audit.sqlite3` in the data directory; appends
//! from several processes (server and `abjuan admin`) are serialised by an immediate
//! transaction, so the chain never forks.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

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

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// A bureau was created.
    BureauAdded,
    /// A station was created.
    StationAdded,
    /// A person was created.
    PersonAdded,
    /// A person's role or station changed.
    RoleChanged,
    /// A person was disabled or re-enabled.
    PersonDisabled,
    /// An enrolment code was issued.
    EnrolmentIssued,
    /// A device was enrolled with a code.
    DeviceEnrolled,
    /// An enrolment code was refused (unknown, used, expired).
    EnrolmentRefused,
    /// A device was revoked.
    DeviceRevoked,
    /// A credential was refused (unknown, wrong, revoked).
    AuthRefused,
    /// An authenticated caller was denied an action.
    AccessDenied,
    /// Uploaded changes were refused (forged authorship, a status change without the right).
    ChangeRefused,
    /// An actor id was bound to a device.
    ActorRegistered,
    /// A dossier was shared with a person.
    ShareAdded,
    /// A share was withdrawn.
    ShareRemoved,
    /// The audit log (or data) was exported.
    Export,
    /// The first-run demo accounts were created.
    DemoSetup,
}

impl AuditKind {
    /// Stable code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::BureauAdded => "bureau_added",
            Self::StationAdded => "station_added",
            Self::PersonAdded => "person_added",
            Self::RoleChanged => "role_changed",
            Self::PersonDisabled => "person_disabled",
            Self::EnrolmentIssued => "enrolment_issued",
            Self::DeviceEnrolled => "device_enrolled",
            Self::EnrolmentRefused => "enrolment_refused",
            Self::DeviceRevoked => "device_revoked",
            Self::AuthRefused => "auth_refused",
            Self::AccessDenied => "access_denied",
            Self::ChangeRefused => "change_refused",
            Self::ActorRegistered => "actor_registered",
            Self::ShareAdded => "share_added",
            Self::ShareRemoved => "share_removed",
            Self::Export => "export",
            Self::DemoSetup => "demo_setup",
        }
    }

    /// The kind with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Every kind.
    pub const ALL: [AuditKind; 17] = [
        Self::BureauAdded,
        Self::StationAdded,
        Self::PersonAdded,
        Self::RoleChanged,
        Self::PersonDisabled,
        Self::EnrolmentIssued,
        Self::DeviceEnrolled,
        Self::EnrolmentRefused,
        Self::DeviceRevoked,
        Self::AuthRefused,
        Self::AccessDenied,
        Self::ChangeRefused,
        Self::ActorRegistered,
        Self::ShareAdded,
        Self::ShareRemoved,
        Self::Export,
        Self::DemoSetup,
    ];
}

/// An event to record. Never put volume-B content in `detail`: the supervisor exports it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// What happened.
    pub kind: AuditKind,
    /// Who did it (or tried), when known.
    pub person: Option<String>,
    /// From which device, when known.
    pub device: Option<String>,
    /// The bureau it concerns (the supervisor of that bureau reads it).
    pub bureau: Option<String>,
    /// What it was done to: a dossier, person or device id.
    pub subject: Option<String>,
    /// Anything else, as JSON.
    pub detail: Value,
}

impl AuditEvent {
    /// An event of `kind` with nothing else filled in.
    #[must_use]
    pub fn new(kind: AuditKind) -> Self {
        Self {
            kind,
            person: None,
            device: None,
            bureau: None,
            subject: None,
            detail: Value::Null,
        }
    }

    /// Sets who did it.
    #[must_use]
    pub fn by(mut self, person: &str, device: Option<&str>) -> Self {
        self.person = Some(person.to_owned());
        self.device = device.map(str::to_owned);
        self
    }

    /// Sets the bureau.
    #[must_use]
    pub fn bureau(mut self, bureau: &str) -> Self {
        self.bureau = Some(bureau.to_owned());
        self
    }

    /// Sets the subject.
    #[must_use]
    pub fn subject(mut self, subject: &str) -> Self {
        self.subject = Some(subject.to_owned());
        self
    }

    /// Sets the detail.
    #[must_use]
    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

/// A stored row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// Server time (ms since the epoch).
    pub at: i64,
    /// What happened.
    pub kind: AuditKind,
    /// Who.
    pub person: Option<String>,
    /// From which device.
    pub device: Option<String>,
    /// Which bureau.
    pub bureau: Option<String>,
    /// To what.
    pub subject: Option<String>,
    /// Anything else.
    pub detail: Value,
    /// The previous row's hash (hex).
    pub prev_hash: String,
    /// This row's hash (hex).
    pub hash: String,
}

/// Which rows to read.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditFilter {
    /// Only rows of this bureau.
    pub bureau: Option<String>,
    /// Only rows after this sequence number.
    pub after: Option<i64>,
    /// At most this many rows (default 1000, at most 10 000).
    pub limit: Option<usize>,
}

/// What [`AuditLog::verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainCheck {
    /// Rows checked.
    pub rows: u64,
    /// The last row's hash (hex; zeros when empty): keep it elsewhere to detect truncation.
    pub head: String,
    /// The first row whose chain does not hold, if any.
    pub broken_at: Option<i64>,
}

/// Why the audit log failed (logged; clients see `storage`).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// SQLite said no.
    #[error("audit sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Writing an export failed.
    #[error("audit export: {0}")]
    Io(#[from] std::io::Error),
    /// The lock was poisoned or the detail did not serialise.
    #[error("audit: {0}")]
    Other(String),
}

/// The hash of a row: `sha256(prev || canonical JSON of the row without its hashes)`.
#[allow(clippy::too_many_arguments)]
fn row_hash(
    prev: &[u8],
    seq: i64,
    at: i64,
    kind: &str,
    person: Option<&str>,
    device: Option<&str>,
    bureau: Option<&str>,
    subject: Option<&str>,
    detail: &str,
) -> [u8; 32] {
    let body = serde_json::json!([seq, at, kind, person, device, bureau, subject, detail]);
    let mut h = Sha256::new();
    h.update(prev);
    h.update(body.to_string().as_bytes());
    h.finalize().into()
}

/// The audit log over one SQLite file.
#[derive(Debug)]
pub struct AuditLog {
    conn: Mutex<Connection>,
}

struct RawRow {
    seq: i64,
    at: i64,
    kind: String,
    person: Option<String>,
    device: Option<String>,
    bureau: Option<String>,
    subject: Option<String>,
    detail: String,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

const COLS: &str = "seq, at, kind, person, device, bureau, subject, detail, prev_hash, hash";

fn raw_row(r: &rusqlite::Row<'_>) -> Result<RawRow, rusqlite::Error> {
    Ok(RawRow {
        seq: r.get(0)?,
        at: r.get(1)?,
        kind: r.get(2)?,
        person: r.get(3)?,
        device: r.get(4)?,
        bureau: r.get(5)?,
        subject: r.get(6)?,
        detail: r.get(7)?,
        prev_hash: r.get(8)?,
        hash: r.get(9)?,
    })
}

impl RawRow {
    fn computed(&self) -> [u8; 32] {
        row_hash(
            &self.prev_hash,
            self.seq,
            self.at,
            &self.kind,
            self.person.as_deref(),
            self.device.as_deref(),
            self.bureau.as_deref(),
            self.subject.as_deref(),
            &self.detail,
        )
    }

    fn record(self) -> Option<AuditRecord> {
        Some(AuditRecord {
            seq: self.seq,
            at: self.at,
            kind: AuditKind::from_code(&self.kind)?,
            person: self.person,
            device: self.device,
            bureau: self.bureau,
            subject: self.subject,
            detail: serde_json::from_str(&self.detail).unwrap_or(Value::Null),
            prev_hash: hex::encode(&self.prev_hash),
            hash: hex::encode(&self.hash),
        })
    }
}

impl AuditLog {
    /// Opens (creating when missing) the log in `dir`.
    pub fn open(dir: &Path) -> Result<Self, AuditError> {
        std::fs::create_dir_all(dir).map_err(|e| AuditError::Other(e.to_string()))?;
        Self::open_file(&dir.join(FILE_NAME))
    }

    /// Opens (creating when missing) the log in the file `path`.
    pub fn open_file(path: &Path) -> Result<Self, AuditError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
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
        f(&mut conn)
    }

    /// Appends an event at `at_ms`; returns the stored row.
    pub fn append(&self, event: &AuditEvent, at_ms: i64) -> Result<AuditRecord, AuditError> {
        let detail =
            serde_json::to_string(&event.detail).map_err(|e| AuditError::Other(e.to_string()))?;
        let kind = event.kind.code();
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn log() -> (tempfile::TempDir, AuditLog) {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::open(dir.path()).expect("open");
        (dir, log)
    }

    fn fill(log: &AuditLog) {
        log.append(
            &AuditEvent::new(AuditKind::DeviceEnrolled)
                .by("wang", Some("d1"))
                .bureau("yongji")
                .detail(json!({"label": "手机"})),
            10,
        )
        .expect("append");
        log.append(
            &AuditEvent::new(AuditKind::AccessDenied)
                .by("li", Some("d2"))
                .bureau("ruicheng")
                .subject("0193f0a0-0000-7000-8000-000000000001"),
            20,
        )
        .expect("append");
        log.append(
            &AuditEvent::new(AuditKind::DeviceRevoked)
                .by("admin", None)
                .bureau("yongji")
                .subject("d1"),
            30,
        )
        .expect("append");
    }

    #[test]
    fn rows_chain_and_verify() {
        let (_d, log) = log();
        assert_eq!(log.verify().expect("verify").rows, 0);
        fill(&log);
        let rows = log.read(&AuditFilter::default()).expect("read");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].prev_hash, "0".repeat(64));
        assert_eq!(rows[1].prev_hash, rows[0].hash);
        assert_eq!(rows[2].prev_hash, rows[1].hash);
        let check = log.verify().expect("verify");
        assert_eq!(check.rows, 3);
        assert_eq!(check.broken_at, None);
        assert_eq!(check.head, rows[2].hash);
    }

    #[test]
    fn updates_and_deletes_are_refused_and_tampering_is_detected() {
        let (dir, log) = log();
        fill(&log);
        drop(log);
        let conn = Connection::open(dir.path().join(FILE_NAME)).expect("raw");
        assert!(conn
            .execute("UPDATE audit_log SET person = 'x' WHERE seq = 2", [])
            .is_err());
        assert!(conn
            .execute("DELETE FROM audit_log WHERE seq = 2", [])
            .is_err());
        // Someone with the file drops the triggers and edits a row: the chain shows it.
        conn.execute_batch(
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET person = 'x' WHERE seq = 2;",
        )
        .expect("tamper");
        drop(conn);
        let log = AuditLog::open(dir.path()).expect("reopen");
        assert_eq!(log.verify().expect("verify").broken_at, Some(2));
    }

    #[test]
    fn a_deleted_row_breaks_the_chain() {
        let (dir, log) = log();
        fill(&log);
        drop(log);
        let conn = Connection::open(dir.path().join(FILE_NAME)).expect("raw");
        conn.execute_batch(
            "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 2;",
        )
        .expect("tamper");
        drop(conn);
        let log = AuditLog::open(dir.path()).expect("reopen");
        assert_eq!(log.verify().expect("verify").broken_at, Some(3));
    }

    #[test]
    fn bureau_filter_and_jsonl_export() {
        let (_d, log) = log();
        fill(&log);
        let mine = log
            .read(&AuditFilter {
                bureau: Some("yongji".into()),
                ..AuditFilter::default()
            })
            .expect("read");
        assert_eq!(mine.len(), 2);
        assert!(mine.iter().all(|r| r.bureau.as_deref() == Some("yongji")));
        let after = log
            .read(&AuditFilter {
                after: Some(2),
                ..AuditFilter::default()
            })
            .expect("read");
        assert_eq!(after.len(), 1);
        let mut out = Vec::new();
        let n = log
            .export_jsonl(
                &AuditFilter {
                    bureau: Some("yongji".into()),
                    ..AuditFilter::default()
                },
                &mut out,
            )
            .expect("export");
        assert_eq!(n, 2);
        let text = String::from_utf8(out).expect("utf8");
        let lines: Vec<AuditRecord> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        assert_eq!(lines, mine);
        assert_eq!(lines[0].detail, json!({"label": "手机"}));
    }

    #[test]
    fn two_handles_extend_one_chain() {
        let (dir, a) = log();
        let b = AuditLog::open(dir.path()).expect("second handle");
        for i in 0..10 {
            let log = if i % 2 == 0 { &a } else { &b };
            log.append(&AuditEvent::new(AuditKind::Export), i)
                .expect("append");
        }
        let check = a.verify().expect("verify");
        assert_eq!((check.rows, check.broken_at), (10, None));
    }

    #[test]
    fn kinds_have_unique_codes() {
        for k in AuditKind::ALL {
            assert_eq!(AuditKind::from_code(k.code()), Some(k));
            assert_eq!(serde_json::to_value(k).expect("ser"), json!(k.code()));
        }
    }
}
