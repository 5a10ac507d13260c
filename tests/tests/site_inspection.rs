//! The second form type end to end: a site inspection (`site_inspection/v1`, 岁末清查整治)
//! filled by a team of two officers on two phones, offline, through the real server. Both
//! hazards lists survive the merge; the list, the campaign statistics and the dispute figures
//! see the record as what it is; a partner mediator never receives its personal part; the
//! command line validates an inspection file.

use std::process::Command;

use abjuan_e2e::{
    add_person, add_puzhou, admin, binary, enrol, new_id, phone, Server, Unit, BUREAU, STATION,
};
use abjuan_server::client::{now, Phone, Transport};
use abjuan_shared::doc::DossierDocs;
use serde_json::{json, Value};

const FORM: &str = "site_inspection/v1";
/// The personal part's named person and ID number in the fixture (volume B).
const PERSON: &str = "马某某";
const ID_NUMBER: &str = "140826200103153515";

fn fixture(rel: &str) -> String {
    let path = format!(
        "{}/../shared/fixtures/site_inspection/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The fixture's open inspection of an internet café, at our station, under a fresh id.
fn inspection(id: &str) -> Value {
    let mut v: Value =
        serde_json::from_str(&fixture("valid/rectifying-internet-cafe.json")).expect("fixture");
    v["id"] = json!(id);
    v["header"]["station"] = json!(STATION);
    v
}

fn hazard(id: &str, description: &str, deadline: &str) -> Value {
    json!({
        "id": id,
        "category": "fire",
        "description": description,
        "severity": "minor",
        "deadline": deadline,
        "responsible": "刘强",
        "status": "open"
    })
}

/// Edits the phone's copy of the record offline: `f` changes its JSON, the documents follow.
fn edit(p: &mut Phone, id: &str, f: impl FnOnce(&mut Value)) {
    let actor = p.actor.clone();
    let docs = p.dossiers.get_mut(id).expect("on the phone");
    let mut json = docs.to_json().expect("json");
    f(&mut json);
    docs.update_record(&json.to_string(), &actor, now(), "edit inspection")
        .expect("edit");
}

fn hazard_ids(json: &Value) -> Vec<String> {
    let mut ids: Vec<String> = json["hazards"]
        .as_array()
        .expect("hazards")
        .iter()
        .map(|h| h["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

fn get(t: &Transport, path: &str) -> Value {
    let (status, body) = t.get_json(path).expect("request");
    assert_eq!(status, 200, "{path}: {body}");
    body
}

#[test]
fn two_officers_fill_one_inspection_offline_and_both_hazards_survive() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    add_puzhou(d);
    add_person(d, "wang", "王警官", "officer", Unit::Station(STATION));
    add_person(d, "liu", "刘警官", "officer", Unit::Station(STATION));
    add_person(
        d,
        "chief",
        "李所长",
        "station_chief",
        Unit::Station(STATION),
    );
    add_person(
        d,
        "zhao",
        "赵调解员",
        "partner_mediator",
        Unit::Bureau(BUREAU),
    );
    let (wang, liu, chief, zhao) = (
        enrol(d, "wang"),
        enrol(d, "liu"),
        enrol(d, "chief"),
        enrol(d, "zhao"),
    );
    let server = Server::start(d, &[]);

    // Officer Wang opens the inspection on his phone and syncs; Liu's phone receives it.
    let id = new_id();
    let mut p1 = phone(&server, "wang-phone", &wang);
    let created = DossierDocs::create_record(&inspection(&id).to_string(), &p1.actor, now())
        .expect("an inspection is a record");
    p1.dossiers.insert(id.clone(), created);
    assert!(p1.sync_all().expect("sync").errors.is_empty());
    let mut p2 = phone(&server, "liu-phone", &liu);
    p2.docs_mut(&id);
    assert!(p2.sync_all().expect("pull").errors.is_empty());
    let received = p2.dossiers[&id].to_json().expect("json");
    assert_eq!(received["formType"], FORM);
    assert_eq!(received["volumeB"]["persons"][0]["name"], PERSON);

    // Offline, each adds a hazard; Liu also corrects the place's name.
    let (h1, h2) = (new_id(), new_id());
    edit(&mut p1, &id, |j| {
        let list = j["hazards"].as_array_mut().expect("hazards");
        list.push(hazard(&h1, "吧台后方私拉电线，插线板串接", "2025-01-25"));
    });
    edit(&mut p2, &id, |j| {
        let list = j["hazards"].as_array_mut().expect("hazards");
        list.push(hazard(&h2, "后门消防通道堆放纸箱", "2099-12-31"));
        j["place"]["name"] = json!("绛县极速网咖（原极速网吧）");
    });
    for p in [&mut p1, &mut p2] {
        let out = p.sync_all().expect("sync");
        assert!(out.errors.is_empty(), "{:?}", out.errors);
    }
    assert!(p1.sync_all().expect("sync").errors.is_empty());
    let (j1, j2) = (
        p1.dossiers[&id].to_json().expect("json"),
        p2.dossiers[&id].to_json().expect("json"),
    );
    assert_eq!(j1, j2, "both phones hold the same record");
    let ids = hazard_ids(&j1);
    assert_eq!(
        ids.len(),
        4,
        "the fixture's two hazards and one from each officer"
    );
    assert!(ids.contains(&h1) && ids.contains(&h2));
    assert_eq!(j1["place"]["name"], "绛县极速网咖（原极速网吧）");

    // The server's copy: the same hazards, validated and graded by the inspection's rules.
    let t = server.transport().with_token(&chief);
    let stored = get(&t, &format!("/v1/dossiers/{id}"));
    assert_eq!(hazard_ids(&stored["dossier"]), ids);
    let stored = get(&t, &format!("/v1/dossiers/{id}/report"));
    assert_eq!(stored["report"]["valid"], true, "{}", stored["report"]);
    let level = stored["grade"]["level"].as_str().expect("graded");
    assert!(["red", "orange", "yellow", "blue"].contains(&level));
    assert!(
        stored["grade"]["fired"]
            .as_array()
            .expect("fired")
            .iter()
            .all(|r| r["id"]
                .as_str()
                .is_some_and(|r| r.starts_with("inspection."))),
        "an inspection is graded by its own rules: {}",
        stored["grade"]
    );

    // Lists show it as an inspection; the dispute list and figures do not count it.
    let rows = get(&t, &format!("/v1/dossiers?formType={FORM}"));
    let row = &rows["dossiers"][0];
    assert_eq!(row["id"], json!(id));
    assert_eq!(row["formType"], FORM);
    assert_eq!(row["category"], j1["place"]["type"]);
    assert_eq!(row["summary"], "绛县极速网咖（原极速网吧）");
    let disputes = get(&t, "/v1/dossiers?formType=ab_dossier/v1");
    assert_eq!(disputes["dossiers"], json!([]));
    let figures = get(&t, "/v1/stats");
    assert_eq!(
        figures["rows"],
        json!([]),
        "dispute statistics count AB dossiers only"
    );

    // Campaign statistics: four hazards, one rectified; overdue are the fixture's open one
    // (deadline 2025-02-20) and Wang's (2025-01-25), not Liu's (2099).
    let stats = get(&t, "/v1/inspections/stats")["stats"].clone();
    assert_eq!(stats["totals"]["places"], 1);
    assert_eq!(stats["totals"]["hazards"], 4);
    assert_eq!(stats["totals"]["rectified"], 1);
    assert_eq!(stats["totals"]["overdue"], 2);
    assert_eq!(
        stats["placesByType"][j1["place"]["type"].as_str().expect("type")],
        1
    );
    assert_eq!(stats["stations"][0]["station"], STATION);
    assert_eq!(stats["stations"][0]["teams"][0]["team"], j1["team"]["name"]);
    let other_campaign = get(&t, "/v1/inspections/stats?campaign=另一专项行动")["stats"].clone();
    assert_eq!(other_campaign["totals"]["places"], 0);
    let (status, _) = t
        .get_json("/v1/inspections/stats?from=2025-13x")
        .expect("request");
    assert_eq!(status, 400);

    // A partner mediator the inspection is shared with never receives its personal part.
    admin(d, &["share", &id, "zhao"]);
    let tz = server.transport().with_token(&zhao);
    let (status, text) = tz.get_text(&format!("/v1/dossiers/{id}")).expect("request");
    assert_eq!(status, 200, "{text}");
    assert!(
        !text.contains(PERSON) && !text.contains(ID_NUMBER),
        "{text}"
    );
    let (status, _) = tz.get_json("/v1/inspections/stats").expect("request");
    assert_eq!(status, 403, "statistics need the statistics right");
}

#[test]
fn the_command_line_validates_an_inspection_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let valid = dir.path().join("valid.json");
    std::fs::write(&valid, fixture("valid/closed-hotel-rectified.json")).expect("write");
    let out = Command::new(binary())
        .args(["validate", "--lang", "en"])
        .arg(&valid)
        .output()
        .expect("run");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(out.status.success(), "{report}");
    assert_eq!(report["report"]["valid"], true);
    assert!(report["grade"]["level"].is_string());

    // An inspection that passed with a hazard still open is refused, at that field.
    let mut bad: Value =
        serde_json::from_str(&fixture("valid/rectifying-internet-cafe.json")).expect("fixture");
    bad["outcome"]["result"] = json!("passed");
    let file = dir.path().join("bad.json");
    std::fs::write(&file, bad.to_string()).expect("write");
    let out = Command::new(binary())
        .args(["validate", "--lang", "en"])
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        report["report"]["issues"]
            .as_array()
            .expect("issues")
            .iter()
            .any(|i| i["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/outcome"))
                && i["severity"] == "error"),
        "{report}"
    );

    // A form type nobody registered.
    let mut unknown: Value =
        serde_json::from_str(&fixture("valid/passed-logistics.json")).expect("fixture");
    unknown["formType"] = json!("fire_drill/v1");
    std::fs::write(&file, unknown.to_string()).expect("write");
    let out = Command::new(binary())
        .args(["validate"])
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["report"]["issues"][0]["code"], "unknown_form_type");
    assert_eq!(report["report"]["issues"][0]["path"], "/formType");
}
