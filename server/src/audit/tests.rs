//! Tests of the audit log (a temporary directory each).

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

/// A filled log, closed, and a raw connection to its file (what someone with the file has).
fn filled_file() -> (tempfile::TempDir, Connection) {
    let (dir, log) = log();
    fill(&log);
    drop(log);
    let conn = Connection::open(dir.path().join(FILE_NAME)).expect("raw");
    (dir, conn)
}

/// Runs `sql` on the raw file, then where the reopened log finds its chain broken.
fn broken_at_after(dir: &tempfile::TempDir, conn: Connection, sql: &str) -> Option<i64> {
    conn.execute_batch(sql).expect("tamper");
    drop(conn);
    let log = AuditLog::open(dir.path()).expect("reopen");
    log.verify().expect("verify").broken_at
}

#[test]
fn updates_and_deletes_are_refused_and_tampering_is_detected() {
    let (dir, conn) = filled_file();
    assert!(conn
        .execute("UPDATE audit_log SET person = 'x' WHERE seq = 2", [])
        .is_err());
    assert!(conn
        .execute("DELETE FROM audit_log WHERE seq = 2", [])
        .is_err());
    // Someone with the file drops the triggers and edits a row: the chain shows it.
    assert_eq!(
        broken_at_after(
            &dir,
            conn,
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET person = 'x' WHERE seq = 2;",
        ),
        Some(2)
    );
}

#[test]
fn a_deleted_row_breaks_the_chain() {
    let (dir, conn) = filled_file();
    assert_eq!(
        broken_at_after(
            &dir,
            conn,
            "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 2;",
        ),
        Some(3)
    );
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
