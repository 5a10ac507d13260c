//! The core warning rules, the same in every bureau. Each has a stable id, a level and a
//! reason; [`RULES`] is the table (the README lists it).

use super::{FiredRule, Reason, RuleSource, WarningLevel};
use crate::model::{Dossier, Party};

/// One core rule: id, level, reason (zh, en) and the test.
#[derive(Debug)]
pub struct CoreRule {
    /// Stable id.
    pub id: &'static str,
    /// Level it asks for.
    pub level: WarningLevel,
    /// Reason in Chinese.
    pub zh: &'static str,
    /// Reason in English.
    pub en: &'static str,
    /// Whether it fires.
    pub test: fn(&Dossier) -> bool,
}

fn any_party(d: &Dossier, f: impl Fn(&Party) -> bool) -> bool {
    d.volume_b.as_ref().is_some_and(|b| b.parties.iter().any(f))
}

use WarningLevel::{Orange, Red, Yellow};

/// The core rule table.
pub const RULES: &[CoreRule] = &[
    CoreRule {
        id: "core.red.threat",
        level: Red,
        zh: "当事人扬言杀人或报复",
        en: "A party threatens to kill or take revenge",
        test: |d| any_party(d, |p| p.risk.threatens_revenge),
    },
    CoreRule {
        id: "core.red.self_harm",
        level: Red,
        zh: "当事人扬言轻生",
        en: "A party threatens self-harm",
        test: |d| any_party(d, |p| p.risk.threatens_self_harm),
    },
    CoreRule {
        id: "core.red.weapons",
        level: Red,
        zh: "当事人持有或可能使用凶器",
        en: "A party has weapons at hand",
        test: |d| any_party(d, |p| p.risk.weapons),
    },
    CoreRule {
        id: "core.red.injury",
        level: Red,
        zh: "已造成人身伤害",
        en: "Someone has already been injured",
        test: |d| d.header.facts.injury_occurred,
    },
    CoreRule {
        id: "core.red.group_confrontation",
        level: Red,
        zh: "发生群体对峙",
        en: "Groups are confronting each other",
        test: |d| d.header.facts.group_confrontation,
    },
    CoreRule {
        id: "core.orange.violence_repeat",
        level: Orange,
        zh: "有暴力史且多次报警",
        en: "History of violence and repeated calls",
        test: |d| d.header.facts.prior_calls >= 1 && any_party(d, |p| p.risk.violence_history),
    },
    CoreRule {
        id: "core.orange.large_group",
        level: Orange,
        zh: "涉及人数众多（10人及以上）",
        en: "Many people involved (10 or more)",
        test: |d| d.header.facts.people_involved >= 10,
    },
    CoreRule {
        id: "core.orange.large_sum",
        level: Orange,
        zh: "涉及金额巨大（10万元及以上）",
        en: "Large sums involved (100,000 yuan or more)",
        test: |d| d.header.facts.amount_yuan.is_some_and(|a| a >= 100_000),
    },
    CoreRule {
        id: "core.orange.volatile_party",
        level: Orange,
        zh: "当事人有精神疾病且酗酒或言语极端",
        en: "A party with mental illness who drinks or makes extreme statements",
        test: |d| {
            any_party(d, |p| {
                p.risk.mental_illness && (p.risk.alcohol || p.risk.extreme_statements)
            })
        },
    },
    CoreRule {
        id: "core.yellow.repeat_calls",
        level: Yellow,
        zh: "同一纠纷多次报警（2次及以上）",
        en: "Repeated calls about the same dispute (2 or more)",
        test: |d| d.header.facts.prior_calls >= 2,
    },
    CoreRule {
        id: "core.yellow.escalating",
        level: Yellow,
        zh: "矛盾有激化趋势",
        en: "The dispute is escalating",
        test: |d| d.header.facts.escalating,
    },
    CoreRule {
        id: "core.yellow.flared_up",
        level: Yellow,
        zh: "回访发现纠纷反复",
        en: "A follow-up found the dispute flaring up again",
        test: |d| d.volume_a.follow_ups.iter().any(|f| f.flared_up),
    },
    CoreRule {
        id: "core.yellow.risky_party",
        level: Yellow,
        zh: "当事人有暴力史、酗酒、反复上访或言语极端",
        en: "A party with violence history, alcohol, repeated petitioning or extreme statements",
        test: |d| {
            any_party(d, |p| {
                p.risk.violence_history
                    || p.risk.alcohol
                    || p.risk.repeated_petitioning
                    || p.risk.extreme_statements
            })
        },
    },
];

/// The core rules that fire for `d`.
#[must_use]
pub fn fire(d: &Dossier) -> Vec<FiredRule> {
    RULES
        .iter()
        .filter(|r| (r.test)(d))
        .map(|r| FiredRule {
            id: r.id.to_owned(),
            level: r.level,
            source: RuleSource::Core,
            reason: Reason {
                zh: r.zh.to_owned(),
                en: r.en.to_owned(),
            },
        })
        .collect()
}
