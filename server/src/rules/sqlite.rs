//! The SQLite rule store: table `rule_sets` in the account database (`accounts.sqlite3`, WAL),
//! so `abjuan admin rules …` can publish a version while the server runs. Plain SQL (one
//! table, one transaction per change), as a PostgreSQL store will run it. The rules are kept
//! as their canonical JSON and checked again when read.

use std::path::Path;
use std::sync::{Arc, Mutex};

use abjuan_shared::warning::{LocalRules, RuleSet};
use rusqlite::{params, Connection, OptionalExtension};

use super::{RuleSetRecord, RuleStore, RuleStoreError};

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS rule_sets (
        bureau TEXT NOT NULL,
        version INTEGER NOT NULL,
        rules TEXT NOT NULL,
        note TEXT,
        added_by TEXT NOT NULL,
        added_at INTEGER NOT NULL,
        retired_by TEXT,
        retired_at INTEGER,
        PRIMARY KEY (bureau, version)
    );
";

const COLS: &str = "bureau, version, rules, note, added_by, added_at, retired_by, retired_at";

/// The SQLite rule store.
#[derive(Debug)]
pub struct SqliteRuleStore {
    conn: Mutex<Connection>,
}

impl SqliteRuleStore {
    /// Opens the store in the data directory `dir` (the account database, which must have
    /// been opened, and so created, by [`crate::auth::SqliteAccounts::open`] first).
    pub fn open(dir: &Path) -> Result<Self, RuleStoreError> {
        Self::open_file(&dir.join(crate::auth::accounts::sqlite::FILE_NAME))
    }

    /// Opens the store in the database file `path`.
    pub fn open_file(path: &Path) -> Result<Self, RuleStoreError> {
        let conn = crate::store::sqlite::open_wal(path, true)?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, RuleStoreError>,
    ) -> Result<T, RuleStoreError> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| RuleStoreError::Storage("rule store lock poisoned".into()))?;
        f(&mut conn)
    }
}

/// A row as read: the rules text is checked again (a row that no longer reads is a storage
/// failure, never a rule set graded half).
fn record(r: &rusqlite::Row<'_>) -> Result<Result<RuleSetRecord, RuleStoreError>, rusqlite::Error> {
    let bureau: String = r.get(0)?;
    let version: u32 = r.get(1)?;
    let text: String = r.get(2)?;
    let rules = match LocalRules::from_json(&text) {
        Ok(rules) => rules,
        Err(e) => {
            return Ok(Err(RuleStoreError::Storage(format!(
                "stored rule set {bureau} v{version} does not read: {e}"
            ))))
        }
    };
    Ok(Ok(RuleSetRecord {
        set: Arc::new(RuleSet::new(bureau, version, rules)),
        note: r.get(3)?,
        added_by: r.get(4)?,
        added_at: r.get(5)?,
        retired_by: r.get(6)?,
        retired_at: r.get(7)?,
    }))
}

fn one(
    c: &Connection,
    bureau: &str,
    version: u32,
) -> Result<Option<RuleSetRecord>, RuleStoreError> {
    c.prepare_cached(&format!(
        "SELECT {COLS} FROM rule_sets WHERE bureau = ?1 AND version = ?2"
    ))?
    .query_row(params![bureau, version], record)
    .optional()?
    .transpose()
}

impl RuleStore for SqliteRuleStore {
    fn add(
        &self,
        bureau: &str,
        rules: &LocalRules,
        note: Option<&str>,
        by: &str,
        now_ms: i64,
    ) -> Result<RuleSetRecord, RuleStoreError> {
        let text =
            serde_json::to_string(rules).map_err(|e| RuleStoreError::Storage(e.to_string()))?;
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let exists: Option<i64> = tx
                .query_row("SELECT 1 FROM bureaus WHERE id = ?1", [bureau], |r| {
                    r.get(0)
                })
                .optional()?;
            if exists.is_none() {
                return Err(RuleStoreError::NoBureau);
            }
            let version: u32 = tx.query_row(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM rule_sets WHERE bureau = ?1",
                [bureau],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT INTO rule_sets (bureau, version, rules, note, added_by, added_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![bureau, version, text, note, by, now_ms],
            )?;
            let stored = one(&tx, bureau, version)?
                .ok_or_else(|| RuleStoreError::Storage("rule set vanished".into()))?;
            tx.commit()?;
            Ok(stored)
        })
    }

    fn retire(
        &self,
        bureau: &str,
        version: u32,
        by: &str,
        now_ms: i64,
    ) -> Result<RuleSetRecord, RuleStoreError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let n = tx.execute(
                "UPDATE rule_sets SET retired_by = ?3, retired_at = ?4
                 WHERE bureau = ?1 AND version = ?2 AND retired_at IS NULL",
                params![bureau, version, by, now_ms],
            )?;
            let stored = one(&tx, bureau, version)?.ok_or(RuleStoreError::NotFound)?;
            if n == 0 {
                return Err(RuleStoreError::Retired);
            }
            tx.commit()?;
            Ok(stored)
        })
    }

    fn get(&self, bureau: &str, version: u32) -> Result<Option<RuleSetRecord>, RuleStoreError> {
        self.with(|c| one(c, bureau, version))
    }

    fn list(&self, bureau: Option<&str>) -> Result<Vec<RuleSetRecord>, RuleStoreError> {
        self.with(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {COLS} FROM rule_sets WHERE ?1 IS NULL OR bureau = ?1
                 ORDER BY bureau, version"
            ))?;
            let rows = stmt.query_map([bureau], record)?;
            let mut out = Vec::new();
            for row in rows {
                out.push(row??);
            }
            Ok(out)
        })
    }

    fn current_versions(&self) -> Result<Vec<(String, u32)>, RuleStoreError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT bureau, MAX(version) FROM rule_sets WHERE retired_at IS NULL
                 GROUP BY bureau ORDER BY bureau",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}
