//! Views for people who may not see volume B: nothing of it leaves, in any form (JSON, report,
//! conflicts, history, grade reasons).

use serde_json::Value;

use crate::doc::{Conflict, Volume};
use crate::validate::Report;
use crate::warning::{Grade, Reason};

fn is_b(path: &str) -> bool {
    path == "/volumeB" || path.starts_with("/volumeB/")
}

/// Removes volume B from dossier JSON.
pub fn redact_dossier_json(json: &mut Value) {
    if let Value::Object(m) = json {
        m.shift_remove("volumeB");
    }
}

/// Removes issues about volume B fields (their params could carry what B says).
pub fn redact_report(report: &mut Report) {
    report.issues.retain(|i| !is_b(&i.path));
}

/// Removes conflicts in document B.
pub fn redact_conflicts(conflicts: &mut Vec<Conflict>) {
    conflicts.retain(|c| c.volume != Volume::B && !is_b(&c.path));
}

/// Removes volume-B paths from a history entry's touched fields.
pub fn redact_history_paths(paths: &mut Vec<String>) {
    paths.retain(|p| !is_b(p));
}

/// Core rules that read volume B keep their level, but say only that a party risk factor
/// recorded in volume B fired, not which.
pub fn redact_grade(grade: &mut Grade) {
    for fired in &mut grade.fired {
        if reads_volume_b(&fired.id) {
            fired.id = "volume_b_risk".into();
            fired.reason = Reason {
                zh: "当事人风险因素（B卷，仅民警可见）".into(),
                en: "Party risk factors (volume B, officers only)".into(),
            };
        }
    }
    grade
        .fired
        .dedup_by(|a, b| a.id == b.id && a.level == b.level);
}

fn reads_volume_b(rule: &str) -> bool {
    if rule.starts_with("inspection.") {
        return crate::forms::site_inspection::grade::READS_VOLUME_B.contains(&rule);
    }
    matches!(
        rule,
        "core.red.threat"
            | "core.red.self_harm"
            | "core.red.weapons"
            | "core.orange.violence_repeat"
            | "core.orange.volatile_party"
            | "core.yellow.risky_party"
    ) || !rule.starts_with("core.") && rule != "manual_raise"
}
