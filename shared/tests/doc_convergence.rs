//! Property: N replicas (2–5) make random offline edits and exchange them in a random order,
//! with duplicates, by whole-document merge or by change batches; once everyone has everything,
//! all replicas hold byte-identical JSON, identical validation reports and identical grades.

#![allow(clippy::unwrap_used)]

mod common;

use abjuan_shared::doc::sync::{apply_checked, changes_since, parse_changes};
use abjuan_shared::doc::{assess, DossierDocs, Volume};
use abjuan_shared::model::{ContactMethod, FollowUp, MediationSession, Status};
use abjuan_shared::{Dossier, ValidateOptions};
use automerge::ActorId;
use proptest::prelude::*;
use serde_json::json;

#[derive(Debug, Clone)]
enum Edit {
    Phone(usize, u32),
    Narrative(usize, usize, usize, String),
    Summary(String),
    AddSession(u16),
    AddFollowUp(u16),
    Status(usize),
    PriorCalls(u32),
    Weapons(usize, bool),
}

fn edit() -> impl Strategy<Value = Edit> {
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

fn apply(docs: &mut DossierDocs, replica: usize, e: &Edit) {
    let actor = ActorId::from([u8::try_from(replica + 1).unwrap(); 16].as_slice());
    let now = common::now();
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

/// Sends what `from` has to `to`, by whole merge or by change batches (the phone API's way).
fn exchange(replicas: &mut [DossierDocs], from: usize, to: usize, by_changes: bool) {
    if from == to {
        return;
    }
    let mut source = replicas[from].clone();
    let target = &mut replicas[to];
    if by_changes {
        let id = source.dossier_id(Volume::A).unwrap();
        for volume in [Volume::A, Volume::B] {
            let heads = target.doc(volume).get_heads();
            let raw = changes_since(source.doc(volume), &heads)
                .unwrap_or_else(|| changes_since(source.doc(volume), &[]).unwrap());
            let changes = parse_changes(&raw).unwrap();
            apply_checked(target.doc_mut(volume), volume, &id, changes).unwrap();
        }
    } else {
        target.merge(&mut source).unwrap();
    }
}

fn base() -> Dossier {
    serde_json::from_value(common::read_json(
        &common::fixtures().join("valid/follow-up-marriage.json"),
    ))
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge(
        n in 2..=5usize,
        edits in proptest::collection::vec((0..5usize, edit()), 1..25),
        exchanges in proptest::collection::vec((0..5usize, 0..5usize, any::<bool>()), 0..12),
    ) {
        let origin = DossierDocs::create(&base(), &ActorId::from([0u8; 16].as_slice()), common::now()).unwrap();
        let mut replicas = vec![origin; n];
        let mut exchanges = exchanges.into_iter();
        for (i, (replica, e)) in edits.iter().enumerate() {
            apply(&mut replicas[replica % n], replica % n, e);
            if i % 3 == 2 {
                if let Some((from, to, by_changes)) = exchanges.next() {
                    exchange(&mut replicas, from % n, to % n, by_changes);
                }
            }
        }
        // Gossip until everyone has everything (twice round: duplicates must be harmless).
        for round in 0..2 {
            for from in 0..n {
                for to in 0..n {
                    exchange(&mut replicas, from, to, (from + to + round) % 2 == 0);
                }
            }
        }
        let opts = ValidateOptions::new(common::now());
        let views: Vec<(String, String)> = replicas
            .iter()
            .map(|r| {
                let a = assess(r, &opts).unwrap();
                (r.to_json().unwrap().to_string(), serde_json::to_string(&(a.report, a.grade, a.conflicts)).unwrap())
            })
            .collect();
        for v in &views[1..] {
            prop_assert_eq!(&v.0, &views[0].0);
            prop_assert_eq!(&v.1, &views[0].1);
        }
    }
}
