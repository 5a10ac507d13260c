//! The hash chain: a row's hash, and a stored row read back, rehashed and decoded.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{AuditKind, AuditRecord};

/// The hash of a row: `sha256(prev || canonical JSON of the row without its hashes)`.
#[allow(clippy::too_many_arguments)]
pub(super) fn row_hash(
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

pub(super) struct RawRow {
    pub(super) seq: i64,
    pub(super) at: i64,
    pub(super) kind: String,
    pub(super) person: Option<String>,
    pub(super) device: Option<String>,
    pub(super) bureau: Option<String>,
    pub(super) subject: Option<String>,
    pub(super) detail: String,
    pub(super) prev_hash: Vec<u8>,
    pub(super) hash: Vec<u8>,
}

pub(super) const COLS: &str =
    "seq, at, kind, person, device, bureau, subject, detail, prev_hash, hash";

pub(super) fn raw_row(r: &rusqlite::Row<'_>) -> Result<RawRow, rusqlite::Error> {
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
    pub(super) fn computed(&self) -> [u8; 32] {
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

    pub(super) fn record(self) -> Option<AuditRecord> {
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
