//! The sync core: views kept up to date from patches equal a whole read (a property over
//! random edits and exchanges, on documents written by us and by automerge-js), a stored
//! snapshot with its views restores the same state, and `serve` answers a request item as the
//! phone API promises (fast path, fallback, refusals, nothing kept when refused).

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use abjuan_shared::access::{Refusal, Rights, Role, Subject};
use abjuan_shared::doc::js_style::js_style_docs;
use abjuan_shared::doc::sync::parse_changes;
use abjuan_shared::doc::{DocError, DossierDocs, Volume};
use abjuan_shared::sync::{
    phone, serve, DocView, DossierState, ItemError, ItemRequest, Limits, PeerStates,
};
use abjuan_shared::ValidateOptions;
use automerge::ActorId;
use common::edits::{apply, edit};
use proptest::prelude::*;
use serde_json::{json, Value};

fn fixture() -> Value {
    common::read_json(&common::fixtures().join("valid/follow-up-marriage.json"))
}

fn origin(js: bool) -> DossierDocs {
    let actor = ActorId::from([0u8; 16].as_slice());
    if js {
        js_style_docs(&fixture(), &actor).unwrap()
    } else {
        let d = serde_json::from_value(fixture()).unwrap();
        DossierDocs::create(&d, &actor, common::now()).unwrap()
    }
}

fn id() -> String {
    fixture()["id"].as_str().unwrap().to_owned()
}

/// Every view of `state` is what reading its documents whole gives.
fn assert_views_exact(state: &DossierState) {
    let whole = DossierState::from_docs(state.docs().clone()).unwrap();
    for v in [Volume::A, Volume::B] {
        assert_eq!(state.linear(v), whole.linear(v), "{v:?} linear");
        assert_eq!(state.view(v), whole.view(v), "{v:?} view");
        assert_eq!(
            state.view(v),
            &DocView::read(state.doc(v), v, !whole.linear(v)).unwrap()
        );
    }
}

