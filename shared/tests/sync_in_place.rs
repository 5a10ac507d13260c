//! Uploads applied in place (without copying the document first) get exactly the checks of a
//! trial on a copy: an edit that leaves the id and the header's station and status alone is
//! applied in place, vetted beforehand, and a refusal keeps nothing; an edit that touches the
//! id (its text, a concurrent value) or the facts rights depend on, or that cannot be applied
//! yet, is tried on a copy and refused or kept as before.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use abjuan_shared::access::{Refusal, Rights, Role, Subject};
use abjuan_shared::doc::js_style::js_style_docs;
use abjuan_shared::doc::sync::parse_changes;
use abjuan_shared::doc::{DocError, Volume};
use abjuan_shared::sync::{
    phone, serve, DocView, DossierState, ItemError, ItemOutcome, ItemRequest, Limits, PeerStates,
};
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ChangeHash, ObjType, ReadDoc};
use serde_json::Value;

fn fixture() -> Value {
    common::read_json(&common::fixtures().join("valid/follow-up-marriage.json"))
}

fn id() -> String {
    fixture()["id"].as_str().unwrap().to_owned()
}

fn station() -> String {
    fixture()["header"]["station"].as_str().unwrap().to_owned()
}

/// An officer of the dossier's station, every actor below bound to their device.
fn officer() -> Rights {
    let mut actor_devices = BTreeMap::new();
    for n in 1..=3u8 {
        actor_devices.insert(actor(n).to_hex_string(), "dev-1".to_owned());
    }
    Rights {
        subject: Subject {
            person: "wang".into(),
            role: Role::Officer,
            station: Some(station()),
            bureau: "yongji".into(),
            device: "dev-1".into(),
            demo: false,
        },
        bureau_stations: BTreeSet::from([station()]),
        shared: BTreeSet::new(),
        actor_devices,
    }
}

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16].as_slice())
}

/// The server's state of the dossier (written like automerge-js does: every string a text),
/// and the phone's copy of document A.
fn stored() -> (DossierState, Automerge) {
    let docs = js_style_docs(&fixture(), &actor(1)).unwrap();
    let phone_a = docs.a.clone();
    (DossierState::from_docs(docs).unwrap(), phone_a)
}

