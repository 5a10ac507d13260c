//! The blob routes: `PUT /v1/blobs/{sha256}` (an upload or a part of it), `HEAD` (is it here,
//! and how much of this device's unfinished upload is), `GET` (the bytes, a `Range` of them
//! too), streamed in chunks so memory stays flat whatever the size. A blob the caller may not
//! read is answered exactly as one that is not stored (404 `blob_not_found`).

use std::sync::Arc;

use futures_util::Stream;
use warp::http::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE};
use warp::http::{HeaderMap, HeaderValue, StatusCode};
use warp::{Filter, Rejection, Reply};

use super::upload::{self, parse_content_range, Put};
use super::{blocking, Blobs};
use crate::auth::routes::authenticated;
use crate::auth::{Caller, Gate};
use crate::error::ApiError;

/// Bytes read from the store per chunk of a download.
const CHUNK: usize = 256 * 1024;

/// The routes.
pub fn routes(
    blobs: Arc<Blobs>,
    gate: Arc<Gate>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let with = {
        let (blobs, gate) = (blobs, gate.clone());
        warp::any().map(move || (blobs.clone(), gate.clone()))
    };
    let put =
        warp::path!("v1" / "blobs" / String)
            .and(warp::put())
            .and(authenticated(gate.clone()))
            .and(with.clone())
            .and(warp::header::headers_cloned())
            .and(warp::body::stream())
            .and_then(
                |sha: String,
                 caller: Caller,
                 (blobs, _): (Arc<Blobs>, Arc<Gate>),
                 headers,
                 body| async move {
                    put(&blobs, &caller, sha, &headers, body)
                        .await
                        .map_err(warp::reject::custom)
                },
            );
    let head = warp::path!("v1" / "blobs" / String)
        .and(warp::head())
        .and(authenticated(gate.clone()))
        .and(with.clone())
        .and_then(
            |sha: String, caller: Caller, (blobs, gate): (Arc<Blobs>, Arc<Gate>)| async move {
                head(&blobs, &gate, &caller, sha)
                    .await
                    .map_err(warp::reject::custom)
            },
        );
    let get = warp::path!("v1" / "blobs" / String)
        .and(warp::get())
        .and(authenticated(gate))
        .and(with)
        .and(warp::header::optional::<String>(RANGE.as_str()))
        .and_then(
            |sha: String,
             caller: Caller,
             (blobs, gate): (Arc<Blobs>, Arc<Gate>),
             range: Option<String>| async move {
                get(&blobs, &gate, &caller, sha, range.as_deref())
                    .await
                    .map_err(warp::reject::custom)
            },
        );
    put.or(head).unify().or(get).unify()
}

