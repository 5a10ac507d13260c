//! The account database's schema and its migrations.

use rusqlite::Connection;

use crate::auth::AuthError;

const MIGRATIONS: &[&str] = &["
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
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE enrolments (
        id TEXT PRIMARY KEY,
        person TEXT NOT NULL REFERENCES people (id),
        hash TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        device TEXT
    );
    CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        person TEXT NOT NULL REFERENCES people (id),
        label TEXT NOT NULL,
        hash TEXT NOT NULL,
        enrolled_at INTEGER NOT NULL,
        revoked_at INTEGER
    );
    CREATE INDEX devices_person ON devices (person);
    CREATE TABLE actors (
        actor TEXT PRIMARY KEY,
        device TEXT NOT NULL REFERENCES devices (id),
        registered_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE shares (
        dossier TEXT NOT NULL,
        person TEXT NOT NULL REFERENCES people (id),
        by_person TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (dossier, person)
    ) WITHOUT ROWID;
    CREATE INDEX shares_person ON shares (person);
"];

pub(super) fn migrate(conn: &mut Connection) -> Result<(), AuthError> {
    let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > MIGRATIONS.len() {
        return Err(AuthError::Storage(format!(
            "accounts schema version {version} is newer than this program"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}
