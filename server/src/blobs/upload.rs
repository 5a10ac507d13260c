//! `PUT /v1/blobs/{sha256}`: one upload, or one part of it.
//!
//! The body streams into the device's unfinished upload in chunks of [`FLUSH`] bytes (memory
//! stays flat) while it is hashed; what arrived is kept when the connection drops, and
//! `HEAD` tells how much (`Upload-Offset`), so the phone continues with
//! `Content-Range: bytes N-END/TOTAL`. When the last byte is in, the SHA-256 must be the
//! address and the first bytes must be of the `Content-Type` sent; else the upload is thrown
//! away and nothing is stored. Sending a blob again is harmless: its own device's copy is
//! answered at once, anyone else's only once their bytes are checked (so an upload cannot ask
//! whether the server holds bytes its sender does not have).

use std::sync::Arc;

use abjuan_shared::model::attachment::is_media_type;
use futures_util::StreamExt;
use serde_json::json;
use sha2::{Digest, Sha256};
use warp::http::StatusCode;
use warp::Buf;

use super::store::{BlobMeta, BlobStore, BlobStoreError};
use super::{blocking, today, Blobs};
use crate::auth::Caller;
use crate::error::ApiError;

/// Bytes gathered before they are appended to the stored upload.
pub const FLUSH: usize = 256 * 1024;

/// `Content-Range: bytes START-END/TOTAL` of a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// First byte.
    pub start: u64,
    /// Last byte (inclusive).
    pub end: u64,
    /// Bytes in the whole blob.
    pub total: u64,
}

/// Parses a `Content-Range` header of an upload.
pub fn parse_content_range(v: &str) -> Result<Part, ApiError> {
    let bad = ApiError::InvalidContentRange;
    let rest = v.trim().strip_prefix("bytes ").ok_or(bad)?;
    let (range, total) = rest.split_once('/').ok_or(bad)?;
    let total: u64 = total.trim().parse().map_err(|_| bad)?;
    let (start, end) = range.split_once('-').ok_or(bad)?;
    let start: u64 = start.trim().parse().map_err(|_| bad)?;
    let end: u64 = end.trim().parse().map_err(|_| bad)?;
    if start > end || end >= total {
        return Err(bad);
    }
    Ok(Part { start, end, total })
}

/// What the phone sent with its `PUT`.
#[derive(Debug, Clone)]
pub struct Put {
    /// The address.
    pub sha256: String,
    /// `Content-Type`.
    pub media_type: String,
    /// `Content-Range`, if a part.
    pub part: Option<Part>,
    /// `Content-Length`.
    pub length: Option<u64>,
}

/// How an upload went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The blob is stored: `new` when this request completed it.
    Stored {
        /// Its size.
        size: u64,
        /// Completed now (201) rather than found (200).
        new: bool,
    },
    /// Part of it arrived; the rest is to come (202).
    Partial {
        /// Bytes the server holds of it.
        received: u64,
        /// Bytes in the whole blob, when known.
        total: Option<u64>,
    },
    /// The part does not start where the upload stands (409 with `Upload-Offset`).
    Offset(u64),
}

impl Outcome {
    /// The reply: status, `Upload-Offset` when a part is missing, a JSON body.
    #[must_use]
    pub fn reply(&self, sha256: &str) -> warp::reply::Response {
        use warp::Reply;
        let (status, body, offset) = match self {
            Outcome::Stored { size, new } => (
                if *new {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                },
                json!({"sha256": sha256, "size": size, "received": size, "complete": true}),
                None,
            ),
            Outcome::Partial { received, total } => (
                StatusCode::ACCEPTED,
                json!({"sha256": sha256, "size": total, "received": received, "complete": false}),
                Some(*received),
            ),
            Outcome::Offset(at) => {
                let e = ApiError::BlobOffset;
                (
                    e.status(),
                    json!({"code": e.code(), "message": e.message(), "received": at}),
                    Some(*at),
                )
            }
        };
        let mut resp = warp::reply::with_status(warp::reply::json(&body), status).into_response();
        if let Some(at) = offset {
            resp.headers_mut()
                .insert("upload-offset", warp::http::HeaderValue::from(at));
        }
        resp
    }
}

/// The first bytes of each media type.
fn looks_like(media_type: &str, head: &[u8]) -> bool {
    match media_type {
        "image/jpeg" => head.starts_with(&[0xFF, 0xD8, 0xFF]),
        "image/png" => head.starts_with(b"\x89PNG\r\n\x1a\n"),
        "application/pdf" => head.starts_with(b"%PDF-"),
        _ => false,
    }
}

