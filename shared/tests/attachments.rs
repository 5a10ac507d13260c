//! Attachment references as automerge data: two phones that attach photos offline both keep
//! theirs after merging, a caption edited on two phones is a visible conflict, and the
//! references found in the merged dossier stand in the volume their place says.

#![allow(clippy::unwrap_used)]

mod common;

use abjuan_shared::attachment::{content_address, references};
use abjuan_shared::doc::{DossierDocs, Volume};
use abjuan_shared::model::Attachment;
use abjuan_shared::{validate_dossier, Dossier, ValidateOptions};
use automerge::ActorId;
use chrono::Duration;
use serde_json::json;

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16].as_slice())
}

fn at(minutes: i64) -> abjuan_shared::model::Timestamp {
    common::now() + Duration::minutes(minutes)
}

fn base() -> Dossier {
    serde_json::from_value(common::read_json(
        &common::fixtures().join("valid/resolved-with-photos.json"),
    ))
    .unwrap()
}

fn photo(n: u8, by: &str) -> Attachment {
    Attachment {
        id: format!("0193f0a0-0000-7000-8000-0000000010{n:02x}"),
        sha256: content_address(&[n; 100]),
        media_type: "image/jpeg".into(),
        size: 100,
        caption: None,
        taken_at: at(-30),
        by: by.into(),
    }
}

#[test]
fn photos_attached_offline_on_two_phones_are_all_kept_and_stand_in_their_volume() {
    let station = DossierDocs::create(&base(), &actor(1), at(-60)).unwrap();
    let (mut wang, mut li) = (station.clone(), station);
    let mut d = wang.dossier().unwrap();
    d.volume_a
        .agreement
        .as_mut()
        .unwrap()
        .attachments
        .push(photo(1, "wang"));
    wang.update(&d, &actor(2), at(-20), "attach").unwrap();
    let mut d = li.dossier().unwrap();
    d.volume_a.attachments.push(photo(2, "li"));
    d.volume_b.as_mut().unwrap().parties[1]
        .attachments
        .push(photo(3, "li"));
    li.update(&d, &actor(3), at(-19), "attach").unwrap();
    wang.merge(&mut li).unwrap();
    li.merge(&mut wang).unwrap();
    assert_eq!(wang.to_json().unwrap(), li.to_json().unwrap());
    let merged = wang.dossier().unwrap();
    let agreement = &merged.volume_a.agreement.as_ref().unwrap().attachments;
    assert_eq!(
        agreement.len(),
        3,
        "the two photos of the fixture and wang's"
    );
    assert_eq!(merged.volume_a.attachments.len(), 2);
    let json = wang.to_json().unwrap();
    let refs = references(&json);
    let in_b: Vec<&str> = refs
        .iter()
        .filter(|r| r.volume == Volume::B)
        .map(|r| r.pointer.as_str())
        .collect();
    assert_eq!(
        in_b,
        [
            "/volumeB/parties/0/attachments/0",
            "/volumeB/parties/1/attachments/0"
        ]
    );
    assert!(refs
        .iter()
        .any(|r| r.sha256 == content_address(&[3; 100]) && r.volume == Volume::B));
    // Document A alone (what a partner mediator holds) has no volume-B reference at all.
    let a_only = abjuan_shared::doc::read::to_json(&wang.a).unwrap();
    assert!(references(&a_only).iter().all(|r| r.volume == Volume::A));
    assert_eq!(references(&a_only).len(), 5);
    let report = validate_dossier(&merged, &ValidateOptions::new(common::now()));
    assert!(report.valid, "{:?}", report.issues);
}

#[test]
fn a_caption_written_on_two_phones_is_a_conflict_not_a_splice() {
    let station = DossierDocs::create(&base(), &actor(1), at(-60)).unwrap();
    let (mut wang, mut li) = (station.clone(), station);
    let pointer = "/volumeA/attachments/0/caption";
    wang.set_field(pointer, json!("排水沟（东侧）"), &actor(2), at(-10))
        .unwrap();
    li.set_field(pointer, json!("排水沟（西侧）"), &actor(3), at(-9))
        .unwrap();
    wang.merge(&mut li).unwrap();
    let caption = wang.to_json().unwrap().pointer(pointer).cloned().unwrap();
    assert!(
        caption == json!("排水沟（东侧）") || caption == json!("排水沟（西侧）"),
        "one whole caption wins: {caption}"
    );
    let conflicts = abjuan_shared::doc::conflicts(&wang.a, Volume::A).unwrap();
    assert!(
        conflicts
            .iter()
            .any(|c| c.path == pointer && c.values.len() == 2),
        "{conflicts:?}"
    );
}
