//! CORS for pages of other origins that embed `<abjuan-dossier-form>`: only the origins given
//! with `--allow-origin` (none by default) get `Access-Control-Allow-Origin`, echoed exactly
//! with `Vary: Origin`; every other origin gets no CORS header at all, so the browser keeps
//! the response from the page. Never `*`, never `Access-Control-Allow-Credentials`: the API's
//! credential is the `Authorization` header, which a listed origin may send.

use warp::http::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_METHOD, ALLOW, ORIGIN, VARY,
};
use warp::http::{HeaderMap, Method, StatusCode};
use warp::{Filter, Rejection, Reply};

/// Methods a listed origin may use (the sync, read and enrolment API; attachments are `PUT`
/// and asked about with `HEAD`).
pub const ALLOW_METHODS: &str = "GET, HEAD, POST, PUT, OPTIONS";
/// Request headers a listed origin may send: the credential, the body's type and encoding
/// (`POST /v1/sync` takes JSON or CBOR, gzip or not), the demo-mode device name, the part of
/// an attachment upload and the range of a download.
pub const ALLOW_HEADERS: &str =
    "Authorization, Content-Type, Content-Encoding, X-Abjuan-Device, Content-Range, Range";
/// Response headers a listed origin may read beyond the safelisted ones (`Upload-Offset`: how
/// much of an attachment upload arrived).
pub const EXPOSE_HEADERS: &str =
    "Retry-After, Content-Encoding, Upload-Offset, Content-Range, Content-Length";
/// How long a browser may cache a preflight answer, in seconds.
pub const MAX_AGE: &str = "600";

/// The origins allowed to call the server from a browser.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins(Vec<String>);

impl AllowedOrigins {
    /// Parses `--allow-origin` values (each may be a comma-separated list, as the
    /// environment variable is): each must be `http(s)://host[:port]`, no path, no `*`.
    ///
    /// # Errors
    /// The first value that is not an origin.
    pub fn parse<S: AsRef<str>>(values: &[S]) -> Result<Self, String> {
        let mut out: Vec<String> = Vec::new();
        for v in values {
            for raw in v.as_ref().split(',') {
                let raw = raw.trim();
                if raw.is_empty() {
                    continue;
                }
                let origin = normalise(raw).ok_or_else(|| {
                    format!(
                        "--allow-origin {raw:?} is not an origin (scheme://host[:port], \
                         e.g. https://platform.example.gov.cn; `*` is never allowed)"
                    )
                })?;
                if !out.contains(&origin) {
                    out.push(origin);
                }
            }
        }
        Ok(Self(out))
    }

    /// Whether no origin is allowed (the default).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The allowed origins, normalised.
    #[must_use]
    pub fn list(&self) -> &[String] {
        &self.0
    }

    /// The request's `Origin` when it is allowed, as sent.
    fn allowed<'h>(&self, headers: &'h HeaderMap) -> Option<&'h HeaderValue> {
        let value = headers.get(ORIGIN)?;
        let origin = value.to_str().ok()?;
        let wanted = normalise(origin)?;
        self.0.contains(&wanted).then_some(value)
    }

    /// Adds the CORS headers `resp` gets for a request with `headers` and `method`.
    pub fn decorate(&self, method: &Method, headers: &HeaderMap, resp: &mut warp::reply::Response) {
        if self.is_empty() {
            return;
        }
        let h = resp.headers_mut();
        // The answer depends on the Origin: caches must not reuse it across origins.
        h.append(VARY, HeaderValue::from_static("Origin"));
        let Some(origin) = self.allowed(headers) else {
            return;
        };
        h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        if method == Method::OPTIONS && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD) {
            h.insert(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(ALLOW_METHODS),
            );
            h.insert(
                ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(ALLOW_HEADERS),
            );
            h.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
        } else {
            h.insert(
                ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSE_HEADERS),
            );
        }
    }
}

