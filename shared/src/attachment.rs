//! Attachment references in a dossier, and the content address of bytes. The server indexes the
//! references (which dossiers hold which blob, in which volume: that decides who may read the
//! bytes), the phone lists them to know which bytes it keeps, uploads or fetches, and the print
//! lays them out: all through [`references`], so they cannot disagree about where references
//! stand.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::doc::Volume;
use crate::model::attachment::is_sha256;

/// The places attachment references stand, as schema paths (`*`: every element of a list).
/// The first segment decides the volume, and so who may see the reference and its bytes.
pub const LISTS: &[&[&str]] = &[
    &["volumeA", "agreement", "attachments"],
    &["volumeA", "attachments"],
    &["volumeB", "parties", "*", "attachments"],
    // The site inspection's photos (forms::site_inspection), in document A.
    &["attachments"],
];

/// One reference found in a dossier's JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reference {
    /// The bytes' SHA-256 (64 lowercase hex digits).
    pub sha256: String,
    /// The volume the reference stands in.
    pub volume: Volume,
    /// JSON pointer of the reference (`/volumeA/agreement/attachments/0`).
    pub pointer: String,
    /// Its media type as written (not checked here; validation does that).
    pub media_type: String,
    /// Its size as written (0 when missing).
    pub size: u64,
}

/// Every well-formed reference in `dossier` (the whole dossier JSON, or document A's root
/// alone, or volume B under `volumeB`), in [`LISTS`] order. A reference whose `sha256` is not a
/// content address is left out (validation reports it as `attachment_hash`).
#[must_use]
pub fn references(dossier: &Value) -> Vec<Reference> {
    let mut out = Vec::new();
    for list in LISTS {
        let volume = if list[0] == "volumeB" {
            Volume::B
        } else {
            Volume::A
        };
        walk(dossier, list, String::new(), volume, &mut out);
    }
    out
}

fn walk(value: &Value, rest: &[&str], pointer: String, volume: Volume, out: &mut Vec<Reference>) {
    let Some((head, tail)) = rest.split_first() else {
        collect(value, &pointer, volume, out);
        return;
    };
    if *head == "*" {
        for (i, item) in value.as_array().into_iter().flatten().enumerate() {
            walk(item, tail, format!("{pointer}/{i}"), volume, out);
        }
    } else if let Some(next) = value.get(*head) {
        walk(next, tail, format!("{pointer}/{head}"), volume, out);
    }
}

fn collect(list: &Value, pointer: &str, volume: Volume, out: &mut Vec<Reference>) {
    for (i, item) in list.as_array().into_iter().flatten().enumerate() {
        let Some(sha) = item.get("sha256").and_then(Value::as_str) else {
            continue;
        };
        if !is_sha256(sha) {
            continue;
        }
        out.push(Reference {
            sha256: sha.to_owned(),
            volume,
            pointer: format!("{pointer}/{i}"),
            media_type: item
                .get("mediaType")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            size: item.get("size").and_then(Value::as_u64).unwrap_or(0),
        });
    }
}

/// The content address of `bytes`: their SHA-256 as 64 lowercase hex digits.
#[must_use]
pub fn content_address(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of `bytes`.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sha(c: char) -> String {
        c.to_string().repeat(64)
    }

    #[test]
    fn references_stand_where_the_lists_say_and_name_their_volume() {
        let d = json!({
            "volumeA": {
                "attachments": [{"sha256": sha('a'), "mediaType": "image/jpeg", "size": 10}],
                "agreement": {"attachments": [
                    {"sha256": sha('b'), "mediaType": "image/png", "size": 20},
                    {"sha256": "not-a-hash"}
                ]},
                "sessions": [{"attachments": [{"sha256": sha('f')}]}]
            },
            "volumeB": {"parties": [
                {"attachments": []},
                {"attachments": [{"sha256": sha('c'), "mediaType": "image/jpeg", "size": 30}]}
            ]}
        });
        let refs = references(&d);
        let got: Vec<(&str, Volume, &str)> = refs
            .iter()
            .map(|r| (&r.sha256[..1], r.volume, r.pointer.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("b", Volume::A, "/volumeA/agreement/attachments/0"),
                ("a", Volume::A, "/volumeA/attachments/0"),
                ("c", Volume::B, "/volumeB/parties/1/attachments/0"),
            ],
            "only the listed places, only well-formed hashes"
        );
        assert_eq!(refs[0].media_type, "image/png");
        assert_eq!(refs[2].size, 30);
        assert!(references(&json!({"volumeA": {}})).is_empty());
        assert!(references(&json!("garbage")).is_empty());
    }

    #[test]
    fn the_content_address_is_sha256_in_lowercase_hex() {
        assert_eq!(
            content_address(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            content_address(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
