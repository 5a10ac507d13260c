//! Property: two officers fill one inspection record offline on two phones, each adding
//! hazards (and a person of interest) to their own copy; once the copies are merged both ways,
//! both phones hold every hazard and every person, and byte-identical JSON.

#![allow(clippy::unwrap_used)]

mod common;

use abjuan_shared::doc::DossierDocs;
use automerge::ActorId;
use proptest::prelude::*;
use serde_json::{json, Value};

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16].as_slice())
}

fn base() -> Value {
    common::read_json(
        &common::fixtures().join("site_inspection/valid/rectifying-internet-cafe.json"),
    )
}

/// A hazard phone `phone` adds as its `n`th.
fn hazard(phone: u8, n: usize, severity: usize) -> Value {
    let category = ["fire", "theft", "licence"][n % 3];
    let severity = ["minor", "major", "serious"][severity % 3];
    json!({
        "id": format!("0194b000-0000-7000-8000-{phone:04x}{n:08x}"),
        "category": category,
        "description": format!("第{phone}部手机发现的隐患{n}"),
        "severity": severity,
        "deadline": "2025-02-10",
        "status": "open",
    })
}

/// The phone's edit: its record as read, with `count` hazards and one person appended.
fn add_offline(docs: &mut DossierDocs, phone: u8, count: usize, severity: usize) -> Vec<String> {
    let mut record = docs.to_json().unwrap();
    let mut ids = Vec::new();
    for n in 0..count {
        let h = hazard(phone, n, severity + n);
        ids.push(h["id"].as_str().unwrap().to_owned());
        record["hazards"].as_array_mut().unwrap().push(h);
        // One edit per hazard, as a phone saves after each.
        docs.update_record(
            &record.to_string(),
            &actor(phone),
            common::now(),
            "add hazard",
        )
        .unwrap();
    }
    record["volumeB"]["persons"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "id": format!("0194b000-0000-7000-8000-{phone:04x}ffffffff"),
            "name": format!("人员{phone}"),
            "reason": "other",
        }));
    docs.update_record(
        &record.to_string(),
        &actor(phone),
        common::now(),
        "add person",
    )
    .unwrap();
    ids
}

fn ids_at(json: &Value, pointer: &str) -> Vec<String> {
    json.pointer(pointer)
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_owned())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn both_phones_keep_every_hazard(a in 1usize..4, b in 1usize..4, sa in 0usize..3, sb in 0usize..3) {
        let origin = DossierDocs::create_record(&base().to_string(), &actor(0), common::now()).unwrap();
        let mut one = origin.clone();
        let mut two = origin.clone();
        let from_one = add_offline(&mut one, 1, a, sa);
        let from_two = add_offline(&mut two, 2, b, sb);
        let mut two_copy = two.clone();
        one.merge(&mut two_copy).unwrap();
        let mut one_copy = one.clone();
        two.merge(&mut one_copy).unwrap();
        let (j1, j2) = (one.to_json().unwrap(), two.to_json().unwrap());
        prop_assert_eq!(j1.to_string(), j2.to_string());
        let hazards = ids_at(&j1, "/hazards");
        for id in base()["hazards"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap()) {
            prop_assert!(hazards.iter().any(|h| h == id), "lost original hazard {}", id);
        }
        for id in from_one.iter().chain(&from_two) {
            prop_assert!(hazards.contains(id), "lost hazard {}", id);
        }
        prop_assert_eq!(hazards.len(), 2 + a + b);
        prop_assert_eq!(ids_at(&j1, "/volumeB/persons").len(), 3);
        // Descriptions are texts: each hazard's survives whole.
        prop_assert!(j1["hazards"].as_array().unwrap().iter().all(|h| h["description"].as_str().is_some_and(|d| !d.is_empty())));
        // The merged record is still a well-formed inspection.
        let checked = abjuan_shared::forms::check_value(&j1, &abjuan_shared::ValidateOptions::new(common::now()));
        prop_assert!(checked.report.valid, "{:?}", checked.report.codes());
    }
}
