//! Local warning rules: the "N" of "3+N". A bureau writes them as JSON; they are checked once
//! when loaded ([`LocalRules::from_json`]) and then evaluated against the dossier's JSON form.
//!
//! ```json
//! {"rules": [{
//!   "id": "yongji.debt_over_50k", "level": "orange",
//!   "reason": {"zh": "债务纠纷金额超过5万元", "en": "Debt dispute over 50,000 yuan"},
//!   "when": {"all": [
//!     {"path": "/header/category", "op": "eq", "value": "debt"},
//!     {"path": "/header/facts/amountYuan", "op": "gte", "value": 50000}
//!   ]}
//! }]}
//! ```
//!
//! A `path` is a JSON pointer in which `*` matches every element of a list
//! (`/volumeB/parties/*/vulnerable/elderly`); a test holds when any value found satisfies it.
//! Operators: `eq`, `ne`, `gt`, `gte`, `lt`, `lte` (numbers, or strings such as dates),
//! `in` (value is a list), `contains` (substring), `exists`, `truthy`, `len_gte`, `len_lte`
//! (length of a list or string). Combinators: `all`, `any`, `not`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{FiredRule, Reason, RuleSource, WarningLevel};
use crate::model::Dossier;

/// Most local rules a bureau may have.
pub const MAX_RULES: usize = 200;
/// Deepest nesting of `all`/`any`/`not`.
pub const MAX_DEPTH: usize = 16;

/// Why a set of local rules was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RulesError {
    /// Not JSON of the documented shape.
    #[error("local rules are not valid: {0}")]
    Invalid(String),
    /// Two rules with one id, or an id reserved for core rules.
    #[error("rule id {0:?} is duplicated or reserved")]
    BadId(String),
    /// Too many rules or too deep conditions.
    #[error("local rules exceed a limit: {0}")]
    TooLarge(&'static str),
    /// A path is not a JSON pointer.
    #[error("rule {0:?} has a path that is not a JSON pointer")]
    BadPath(String),
}

impl RulesError {
    /// Stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "rules_invalid",
            Self::BadId(_) => "rules_bad_id",
            Self::TooLarge(_) => "rules_too_large",
            Self::BadPath(_) => "rules_bad_path",
        }
    }
}

/// A bureau's local rules.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LocalRules {
    rules: Vec<LocalRule>,
}

/// One local rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalRule {
    /// Stable id (not starting with `core.`).
    pub id: String,
    /// Level when it fires.
    pub level: WarningLevel,
    /// Why, in both languages.
    pub reason: Reason,
    /// When it fires.
    pub when: Condition,
}

/// A condition over the dossier's JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Condition {
    /// Every sub-condition holds.
    All {
        /// Sub-conditions.
        all: Vec<Condition>,
    },
    /// At least one holds.
    Any {
        /// Sub-conditions.
        any: Vec<Condition>,
    },
    /// The sub-condition does not hold.
    Not {
        /// Sub-condition.
        not: Box<Condition>,
    },
    /// A test on the values at a path.
    Test(Test),
}

/// A test on the values at a path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Test {
    /// JSON pointer, `*` for every list element.
    pub path: String,
    /// Operator.
    pub op: Op,
    /// Operand (unused by `exists` and `truthy`).
    #[serde(default)]
    pub value: Value,
}

/// Test operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    Contains,
    Exists,
    Truthy,
    LenGte,
    LenLte,
}

impl LocalRules {
    /// Parses and checks a bureau's rules.
    pub fn from_json(json: &str) -> Result<Self, RulesError> {
        let rules: Self =
            serde_json::from_str(json).map_err(|e| RulesError::Invalid(e.to_string()))?;
        rules.check()?;
        Ok(rules)
    }

    /// Builds from rules already in memory, with the same checks.
    pub fn new(rules: Vec<LocalRule>) -> Result<Self, RulesError> {
        let rules = Self { rules };
        rules.check()?;
        Ok(rules)
    }

    fn check(&self) -> Result<(), RulesError> {
        if self.rules.len() > MAX_RULES {
            return Err(RulesError::TooLarge("more than 200 rules"));
        }
        let mut ids = std::collections::HashSet::new();
        for rule in &self.rules {
            let id = rule.id.as_str();
            if id.is_empty() || id.len() > 64 || id.starts_with("core.") || id == "manual_raise" {
                return Err(RulesError::BadId(rule.id.clone()));
            }
            if !ids.insert(id) {
                return Err(RulesError::BadId(rule.id.clone()));
            }
            check_condition(&rule.when, 0, id)?;
        }
        Ok(())
    }

    /// Whether there are no rules.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules.
    #[must_use]
    pub fn rules(&self) -> &[LocalRule] {
        &self.rules
    }