/// `from` sends `to` what it lacks: through the phone's checked apply, or (an odd `to`) as an
/// upload the server serves (applied in place when the changes may be, else tried on a copy).
fn exchange(replicas: &mut [DossierState], from: usize, to: usize) {
    if from == to {
        return;
    }
    for v in [Volume::A, Volume::B] {
        let heads = replicas[to].doc(v).get_heads();
        let raw = phone::outgoing(replicas[from].doc(v), &heads);
        if to.is_multiple_of(2) {
            phone::take_changes(&mut replicas[to], &id(), v, &raw).unwrap();
            continue;
        }
        let item = ItemRequest {
            volume: v,
            heads,
            changes: parse_changes(&raw),
            message: None,
        };
        let limits = Limits::default();
        let out = serve(
            &mut replicas[to],
            &id(),
            item,
            &Rights::demo("x"),
            PeerStates::default(),
            &limits,
        );
        assert_eq!(out.reply.error, None);
        assert_eq!(out.store.len(), out.reply.applied);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn views_follow_patches_exactly(
        js in any::<bool>(),
        n in 2..=4usize,
        edits in proptest::collection::vec((0..4usize, edit()), 1..20),
        exchanges in proptest::collection::vec((0..4usize, 0..4usize), 1..10),
    ) {
        let first = DossierState::from_docs(origin(js)).unwrap();
        let mut replicas = vec![first; n];
        let mut exchanges = exchanges.into_iter();
        for (i, (r, e)) in edits.iter().enumerate() {
            let r = r % n;
            replicas[r].edit(|docs| { apply(docs, r, e); Ok(()) }).unwrap();
            if i % 2 == 1 {
                if let Some((from, to)) = exchanges.next() {
                    exchange(&mut replicas, from % n, to % n);
                    assert_views_exact(&replicas[to % n]);
                }
            }
        }
        for from in 0..n {
            for to in 0..n {
                exchange(&mut replicas, from, to);
            }
        }
        let opts = ValidateOptions::new(common::now());
        let first = replicas[0].assessed(&opts);
        let first_json = replicas[0].json();
        for r in &mut replicas {
            assert_views_exact(r);
            let a = r.assessed(&opts);
            prop_assert_eq!(&r.json(), &first_json);
            prop_assert_eq!(
                serde_json::to_value(&a.assessment).unwrap(),
                serde_json::to_value(&first.assessment).unwrap()
            );
        }
        // A stored snapshot with its views, plus later changes, restores the same state.
        let mut stored = replicas[0].clone();
        let mut restored = DossierState::new();
        for v in [Volume::A, Volume::B] {
            let (snapshot, derived) = stored.snapshot(v).unwrap();
            restored.restore(v, Some(&snapshot), Some(&derived), &[]).unwrap();
        }
        assert_views_exact(&restored);
        prop_assert_eq!(restored.view(Volume::A), replicas[0].view(Volume::A));
    }
}

#[test]
fn restoring_reads_only_the_changes_after_the_snapshot() {
    let mut state = DossierState::from_docs(origin(true)).unwrap();
    let (snapshot, derived) = state.snapshot(Volume::A).unwrap();
    let heads = state.doc(Volume::A).get_heads();
    let mut phone_side = state.clone();
    phone_side
        .edit(|d| {
            d.splice_text(
                "/header/summary",
                0,
                0,
                "【补】",
                &ActorId::random(),
                common::now(),
            )
        })
        .unwrap();
    let later = phone::outgoing(phone_side.doc(Volume::A), &heads);
    assert_eq!(later.len(), 1);
    let mut restored = DossierState::new();
    restored
        .restore(Volume::A, Some(&snapshot), Some(&derived), &later)
        .unwrap();
    assert_eq!(restored.view(Volume::A), phone_side.view(Volume::A));
    assert_eq!(restored.stored[0].since_snapshot, 1);
    // Views stored for other heads (or damaged) are not trusted: the snapshot is read whole.
    let mut other = DossierState::new();
    other
        .restore(Volume::A, Some(&snapshot), Some(b"{not json"), &later)
        .unwrap();
    assert_eq!(other.view(Volume::A), phone_side.view(Volume::A));
}

fn officer(device: &str) -> Rights {
    Rights {
        subject: Subject {
            person: "wang".into(),
            role: Role::Officer,
            station: Some("yongji-chengxi".into()),
            bureau: "yongji".into(),
            device: device.into(),
            demo: false,
        },
        bureau_stations: BTreeSet::from(["yongji-chengxi".to_owned()]),
        shared: BTreeSet::new(),
        actor_devices: BTreeMap::new(),
    }
}

fn upload(docs: &DossierDocs, volume: Volume, heads: &[automerge::ChangeHash]) -> ItemRequest {
    let raw = phone::outgoing(docs.doc(volume), heads);
    ItemRequest {
        volume,
        heads: heads.to_vec(),
        changes: parse_changes(&raw),
        message: None,
    }
}

#[test]
fn serving_an_upload_checks_authorship_and_keeps_nothing_refused() {
    let docs = origin(false);
    let actor = docs.a.get_changes(&[])[0].actor_id().to_hex_string();
    let mut server = DossierState::new();
    let limits = Limits::default();
    let mut rights = officer("dev-1");
    let fixture_station = fixture()["header"]["station"].as_str().unwrap().to_owned();
    rights.bureau_stations.insert(fixture_station.clone());
    rights.subject.station = Some(fixture_station);
    // Unknown actor: look it up first, nothing kept.
    let out = serve(
        &mut server,
        &id(),
        upload(&docs, Volume::A, &[]),
        &rights,
        PeerStates::default(),
        &limits,
    );
    assert_eq!(out.needs_actors, vec![actor.clone()]);
    assert!(out.store.is_empty() && server.is_empty());
    // Bound to another device: refused and recorded.
    rights.actor_devices.insert(actor.clone(), "dev-2".into());
    let out = serve(
        &mut server,
        &id(),
        upload(&docs, Volume::A, &[]),
        &rights,
        PeerStates::default(),
        &limits,
    );
    assert_eq!(
        out.reply.error,
        Some(ItemError::Refused(Refusal::ForeignActor))
    );
    assert_eq!(out.audit.len(), 1);
    assert!(server.is_empty());
    // The caller's own: stored, the views follow, a retry changes nothing.
    rights.actor_devices.insert(actor, "dev-1".into());
    for expected in [1, 0] {
        let out = serve(
            &mut server,
            &id(),
            upload(&docs, Volume::A, &[]),
            &rights,
            PeerStates::default(),
            &limits,
        );
        assert_eq!(out.reply.error, None);
        assert_eq!(out.reply.applied, expected);
        assert_eq!(out.store.len(), expected);
    }
    assert_eq!(server.view(Volume::A).json()["id"], json!(id()));
    // Volume A of another dossier is refused whole.
    let other = DossierDocs::create(
        &serde_json::from_value(common::read_json(
            &common::fixtures().join("valid/draft-neighbour.json"),
        ))
        .unwrap(),
        &ActorId::random(),
        common::now(),
    )
    .unwrap();
    let heads = server.doc(Volume::A).get_heads();
    let out = serve(
        &mut server,
        &id(),
        upload(&other, Volume::A, &[]),
        &Rights::demo("x"),
        PeerStates::default(),
        &limits,
    );
    assert_eq!(
        out.reply.error,
        Some(ItemError::Doc(DocError::WrongDossier))
    );
    assert_eq!(server.doc(Volume::A).get_heads(), heads);
}

#[test]
fn a_stale_peer_falls_back_to_the_generic_protocol_and_converges() {
    let docs = origin(true);
    let mut server = DossierState::new();
    let demo = Rights::demo("phone");
    let limits = Limits::default();
    let out = serve(
        &mut server,
        &id(),
        upload(&docs, Volume::A, &[]),
        &demo,
        PeerStates::default(),
        &limits,
    );
    assert_eq!(out.reply.applied, 1);
    // A phone that claims heads the server never had: the server starts the generic protocol.
    let mut phone_state = DossierState::new();
    let bogus = automerge::ChangeHash([7; 32]);
    let mut out = serve(
        &mut server,
        &id(),
        ItemRequest {
            volume: Volume::A,
            heads: vec![bogus],
            changes: Ok(vec![]),
            message: None,
        },
        &demo,
        PeerStates::default(),
        &limits,
    );
    assert!(out.reply.fallback);
    let mut mine = automerge::sync::State::new();
    for _ in 0..10 {
        if let Some(m) = out.reply.message.take() {
            phone::take_message(&mut phone_state, &id(), Volume::A, &mut mine, &m).unwrap();
        }
        let Some(message) = phone::next_message(&phone_state, Volume::A, &mut mine) else {
            break;
        };
        let kept = out.keep_state.take().map(|k| k.state);
        out = serve(
            &mut server,
            &id(),
            ItemRequest {
                volume: Volume::A,
                heads: vec![],
                changes: Ok(vec![]),
                message: Some(message),
            },
            &demo,
            PeerStates {
                normal: kept,
                hidden: None,
            },
            &limits,
        );
        assert_eq!(out.reply.error, None);
    }
    assert_eq!(
        phone_state.doc(Volume::A).get_heads(),
        server.doc(Volume::A).get_heads()
    );
    assert_eq!(phone_state.view(Volume::A), server.view(Volume::A));
}

#[test]
fn a_dossier_the_caller_may_not_see_looks_absent_and_cannot_be_overwritten() {
    let docs = origin(false);
    let mut server = DossierState::from_docs(docs.clone()).unwrap();
    let mut stranger = officer("dev-9");
    stranger.subject.station = Some("yongji-puzhou".into());
    let limits = Limits::default();
    // A download: answered as for a dossier the server never saw (an empty document).
    let out = serve(
        &mut server,
        &id(),
        ItemRequest {
            volume: Volume::A,
            heads: vec![],
            changes: Ok(vec![]),
            message: None,
        },
        &stranger,
        PeerStates::default(),
        &limits,
    );
    assert_eq!(out.reply.error, None);
    assert!(out.reply.changes.is_empty() && out.reply.heads.is_empty());
    assert_eq!(out.audit.len(), 1);
    // An upload that would create it afresh is refused, and the dossier is untouched.
    let mut mine = DossierState::new();
    mine.edit(|d| {
        let mut tx = d.a.transaction();
        automerge::transaction::Transactable::put(&mut tx, automerge::ROOT, "id", id())?;
        tx.commit();
        Ok(())
    })
    .unwrap();
    for c in mine.doc(Volume::A).get_changes(&[]) {
        stranger
            .actor_devices
            .insert(c.actor_id().to_hex_string(), "dev-9".into());
    }
    let heads = server.doc(Volume::A).get_heads();
    let out = serve(
        &mut server,
        &id(),
        upload(mine.docs(), Volume::A, &[]),
        &stranger,
        PeerStates::default(),
        &limits,
    );
    assert_eq!(
        out.reply.error,
        Some(ItemError::Refused(Refusal::Forbidden))
    );
    assert!(out.store.is_empty());
    assert_eq!(server.doc(Volume::A).get_heads(), heads);
}

#[test]
fn sessions_added_in_front_and_removed_move_the_conflicts_below_them() {
    let mut one = DossierState::from_docs(origin(false)).unwrap();
    let mut two = one.clone();
    let (a1, a2) = (ActorId::random(), ActorId::random());
    // Both officers change the same session's place: a conflict under /volumeA/sessions/1.
    for (state, actor, place) in [(&mut one, &a1, "村委会"), (&mut two, &a2, "派出所")] {
        state
            .edit(|d| {
                d.set_field(
                    "/volumeA/sessions/1/place",
                    json!(place),
                    actor,
                    common::now(),
                )
            })
            .unwrap();
    }
    let mut replicas = vec![one, two];
    exchange(&mut replicas, 0, 1);
    exchange(&mut replicas, 1, 0);
    assert!(!replicas[0].conflicts().is_empty());
    assert_views_exact(&replicas[0]);
    // One officer puts a new session in front (every conflict below moves down one), the other
    // removes the last session; both exchange.
    let mut dossier: abjuan_shared::Dossier = serde_json::from_value(replicas[0].json()).unwrap();
    let mut first = dossier.volume_a.sessions[0].clone();
    first.id = "0193f0a0-0000-7000-8000-00000000ffff".into();
    dossier.volume_a.sessions.insert(0, first);
    replicas[0]
        .edit(|d| d.update(&dossier, &a1, common::now(), "session in front"))
        .unwrap();
    let mut fewer: abjuan_shared::Dossier = serde_json::from_value(replicas[1].json()).unwrap();
    fewer.volume_a.sessions.pop();
    replicas[1]
        .edit(|d| d.update(&fewer, &a2, common::now(), "drop a session"))
        .unwrap();
    exchange(&mut replicas, 0, 1);
    exchange(&mut replicas, 1, 0);
    for r in &replicas {
        assert_views_exact(r);
        assert!(r
            .conflicts()
            .iter()
            .any(|c| c.path.starts_with("/volumeA/sessions/2/")));
    }
}
