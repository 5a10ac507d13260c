//! The warning grade (分级预警): red, orange, yellow or blue, with the rules that fired.
//!
//! "3+N": a fixed set of core rules ([`core`], in Rust, the same in every bureau) plus N local
//! rules a bureau supplies as JSON data ([`LocalRules`]), without a new release, published as
//! versions of its [`RuleSet`]; every grade names the rule set it used. The level is
//! the highest level of any fired rule (blue when none fires). An officer's manual raise
//! ([`crate::model::WarningRaise`]) counts only when it is higher: the grade can be raised by
//! hand, never lowered, and no rule can lower it either.

pub mod core;
pub mod local;
pub mod rule_set;

use serde::{Deserialize, Serialize};

pub use crate::model::WarningLevel;
use crate::model::{Dossier, Timestamp};
pub use local::{Condition, LocalRule, LocalRules, RulesError};
pub use rule_set::{RuleSet, RuleSetId};

/// A reason in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// Where a fired rule came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleSource {
    /// The fixed core set.
    Core,
    /// The bureau's local rules.
    Local,
    /// An officer's manual raise.
    Manual,
}

/// One rule that fired, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiredRule {
    /// Stable rule id (`core.red.weapons`, a bureau's own id, or `manual_raise`).
    pub id: String,
    /// The level this rule asks for.
    pub level: WarningLevel,
    /// Core, local or manual.
    pub source: RuleSource,
    /// Why, in words an officer understands.
    pub reason: Reason,
}

/// A dossier's warning grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grade {
    /// The level in force: the computed one, or a higher manual raise.
    pub level: WarningLevel,
    /// The level the rules alone give.
    pub computed: WarningLevel,
    /// Every rule that fired, highest level first (then by id).
    pub fired: Vec<FiredRule>,
    /// A manual raise that was at or below the computed level, so changed nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignored_raise: Option<IgnoredRaise>,
    /// The bureau rule set whose local rules were applied (absent: core rules only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule_set: Option<RuleSetId>,
}

/// A manual raise that did not raise anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IgnoredRaise {
    /// The level asked for.
    pub level: WarningLevel,
    /// When it was asked.
    pub at: Timestamp,
}

/// Grades a dossier with the core rules and, when given, a bureau's rule set (its local
/// rules); the grade names the rule set.
#[must_use]
pub fn grade(dossier: &Dossier, rule_set: Option<&RuleSet>) -> Grade {
    let mut fired = core::fire(dossier);
    if let Some(set) = rule_set {
        fired.extend(set.local().fire(dossier));
    }
    let computed = fired
        .iter()
        .map(|f| f.level)
        .max()
        .unwrap_or(WarningLevel::Blue);
    let mut level = computed;
    let mut ignored_raise = None;
    if let Some(raise) = &dossier.header.warning_raise {
        if raise.level > computed {
            level = raise.level;
            fired.push(FiredRule {
                id: "manual_raise".into(),
                level: raise.level,
                source: RuleSource::Manual,
                reason: Reason {
                    zh: format!("{}手动提升：{}", raise.by, raise.reason),
                    en: format!("Raised by {}: {}", raise.by, raise.reason),
                },
            });
        } else {
            ignored_raise = Some(IgnoredRaise {
                level: raise.level,
                at: raise.at,
            });
        }
    }
    fired.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.id.cmp(&b.id)));
    Grade {
        level,
        computed,
        fired,
        ignored_raise,
        rule_set: rule_set.map(RuleSet::id),
    }
}
