//! Attachments for the end-to-end tests: photo-like bytes, the references a dossier holds to
//! them, and the blob lists of a sync reply.

use abjuan_server::sync::wire::SyncReply;
use abjuan_shared::attachment::content_address;
use abjuan_shared::model::Dossier;
use serde_json::{json, Value};

/// JPEG-looking bytes (the server checks the first bytes against the type), different at
/// every 512-byte stretch so that bytes served from a wrong offset never pass for the right
/// ones.
#[must_use]
pub fn jpeg(len: usize, seed: u8) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.extend((4..len).map(|i| (i as u8).wrapping_mul(17).wrapping_add(seed) ^ (i >> 9) as u8));
    v
}

/// A dossier's reference to `bytes` as a JPEG taken by wang.
fn reference(id: &str, bytes: &[u8], caption: &str) -> Value {
    json!({"id": id, "sha256": content_address(bytes), "mediaType": "image/jpeg",
           "size": bytes.len(), "caption": caption, "takenAt": "2025-05-30T10:00:00+08:00",
           "by": "wang"})
}

/// A sample dossier at [`crate::STATION`] whose volume A references `agreement` (the signed
/// mediation agreement) and whose first party references `id_card` (an ID-card copy, in
/// volume B).
///
/// # Panics
/// Never for the sample dossier.
#[must_use]
pub fn with_agreement_and_id_card(id: &str, agreement: &[u8], id_card: &[u8]) -> Dossier {
    let mut v = serde_json::to_value(crate::sample_dossier(
        id,
        crate::STATION,
        "neighbour",
        "院墙排水纠纷",
    ))
    .expect("json");
    v["volumeA"]["attachments"] = json!([reference(
        "0193f0a0-0000-7000-8000-0000000000f1",
        agreement,
        "协议书（签字捺印）"
    )]);
    v["volumeB"]["parties"][0]["attachments"] = json!([reference(
        "0193f0a0-0000-7000-8000-0000000000f2",
        id_card,
        "身份证复印件"
    )]);
    serde_json::from_value(v).expect("dossier")
}

/// The `blobs` member of a sync reply for dossier `id` (`null` when absent).
///
/// # Panics
/// When there is no reply.
#[must_use]
pub fn blobs_of(reply: &Option<SyncReply>, id: &str) -> Value {
    reply.as_ref().expect("a reply").dossiers[id]
        .get("blobs")
        .cloned()
        .unwrap_or(Value::Null)
}

/// The strings of a JSON list, sorted (none when it is not a list).
#[must_use]
pub fn sorted(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    out.sort();
    out
}