    /// The rules, given back.
    #[must_use]
    pub fn into_rules(self) -> Vec<LocalRule> {
        self.rules
    }

    /// The local rules that fire for `d`.
    #[must_use]
    pub fn fire(&self, d: &Dossier) -> Vec<FiredRule> {
        if self.rules.is_empty() {
            return Vec::new();
        }
        self.fire_json(&serde_json::to_value(d).unwrap_or(Value::Null))
    }

    /// The local rules that fire for a dossier already in its JSON form (a caller that keeps
    /// one up to date saves the conversion [`LocalRules::fire`] makes).
    #[must_use]
    pub fn fire_json(&self, doc: &Value) -> Vec<FiredRule> {
        self.rules
            .iter()
            .filter(|r| r.when.holds(doc))
            .map(|r| FiredRule {
                id: r.id.clone(),
                level: r.level,
                source: RuleSource::Local,
                reason: r.reason.clone(),
            })
            .collect()
    }
}

fn check_condition(c: &Condition, depth: usize, id: &str) -> Result<(), RulesError> {
    if depth > MAX_DEPTH {
        return Err(RulesError::TooLarge("conditions nested more than 16 deep"));
    }
    match c {
        Condition::All { all: list } | Condition::Any { any: list } => list
            .iter()
            .try_for_each(|c| check_condition(c, depth + 1, id)),
        Condition::Not { not } => check_condition(not, depth + 1, id),
        Condition::Test(t) if !t.path.is_empty() && !t.path.starts_with('/') => {
            Err(RulesError::BadPath(id.to_owned()))
        }
        Condition::Test(_) => Ok(()),
    }
}

impl Condition {
    /// Whether the condition holds for a dossier's JSON form.
    #[must_use]
    pub fn holds(&self, doc: &Value) -> bool {
        match self {
            Self::All { all } => all.iter().all(|c| c.holds(doc)),
            Self::Any { any } => any.iter().any(|c| c.holds(doc)),
            Self::Not { not } => !not.holds(doc),
            Self::Test(t) => {
                let mut segments = t.path.split('/');
                segments.next(); // the empty text before the leading '/'
                any_at(doc, segments, &|v| t.op.apply(v, &t.value))
            }
        }
    }
}

/// Whether any value at the rest of a path (`*`: every list element) satisfies `test`; stops
/// at the first that does.
fn any_at<'p>(
    at: &Value,
    mut segments: impl Iterator<Item = &'p str> + Clone,
    test: &dyn Fn(&Value) -> bool,
) -> bool {
    let Some(first) = segments.next() else {
        return test(at);
    };
    match (first, at) {
        ("*", Value::Array(items)) => items.iter().any(|v| any_at(v, segments.clone(), test)),
        (key, Value::Object(map)) => {
            let found = if key.contains('~') {
                map.get(&key.replace("~1", "/").replace("~0", "~"))
            } else {
                map.get(key)
            };
            found.is_some_and(|v| any_at(v, segments, test))
        }
        (index, Value::Array(items)) => index
            .parse::<usize>()
            .ok()
            .and_then(|i| items.get(i))
            .is_some_and(|v| any_at(v, segments, test)),
        _ => false,
    }
}

impl Op {
    fn apply(self, found: &Value, operand: &Value) -> bool {
        use std::cmp::Ordering;
        let order = || match (found, operand) {
            (Value::Number(a), Value::Number(b)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
            (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
            _ => None,
        };
        let len = || match found {
            Value::Array(a) => Some(a.len() as f64),
            Value::String(s) => Some(s.chars().count() as f64),
            _ => None,
        };
        match self {
            Self::Eq => found == operand,
            Self::Ne => found != operand,
            Self::Gt => order() == Some(Ordering::Greater),
            Self::Gte => matches!(order(), Some(Ordering::Greater | Ordering::Equal)),
            Self::Lt => order() == Some(Ordering::Less),
            Self::Lte => matches!(order(), Some(Ordering::Less | Ordering::Equal)),
            Self::In => operand.as_array().is_some_and(|list| list.contains(found)),
            Self::Contains => match (found, operand) {
                (Value::String(s), Value::String(sub)) => s.contains(sub.as_str()),
                (Value::Array(items), v) => items.contains(v),
                _ => false,
            },
            Self::Exists => !found.is_null(),
            Self::Truthy => match found {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => !a.is_empty(),
                Value::Object(o) => !o.is_empty(),
            },
            Self::LenGte => len().zip(operand.as_f64()).is_some_and(|(l, n)| l >= n),
            Self::LenLte => len().zip(operand.as_f64()).is_some_and(|(l, n)| l <= n),
        }
    }
}
