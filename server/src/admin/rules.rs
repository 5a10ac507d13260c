//! The rule-set operations of the admin service (the "N" of 3+N): add a bureau's next version
//! (checked first: a set that does not pass [`LocalRules::from_json`] is refused with its
//! code, and the refusal recorded), list, show, retire. Every change is recorded in the audit
//! log with the SHA-256 of the rules as stored, and the server's rule book is refreshed at once.

use abjuan_shared::warning::{LocalRules, RulesError};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{now_ms, Admin, AdminError, Operator, CLI_OPERATOR};
use crate::audit::{AuditEvent, AuditKind};
use crate::auth::AuthError;
use crate::rules::{RuleSetRecord, RuleStoreError, MAX_RULES_BYTES};

/// Longest note an administrator may attach to a version.
const MAX_NOTE_CHARS: usize = 500;

/// A version of a rule set, and whether it is its bureau's current one.
#[derive(Debug, Clone)]
pub struct ListedRuleSet {
    /// The stored version.
    pub record: RuleSetRecord,
    /// Whether it is the bureau's current version.
    pub current: bool,
}

/// What retiring a version did.
#[derive(Debug, Clone)]
pub struct Retired {
    /// The version, as stored now.
    pub record: RuleSetRecord,
    /// The bureau's current version afterwards (`None`: core rules only).
    pub current: Option<u32>,
}

impl Admin {
    /// The bureau an operation is about: the one named, else the API caller's own.
    fn rules_bureau<'a>(op: Operator<'a>, bureau: Option<&'a str>) -> Result<&'a str, AdminError> {
        bureau
            .or(op.scope())
            .ok_or(AdminError::Account(AuthError::Invalid("give a bureau")))
    }

    /// `bureau`'s current version, from the store.
    fn current_version(&self, bureau: &str) -> Result<Option<u32>, AdminError> {
        Ok(self
            .rules
            .current_versions()?
            .into_iter()
            .find(|(b, _)| b == bureau)
            .map(|(_, v)| v))
    }

    /// Tells the server's rule book (when there is one in this process) at once.
    fn refresh_book(&self) {
        if let Some(book) = &self.book {
            if let Err(e) = book.refresh() {
                tracing::error!(error = %e, "rule book refresh after a change failed");
            }
        }
    }

    /// Checks `text` (the rules as JSON, `{"rules": [...]}`; `bureau`, `version` and `note`
    /// in it are ignored: the server decides the first two, the note comes apart) and stores
    /// it as `bureau`'s next version, which becomes its current one. A refusal is recorded.
    pub fn add_rules(
        &self,
        op: Operator<'_>,
        bureau: Option<&str>,
        text: &[u8],
        note: Option<&str>,
    ) -> Result<RuleSetRecord, AdminError> {
        let bureau = Self::rules_bureau(op, bureau)?;
        self.authorise(op, Some(bureau), "add_rules")?;
        let note = match note.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) if n.chars().count() > MAX_NOTE_CHARS || n.chars().any(char::is_control) => {
                return Err(AuthError::Invalid("note: up to 500 characters, one line").into())
            }
            other => other,
        };
        let checked = if text.len() > MAX_RULES_BYTES {
            Err(RulesError::TooLarge("rule set text over 256 KiB"))
        } else {
            std::str::from_utf8(text)
                .map_err(|_| RulesError::Invalid("the rule set is not UTF-8 text".into()))
                .and_then(LocalRules::from_json)
        };
        let rules = match checked {
            Ok(rules) => rules,
            Err(e) => {
                self.record(
                    op,
                    AuditEvent::new(AuditKind::RuleSetRefused)
                        .bureau(bureau)
                        .subject("rules")
                        .detail(json!({ "code": e.code(), "why": e.to_string() })),
                )?;
                return Err(AdminError::Rules(e));
            }
        };
        let by = match op {
            Operator::Cli => CLI_OPERATOR,
            Operator::Caller(c) => c.person.as_str(),
        };
        let record = self.rules.add(bureau, &rules, note, by, now_ms())?;
        let stored = serde_json::to_string(record.set.local()).unwrap_or_default();
        let ids: Vec<&str> = rules.rules().iter().map(|r| r.id.as_str()).collect();
        self.record(
            op,
            AuditEvent::new(AuditKind::RuleSetAdded)
                .bureau(bureau)
                .subject(&format!("rules/v{}", record.set.version()))
                .detail(json!({
                    "version": record.set.version(),
                    "ruleIds": ids,
                    "sha256": hex::encode(Sha256::digest(stored.as_bytes())),
                    "note": note,
                })),
        )?;
        self.refresh_book();
        Ok(record)
    }

    /// Every version of `bureau`'s rule set (`None`: the API caller's own bureau, or every
    /// bureau), each marked current or not.
    pub fn list_rules(
        &self,
        op: Operator<'_>,
        bureau: Option<&str>,
    ) -> Result<Vec<ListedRuleSet>, AdminError> {
        self.authorise(op, bureau, "list_rules")?;
        let store = &self.rules;
        let currents = store.current_versions()?;
        Ok(store
            .list(bureau.or(op.scope()))?
            .into_iter()
            .map(|record| {
                let current = currents
                    .iter()
                    .any(|(b, v)| b == record.set.bureau() && *v == record.set.version());
                ListedRuleSet { record, current }
            })
            .collect())
    }

    /// One version of `bureau`'s rule set (`version` `None`: the current one).
    pub fn show_rules(
        &self,
        op: Operator<'_>,
        bureau: Option<&str>,
        version: Option<u32>,
    ) -> Result<ListedRuleSet, AdminError> {
        let bureau = Self::rules_bureau(op, bureau)?;
        self.authorise(op, Some(bureau), "show_rules")?;
        let current = self.current_version(bureau)?;
        let version = version.or(current).ok_or(RuleStoreError::NotFound)?;
        let record = self
            .rules
            .get(bureau, version)?
            .ok_or(RuleStoreError::NotFound)?;
        Ok(ListedRuleSet {
            record,
            current: current == Some(version),
        })
    }

    /// Retires a version of `bureau`'s rule set for good. When it was the current one, the
    /// bureau's highest version not retired becomes current (none left: core rules only).
    pub fn retire_rules(
        &self,
        op: Operator<'_>,
        bureau: Option<&str>,
        version: u32,
    ) -> Result<Retired, AdminError> {
        let bureau = Self::rules_bureau(op, bureau)?;
        self.authorise(op, Some(bureau), "retire_rules")?;
        let by = match op {
            Operator::Cli => CLI_OPERATOR,
            Operator::Caller(c) => c.person.as_str(),
        };
        let record = self.rules.retire(bureau, version, by, now_ms())?;
        let current = self.current_version(bureau)?;
        self.record(
            op,
            AuditEvent::new(AuditKind::RuleSetRetired)
                .bureau(bureau)
                .subject(&format!("rules/v{version}"))
                .detail(json!({ "version": version, "current": current })),
        )?;
        self.refresh_book();
        Ok(Retired { record, current })
    }
}

impl From<RuleStoreError> for AdminError {
    fn from(e: RuleStoreError) -> Self {
        AdminError::RuleStore(e)
    }
}
