//! A bureau's published rule set: its local rules ([`LocalRules`]) under a version number.
//! The server keeps every version an administrator added and grades with the bureau's current
//! one; the phone fetches that same set and grades offline with it; every [`super::Grade`]
//! names the set it used ([`RuleSetId`]), so two grades can be compared knowingly.
//!
//! As JSON (what `GET /v1/rules` returns and the WASM `grade` takes):
//!
//! ```json
//! {"bureau": "yongji", "version": 3, "rules": [{"id": "yongji.debt_over_50k", "…": "…"}]}
//! ```
//!
//! `bureau` and `version` may be left out (a page passing rules of its own, as before rule
//! sets were versioned): such a set is bureau `""`, version 0, and grades name it so. Versions
//! a server publishes start at 1.

use serde::{Deserialize, Serialize};

use super::{LocalRule, LocalRules, RulesError};

/// Which rule set a grade used: the bureau and the version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RuleSetId {
    /// The bureau's code (`""`: rules a page supplied itself).
    pub bureau: String,
    /// The version (0: not a published version).
    pub version: u32,
}

/// A versioned set of a bureau's local rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "RuleSetJson", try_from = "RuleSetJson")]
pub struct RuleSet {
    bureau: String,
    version: u32,
    rules: LocalRules,
}

/// The JSON form, checked on the way in.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RuleSetJson {
    #[serde(default)]
    bureau: String,
    #[serde(default)]
    version: u32,
    rules: Vec<LocalRule>,
}

impl From<RuleSet> for RuleSetJson {
    fn from(set: RuleSet) -> Self {
        Self {
            bureau: set.bureau,
            version: set.version,
            rules: set.rules.into_rules(),
        }
    }
}

impl TryFrom<RuleSetJson> for RuleSet {
    type Error = RulesError;

    fn try_from(json: RuleSetJson) -> Result<Self, RulesError> {
        Ok(Self {
            bureau: json.bureau,
            version: json.version,
            rules: LocalRules::new(json.rules)?,
        })
    }
}

impl RuleSet {
    /// Version `version` of `bureau`'s rule set, made of `rules` (checked already).
    #[must_use]
    pub fn new(bureau: impl Into<String>, version: u32, rules: LocalRules) -> Self {
        Self {
            bureau: bureau.into(),
            version,
            rules,
        }
    }

    /// Parses and checks a rule set (`{bureau?, version?, rules}`), with the codes of
    /// [`LocalRules::from_json`].
    pub fn from_json(json: &str) -> Result<Self, RulesError> {
        let raw: RuleSetJson =
            serde_json::from_str(json).map_err(|e| RulesError::Invalid(e.to_string()))?;
        Self::try_from(raw)
    }

    /// The bureau.
    #[must_use]
    pub fn bureau(&self) -> &str {
        &self.bureau
    }

    /// The version.
    #[must_use]
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Bureau and version, as a grade names them.
    #[must_use]
    pub fn id(&self) -> RuleSetId {
        RuleSetId {
            bureau: self.bureau.clone(),
            version: self.version,
        }
    }

    /// The local rules.
    #[must_use]
    pub fn local(&self) -> &LocalRules {
        &self.rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE_RULE: &str = r#"{"id": "yongji.debt", "level": "orange",
        "reason": {"zh": "债务", "en": "Debt"},
        "when": {"path": "/header/category", "op": "eq", "value": "debt"}}"#;

    #[test]
    fn a_rule_set_reads_and_writes_the_same_json() {
        let text = format!(r#"{{"bureau": "yongji", "version": 3, "rules": [{ONE_RULE}]}}"#);
        let set = RuleSet::from_json(&text).expect("reads");
        assert_eq!(
            set.id(),
            RuleSetId {
                bureau: "yongji".into(),
                version: 3
            }
        );
        assert_eq!(set.local().rules().len(), 1);
        let again = RuleSet::from_json(&serde_json::to_string(&set).expect("json")).expect("reads");
        assert_eq!(again, set);
    }

    #[test]
    fn bare_local_rules_are_an_unpublished_set() {
        let set = RuleSet::from_json(&format!(r#"{{"rules": [{ONE_RULE}]}}"#)).expect("reads");
        assert_eq!((set.bureau(), set.version()), ("", 0));
    }

    #[test]
    fn a_bad_set_is_refused_with_the_code_of_its_fault() {
        let code = |text: &str| RuleSet::from_json(text).expect_err("refused").code();
        assert_eq!(code("{"), "rules_invalid");
        assert_eq!(
            code(r#"{"bureau": "yongji", "version": -1, "rules": []}"#),
            "rules_invalid"
        );
        let dup =
            format!(r#"{{"bureau": "yongji", "version": 1, "rules": [{ONE_RULE}, {ONE_RULE}]}}"#);
        assert_eq!(code(&dup), "rules_bad_id");
        let bad_path = ONE_RULE.replace("/header/category", "header");
        assert_eq!(
            code(&format!(r#"{{"rules": [{bad_path}]}}"#)),
            "rules_bad_path"
        );
    }
}
