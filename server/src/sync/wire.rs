//! The wire format of `POST /v1/sync` (docs/sync-api.md): the same structure in JSON (byte
//! strings as base64) and CBOR (byte strings as CBOR bytes), optionally gzip-compressed.

use std::collections::BTreeMap;
use std::io::Read;

use base64::Engine as _;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{ApiError, ErrorBody};

/// A byte string: base64 text in JSON, bytes in CBOR.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
        } else {
            s.serialize_bytes(&self.0)
        }
    }
}

struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Bytes;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("base64 text or a byte string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Bytes, E> {
        base64::engine::general_purpose::STANDARD
            .decode(v)
            .map(Bytes)
            .map_err(|_| E::custom("invalid base64"))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
        Ok(Bytes(v.to_vec()))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
        Ok(Bytes(v))
    }
}

// Its JSON form, for the schema of the sync bodies in server/openapi.json
// (http/contract/bodies.rs): base64 text, a byte string in CBOR.
#[cfg(test)]
impl schemars::JsonSchema for Bytes {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Bytes".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "byte",
            "description": "base64 in JSON, a byte string in CBOR"
        })
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            d.deserialize_str(BytesVisitor)
        } else {
            d.deserialize_bytes(BytesVisitor)
        }
    }
}

/// One document of a sync request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DocRequest {
    /// Dossier id (a UUID).
    #[cfg_attr(test, schemars(extend("format" = "uuid")))]
    pub dossier: String,
    /// `"a"` or `"b"`.
    #[cfg_attr(test, schemars(extend("enum" = ["a", "b"])))]
    pub volume: String,
    /// Server heads the phone saw last (hex change hashes).
    #[serde(default)]
    #[cfg_attr(test, schemars(inner(regex(pattern = r"^[0-9a-f]{64}$"))))]
    pub heads: Vec<String>,
    /// The phone's changes the server may lack.
    #[serde(default)]
    pub changes: Vec<Bytes>,
    /// A message of automerge's generic sync protocol (fallback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<Bytes>,
}

/// A sync request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// The documents.
    pub docs: Vec<DocRequest>,
}

/// One document of a sync reply.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct DocReply {
    /// Dossier id.
    #[cfg_attr(test, schemars(extend("format" = "uuid")))]
    pub dossier: String,
    /// `"a"` or `"b"`.
    #[cfg_attr(test, schemars(extend("enum" = ["a", "b"])))]
    pub volume: String,
    /// Whether this document synced.
    pub ok: bool,
    /// Server heads after this request.
    #[serde(default)]
    #[cfg_attr(test, schemars(inner(regex(pattern = r"^[0-9a-f]{64}$"))))]
    pub heads: Vec<String>,
    /// Changes the phone lacks.
    #[serde(default)]
    pub changes: Vec<Bytes>,
    /// The server's next generic sync message, if any.
    #[serde(default)]
    pub sync: Option<Bytes>,
    /// Whether the generic sync protocol is in use for this document.
    #[serde(default)]
    pub fallback: bool,
    /// How many of the phone's changes were new to the server.
    #[serde(default)]
    pub applied: usize,
    /// Why it failed (`ok: false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<WireError>,
}

/// An error inside a reply.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(schemars::JsonSchema), schemars(rename = "DocError"))]
pub struct WireError {
    /// Stable code.
    #[cfg_attr(
        test,
        schemars(schema_with = "crate::http::contract::bodies::doc_error_code")
    )]
    pub code: String,
    /// Safe message.
    pub message: String,
}

impl From<ErrorBody> for WireError {
    fn from(e: ErrorBody) -> Self {
        Self {
            code: e.code.to_owned(),
            message: e.message.to_owned(),
        }
    }
}

/// A sync reply.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct SyncReply {
    /// One entry per requested document, in request order.
    pub docs: Vec<DocReply>,
    /// Per dossier: `{report, grade, conflicts, may}` after the merge (`may`: what the caller
    /// may do to it: `writeA`, `writeB`, `close`, `resolveConflicts`).
    #[cfg_attr(
        test,
        schemars(with = "BTreeMap<String, crate::http::contract::bodies::SyncedDossier>")
    )]
    pub dossiers: BTreeMap<String, serde_json::Value>,
}

/// Body formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/json`.
    Json,
    /// `application/cbor`.
    Cbor,
}

