//! Documents written the way automerge-js writes a JS object (`A.from(json)`): every string a
//! text object, every number an f64. An independent JS client builds dossiers like that; they
//! must read, validate and edit exactly like ours, and a text id must still pin the document
//! to its dossier.

#![allow(clippy::unwrap_used)]

mod common;

use abjuan_shared::doc::js_style::js_style_docs;
use abjuan_shared::doc::sync::apply_checked;
use abjuan_shared::doc::{DossierDocs, Volume};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, Automerge, ObjType, ReadDoc, ScalarValue};
use serde_json::{json, Value};

fn js_docs(dossier: &Value) -> DossierDocs {
    js_style_docs(dossier, &ActorId::random()).unwrap()
}

fn fixture(name: &str) -> Value {
    common::read_json(&common::fixtures().join("valid").join(name))
}

#[test]
fn every_valid_fixture_reads_back_the_same_from_text_strings_and_f64_numbers() {
    for name in [
        "follow-up-marriage.json",
        "referred-debt.json",
        "draft-neighbour.json",
    ] {
        let dossier = fixture(name);
        let docs = js_docs(&dossier);
        assert_eq!(docs.to_json().unwrap(), dossier, "{name}");
        assert!(docs.dossier().is_ok(), "{name}: the model parses it");
        let id = dossier["id"].as_str().unwrap();
        assert_eq!(docs.dossier_id(Volume::A).as_deref(), Some(id));
        assert_eq!(docs.dossier_id(Volume::B).as_deref(), Some(id));
    }
}

#[test]
fn our_edits_apply_to_a_js_written_dossier() {
    let dossier = fixture("referred-debt.json");
    let mut docs = js_docs(&dossier);
    let actor = ActorId::from([7u8; 16].as_slice());
    let now = common::now();
    // An edit writes its field and leaves every other value as the JS client wrote it: text
    // strings stay text objects and f64 numbers stay f64 (rewriting them would clobber that
    // client's concurrent edits). Containers the model has but the document lacks (an empty
    // `place`, `followUps`) are added, as `DossierDocs::create` writes them up front.
    docs.set_field("/header/facts/priorCalls", json!(2), &actor, now)
        .unwrap();
    docs.set_field(
        "/volumeB/parties/0/mobile",
        json!("13900000000"),
        &actor,
        now,
    )
    .unwrap();
    docs.set_field("/header/category", json!("debt"), &actor, now)
        .unwrap();
    let (_, header) = docs.a.get(automerge::ROOT, "header").unwrap().unwrap();
    for key in ["category", "station", "status", "summary", "reportedAt"] {
        let (v, _) = docs.a.get(&header, key).unwrap().unwrap();
        assert!(
            matches!(v, automerge::Value::Object(ObjType::Text)),
            "{key}: {v:?}"
        );
    }
    let (_, facts) = docs.a.get(&header, "facts").unwrap().unwrap();
    let (v, _) = docs.a.get(&facts, "peopleInvolved").unwrap().unwrap();
    assert!(
        matches!(v, automerge::Value::Scalar(ref s) if matches!(**s, ScalarValue::F64(_))),
        "{v:?}"
    );
    let (_, vb) = docs.b.get(automerge::ROOT, "volumeB").unwrap().unwrap();
    let (_, parties) = docs.b.get(&vb, "parties").unwrap().unwrap();
    assert_eq!(docs.b.length(&parties), 2, "the parties were not replaced");
    let (_, party) = docs.b.get(&parties, 0).unwrap().unwrap();
    let (v, _) = docs.b.get(&party, "mobile").unwrap().unwrap();
    assert!(
        matches!(v, automerge::Value::Object(ObjType::Text)),
        "mobile spliced: {v:?}"
    );
    docs.splice_text("/header/summary", 0, 0, "【补】", &actor, now)
        .unwrap();
    let after = docs.to_json().unwrap();
    assert_eq!(after["header"]["facts"]["priorCalls"], 2);
    assert_eq!(after["volumeB"]["parties"][0]["mobile"], "13900000000");
    assert!(after["header"]["summary"]
        .as_str()
        .unwrap()
        .starts_with("【补】"));
}

#[test]
fn a_text_id_edited_into_another_dossier_is_refused() {
    let dossier = fixture("follow-up-marriage.json");
    let id = dossier["id"].as_str().unwrap().to_owned();
    let docs = js_docs(&dossier);
    let mut server = Automerge::new();
    apply_checked(&mut server, Volume::A, &id, docs.a.get_changes(&[])).unwrap();

    let mut phone = AutoCommit::load(&docs.a.save()).unwrap();
    let before = phone.get_heads();
    let (_, text) = phone.get(automerge::ROOT, "id").unwrap().unwrap();
    phone.splice_text(&text, 0, 1, "f").unwrap();
    let change = phone.document().get_changes(&before);
    let heads = server.get_heads();
    assert!(apply_checked(&mut server, Volume::A, &id, change).is_err());
    assert_eq!(server.get_heads(), heads, "nothing applied");
}

#[test]
fn two_phones_changing_a_js_written_string_offline_meet_as_a_conflict_not_a_mix() {
    let dossier = fixture("referred-debt.json");
    let docs = js_docs(&dossier);
    let now = common::now();
    let (mut one, mut two) = (docs.clone(), docs);
    let pointer = "/volumeB/parties/0/mobile";
    one.set_field(
        pointer,
        json!("13900000000"),
        &ActorId::from([1u8; 16].as_slice()),
        now,
    )
    .unwrap();
    two.set_field(
        pointer,
        json!("13811112222"),
        &ActorId::from([2u8; 16].as_slice()),
        now,
    )
    .unwrap();
    one.b.merge(&mut two.b).unwrap();
    // One of the two numbers, whole (spliced, they would interleave into a number neither
    // wrote), still a text object as automerge-js writes strings, and the other beside it.
    let merged = one.to_json().unwrap();
    let shown = merged["volumeB"]["parties"][0]["mobile"].as_str().unwrap();
    assert!(["13900000000", "13811112222"].contains(&shown), "{shown}");
    let conflicts = abjuan_shared::doc::conflicts(&one.b, Volume::B).unwrap();
    let values: Vec<&Value> = conflicts
        .iter()
        .find(|c| c.path == pointer)
        .expect("a conflict at the mobile")
        .values
        .iter()
        .map(|v| &v.value)
        .collect();
    assert_eq!(values.len(), 2, "{values:?}");
    assert!(one.dossier().is_ok(), "the merged dossier still parses");
}
