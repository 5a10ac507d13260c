//! Random edits an officer makes to a dossier (for property tests): fields, narratives,
//! sessions, follow-ups, status, risk flags.

use abjuan_shared::doc::DossierDocs;
use abjuan_shared::model::{ContactMethod, FollowUp, MediationSession, Status};
use automerge::ActorId;
use proptest::prelude::*;
use serde_json::json;

#[derive(Debug, Clone)]
pub enum Edit {
    Phone(usize, u32),
    Narrative(usize, usize, usize, String),
    Summary(String),
    AddSession(u16),
    AddFollowUp(u16),
    Status(usize),
    PriorCalls(u32),
    Weapons(usize, bool),
}

pub fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0..3usize, 0..1000u32).prop_map(|(p, n)| Edit::Phone(p, n)),
        (0..6usize, 0..400usize, 0..5usize, "[甲乙丙a-z ]{0,8}")
            .prop_map(|(s, pos, del, t)| Edit::Narrative(s, pos, del, t)),
        "[调解双方x-z]{0,30}".prop_map(Edit::Summary),
        any::<u16>().prop_map(Edit::AddSession),
        any::<u16>().prop_map(Edit::AddFollowUp),
        (0..7usize).prop_map(Edit::Status),
        (0..5u32).prop_map(Edit::PriorCalls),
        (0..3usize, any::<bool>()).prop_map(|(p, b)| Edit::Weapons(p, b)),
    ]
}

pub fn apply(docs: &mut DossierDocs, replica: usize, e: &Edit) {
    let actor = ActorId::from([u8::try_from(replica + 1).unwrap(); 16].as_slice());
    let now = super::now();
    let uuid = |tag: u16| format!("0193f0a0-0000-7000-8{:03x}-{:012x}", replica, tag);
    let result = match e {
        Edit::Phone(p, n) => docs.set_field(
            &format!("/volumeB/parties/{p}/mobile"),
            json!(format!("139{n:08}")),
            &actor,
            now,
        ),
        Edit::Narrative(s, pos, del, text) => docs.splice_text(
            &format!("/volumeA/sessions/{s}/narrative"),
            *pos,
            *del,
            text,
            &actor,
            now,
        ),
        Edit::Summary(s) => docs.set_field("/header/summary", json!(s), &actor, now),
        Edit::AddSession(tag) => docs.add_session(
            MediationSession {
                id: uuid(*tag),
                at: now,
                place: None,
                method: ContactMethod::Phone,
                mediators: vec![],
                attendees: vec![],
                narrative: format!("session {tag}"),
                outcome: None,
                next_step: None,
            },
            &actor,
            now,
        ),
        Edit::AddFollowUp(tag) => docs.add_follow_up(
            FollowUp {
                id: uuid(*tag),
                at: now,
                by: "民警".into(),
                method: ContactMethod::Phone,
                parties_said: String::new(),
                flared_up: tag % 2 == 0,
                notes: String::new(),
            },
            &actor,
            now,
        ),
        Edit::Status(i) => docs.change_status(
            <Status as abjuan_shared::model::Labelled>::ALL[*i],
            &actor,
            now,
        ),
        Edit::PriorCalls(n) => docs.set_field("/header/facts/priorCalls", json!(n), &actor, now),
        Edit::Weapons(p, b) => docs.set_field(
            &format!("/volumeB/parties/{p}/risk/weapons"),
            json!(b),
            &actor,
            now,
        ),
    };
    // Refused edits (a forbidden status change, an index gone after a merge) are fine: they
    // change nothing. What matters is that accepted ones converge.
    if let Err(err) = result {
        assert!(
            matches!(err.code(), "status_transition" | "edit_invalid"),
            "unexpected {err:?}"
        );
    }
}