impl Format {
    /// The format named by a Content-Type header (parameters ignored).
    #[must_use]
    pub fn from_content_type(ct: Option<&str>) -> Option<Self> {
        let ct = ct?.split(';').next()?.trim().to_ascii_lowercase();
        match ct.as_str() {
            "application/json" => Some(Self::Json),
            "application/cbor" => Some(Self::Cbor),
            _ => None,
        }
    }

    /// The Content-Type to send.
    #[must_use]
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Cbor => "application/cbor",
        }
    }

    /// Encodes `value`.
    pub fn encode<T: Serialize>(self, value: &T) -> Result<Vec<u8>, ApiError> {
        match self {
            Self::Json => serde_json::to_vec(value).map_err(|_| ApiError::Internal),
            Self::Cbor => {
                let mut out = Vec::new();
                ciborium::into_writer(value, &mut out).map_err(|_| ApiError::Internal)?;
                Ok(out)
            }
        }
    }

    /// Decodes `bytes`.
    pub fn decode<T: serde::de::DeserializeOwned>(self, bytes: &[u8]) -> Result<T, ApiError> {
        match self {
            Self::Json => serde_json::from_slice(bytes).map_err(|_| ApiError::BodyInvalid),
            Self::Cbor => ciborium::from_reader(bytes).map_err(|_| ApiError::BodyInvalid),
        }
    }
}

/// Gunzips `body` when `encoding` says gzip, refusing output over `limit` bytes.
pub fn decode_body(body: &[u8], encoding: Option<&str>, limit: usize) -> Result<Vec<u8>, ApiError> {
    match encoding.map(|e| e.trim().to_ascii_lowercase()) {
        None => Ok(body.to_vec()),
        Some(e) if e.is_empty() || e == "identity" => Ok(body.to_vec()),
        Some(e) if e == "gzip" || e == "x-gzip" => {
            let mut out = Vec::new();
            let mut reader = flate2::read::GzDecoder::new(body)
                .take(u64::try_from(limit).unwrap_or(u64::MAX) + 1);
            reader
                .read_to_end(&mut out)
                .map_err(|_| ApiError::BodyEncoding)?;
            if out.len() > limit {
                return Err(ApiError::BodyTooLarge);
            }
            Ok(out)
        }
        Some(_) => Err(ApiError::BodyEncoding),
    }
}

/// Gzips `body`.
#[must_use]
pub fn gzip(body: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(body);
    enc.finish().unwrap_or_default()
}

/// Whether an Accept-Encoding header allows gzip.
#[must_use]
pub fn accepts_gzip(header: Option<&str>) -> bool {
    header.is_some_and(|h| {
        h.split(',').any(|part| {
            let mut it = part.split(';');
            let name = it.next().unwrap_or_default().trim();
            let q_zero = it.any(|p| p.trim().replace(' ', "") == "q=0");
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !q_zero
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_cbor_round_trip() {
        let req = SyncRequest {
            docs: vec![DocRequest {
                dossier: "x".into(),
                volume: "a".into(),
                heads: vec!["ab".into()],
                changes: vec![Bytes(vec![0, 1, 255])],
                sync: None,
            }],
        };
        for f in [Format::Json, Format::Cbor] {
            let bytes = f.encode(&req).expect("encode");
            assert_eq!(f.decode::<SyncRequest>(&bytes).expect("decode"), req);
        }
        let json = String::from_utf8(Format::Json.encode(&req).expect("encode")).expect("utf8");
        assert!(json.contains("\"AAH/\""), "{json}");
    }

    #[test]
    fn gzip_round_trip_and_limits() {
        let body = gzip(&[7u8; 10_000]);
        assert_eq!(
            decode_body(&body, Some("gzip"), 10_000).expect("ok").len(),
            10_000
        );
        assert_eq!(
            decode_body(&body, Some("gzip"), 9_999),
            Err(ApiError::BodyTooLarge)
        );
        assert_eq!(
            decode_body(&body[..10], Some("gzip"), 10),
            Err(ApiError::BodyEncoding)
        );
        assert_eq!(
            decode_body(b"x", Some("br"), 10),
            Err(ApiError::BodyEncoding)
        );
        assert!(accepts_gzip(Some("deflate, gzip;q=1.0")));
        assert!(!accepts_gzip(Some("gzip;q=0")));
    }
}