/// `scheme://host[:port]` in lower case without a default port, or `None` when `s` is not
/// an origin (a path, a query, credentials, `*`, `null`, another scheme).
fn normalise(s: &str) -> Option<String> {
    let (scheme, rest) = s.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => "80",
        "https" => "443",
        _ => return None,
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty()
        || rest
            .chars()
            .any(|c| matches!(c, '/' | '?' | '#' | '@' | '*' | '\\') || c.is_whitespace())
        || !rest.is_ascii()
    {
        return None;
    }
    let rest = rest.to_ascii_lowercase();
    let (host, port) = if rest.starts_with('[') {
        // [v6]:port
        let end = rest.find(']')?;
        match &rest[end + 1..] {
            "" => (&rest[..=end], None),
            p => (&rest[..=end], Some(p.strip_prefix(':')?)),
        }
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest.as_str(), None),
        }
    };
    if host.is_empty() {
        return None;
    }
    match port {
        Some(p) if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) => None,
        Some(p) if p.parse::<u16>().is_err() => None,
        Some(p) if p == default_port => Some(format!("{scheme}://{host}")),
        Some(p) => Some(format!("{scheme}://{host}:{p}")),
        None => Some(format!("{scheme}://{host}")),
    }
}

/// `OPTIONS` on any path: 204 with `Allow` (the path's methods and `OPTIONS` for a path of
/// the API, [`ALLOW_METHODS`] elsewhere; the CORS headers are added by
/// [`AllowedOrigins::decorate`] for listed origins only). Any other method passes on as "not
/// found", so it never turns another route's 404 into a 405.
pub fn preflight() -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    warp::method().and(warp::path::full()).and_then(
        |method: Method, path: warp::path::FullPath| async move {
            if method != Method::OPTIONS {
                return Err(warp::reject::not_found());
            }
            let mut resp =
                warp::reply::with_status(warp::reply(), StatusCode::NO_CONTENT).into_response();
            let methods = super::contract::methods_of(path.as_str());
            let allow = if methods.is_empty() {
                HeaderValue::from_static(ALLOW_METHODS)
            } else {
                HeaderValue::from_str(&super::contract::allow_value(&methods))
                    .unwrap_or(HeaderValue::from_static(ALLOW_METHODS))
            };
            resp.headers_mut().insert(ALLOW, allow);
            Ok(resp)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).expect("value"));
        }
        h
    }

    #[test]
    fn origins_are_parsed_strictly() {
        let o = AllowedOrigins::parse(&[
            "https://Platform.example.gov.cn/",
            "http://127.0.0.1:8081,https://a.example:443",
        ])
        .expect("parse");
        assert_eq!(
            o.list(),
            [
                "https://platform.example.gov.cn",
                "http://127.0.0.1:8081",
                "https://a.example"
            ]
        );
        for bad in [
            "*",
            "null",
            "example.com",
            "ftp://x",
            "https://x/path",
            "https://x?q",
            "https://u@x",
            "https://x:99999",
            "https://",
            "https://*.x",
        ] {
            assert!(AllowedOrigins::parse(&[bad]).is_err(), "{bad}");
        }
        assert!(AllowedOrigins::parse::<&str>(&[])
            .expect("empty")
            .is_empty());
        assert_eq!(
            normalise("http://[::1]:8080").as_deref(),
            Some("http://[::1]:8080")
        );
    }

    #[test]
    fn only_listed_origins_get_headers() {
        let o = AllowedOrigins::parse(&["https://platform.example"]).expect("parse");
        let mut resp = warp::reply().into_response();
        o.decorate(
            &Method::OPTIONS,
            &headers(&[
                ("origin", "https://platform.example"),
                ("access-control-request-method", "POST"),
            ]),
            &mut resp,
        );
        let h = resp.headers();
        assert_eq!(h[ACCESS_CONTROL_ALLOW_ORIGIN], "https://platform.example");
        assert_eq!(h[ACCESS_CONTROL_ALLOW_METHODS], ALLOW_METHODS);
        assert!(h[ACCESS_CONTROL_ALLOW_HEADERS]
            .to_str()
            .expect("ascii")
            .contains("Authorization"));
        assert_eq!(h[VARY], "Origin");

        for origin in [
            "https://evil.example",
            "null",
            "https://platform.example.evil",
        ] {
            let mut resp = warp::reply().into_response();
            o.decorate(&Method::POST, &headers(&[("origin", origin)]), &mut resp);
            assert!(
                resp.headers()
                    .keys()
                    .all(|k| !k.as_str().starts_with("access-control-")),
                "{origin}"
            );
        }
        let mut resp = warp::reply().into_response();
        AllowedOrigins::default().decorate(
            &Method::GET,
            &headers(&[("origin", "https://platform.example")]),
            &mut resp,
        );
        assert!(resp.headers().is_empty());
    }
}