/// Bytes on their way into the device's stored upload. What is gathered but not yet appended
/// when the request goes away (a dropped connection) is appended on a blocking thread, so the
/// phone's next `HEAD` counts it.
struct Sink {
    store: Arc<dyn BlobStore>,
    sha256: String,
    device: String,
    day: String,
    /// Bytes stored so far.
    at: u64,
    buf: Vec<u8>,
}

impl Sink {
    async fn flush(&mut self) -> Result<(), ApiError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let bytes = std::mem::take(&mut self.buf);
        let n = bytes.len() as u64;
        let (store, sha, device, day, at) = (
            self.store.clone(),
            self.sha256.clone(),
            self.device.clone(),
            self.day.clone(),
            self.at,
        );
        let appended = tokio::task::spawn_blocking(move || {
            store.append(&sha, &device, at, &bytes)?;
            store.charge(&device, &day, n)
        })
        .await
        .map_err(|_| ApiError::Internal)?;
        match appended {
            Ok(_) => {
                self.at += n;
                self.buf = Vec::with_capacity(FLUSH);
                Ok(())
            }
            // Another request of the device wrote meanwhile (one cut a moment ago).
            Err(BlobStoreError::Offset(_)) => Err(ApiError::BlobOffset),
            Err(e) => {
                tracing::error!(error = %e, "blob append failed");
                Err(ApiError::Storage)
            }
        }
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let bytes = std::mem::take(&mut self.buf);
        let (store, sha, device, day, at) = (
            self.store.clone(),
            std::mem::take(&mut self.sha256),
            std::mem::take(&mut self.device),
            std::mem::take(&mut self.day),
            self.at,
        );
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn_blocking(move || {
                if store.append(&sha, &device, at, &bytes).is_ok() {
                    let _ = store.charge(&device, &day, bytes.len() as u64);
                }
            });
        }
    }
}

/// Runs one `PUT`.
pub async fn put(
    blobs: &Blobs,
    caller: &Caller,
    req: Put,
    mut body: impl futures_util::Stream<Item = Result<impl Buf, warp::Error>> + Unpin,
) -> Result<Outcome, ApiError> {
    if !abjuan_shared::model::attachment::is_sha256(&req.sha256) {
        return Err(ApiError::InvalidBlobAddress);
    }
    if !is_media_type(&req.media_type) {
        return Err(ApiError::BlobType);
    }
    let start = req.part.map_or(0, |p| p.start);
    let total = req
        .part
        .map(|p| p.total)
        .or_else(|| req.length.filter(|_| req.part.is_none()));
    let max = blobs.limits.max_blob_bytes;
    if total.is_some_and(|t| t > max) {
        return Err(ApiError::BlobTooLarge);
    }
    let store = blobs.store.clone();
    let (sha, device) = (req.sha256.clone(), caller.device.clone());
    let found = {
        let (store, sha) = (store.clone(), sha.clone());
        blocking(move || store.stat(&sha)).await?
    };
    if let Some(meta) = &found {
        if meta.device == device {
            return Ok(Outcome::Stored {
                size: meta.size,
                new: false,
            });
        }
    }
    let day = today();
    let sent = {
        let (store, device, day) = (store.clone(), device.clone(), day.clone());
        blocking(move || store.charged(&device, &day)).await?
    };
    let coming = total.map_or(1, |t| t.saturating_sub(start));
    if sent.saturating_add(coming) > blobs.limits.per_device_day {
        return Err(ApiError::BlobQuota);
    }
    let Some(_running) = blobs.start(&sha, &device) else {
        return Err(ApiError::BlobUploadBusy);
    };
    let held = {
        let (store, sha, device) = (store.clone(), sha.clone(), device.clone());
        blocking(move || store.received(&sha, &device)).await?
    };
    let mut hasher = Sha256::new();
    if start == 0 {
        if held > 0 {
            let (store, sha, device) = (store.clone(), sha.clone(), device.clone());
            blocking(move || store.restart(&sha, &device)).await?;
        }
    } else if start != held {
        return Ok(Outcome::Offset(held));
    } else {
        rehash(&store, &sha, &device, held, &mut hasher).await?;
    }
    let mut sink = Sink {
        store: store.clone(),
        sha256: sha.clone(),
        device: device.clone(),
        day,
        at: start,
        buf: Vec::with_capacity(FLUSH),
    };
    // The body may not run past the part it announced, nor past the largest blob.
    let limit = req.part.map_or(total.unwrap_or(max), |p| p.end + 1);
    loop {
        let next = match tokio::time::timeout(blobs.limits.idle, body.next()).await {
            Ok(next) => next,
            Err(_) => {
                // Nothing for a while: keep what came, the phone resumes.
                sink.flush().await?;
                return Err(ApiError::Timeout);
            }
        };
        let Some(chunk) = next else { break };
        let Ok(mut chunk) = chunk else {
            // The connection broke: keep what came.
            sink.flush().await?;
            return Err(ApiError::BodyInvalid);
        };
        let n = chunk.remaining() as u64;
        if sink.at + sink.buf.len() as u64 + n > limit {
            // More than the part announced, or than any blob may be: nothing of it is kept.
            sink.buf.clear();
            let (store, sha, device) = (store.clone(), sha.clone(), device.clone());
            blocking(move || store.discard(&sha, &device)).await?;
            return Err(if total.is_some() {
                ApiError::InvalidContentRange
            } else {
                ApiError::BlobTooLarge
            });
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            hasher.update(part);
            sink.buf.extend_from_slice(part);
            let len = part.len();
            chunk.advance(len);
        }
        if sink.buf.len() >= FLUSH {
            sink.flush().await?;
        }
    }
    sink.flush().await?;
    let received = sink.at;
    if total.is_some_and(|t| received < t) {
        return Ok(Outcome::Partial { received, total });
    }
    finish(
        &store,
        &sha,
        &device,
        &req.media_type,
        received,
        hasher,
        found.is_some(),
    )
    .await
}

