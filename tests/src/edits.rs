//! Offline edits the tests send as raw change batches.

use abjuan_server::sync::wire::Bytes;
use abjuan_shared::doc::DossierDocs;
use abjuan_shared::model::Status;
use automerge::{ActorId, ChangeHash};
use serde_json::json;

/// Takes volume A through mediating to failed with a closing note, as a new device would:
/// the batch a person without the close right must not get through. Returns the heads before
/// and the new changes.
///
/// # Panics
/// When the dossier cannot move to "failed" (the test set it up wrong).
pub fn failed_closure(docs: &mut DossierDocs) -> (Vec<ChangeHash>, Vec<Bytes>) {
    let before = docs.a.get_heads();
    let actor = ActorId::random();
    let now = abjuan_server::client::now();
    // Already mediating is fine.
    docs.change_status(Status::Mediating, &actor, now).ok();
    docs.set_field(
        "/volumeA/closure",
        json!({"note": "调解不成", "closedAt": now.to_rfc3339()}),
        &actor,
        now,
    )
    .ok();
    docs.change_status(Status::Failed, &actor, now)
        .expect("to failed");
    let changes = docs
        .a
        .get_changes(&before)
        .into_iter()
        .map(|c| Bytes(c.raw_bytes().to_vec()))
        .collect();
    (before, changes)
}
