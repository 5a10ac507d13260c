//! Attachments in the sync reply: per dossier the caller may read, which referenced blobs the
//! server still lacks (`serverLacks`: the phone that holds one uploads it; nobody tries to
//! fetch it yet) and which the phone lacks (`phoneLacks`: fetch them with `GET
//! /v1/blobs/{sha256}`). Nothing is listed for everything: only dossiers whose documents moved
//! in this exchange, or about which the phone said it lacks something (`lacking` in the
//! request), are looked at, and the phone is told only of references new to it (found in the
//! changes the reply carries to it) or that it asked about. References the caller may not
//! read (volume B, for a partner mediator) are never named, whatever the phone asks.
//!
//! Done after the engine's reply, from the references the index write keeps
//! (`store/blob_refs.rs`), so the sync core and its engine do not change.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::json;

use super::{blocking, rights_over, Blobs};
use crate::auth::{Caller, Gate};
use crate::error::ApiError;
use crate::store::blob_refs::RefQuery;
use crate::sync::wire::{DocReply, SyncReply};

/// Most content addresses a phone may say it lacks in one request.
pub const MAX_LACKING: usize = 1000;

/// Whether `needle` occurs in `hay`.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// What moved for one dossier in this exchange.
#[derive(Default)]
struct Moved {
    /// The changes the reply carries to the phone (uncompressed), where new references are.
    sent: Vec<Vec<u8>>,
    /// The generic protocol ran: the phone may lack anything.
    generic: bool,
    /// Something changed on either side.
    any: bool,
}

fn moved(docs: &[DocReply]) -> BTreeMap<&str, Moved> {
    let mut out: BTreeMap<&str, Moved> = BTreeMap::new();
    for d in docs.iter().filter(|d| d.ok) {
        let m = out.entry(d.dossier.as_str()).or_default();
        m.generic |= d.fallback || d.sync.is_some();
        m.any |= d.applied > 0 || !d.changes.is_empty() || m.generic;
        for c in &d.changes {
            if let Ok(change) = automerge::Change::from_bytes(c.0.clone()) {
                m.sent.push(change.raw_bytes().to_vec());
            }
        }
    }
    out
}

/// Adds `blobs: {serverLacks, phoneLacks}` to the reply's dossiers where there is something
/// to say. `lacking`: content addresses the phone references but does not hold.
pub async fn annotate(
    blobs: &Blobs,
    gate: &Arc<Gate>,
    caller: &Caller,
    lacking: &[String],
    reply: &mut SyncReply,
) -> Result<(), ApiError> {
    if lacking.len() > MAX_LACKING
        || lacking
            .iter()
            .any(|s| !abjuan_shared::model::attachment::is_sha256(s))
    {
        return Err(ApiError::BodyInvalid);
    }
    let moved = moved(&reply.docs);
    let ids: Vec<String> = reply
        .dossiers
        .keys()
        .filter(|id| !lacking.is_empty() || moved.get(id.as_str()).is_some_and(|m| m.any))
        .cloned()
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let refs = blobs.references(RefQuery::Dossiers(ids)).await?;
    if refs.is_empty() {
        return Ok(());
    }
    let rights = rights_over(gate, caller, &refs).await?;
    let mut visible: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in &refs {
        let station = Some(r.station.as_str()).filter(|s| !s.is_empty());
        if rights.may_read_attachment([(r.dossier.as_str(), station, r.volume)]) {
            visible
                .entry(r.dossier.as_str())
                .or_default()
                .insert(r.sha256.as_str());
        }
    }
    let all: Vec<String> = visible
        .values()
        .flatten()
        .map(|s| (*s).to_owned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let stored = {
        let store = blobs.store.clone();
        blocking(move || store.stored(&all)).await?
    };
    let asked: BTreeSet<&str> = lacking.iter().map(String::as_str).collect();
    for (id, shas) in visible {
        let m = moved.get(id);
        let (mut server_lacks, mut phone_lacks) = (Vec::new(), Vec::new());
        for sha in shas {
            if !stored.contains(sha) {
                server_lacks.push(sha);
                continue;
            }
            let new_to_phone =
                m.is_some_and(|m| m.generic || m.sent.iter().any(|c| contains(c, sha.as_bytes())));
            if new_to_phone || asked.contains(sha) {
                phone_lacks.push(sha);
            }
        }
        if server_lacks.is_empty() && phone_lacks.is_empty() {
            continue;
        }
        if let Some(serde_json::Value::Object(entry)) = reply.dossiers.get_mut(id) {
            entry.insert(
                "blobs".into(),
                json!({"serverLacks": server_lacks, "phoneLacks": phone_lacks}),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_is_found_in_the_change_that_carries_it() {
        assert!(contains(b"..put sha256 abcd..", b"abcd"));
        assert!(!contains(b"abc", b"abcd"));
        assert!(!contains(b"abc", b""));
    }
}
