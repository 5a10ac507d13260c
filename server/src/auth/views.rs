//! What a caller is shown: volume B taken out of every view for those who may not see it
//! (with [`abjuan_shared::access`]'s `redact_*`), and people (person, name, device) in place of
//! automerge actor ids in history and conflicts.

use std::collections::HashMap;

use abjuan_shared::access::{redact_conflicts, redact_grade, redact_history_paths, redact_report};
use abjuan_shared::doc::{Conflict, HistoryEntry};
use abjuan_shared::{Grade, Report};
use serde_json::{json, Value};

use super::Owner;

fn person_json(owner: Option<&Owner>) -> Value {
    owner.map_or(
        Value::Null,
        |o| json!({ "person": o.person, "name": o.name, "device": o.device }),
    )
}

/// The assessment JSON (`{report, grade, conflicts}`) as the caller may see it. A part that
/// does not parse back is dropped rather than risked.
#[must_use]
pub fn assessment_for(assessment: &Value, sees_b: bool) -> Value {
    let mut v = assessment.clone();
    if sees_b {
        return v;
    }
    let Some(obj) = v.as_object_mut() else {
        return Value::Null;
    };
    if let Some(r) = obj.get_mut("report") {
        *r = serde_json::from_value::<Report>(r.clone())
            .ok()
            .and_then(|mut report| {
                redact_report(&mut report);
                serde_json::to_value(report).ok()
            })
            .unwrap_or(Value::Null);
    }
    if let Some(g) = obj.get_mut("grade") {
        *g = serde_json::from_value::<Option<Grade>>(g.clone())
            .ok()
            .and_then(|grade| {
                let mut grade = grade?;
                redact_grade(&mut grade);
                serde_json::to_value(grade).ok()
            })
            .unwrap_or(Value::Null);
    }
    if let Some(c) = obj.get_mut("conflicts") {
        *c = serde_json::from_value::<Vec<Conflict>>(c.clone())
            .ok()
            .and_then(|mut list| {
                redact_conflicts(&mut list);
                serde_json::to_value(list).ok()
            })
            .unwrap_or_else(|| json!([]));
    }
    v
}

/// The actor ids of a conflicts list (JSON).
#[must_use]
pub fn conflict_actors(conflicts: &Value) -> Vec<String> {
    let mut out: Vec<String> = conflicts
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["values"].as_array().into_iter().flatten())
        .filter_map(|v| v["actor"].as_str().map(str::to_owned))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Names the author of every conflicting value (`by: {person, name, device}`); drops the
/// actor id unless `keep_actor` (a phone matches its own actor id to mark its own value).
pub fn name_conflict_authors(
    conflicts: &mut Value,
    owners: &HashMap<String, Owner>,
    keep_actor: bool,
) {
    for c in conflicts.as_array_mut().into_iter().flatten() {
        for v in c
            .get_mut("values")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let Some(obj) = v.as_object_mut() else {
                continue;
            };
            let actor = obj.get("actor").and_then(Value::as_str).map(str::to_owned);
            let by = person_json(actor.as_deref().and_then(|a| owners.get(a)));
            obj.insert("by".into(), by);
            if !keep_actor {
                obj.shift_remove("actor");
            }
        }
    }
}

/// One history entry as shown: who wrote it (from the actor id's device) and who uploaded it
/// when (from the server's records), never the actor id itself.
#[must_use]
pub fn history_entry(
    mut entry: HistoryEntry,
    author: Option<&Owner>,
    uploaded: Option<(&Owner, i64)>,
    uploaded_device: Option<(&str, i64)>,
    sees_b: bool,
) -> Value {
    if !sees_b {
        redact_history_paths(&mut entry.paths);
    }
    let (uploaded_by, received_at) = match (uploaded, uploaded_device) {
        (Some((o, at)), _) => (person_json(Some(o)), Some(at)),
        (None, Some((device, at))) => (json!({ "device": device }), Some(at)),
        (None, None) => (Value::Null, None),
    };
    json!({
        "hash": entry.hash,
        "seq": entry.seq,
        "time": entry.time,
        "message": entry.message,
        "paths": entry.paths,
        "author": person_json(author),
        "uploadedBy": uploaded_by,
        "receivedAt": received_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_b_leaves_no_trace_in_an_assessment() {
        let assessment = json!({
            "report": {"valid": false, "stage": "rules", "issues": [
                {"path": "/volumeB/parties/0/idNumber", "code": "id_number_checksum",
                 "severity": "error", "params": {}, "message": "x"},
                {"path": "/header/summary", "code": "required", "severity": "error",
                 "params": {}, "message": "y"}
            ]},
            "grade": null,
            "conflicts": [
                {"path": "/volumeB/parties/0/mobile", "volume": "b", "values": [
                    {"value": "13800138000", "actor": "aa", "winner": true}]},
                {"path": "/header/summary", "volume": "a", "values": [
                    {"value": "s", "actor": "aa", "winner": true}]}
            ]
        });
        let shown = assessment_for(&assessment, false);
        let text = shown.to_string();
        assert!(!text.contains("volumeB"), "{text}");
        assert!(!text.contains("13800138000"));
        assert_eq!(shown["conflicts"].as_array().map(Vec::len), Some(1));
        assert_eq!(assessment_for(&assessment, true), assessment);
    }

    #[test]
    fn conflicts_name_people() {
        let mut c = json!([{"path": "/header/summary", "volume": "a", "values": [
            {"value": "s", "actor": "aa", "winner": true},
            {"value": "t", "actor": "bb", "winner": false}]}]);
        assert_eq!(conflict_actors(&c), vec!["aa".to_owned(), "bb".to_owned()]);
        let owners = HashMap::from([(
            "aa".to_owned(),
            Owner {
                device: "d1".into(),
                person: "wang".into(),
                name: "王".into(),
            },
        )]);
        name_conflict_authors(&mut c, &owners, false);
        assert_eq!(c[0]["values"][0]["by"]["name"], "王");
        assert!(c[0]["values"][0].get("actor").is_none());
        assert_eq!(c[0]["values"][1]["by"], Value::Null);
    }
}
