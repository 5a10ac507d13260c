//! Bureau rule sets (the "N" of 3+N) on the server: every version a bureau's administrators
//! published, kept behind the small [`RuleStore`] trait (SQLite in [`sqlite`], in the account
//! database; PostgreSQL in [`postgres`] for several nodes), and the [`RuleBook`] ([`book`]) that
//! answers "what is bureau X's current rule set?" from memory, with no IO, and tells its
//! subscribers when a bureau's current version changes.
//!
//! Versions: each rule set added for a bureau becomes its next version (1, 2, …; numbers are
//! never reused) and its current one. Retiring a version takes it out of use for good; the
//! bureau's current version is then its highest version not retired (none left: core rules
//! only). Adding, retiring and refusing rule sets is done and recorded by the admin service
//! ([`crate::admin`]); this module only stores and serves them.

use std::sync::Arc;

use abjuan_shared::warning::{LocalRules, RuleSet};
use serde_json::{json, Value};

pub mod book;
pub mod postgres;
pub mod routes;
pub mod sqlite;
#[cfg(test)]
mod tests;

pub use book::{CurrentChange, Currents, RuleBook};
pub use postgres::PgRuleStore;
pub use sqlite::SqliteRuleStore;

/// The largest rule-set text accepted, in bytes (200 rules with long reasons fit easily).
pub const MAX_RULES_BYTES: usize = 256 * 1024;

/// One stored version of a bureau's rule set, with who added (and retired) it and when.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSetRecord {
    /// The rule set itself (bureau, version, rules): what phones fetch and grading uses.
    pub set: Arc<RuleSet>,
    /// Why it was added, as the administrator wrote it.
    pub note: Option<String>,
    /// Who added it (a person id, or `admin-cli`).
    pub added_by: String,
    /// When (ms since the epoch).
    pub added_at: i64,
    /// Who retired it.
    pub retired_by: Option<String>,
    /// When it was retired (ms since the epoch); `None` while in use.
    pub retired_at: Option<i64>,
}

impl RuleSetRecord {
    /// Without the rules: bureau, version, how many rules and their ids, note, added, retired,
    /// and whether it is the bureau's current version.
    #[must_use]
    pub fn summary(&self, current: bool) -> Value {
        let ids: Vec<&str> = self
            .set
            .local()
            .rules()
            .iter()
            .map(|r| r.id.as_str())
            .collect();
        json!({
            "bureau": self.set.bureau(),
            "version": self.set.version(),
            "ruleCount": ids.len(),
            "ruleIds": ids,
            "note": self.note,
            "addedBy": self.added_by,
            "addedAt": self.added_at,
            "retiredBy": self.retired_by,
            "retiredAt": self.retired_at,
            "current": current,
        })
    }

    /// The summary with the rules themselves.
    #[must_use]
    pub fn full(&self, current: bool) -> Value {
        let mut v = self.summary(current);
        v["rules"] = json!(self.set.local().rules());
        v
    }
}

/// Why the rule store failed or refused.
#[derive(Debug, thiserror::Error)]
pub enum RuleStoreError {
    /// The bureau does not exist.
    #[error("no such bureau")]
    NoBureau,
    /// No such version of the bureau's rule set.
    #[error("no such rule set version")]
    NotFound,
    /// The version is retired already.
    #[error("that rule set version is retired already")]
    Retired,
    /// The database failed, or a stored rule set no longer reads (logged, never sent).
    #[error("rule store: {0}")]
    Storage(String),
}

impl From<rusqlite::Error> for RuleStoreError {
    fn from(e: rusqlite::Error) -> Self {
        RuleStoreError::Storage(e.to_string())
    }
}

impl RuleStoreError {
    /// A stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            RuleStoreError::NoBureau => "not_found",
            RuleStoreError::NotFound => "rule_set_not_found",
            RuleStoreError::Retired => "rule_set_retired",
            RuleStoreError::Storage(_) => "storage",
        }
    }
}

/// Where rule sets are kept. Methods block: call them from a blocking thread in async code.
pub trait RuleStore: Send + Sync + 'static {
    /// Stores `rules` (checked already) as the next version of `bureau`'s rule set: one more
    /// than its highest version so far, retired ones included.
    fn add(
        &self,
        bureau: &str,
        rules: &LocalRules,
        note: Option<&str>,
        by: &str,
        now_ms: i64,
    ) -> Result<RuleSetRecord, RuleStoreError>;

    /// Retires a version (it stays stored and readable, never current again); returns it.
    fn retire(
        &self,
        bureau: &str,
        version: u32,
        by: &str,
        now_ms: i64,
    ) -> Result<RuleSetRecord, RuleStoreError>;

    /// One version of a bureau's rule set.
    fn get(&self, bureau: &str, version: u32) -> Result<Option<RuleSetRecord>, RuleStoreError>;

    /// Every version of `bureau`'s rule set (of every bureau when `None`), by bureau then
    /// version.
    fn list(&self, bureau: Option<&str>) -> Result<Vec<RuleSetRecord>, RuleStoreError>;

    /// The current version of every bureau that has one (its highest version not retired).
    fn current_versions(&self) -> Result<Vec<(String, u32)>, RuleStoreError>;
}
