//! `POST /v1/sync`: the phone batch sync (docs/sync-api.md).

use futures_util::StreamExt;
use warp::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE};
use warp::http::HeaderMap;
use warp::{Buf, Filter, Rejection, Reply};

use super::{with_state, AppState};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::sync::wire::{accepts_gzip, decode_body, gzip, DocRequest, Format, SyncRequest};

/// The request body as a phone sends it: the sync request, and the content addresses of
/// attachments it references but does not hold (docs/sync-api.md; answered per dossier in
/// the reply's `blobs`).
// Its schema is `SyncRequest` in server/openapi.json (http/contract/bodies.rs): these doc
// comments are the document's descriptions.
#[derive(Debug, serde::Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema), schemars(rename = "SyncRequest"))]
#[serde(deny_unknown_fields)]
pub(crate) struct PhoneRequest {
    /// The documents (dossier volumes) to sync.
    #[cfg_attr(
        test,
        schemars(length(max = crate::sync::Limits::default().max_docs_per_request))
    )]
    docs: Vec<DocRequest>,
    /// Content addresses (SHA-256) of attachments this phone references but does not hold;
    /// each dossier of the reply says in `blobs.phoneLacks` which of them it may fetch now
    /// (and in `blobs.serverLacks` which nobody has uploaded yet). References the caller may
    /// not read are never named.
    #[serde(default)]
    #[cfg_attr(
        test,
        schemars(
            length(max = crate::blobs::reply::MAX_LACKING),
            inner(regex(pattern = r"^[0-9a-f]{64}$"))
        )
    )]
    lacking: Vec<String>,
}

/// The header naming a client in open demo mode (authenticated devices are named by their
/// credential).
pub const DEVICE_HEADER: &str = "x-abjuan-device";

/// The sync route.
pub fn routes(
    state: AppState,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let gate = state.gate.clone();
    warp::path!("v1" / "sync")
        .and(warp::post())
        .and(crate::auth::routes::authenticated(gate))
        .and(with_state(state))
        .and(warp::header::headers_cloned())
        .and(warp::body::stream())
        .and_then(
            |caller: Caller, state: AppState, headers: HeaderMap, body| async move {
                let timeout = state.timeout;
                match tokio::time::timeout(timeout, handle(state, caller, headers, body)).await {
                    Ok(Ok(r)) => Ok(r),
                    Ok(Err(e)) => Err(warp::reject::custom(e)),
                    Err(_) => Err(warp::reject::custom(ApiError::Timeout)),
                }
            },
        )
}

fn header(headers: &HeaderMap, name: impl warp::http::header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The client id: the device header (printable, at most 128 characters) or "anonymous".
#[must_use]
pub fn client_id(headers: &HeaderMap) -> String {
    header(headers, DEVICE_HEADER)
        .map(str::trim)
        .filter(|d| !d.is_empty() && d.len() <= 128 && d.chars().all(|c| c.is_ascii_graphic()))
        .unwrap_or("anonymous")
        .to_owned()
}

async fn handle(
    state: AppState,
    caller: Caller,
    headers: HeaderMap,
    body: impl futures_util::Stream<Item = Result<impl Buf, warp::Error>> + Unpin,
) -> Result<warp::reply::Response, ApiError> {
    let limit = state.max_body_bytes;
    if let Some(len) = header(&headers, CONTENT_LENGTH).and_then(|l| l.parse::<usize>().ok()) {
        if len > drain_cap(limit) {
            return Err(ApiError::BodyTooLarge);
        }
    }
    // The body is read before anything is refused, so the connection stays usable for the
    // client's next request (hyper closes a connection whose body was left unread).
    let raw = read_limited(body, limit).await?;
    let format = Format::from_content_type(header(&headers, CONTENT_TYPE))
        .ok_or(ApiError::UnsupportedMediaType)?;
    let bytes = decode_body(&raw, header(&headers, CONTENT_ENCODING), limit)?;
    let PhoneRequest { docs, lacking } = format.decode(&bytes)?;
    let req = SyncRequest { docs };
    // Sync states are kept per device (per named client in open demo mode).
    let client = if caller.demo {
        client_id(&headers)
    } else {
        caller.device.clone()
    };
    let access = crate::sync::engine::Access::Caller(state.gate.clone(), caller.clone());
    let mut reply = state.engine.sync(&req, &client, access).await?;
    crate::blobs::reply::annotate(&state.blobs, &state.gate, &caller, &lacking, &mut reply).await?;
    let mut out = format.encode(&reply)?;
    let compress = accepts_gzip(header(&headers, ACCEPT_ENCODING)) && out.len() > 256;
    if compress {
        out = gzip(&out);
    }
    let mut resp = warp::reply::Response::new(out.into());
    let h = resp.headers_mut();
    h.insert(
        CONTENT_TYPE,
        warp::http::HeaderValue::from_static(format.content_type()),
    );
    if compress {
        h.insert(
            CONTENT_ENCODING,
            warp::http::HeaderValue::from_static("gzip"),
        );
    }
    Ok(resp.into_response())
}

/// How much of an oversized body is read (and dropped) before answering 413, so that a
/// client still sending gets the error body instead of a reset connection.
fn drain_cap(limit: usize) -> usize {
    limit.saturating_mul(4).max(64 * 1024 * 1024)
}

async fn read_limited(
    mut body: impl futures_util::Stream<Item = Result<impl Buf, warp::Error>> + Unpin,
    limit: usize,
) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk.map_err(|_| ApiError::BodyInvalid)?;
        seen += chunk.remaining();
        if seen > limit {
            if seen > drain_cap(limit) {
                return Err(ApiError::BodyTooLarge);
            }
            out = Vec::new();
            continue;
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            out.extend_from_slice(part);
            let n = part.len();
            chunk.advance(n);
        }
    }
    if seen > limit {
        return Err(ApiError::BodyTooLarge);
    }
    Ok(out)
}
