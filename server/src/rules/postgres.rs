//! The rule store in PostgreSQL (`--database-url`): table `rule_sets`, the same plain SQL as
//! the SQLite store. A bureau's next version number is taken under its `bureaus` row lock, so
//! two administrators publishing at once on two nodes get two numbers, never one. Every node's
//! [`super::RuleBook`] re-reads the current versions every second, so a version published on
//! one node (or with `abjuan admin`) is used by all within a second.

use std::sync::Arc;

use abjuan_shared::warning::{LocalRules, RuleSet};
use tokio_postgres::Row;

use super::{RuleSetRecord, RuleStore, RuleStoreError};
use crate::store::postgres::Db;

const COLS: &str = "bureau, version, rules, note, added_by, added_at, retired_by, retired_at";

impl From<tokio_postgres::Error> for RuleStoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        RuleStoreError::Storage(crate::store::postgres::describe(&e))
    }
}

impl From<crate::store::StoreError> for RuleStoreError {
    fn from(e: crate::store::StoreError) -> Self {
        RuleStoreError::Storage(e.to_string())
    }
}

/// The PostgreSQL rule store.
#[derive(Debug)]
pub struct PgRuleStore {
    db: Arc<Db>,
}

impl PgRuleStore {
    /// The store over `db` (migrated first).
    pub fn open(db: Arc<Db>) -> Result<Self, RuleStoreError> {
        crate::store::postgres::schema::migrate_db(&db)?;
        Ok(Self { db })
    }
}

/// A row as read; the rules are checked again.
fn record(r: &Row) -> Result<RuleSetRecord, RuleStoreError> {
    let bureau: String = r.get(0);
    let version = u32::try_from(r.get::<_, i64>(1))
        .map_err(|_| RuleStoreError::Storage("rule set version out of range".into()))?;
    let text: String = r.get(2);
    let rules = LocalRules::from_json(&text).map_err(|e| {
        RuleStoreError::Storage(format!(
            "stored rule set {bureau} v{version} does not read: {e}"
        ))
    })?;
    Ok(RuleSetRecord {
        set: Arc::new(RuleSet::new(bureau, version, rules)),
        note: r.get(3),
        added_by: r.get(4),
        added_at: r.get(5),
        retired_by: r.get(6),
        retired_at: r.get(7),
    })
}

async fn one(
    c: &impl tokio_postgres::GenericClient,
    bureau: &str,
    version: i64,
) -> Result<Option<RuleSetRecord>, RuleStoreError> {
    let sql = format!("SELECT {COLS} FROM rule_sets WHERE bureau = $1 AND version = $2");
    c.query_opt(&sql, &[&bureau, &version])
        .await?
        .as_ref()
        .map(record)
        .transpose()
}

impl RuleStore for PgRuleStore {
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
        self.db.block(async {
            let mut c = self.db.pooled().await?;
            let tx = c.transaction().await?;
            if tx
                .query_opt("SELECT 1 FROM bureaus WHERE id = $1 FOR UPDATE", &[&bureau])
                .await?
                .is_none()
            {
                return Err(RuleStoreError::NoBureau);
            }
            let version: i64 = tx
                .query_one(
                    "SELECT COALESCE(MAX(version), 0) + 1 FROM rule_sets WHERE bureau = $1",
                    &[&bureau],
                )
                .await?
                .get(0);
            tx.execute(
                "INSERT INTO rule_sets (bureau, version, rules, note, added_by, added_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[&bureau, &version, &text, &note, &by, &now_ms],
            )
            .await?;
            let stored = one(&*tx, bureau, version)
                .await?
                .ok_or_else(|| RuleStoreError::Storage("rule set vanished".into()))?;
            tx.commit().await?;
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
        self.db.block(async {
            let mut c = self.db.pooled().await?;
            let tx = c.transaction().await?;
            let n = tx
                .execute(
                    "UPDATE rule_sets SET retired_by = $3, retired_at = $4
                     WHERE bureau = $1 AND version = $2 AND retired_at IS NULL",
                    &[&bureau, &i64::from(version), &by, &now_ms],
                )
                .await?;
            let stored = one(&*tx, bureau, i64::from(version))
                .await?
                .ok_or(RuleStoreError::NotFound)?;
            if n == 0 {
                return Err(RuleStoreError::Retired);
            }
            tx.commit().await?;
            Ok(stored)
        })
    }

    fn get(&self, bureau: &str, version: u32) -> Result<Option<RuleSetRecord>, RuleStoreError> {
        self.db.block(async {
            let c = self.db.pooled().await?;
            one(&**c, bureau, i64::from(version)).await
        })
    }

    fn list(&self, bureau: Option<&str>) -> Result<Vec<RuleSetRecord>, RuleStoreError> {
        self.db.block(async {
            let c = self.db.pooled().await?;
            let sql = format!(
                "SELECT {COLS} FROM rule_sets WHERE $1::TEXT IS NULL OR bureau = $1
                 ORDER BY bureau, version"
            );
            c.query(&sql, &[&bureau])
                .await?
                .iter()
                .map(record)
                .collect()
        })
    }

    fn current_versions(&self) -> Result<Vec<(String, u32)>, RuleStoreError> {
        self.db.block(async {
            let c = self.db.pooled().await?;
            let rows = c
                .query(
                    "SELECT bureau, MAX(version) FROM rule_sets WHERE retired_at IS NULL
                     GROUP BY bureau ORDER BY bureau",
                    &[],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|r| {
                    let v: i64 = r.get(1);
                    (r.get(0), u32::try_from(v).unwrap_or(0))
                })
                .collect())
        })
    }
}