/// Hashes what an earlier request of the device stored, before the rest is appended.
async fn rehash(
    store: &Arc<dyn BlobStore>,
    sha: &str,
    device: &str,
    held: u64,
    hasher: &mut Sha256,
) -> Result<(), ApiError> {
    let mut at = 0;
    while at < held {
        let (store, sha, device) = (store.clone(), sha.to_owned(), device.to_owned());
        let bytes = blocking(move || store.read_partial(&sha, &device, at, 1 << 20)).await?;
        if bytes.is_empty() {
            return Err(ApiError::Storage);
        }
        hasher.update(&bytes);
        at += bytes.len() as u64;
    }
    Ok(())
}

/// Checks the finished upload and stores it, or throws it away.
async fn finish(
    store: &Arc<dyn BlobStore>,
    sha: &str,
    device: &str,
    media_type: &str,
    size: u64,
    hasher: Sha256,
    existed: bool,
) -> Result<Outcome, ApiError> {
    let digest = abjuan_shared::attachment::hex(&hasher.finalize());
    let head = {
        let (store, sha, device) = (store.clone(), sha.to_owned(), device.to_owned());
        blocking(move || store.read_partial(&sha, &device, 0, 8)).await?
    };
    let refusal = if digest != sha {
        Some(ApiError::BlobHashMismatch)
    } else if !looks_like(media_type, &head) {
        Some(ApiError::BlobType)
    } else {
        None
    };
    let (store, sha, device) = (store.clone(), sha.to_owned(), device.to_owned());
    if let Some(e) = refusal {
        blocking(move || store.discard(&sha, &device)).await?;
        return Err(e);
    }
    let meta = BlobMeta {
        sha256: sha,
        size,
        media_type: media_type.to_owned(),
        device,
        stored_at: crate::clock::now_ms(),
    };
    blocking(move || store.commit(&meta)).await?;
    Ok(Outcome::Stored {
        size,
        new: !existed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_are_read_strictly() {
        assert_eq!(
            parse_content_range("bytes 0-99/100"),
            Ok(Part {
                start: 0,
                end: 99,
                total: 100
            })
        );
        assert_eq!(
            parse_content_range("bytes 50-99/100").map(|p| p.start),
            Ok(50)
        );
        for bad in [
            "bytes 0-100/100",
            "bytes 60-50/100",
            "0-99/100",
            "bytes 0-99/*",
            "bytes -5/100",
            "bytes 0-99/x",
        ] {
            assert_eq!(
                parse_content_range(bad),
                Err(ApiError::InvalidContentRange),
                "{bad}"
            );
        }
    }

    #[test]
    fn magic_bytes_match_the_declared_type() {
        assert!(looks_like("image/jpeg", &[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(!looks_like("image/png", &[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(looks_like("application/pdf", b"%PDF-1.7"));
        assert!(!looks_like("image/jpeg", b"<html>"));
    }
}
