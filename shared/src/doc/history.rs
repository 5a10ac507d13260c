//! History: every change to a document (actor, time, message, which fields it touched), and,
//! through [`super::DossierDocs::at`], the dossier as it was at any earlier point.

use automerge::{Automerge, ChangeHash, Prop};
use serde::{Deserialize, Serialize};

use super::structural_pointer;

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// Change hash (hex): pass it as heads to see the dossier as it was.
    pub hash: String,
    /// Hex actor id (the server maps it to a person and device).
    pub actor: String,
    /// Sequence number of this actor's changes.
    pub seq: u64,
    /// When the author's device says it made the change (ms since the epoch).
    pub time: i64,
    /// The change's message.
    pub message: Option<String>,
    /// JSON pointers of the fields it touched.
    pub paths: Vec<String>,
}

/// The history of one document, oldest first. `with_paths` also works out which fields each
/// change touched (one diff per change: costly on long histories).
#[must_use]
pub fn history(doc: &Automerge, with_paths: bool) -> Vec<HistoryEntry> {
    doc.get_changes_meta(&[])
        .into_iter()
        .map(|meta| {
            let paths = if with_paths {
                touched(doc, &meta.deps, meta.hash)
            } else {
                Vec::new()
            };
            HistoryEntry {
                hash: meta.hash.to_string(),
                actor: meta.actor.to_hex_string(),
                seq: meta.seq,
                time: meta.timestamp,
                message: meta.message.map(|m| m.into_owned()),
                paths,
            }
        })
        .collect()
}

fn touched(doc: &Automerge, deps: &[ChangeHash], hash: ChangeHash) -> Vec<String> {
    let mut paths: Vec<String> = doc
        .diff(deps, &[hash])
        .into_iter()
        .map(|patch| {
            let mut p = String::new();
            for (_, prop) in &patch.path {
                match prop {
                    Prop::Map(k) => structural_pointer(&mut p, k),
                    Prop::Seq(i) => structural_pointer(&mut p, &i.to_string()),
                }
            }
            if let automerge::PatchAction::PutMap { key, .. }
            | automerge::PatchAction::DeleteMap { key } = &patch.action
            {
                structural_pointer(&mut p, key);
            }
            p
        })
        .collect();
    paths.sort();
    paths.dedup();
    paths
}