fn header(headers: &HeaderMap, name: impl warp::http::header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn put(
    blobs: &Blobs,
    caller: &Caller,
    sha: String,
    headers: &HeaderMap,
    body: impl Stream<Item = Result<impl warp::Buf, warp::Error>> + Unpin,
) -> Result<warp::reply::Response, ApiError> {
    let media_type = header(headers, CONTENT_TYPE)
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let part = header(headers, CONTENT_RANGE)
        .map(parse_content_range)
        .transpose()?;
    let length = header(headers, CONTENT_LENGTH).and_then(|l| l.parse().ok());
    let req = Put {
        sha256: sha.clone(),
        media_type,
        part,
        length,
    };
    let outcome = upload::put(blobs, caller, req, body).await?;
    Ok(outcome.reply(&sha))
}

/// Whether the caller may read `sha` (it is stored and theirs to see), with its metadata.
async fn readable(
    blobs: &Blobs,
    gate: &Arc<Gate>,
    caller: &Caller,
    sha: &str,
) -> Result<Option<super::BlobMeta>, ApiError> {
    if !abjuan_shared::model::attachment::is_sha256(sha) {
        return Err(ApiError::InvalidBlobAddress);
    }
    let meta = {
        let (store, sha) = (blobs.store.clone(), sha.to_owned());
        blocking(move || store.stat(&sha)).await?
    };
    match meta {
        Some(m) if blobs.may_read(gate, caller, &m).await? => Ok(Some(m)),
        _ => Ok(None),
    }
}

fn safe_headers(resp: &mut warp::reply::Response, media_type: &str) {
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(media_type) {
        h.insert(CONTENT_TYPE, v);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    // Personal data: no shared or disk cache keeps it (the phone keeps its own copy).
    h.insert("cache-control", HeaderValue::from_static("no-store"));
    h.insert("accept-ranges", HeaderValue::from_static("bytes"));
}

async fn head(
    blobs: &Blobs,
    gate: &Arc<Gate>,
    caller: &Caller,
    sha: String,
) -> Result<warp::reply::Response, ApiError> {
    if let Some(meta) = readable(blobs, gate, caller, &sha).await? {
        let mut resp = warp::reply::Response::new(warp::hyper::body::Bytes::new().into());
        safe_headers(&mut resp, &meta.media_type);
        resp.headers_mut()
            .insert(CONTENT_LENGTH, HeaderValue::from(meta.size));
        resp.headers_mut()
            .insert("upload-offset", HeaderValue::from(meta.size));
        return Ok(resp);
    }
    // Not here (or not theirs to see): how much of their own unfinished upload arrived.
    let held = {
        let (store, device) = (blobs.store.clone(), caller.device.clone());
        blocking(move || store.received(&sha, &device)).await?
    };
    let mut resp = crate::error::reply(ApiError::BlobNotFound);
    resp.headers_mut()
        .insert("upload-offset", HeaderValue::from(held));
    Ok(resp)
}

/// `Range: bytes=START-[END]` (one range) as `(start, end inclusive)` within `size`.
fn parse_range(v: &str, size: u64) -> Result<(u64, u64), ApiError> {
    let bad = ApiError::RangeNotSatisfiable;
    let spec = v.trim().strip_prefix("bytes=").ok_or(bad)?;
    let (start, end) = spec.split_once('-').ok_or(bad)?;
    let (start, end) = if start.is_empty() {
        // The last N bytes.
        let n: u64 = end.parse().map_err(|_| bad)?;
        (size.saturating_sub(n), size.saturating_sub(1))
    } else {
        let s: u64 = start.parse().map_err(|_| bad)?;
        let e = if end.is_empty() {
            size.saturating_sub(1)
        } else {
            end.parse::<u64>()
                .map_err(|_| bad)?
                .min(size.saturating_sub(1))
        };
        (s, e)
    };
    if size == 0 || start > end || start >= size {
        return Err(bad);
    }
    Ok((start, end))
}

async fn get(
    blobs: &Blobs,
    gate: &Arc<Gate>,
    caller: &Caller,
    sha: String,
    range: Option<&str>,
) -> Result<warp::reply::Response, ApiError> {
    let meta = readable(blobs, gate, caller, &sha)
        .await?
        .ok_or(ApiError::BlobNotFound)?;
    let (start, end) = match range {
        Some(r) => parse_range(r, meta.size)?,
        None => (0, meta.size.saturating_sub(1)),
    };
    let len = end + 1 - start;
    let mut resp = stream(blobs.store.clone(), sha, start, len).into_response();
    safe_headers(&mut resp, &meta.media_type);
    let h = resp.headers_mut();
    h.insert(CONTENT_LENGTH, HeaderValue::from(len));
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", meta.sha256)) {
        h.insert("etag", v);
    }
    if range.is_some() {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{}", meta.size)) {
            h.insert(CONTENT_RANGE, v);
        }
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    Ok(resp)
}

/// The bytes `start..start+len` of a blob as a body: a task reads one chunk at a time into a
/// channel of two, so a slow phone holds at most three chunks of memory.
fn stream(store: Arc<dyn super::BlobStore>, sha: String, start: u64, len: u64) -> impl Reply {
    let (tx, rx) =
        tokio::sync::mpsc::channel::<Result<warp::hyper::body::Bytes, std::io::Error>>(2);
    tokio::spawn(async move {
        let mut at = start;
        let end = start + len;
        while at < end {
            let want = usize::try_from(end - at).unwrap_or(CHUNK).min(CHUNK);
            let (store, sha) = (store.clone(), sha.clone());
            let read = tokio::task::spawn_blocking(move || store.read(&sha, at, want)).await;
            let chunk = match read {
                Ok(Ok(bytes)) if !bytes.is_empty() => bytes,
                other => {
                    tracing::error!(?other, "blob read failed mid-download");
                    let _ = tx
                        .send(Err(std::io::Error::other("blob read failed")))
                        .await;
                    return;
                }
            };
            at += chunk.len() as u64;
            if tx.send(Ok(chunk.into())).await.is_err() {
                return; // the phone went away
            }
        }
    });
    let rx = std::sync::Mutex::new(rx);
    warp::reply::stream(futures_util::stream::poll_fn(move |cx| match rx.lock() {
        Ok(mut rx) => rx.poll_recv(cx),
        Err(_) => std::task::Poll::Ready(None),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_within_the_blob() {
        assert_eq!(parse_range("bytes=0-", 10), Ok((0, 9)));
        assert_eq!(parse_range("bytes=4-6", 10), Ok((4, 6)));
        assert_eq!(parse_range("bytes=4-60", 10), Ok((4, 9)));
        assert_eq!(parse_range("bytes=-3", 10), Ok((7, 9)));
        for bad in ["bytes=10-", "bytes=5-4", "items=0-1", "bytes=x-"] {
            assert_eq!(
                parse_range(bad, 10),
                Err(ApiError::RangeNotSatisfiable),
                "{bad}"
            );
        }
    }
}