/// The phone's edit of document A, by actor 2.
fn edit(a: &Automerge, f: impl FnOnce(&mut automerge::transaction::Transaction<'_>)) -> Automerge {
    let mut a = a.fork().with_actor(actor(2));
    let mut tx = a.transaction();
    f(&mut tx);
    tx.commit();
    a
}

fn upload(edited: &Automerge, since: &[ChangeHash]) -> ItemRequest {
    ItemRequest {
        volume: Volume::A,
        heads: since.to_vec(),
        changes: parse_changes(&phone::outgoing(edited, since)),
        message: None,
    }
}

fn serve_a(state: &mut DossierState, item: ItemRequest, rights: &Rights) -> ItemOutcome {
    serve(
        state,
        &id(),
        item,
        rights,
        PeerStates::default(),
        &Limits::default(),
    )
}

fn header(a: &Automerge) -> automerge::ObjId {
    a.get(automerge::ROOT, "header").unwrap().unwrap().1
}

/// `a` after an ordinary scalar edit: `header.facts.priorCalls` set to `n`.
fn prior_calls(a: &Automerge, n: f64) -> Automerge {
    edit(a, |tx| {
        let facts = tx.get(header(a), "facts").unwrap().unwrap().1;
        tx.put(&facts, "priorCalls", n).unwrap();
    })
}

fn id_text(a: &Automerge) -> automerge::ObjId {
    a.get(automerge::ROOT, "id").unwrap().unwrap().1
}

fn plan(state: &mut DossierState, item: &ItemRequest) -> bool {
    let changes = item.changes.as_ref().unwrap();
    state.plan_in_place(Volume::A, &id(), changes).is_some()
}

fn assert_view_exact(state: &DossierState) {
    let whole = DocView::read(state.doc(Volume::A), Volume::A, !state.linear(Volume::A)).unwrap();
    assert_eq!(state.view(Volume::A), &whole);
}

#[test]
fn an_ordinary_edit_is_applied_in_place_and_the_view_follows() {
    let (mut server, phone_a) = stored();
    let before = server.doc(Volume::A).get_heads();
    let edited = edit(&phone_a, |tx| {
        let facts = tx.get(header(&phone_a), "facts").unwrap().unwrap().1;
        tx.put(&facts, "priorCalls", 4.0).unwrap();
        let summary = tx.get(header(&phone_a), "summary").unwrap().unwrap().1;
        tx.splice_text(&summary, 0, 0, "又").unwrap();
    });
    let item = upload(&edited, &before);
    assert!(plan(&mut server, &item));
    let out = serve_a(&mut server, item, &officer());
    assert_eq!(out.reply.error, None);
    assert_eq!(out.store.len(), 1);
    assert_eq!(server.doc(Volume::A).get_heads(), edited.get_heads());
    assert_eq!(
        server.view(Volume::A).json()["header"]["facts"]["priorCalls"],
        4.0
    );
    assert_view_exact(&server);
}

#[test]
fn a_refused_edit_applied_in_place_keeps_nothing() {
    let (mut server, phone_a) = stored();
    let before = server.doc(Volume::A).get_heads();
    let edited = prior_calls(&phone_a, 4.0);
    // The bureau's supervisor reads it but may not write it.
    let mut supervisor = officer();
    supervisor.subject.role = Role::BureauSupervisor;
    let out = serve_a(&mut server, upload(&edited, &before), &supervisor);
    assert_eq!(
        out.reply.error,
        Some(ItemError::Refused(Refusal::Forbidden))
    );
    assert_eq!(out.audit.len(), 1);
    // An actor nobody is bound to: looked up first.
    let mut unbound = officer();
    unbound.actor_devices.remove(&actor(2).to_hex_string());
    let out = serve_a(&mut server, upload(&edited, &before), &unbound);
    assert_eq!(out.needs_actors, vec![actor(2).to_hex_string()]);
    assert!(out.store.is_empty());
    assert_eq!(server.doc(Volume::A).get_heads(), before);
    assert_view_exact(&server);
}

#[test]
fn an_edit_of_the_id_is_tried_on_a_copy_and_refused() {
    let (mut server, phone_a) = stored();
    let before = server.doc(Volume::A).get_heads();
    let typed = edit(&phone_a, |tx| {
        tx.splice_text(id_text(&phone_a), 0, 1, "x").unwrap();
    });
    let replaced = edit(&phone_a, |tx| {
        tx.put(automerge::ROOT, "id", "another-dossier").unwrap();
    });
    let retexted = edit(&phone_a, |tx| {
        let t = tx.put_object(automerge::ROOT, "id", ObjType::Text).unwrap();
        tx.splice_text(&t, 0, 0, "another-dossier").unwrap();
    });
    for edited in [typed, replaced, retexted] {
        let item = upload(&edited, &before);
        assert!(!plan(&mut server, &item));
        let out = serve_a(&mut server, item, &officer());
        assert_eq!(
            out.reply.error,
            Some(ItemError::Doc(DocError::WrongDossier))
        );
        assert_eq!(server.doc(Volume::A).get_heads(), before);
    }
    // The same id typed again (deleted and re-inserted) is still ours: kept.
    let first = id().chars().next().unwrap().to_string();
    let same = edit(&phone_a, |tx| {
        tx.splice_text(id_text(&phone_a), 0, 1, &first).unwrap();
    });
    let item = upload(&same, &before);
    assert!(!plan(&mut server, &item));
    let out = serve_a(&mut server, item, &officer());
    assert_eq!(out.reply.error, None);
    assert_view_exact(&server);
}

#[test]
fn an_edit_of_the_station_or_status_is_vetted_on_the_result() {
    let (mut server, phone_a) = stored();
    let before = server.doc(Volume::A).get_heads();
    // Moving the dossier to a station outside the caller's bureau.
    let moved = edit(&phone_a, |tx| {
        let t = tx.get(header(&phone_a), "station").unwrap().unwrap().1;
        tx.splice_text(&t, 0, 0, "x").unwrap();
    });
    let item = upload(&moved, &before);
    assert!(!plan(&mut server, &item));
    let out = serve_a(&mut server, item, &officer());
    assert_eq!(
        out.reply.error,
        Some(ItemError::Refused(Refusal::Forbidden))
    );
    // A new header in place of the old one.
    let new_header = edit(&phone_a, |tx| {
        tx.put_object(automerge::ROOT, "header", ObjType::Map)
            .unwrap();
    });
    assert!(!plan(&mut server, &upload(&new_header, &before)));
    // A new status (closing needs rights the trial's result decides).
    let archived = edit(&phone_a, |tx| {
        tx.put(header(&phone_a), "status", "archived").unwrap();
    });
    assert!(!plan(&mut server, &upload(&archived, &before)));
    assert_eq!(server.doc(Volume::A).get_heads(), before);
    assert_view_exact(&server);
}

#[test]
fn changes_that_cannot_be_applied_yet_take_the_copy() {
    let (mut server, phone_a) = stored();
    let before = server.doc(Volume::A).get_heads();
    let one = prior_calls(&phone_a, 4.0);
    let two = prior_calls(&one, 5.0);
    // Only the second change: its dependency is missing.
    let item = upload(&two, &one.get_heads());
    assert!(!plan(&mut server, &item));
    // Both: applied in place, in their order.
    assert!(plan(&mut server, &upload(&two, &before)));
    // A dossier's first changes take the copy too.
    assert!(DossierState::new()
        .plan_in_place(
            Volume::A,
            &id(),
            upload(&two, &[]).changes.as_ref().unwrap()
        )
        .is_none());
}

#[test]
fn what_the_check_reads_is_found_again_once_a_trial_changed_the_document() {
    let (mut server, phone_a) = stored();
    let before = server.doc(Volume::A).get_heads();
    let first = prior_calls(&phone_a, 4.0);
    let item = upload(&first, &before);
    assert!(plan(&mut server, &item));
    assert_eq!(serve_a(&mut server, item, &officer()).reply.error, None);
    // A new header map in place of the old one, the station and status as they were: tried
    // on a copy, and kept.
    let text = |a: &Automerge, key: &str| {
        let (v, obj) = a.get(header(a), key).unwrap().unwrap();
        abjuan_shared::doc::read::string_value(a, &v, &obj).unwrap()
    };
    let (station, status) = (text(&first, "station"), text(&first, "status"));
    let replaced = edit(&first, |tx| {
        let h = tx
            .put_object(automerge::ROOT, "header", ObjType::Map)
            .unwrap();
        tx.put(&h, "station", station.as_str()).unwrap();
        tx.put(&h, "status", status.as_str()).unwrap();
    });
    let at = server.doc(Volume::A).get_heads();
    let item = upload(&replaced, &at);
    assert!(!plan(&mut server, &item));
    assert_eq!(serve_a(&mut server, item, &officer()).reply.error, None);
    assert_eq!(server.doc(Volume::A).get_heads(), replaced.get_heads());
    // The new header's station, a fact rights depend on, is never edited in place.
    let moved = edit(&replaced, |tx| {
        tx.put(header(&replaced), "station", "elsewhere").unwrap();
    });
    let at = server.doc(Volume::A).get_heads();
    assert!(!plan(&mut server, &upload(&moved, &at)));
    assert_view_exact(&server);
}

#[test]
fn the_dossier_lent_as_json_is_its_copy_and_leaves_both_views_as_they_were() {
    let (mut server, _) = stored();
    // Document A holding a `volumeB` of its own (a client may write one) before another key.
    server
        .edit(|docs| {
            let mut tx = docs.a.transaction();
            tx.put_object(automerge::ROOT, "volumeB", ObjType::Map)
                .unwrap();
            tx.put(automerge::ROOT, "zz", "last").unwrap();
            tx.commit();
            Ok(())
        })
        .unwrap();
    let views = |s: &DossierState| (s.view(Volume::A).clone(), s.view(Volume::B).clone());
    let order = |s: &DossierState| -> Vec<String> {
        s.view(Volume::A)
            .json()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    let (before, keys) = (views(&server), order(&server));
    let copy = server.json();
    assert!(copy["volumeB"]["parties"].is_array());
    server.lend_json(|json| assert_eq!(json, &copy));
    assert_eq!(views(&server), before);
    assert_eq!(order(&server), keys);
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        server.lend_json(|_| panic!("a check that fails"));
    }));
    assert!(panicked.is_err());
    assert_eq!(views(&server), before);
    assert_eq!(order(&server), keys);
}
