//! Attachments (附件): a photo of the signed agreement, a site photo, a copy of an ID card. The
//! dossier holds a reference only; the bytes live beside it, addressed by their SHA-256, so a
//! reference can be written offline before the bytes reach any server, and two phones that
//! attach the same picture store it once.
//!
//! Where a reference stands decides who may see it: in volume A (the agreement's photos, other
//! material of the process) everyone who reads volume A; in volume B (a party's ID papers) only
//! those who may read volume B, never a partner mediator. The places are listed once, in
//! [`crate::attachment::LISTS`].

use serde::{Deserialize, Serialize};
use validator::Validate;

use super::Timestamp;

/// The largest attachment, in bytes (10 MiB). A phone downscales photos to a long edge of
/// 1,600 px (a few hundred KB); the limit leaves room for a scanned PDF.
pub const MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;

/// The media types an attachment may have.
pub const MEDIA_TYPES: &[&str] = &["image/jpeg", "image/png", "application/pdf"];

/// The JSON Schema pattern of a content address: SHA-256 as 64 lowercase hex digits.
pub const SHA256_PATTERN: &str = "^[0-9a-f]{64}$";

/// Whether `s` is a content address: 64 lowercase hex digits.
#[must_use]
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `s` is one of [`MEDIA_TYPES`].
#[must_use]
pub fn is_media_type(s: &str) -> bool {
    MEDIA_TYPES.contains(&s)
}

/// A reference to an attachment's bytes, with what an officer sees of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    /// Stable id (UUID), made on the phone.
    #[validate(custom(function = "crate::validate::field::uuid"))]
    #[cfg_attr(feature = "schema-gen", schemars(regex(pattern = crate::model::UUID_PATTERN)))]
    pub id: String,
    /// The bytes' SHA-256 (64 lowercase hex digits): where they are found.
    #[validate(custom(function = "crate::validate::field::sha256"))]
    #[cfg_attr(feature = "schema-gen", schemars(regex(pattern = SHA256_PATTERN)))]
    pub sha256: String,
    /// `image/jpeg`, `image/png` or `application/pdf`.
    #[validate(custom(function = "crate::validate::field::media_type"))]
    #[cfg_attr(
        feature = "schema-gen",
        schemars(extend("enum" = ["image/jpeg", "image/png", "application/pdf"]))
    )]
    pub media_type: String,
    /// Size in bytes (1 byte to 10 MiB).
    #[validate(custom(function = "crate::validate::field::attachment_size"))]
    #[cfg_attr(
        feature = "schema-gen",
        schemars(range(min = 1, max = MAX_ATTACHMENT_BYTES))
    )]
    pub size: u64,
    /// What it shows (说明).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 200))]
    pub caption: Option<String>,
    /// When the photo was taken (or the file chosen).
    pub taken_at: Timestamp,
    /// Who attached it (account id, or the officer's name).
    #[validate(length(min = 1, max = 64))]
    pub by: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_addresses_are_lowercase_hex_of_64() {
        assert!(is_sha256(&"a".repeat(64)));
        assert!(is_sha256(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ));
        assert!(!is_sha256(&"A".repeat(64)));
        assert!(!is_sha256(&"a".repeat(63)));
        assert!(!is_sha256(&"g".repeat(64)));
        assert!(is_media_type("image/jpeg"));
        assert!(!is_media_type("image/gif"));
        assert!(!is_media_type("text/html"));
    }
}
