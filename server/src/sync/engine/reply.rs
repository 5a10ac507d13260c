//! The reply: each document's outcome on the wire, each dossier's assessment as the caller may
//! see it (`{report, grade, conflicts, may}`), and, after the commit and outside every lock,
//! the audit records of refusals and the names of the people behind conflicting values.

use std::sync::Arc;

use abjuan_shared::access::Rights;
use abjuan_shared::doc::Volume;
use abjuan_shared::sync::{Assessed, AuditNote, ItemReply};
use serde_json::Value;

use crate::auth::{guard, views, Caller, Gate};
use crate::cache::Entry;
use crate::error::{DocFailure, ErrorBody};
use crate::sync::wire::{Bytes, DocReply, DocRequest, WireError};

fn hex(heads: &[automerge::ChangeHash]) -> Vec<String> {
    heads.iter().map(ToString::to_string).collect()
}

/// A document that failed before the core saw it (or after it failed).
pub(super) fn failed(wire: &DocRequest, e: DocFailure) -> DocReply {
    DocReply {
        dossier: wire.dossier.clone(),
        volume: wire.volume.clone(),
        ok: false,
        error: Some(WireError::from(ErrorBody::from(e))),
        ..DocReply::default()
    }
}

/// A document the core served.
pub(super) fn done(wire: &DocRequest, reply: ItemReply) -> DocReply {
    if let Some(e) = &reply.error {
        return failed(wire, DocFailure::from(e));
    }
    DocReply {
        dossier: wire.dossier.clone(),
        volume: wire.volume.clone(),
        ok: true,
        heads: hex(&reply.heads),
        changes: reply.changes.into_iter().map(Bytes).collect(),
        sync: reply.message.map(Bytes),
        fallback: reply.fallback,
        applied: reply.applied,
        error: None,
    }
}

/// The dossier's assessment as the caller may see it, with what they may do to it; `None`
/// when they may not read it.
pub(super) fn assessment_view(
    id: &str,
    entry: &mut Entry,
    assessed: &Arc<Assessed>,
    rights: &Rights,
) -> Option<Value> {
    let facts = entry.state.facts();
    if !rights.sees(id, &facts, Volume::A) {
        return None;
    }
    let json = match &entry.assessment_json {
        Some((from, json)) if Arc::ptr_eq(from, assessed) => json.clone(),
        _ => {
            let json = Arc::new(serde_json::to_value(&assessed.assessment).ok()?);
            entry.assessment_json = Some((assessed.clone(), json.clone()));
            json
        }
    };
    let mut v = views::assessment_for(&json, rights.sees(id, &facts, Volume::B));
    let may = serde_json::to_value(rights.may_summary(id, &facts)).ok()?;
    v.as_object_mut()?.insert("may".into(), may);
    Some(v)
}

/// After the commit: records the refusals and names the authors of conflicting values
/// (account lookups, on a blocking thread, only when there is something to do).
pub(super) async fn after_commit(
    gate: &Arc<Gate>,
    caller: &Caller,
    notes: &[(String, AuditNote)],
    dossiers: &mut std::collections::BTreeMap<String, Value>,
) {
    let actors: Vec<String> = dossiers
        .values()
        .flat_map(|v| views::conflict_actors(&v["conflicts"]))
        .collect();
    if notes.is_empty() && actors.is_empty() {
        return;
    }
    let (gate, caller, notes) = (gate.clone(), caller.clone(), notes.to_vec());
    let owners = tokio::task::spawn_blocking(move || {
        guard::record(&gate, &caller, &notes);
        gate.actor_owners(&actors)
    })
    .await
    .unwrap_or_default();
    for v in dossiers.values_mut() {
        if let Some(c) = v.get_mut("conflicts") {
            views::name_conflict_authors(c, &owners, true);
        }
    }
}
