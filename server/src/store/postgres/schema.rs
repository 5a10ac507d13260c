//! The PostgreSQL schema of everything a node keeps (dossiers and their changes, the index
//! and the ledger, accounts, rule sets, the audit log, generic-protocol states), as versioned
//! migrations in plain SQL: no extension, only built-in types (TEXT, BIGINT, SMALLINT, BYTEA)
//! and the built-in PL/pgSQL for the audit log's append-only trigger. `schema_migrations`
//! counts those applied; nodes starting together apply them one at a time (a table lock).

use tokio_postgres::Client;

use crate::store::StoreError;

/// Migration 1: every table.
const V1: &str = "
CREATE TABLE dossier_log (
    dossier TEXT PRIMARY KEY,
    seq BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE changes (
    dossier TEXT NOT NULL,
    volume TEXT NOT NULL,
    seq BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (dossier, volume, hash)
);
CREATE INDEX changes_seq ON changes (dossier, seq);
CREATE TABLE snapshots (
    dossier TEXT NOT NULL,
    volume TEXT NOT NULL,
    generation BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    derived BYTEA,
    PRIMARY KEY (dossier, volume)
);
CREATE TABLE uploads (
    dossier TEXT NOT NULL,
    volume TEXT NOT NULL,
    hash BYTEA NOT NULL,
    device TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (dossier, volume, hash)
);
CREATE TABLE dossiers (
    id TEXT PRIMARY KEY,
    station TEXT NOT NULL,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    level TEXT NOT NULL,
    summary TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    month TEXT NOT NULL,
    valid SMALLINT NOT NULL,
    missing_volume_b SMALLINT NOT NULL,
    follow_up_due TEXT,
    outcome TEXT NOT NULL,
    open SMALLINT NOT NULL,
    conflicts BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX dossiers_station ON dossiers (station, month, category);
CREATE INDEX dossiers_level ON dossiers (open, level);
CREATE INDEX dossiers_reported ON dossiers (reported_at, id);
CREATE TABLE dossier_ledger (
    id TEXT PRIMARY KEY,
    number_station TEXT NOT NULL,
    year BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    source TEXT NOT NULL,
    parties TEXT NOT NULL,
    summary TEXT NOT NULL,
    measures TEXT NOT NULL,
    result TEXT NOT NULL,
    closed_on TEXT,
    follow_ups TEXT NOT NULL,
    officers TEXT NOT NULL,
    version BIGINT NOT NULL
);
CREATE UNIQUE INDEX dossier_ledger_number ON dossier_ledger (number_station, year, seq);
CREATE INDEX dossier_ledger_closed ON dossier_ledger (closed_on);
CREATE TABLE ledger_numbers (
    station TEXT NOT NULL,
    year BIGINT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (station, year)
);
CREATE TABLE reindex (
    dossier TEXT PRIMARY KEY
);
CREATE TABLE sync_states (
    client TEXT NOT NULL,
    doc TEXT NOT NULL,
    state BYTEA NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (client, doc)
);
CREATE INDEX sync_states_age ON sync_states (updated_at);

CREATE TABLE bureaus (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE stations (
    id TEXT PRIMARY KEY,
    bureau TEXT NOT NULL REFERENCES bureaus (id),
    name TEXT NOT NULL
);
CREATE TABLE people (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    station TEXT REFERENCES stations (id),
    bureau TEXT NOT NULL REFERENCES bureaus (id),
    disabled SMALLINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE TABLE enrolments (
    id TEXT PRIMARY KEY,
    person TEXT NOT NULL REFERENCES people (id),
    hash TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    device TEXT
);
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    person TEXT NOT NULL REFERENCES people (id),
    label TEXT NOT NULL,
    hash TEXT NOT NULL,
    enrolled_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX devices_person ON devices (person);
CREATE TABLE actors (
    actor TEXT PRIMARY KEY,
    device TEXT NOT NULL REFERENCES devices (id),
    registered_at BIGINT NOT NULL
);
CREATE TABLE shares (
    dossier TEXT NOT NULL,
    person TEXT NOT NULL REFERENCES people (id),
    by_person TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (dossier, person)
);
CREATE INDEX shares_person ON shares (person);
CREATE TABLE rule_sets (
    bureau TEXT NOT NULL,
    version BIGINT NOT NULL,
    rules TEXT NOT NULL,
    note TEXT,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL,
    retired_by TEXT,
    retired_at BIGINT,
    PRIMARY KEY (bureau, version)
);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    person TEXT,
    device TEXT,
    bureau TEXT,
    subject TEXT,
    detail TEXT NOT NULL,
    prev_hash BYTEA NOT NULL,
    hash BYTEA NOT NULL
);
CREATE INDEX audit_log_bureau ON audit_log (bureau, seq);
CREATE TABLE audit_head (
    id SMALLINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE PROCEDURE audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE PROCEDURE audit_log_append_only();
";

/// The migrations, applied in order.
/// Migration 2: attachment references (as the SQLite store's migration 4,
/// `store/blob_refs.rs`), written with the dossier's index row.
const V2: &str = "
CREATE TABLE blob_refs (
    sha256 TEXT NOT NULL,
    dossier TEXT NOT NULL,
    volume TEXT NOT NULL,
    PRIMARY KEY (sha256, dossier, volume)
);
CREATE INDEX blob_refs_dossier ON blob_refs (dossier);
";

/// Migration 3: records of every registered form type in one index (as the SQLite store's
/// migration 5, `store/index.rs`).
const V3: &str = crate::store::index::FORMS_MIGRATION;

/// Migration 4: attachment bytes as rows of chunks (`blobs/pg.rs`): complete blobs and their
/// chunks, each device's unfinished uploads and theirs, bytes sent per device and day.
const V4: &str = "
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    device TEXT NOT NULL,
    stored_at BIGINT NOT NULL
);
CREATE INDEX blobs_stored_at ON blobs (stored_at);
CREATE TABLE blob_chunks (
    sha256 TEXT NOT NULL,
    pos BIGINT NOT NULL,
    len BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (sha256, pos)
);
CREATE TABLE blob_uploads (
    sha256 TEXT NOT NULL,
    device TEXT NOT NULL,
    received BIGINT NOT NULL,
    touched_at BIGINT NOT NULL,
    PRIMARY KEY (sha256, device)
);
CREATE INDEX blob_uploads_touched ON blob_uploads (touched_at);
CREATE TABLE blob_upload_chunks (
    sha256 TEXT NOT NULL,
    device TEXT NOT NULL,
    pos BIGINT NOT NULL,
    len BIGINT NOT NULL,
    bytes BYTEA NOT NULL,
    PRIMARY KEY (sha256, device, pos)
);
CREATE TABLE blob_sent (
    device TEXT NOT NULL,
    day TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    PRIMARY KEY (device, day)
);
";

const MIGRATIONS: &[&str] = &[V1, V2, V3, V4];

/// Brings the schema up to date; returns the version now in force. Safe to run from several
/// nodes at once.
pub async fn migrate(client: &mut Client) -> Result<usize, StoreError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY,
                applied_at BIGINT NOT NULL
            )",
        )
        .await?;
    let tx = client.transaction().await?;
    tx.batch_execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
        .await?;
    let row = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )
        .await?;
    let done = usize::try_from(row.get::<_, i64>(0)).unwrap_or(0);
    if done > MIGRATIONS.len() {
        return Err(StoreError::Other(format!(
            "database schema version {done} is newer than this program ({})",
            MIGRATIONS.len()
        )));
    }
    let now = crate::clock::now_ms();
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        tx.batch_execute(sql).await?;
        let version = i64::try_from(i + 1).unwrap_or(i64::MAX);
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
            &[&version, &now],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(MIGRATIONS.len())
}

/// [`migrate`] for a blocking caller (the account, rule and audit stores open with it, so
/// `abjuan admin` works on a database no server has opened yet).
pub fn migrate_db(db: &super::Db) -> Result<usize, StoreError> {
    db.block(async {
        let (mut client, _) = db.dedicated().await?;
        migrate(&mut client).await
    })
}
