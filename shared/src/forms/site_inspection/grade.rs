//! The inspection's risk grade, by explainable rules: red, orange, yellow or blue (none fired),
//! with every rule that fired. The rules are this form's own and the same in every bureau: the
//! bureaus' local rule sets ([`crate::warning::RuleSet`]) are written against the dossier's
//! facts (parties, sums, threats) and do not apply here. There is no manual raise either.
//!
//! "Unrectified" means a hazard whose status is not 已整改; "overdue" an unrectified hazard
//! whose deadline is before today.

use chrono::NaiveDate;

use super::enums::{
    CheckResult, HazardCategory, HazardSeverity, HazardStatus, OutcomeResult, PersonReason,
    PlaceType, ReinspectionResult,
};
use super::model::{Hazard, Inspection};
use crate::model::Labelled;
use crate::warning::{FiredRule, Grade, Reason, RuleSource, WarningLevel};

/// One rule: id, level, reason (zh, en) and the test (the record, today).
#[derive(Debug)]
pub struct InspectionRule {
    /// Stable id (`inspection.red.explosives`).
    pub id: &'static str,
    /// Level it asks for.
    pub level: WarningLevel,
    /// Reason in Chinese.
    pub zh: &'static str,
    /// Reason in English.
    pub en: &'static str,
    /// Whether it fires.
    pub test: fn(&Inspection, NaiveDate) -> bool,
}

fn unrectified(r: &Inspection) -> impl Iterator<Item = &Hazard> {
    r.hazards
        .iter()
        .filter(|h| h.status != HazardStatus::Rectified)
}

/// Whether the place is one where many people gather (a fire there endangers lives).
fn crowded(r: &Inspection) -> bool {
    matches!(
        PlaceType::from_code(&r.place.kind),
        Some(
            PlaceType::Crowded
                | PlaceType::Entertainment
                | PlaceType::Hotel
                | PlaceType::InternetCafe
        )
    )
}

use WarningLevel::{Orange, Red, Yellow};

/// The rules that read the personal part (volume B): a partner mediator's view of a grade says
/// only that a volume-B rule fired ([`crate::access::redact_grade`]).
pub const READS_VOLUME_B: &[&str] = &["inspection.red.wanted_person"];

/// The rule table.
pub const RULES: &[InspectionRule] = &[
    InspectionRule {
        id: "inspection.red.explosives",
        level: Red,
        zh: "存在未整改的危爆物品隐患",
        en: "A dangerous-goods hazard is not rectified",
        test: |r, _| unrectified(r).any(|h| h.category == HazardCategory::Explosives),
    },
    InspectionRule {
        id: "inspection.red.serious_hazard",
        level: Red,
        zh: "存在未整改的重大隐患",
        en: "A serious hazard is not rectified",
        test: |r, _| unrectified(r).any(|h| h.severity == HazardSeverity::Serious),
    },
    InspectionRule {
        id: "inspection.red.wanted_person",
        level: Red,
        zh: "发现在逃人员",
        en: "A wanted person was found",
        test: |r, _| {
            r.volume_b
                .persons
                .iter()
                .any(|p| p.reason == PersonReason::Wanted)
        },
    },
    InspectionRule {
        id: "inspection.orange.overdue",
        level: Orange,
        zh: "隐患已超过整改期限仍未整改",
        en: "A hazard is past its rectification deadline",
        test: |r, today| unrectified(r).any(|h| h.deadline.is_some_and(|d| d < today)),
    },
    InspectionRule {
        id: "inspection.orange.crowded_fire",
        level: Orange,
        zh: "人员密集场所存在未整改的消防隐患",
        en: "A fire hazard is not rectified at a place where people gather",
        test: |r, _| crowded(r) && unrectified(r).any(|h| h.category == HazardCategory::Fire),
    },
    InspectionRule {
        id: "inspection.orange.suspended",
        level: Orange,
        zh: "场所被责令停业整顿",
        en: "The place was suspended for rectification",
        test: |r, _| {
            r.outcome
                .as_ref()
                .is_some_and(|o| o.result == OutcomeResult::Suspended)
        },
    },
    InspectionRule {
        id: "inspection.orange.reinspection_failed",
        level: Orange,
        zh: "复查仍不合格",
        en: "A re-inspection failed",
        test: |r, _| {
            r.hazards
                .iter()
                .any(|h| h.reinspection_result == Some(ReinspectionResult::Failed))
        },
    },
    InspectionRule {
        id: "inspection.yellow.open_hazard",
        level: Yellow,
        zh: "存在未整改的隐患",
        en: "A hazard is not rectified",
        test: |r, _| unrectified(r).next().is_some(),
    },
    InspectionRule {
        id: "inspection.yellow.failed_check",
        level: Yellow,
        zh: "有检查项目不合格",
        en: "A check failed",
        test: |r, _| r.checks.iter().any(|c| c.result == CheckResult::Fail),
    },
];

/// Grades an inspection record on `today` (overdue deadlines need it).
#[must_use]
pub fn grade(r: &Inspection, today: NaiveDate) -> Grade {
    let mut fired: Vec<FiredRule> = RULES
        .iter()
        .filter(|rule| (rule.test)(r, today))
        .map(|rule| FiredRule {
            id: rule.id.to_owned(),
            level: rule.level,
            source: RuleSource::Core,
            reason: Reason {
                zh: rule.zh.to_owned(),
                en: rule.en.to_owned(),
            },
        })
        .collect();
    fired.sort_by(|a, b| b.level.cmp(&a.level).then_with(|| a.id.cmp(&b.id)));
    let level = fired.first().map_or(WarningLevel::Blue, |f| f.level);
    Grade {
        level,
        computed: level,
        fired,
        ignored_raise: None,
        rule_set: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_name_their_level() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        for rule in RULES {
            assert!(
                rule.id
                    .starts_with(&format!("inspection.{}.", rule.level.code())),
                "{}",
                rule.id
            );
        }
    }
}
