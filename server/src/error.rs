//! The one table of error codes the HTTP API answers with. Every error a client can see is a
//! row here: a stable `code` (clients match on it), an HTTP status and a safe message. The real
//! cause (SQL, IO, automerge text) goes to the log, never into a response.

use serde::Serialize;
use warp::http::header::{HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use warp::http::StatusCode;

macro_rules! api_errors {
    ($( $variant:ident = ($code:literal, $status:ident, $message:literal) ),+ $(,)?) => {
        /// A client-visible error.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ApiError {
            $( #[doc = $message] $variant ),+
        }

        impl ApiError {
            /// Every row of the table (for docs and tests).
            pub const ALL: &'static [ApiError] = &[$(ApiError::$variant),+];

            /// The stable code.
            #[must_use]
            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),+ }
            }

            /// The HTTP status.
            #[must_use]
            pub fn status(self) -> StatusCode {
                match self { $(Self::$variant => StatusCode::$status),+ }
            }

            /// A message safe to send to any client.
            #[must_use]
            pub fn message(self) -> &'static str {
                match self { $(Self::$variant => $message),+ }
            }
        }
    };
}

api_errors! {
    BadRequest = ("bad_request", BAD_REQUEST, "The request is malformed."),
    InvalidArgument = ("invalid_argument", BAD_REQUEST, "An argument is invalid."),
    BodyInvalid = ("body_invalid", BAD_REQUEST, "The body is not a valid sync request (truncated, garbage or wrong structure)."),
    BodyEncoding = ("body_encoding", BAD_REQUEST, "The body's Content-Encoding is unsupported or the compressed data is damaged."),
    InvalidDossierId = ("invalid_dossier_id", BAD_REQUEST, "A dossier id is not a UUID."),
    InvalidHeads = ("invalid_heads", BAD_REQUEST, "A head is not a 64-digit hex change hash."),
    InvalidQuery = ("invalid_query", BAD_REQUEST, "A query parameter is invalid."),
    TooManyDocs = ("too_many_docs", BAD_REQUEST, "Too many documents in one request."),
    RulesInvalid = ("rules_invalid", BAD_REQUEST, "The rule set is not valid JSON of the documented shape (see detail)."),
    RulesBadId = ("rules_bad_id", BAD_REQUEST, "A rule id is duplicated or reserved (see detail)."),
    RulesTooLarge = ("rules_too_large", BAD_REQUEST, "The rule set exceeds a limit: 200 rules, conditions 16 deep, 256 KiB (see detail)."),
    RulesBadPath = ("rules_bad_path", BAD_REQUEST, "A rule's path is not a JSON pointer (see detail)."),
    Unauthorized = ("unauthorized", UNAUTHORIZED, "A valid device credential is required (Authorization: Bearer …)."),
    EnrolmentInvalid = ("enrolment_invalid", UNAUTHORIZED, "The enrolment code is unknown, used or expired."),
    Forbidden = ("forbidden", FORBIDDEN, "Your role may not do this."),
    NotFound = ("not_found", NOT_FOUND, "No such route."),
    DossierNotFound = ("dossier_not_found", NOT_FOUND, "No such dossier."),
    UnknownHeads = ("unknown_heads", NOT_FOUND, "A head is not one of this dossier's changes (or not one you may read): sync first, or ask without heads."),
    RuleSetNotFound = ("rule_set_not_found", NOT_FOUND, "No such version of the bureau's rule set."),
    MethodNotAllowed = ("method_not_allowed", METHOD_NOT_ALLOWED, "Method not allowed on this route."),
    Exists = ("exists", CONFLICT, "A record with this id exists already."),
    ActorTaken = ("actor_taken", CONFLICT, "The actor id is registered to another device."),
    RuleSetRetired = ("rule_set_retired", CONFLICT, "That version of the rule set is retired already."),
    BodyTooLarge = ("body_too_large", PAYLOAD_TOO_LARGE, "The request body is too large."),
    UnsupportedMediaType = ("unsupported_media_type", UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json or application/cbor."),
    RateLimited = ("rate_limited", TOO_MANY_REQUESTS, "Too many requests; retry later."),
    Timeout = ("timeout", SERVICE_UNAVAILABLE, "The request took too long; retry it."),
    Storage = ("storage", SERVICE_UNAVAILABLE, "The store could not complete the request; retry it."),
    PrintTooMany = ("print_too_many", BAD_REQUEST, "Too many dossiers in one print (at most 500): print a shorter period."),
    PrintUnavailable = ("print_unavailable", SERVICE_UNAVAILABLE, "This server cannot make PDFs (it needs Chromium; scripts/run.sh installs it): print from the web page instead."),
    PrintNoCjkFont = ("print_no_cjk_font", SERVICE_UNAVAILABLE, "No Chinese font is installed on the server (Debian: fonts-noto-cjk), so a PDF would show boxes: print from the web page instead."),
    PrintFailed = ("print_failed", SERVICE_UNAVAILABLE, "The PDF could not be made; retry, or print from the web page."),
    LedgerFailed = ("ledger_failed", INTERNAL_SERVER_ERROR, "The ledger could not be written."),
    InvalidBlobAddress = ("invalid_blob_address", BAD_REQUEST, "An attachment's address is its SHA-256 as 64 lowercase hex digits."),
    InvalidContentRange = ("invalid_content_range", BAD_REQUEST, "Content-Range must be `bytes START-END/TOTAL` within the blob, and the body must not run past it."),
    BlobHashMismatch = ("blob_hash_mismatch", BAD_REQUEST, "The bytes do not hash to the address they were sent to; nothing was stored: send them again from the start."),
    BlobNotFound = ("blob_not_found", NOT_FOUND, "No such attachment."),
    BlobOffset = ("blob_offset", CONFLICT, "The upload does not continue where the server's copy of it stands: send from the Upload-Offset header's byte."),
    BlobUploadBusy = ("blob_upload_busy", CONFLICT, "Another request from this device is uploading this attachment; retry shortly."),
    BlobTooLarge = ("blob_too_large", PAYLOAD_TOO_LARGE, "The attachment is larger than this server accepts (see --max-blob-mb)."),
    BlobType = ("blob_type", UNSUPPORTED_MEDIA_TYPE, "Attachments are image/jpeg, image/png or application/pdf, sent as Content-Type, and the bytes must be of that type."),
    RangeNotSatisfiable = ("range_not_satisfiable", RANGE_NOT_SATISFIABLE, "The Range asked for is not within the attachment."),
    BlobQuota = ("blob_quota", TOO_MANY_REQUESTS, "This device has sent its day's allowance of attachment bytes (see --blob-mb-per-day); the rest can go tomorrow."),
    Internal = ("internal", INTERNAL_SERVER_ERROR, "Internal error."),
}

/// Per-document errors inside a sync reply (`ok: false`); the request itself succeeds.
macro_rules! doc_errors {
    ($( $variant:ident = ($code:literal, $message:literal) ),+ $(,)?) => {
        /// Why one document of a batch was not synced.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum DocFailure {
            $( #[doc = $message] $variant ),+
        }

        impl DocFailure {
            /// Every row of the table.
            pub const ALL: &'static [DocFailure] = &[$(DocFailure::$variant),+];

            /// The stable code.
            #[must_use]
            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),+ }
            }

            /// A message safe to send to any client.
            #[must_use]
            pub fn message(self) -> &'static str {
                match self { $(Self::$variant => $message),+ }
            }
        }
    };
}

doc_errors! {
    DocCorrupt = ("doc_corrupt", "A change or sync message is not valid automerge data, or its dependencies are missing."),
    DocWrongDossier = ("doc_wrong_dossier", "The changes belong to another dossier."),
    DocTooLarge = ("doc_too_large", "The document would exceed the server's size limit."),
    DocTooDeep = ("doc_too_deep", "The document is nested too deeply."),
    DocStorage = ("doc_storage", "The store could not load or save this document; retry."),
    DocError = ("doc_error", "The document could not be synced."),
    DocForbidden = ("doc_forbidden", "You may not exchange (or change) this document."),
    DocActorNotRegistered = ("doc_actor_not_registered", "A change carries an actor id registered to another device; nothing of this document was stored."),
    DocCloseForbidden = ("doc_close_forbidden", "Moving the dossier to a closing status needs the right to close; nothing of this document was stored."),
    DocNoVolumeA = ("doc_no_volume_a", "Volume B needs the dossier's volume A on the server first (send both in one request)."),
}

impl From<&abjuan_shared::doc::DocError> for DocFailure {
    fn from(e: &abjuan_shared::doc::DocError) -> Self {
        use abjuan_shared::doc::DocError as E;
        match e {
            E::Corrupt => Self::DocCorrupt,
            E::WrongDossier => Self::DocWrongDossier,
            E::TooDeep => Self::DocTooDeep,
            _ => Self::DocError,
        }
    }
}

impl From<abjuan_shared::access::Refusal> for DocFailure {
    fn from(r: abjuan_shared::access::Refusal) -> Self {
        use abjuan_shared::access::Refusal as R;
        match r {
            R::Forbidden | R::Hidden => Self::DocForbidden,
            R::ForeignActor => Self::DocActorNotRegistered,
            R::CloseForbidden => Self::DocCloseForbidden,
            R::NoVolumeA => Self::DocNoVolumeA,
        }
    }
}

impl From<&abjuan_shared::sync::ItemError> for DocFailure {
    fn from(e: &abjuan_shared::sync::ItemError) -> Self {
        use abjuan_shared::sync::ItemError as E;
        match e {
            E::Doc(d) => Self::from(d),
            E::Refused(r) => Self::from(*r),
            E::TooLarge => Self::DocTooLarge,
        }
    }
}

impl From<crate::auth::Deny> for ApiError {
    fn from(d: crate::auth::Deny) -> Self {
        use crate::auth::Deny as D;
        match d {
            D::Unauthorized => Self::Unauthorized,
            D::Forbidden => Self::Forbidden,
            D::RateLimited(_) => Self::RateLimited,
            D::Storage => Self::Storage,
        }
    }
}

impl From<&crate::auth::AuthError> for ApiError {
    fn from(e: &crate::auth::AuthError) -> Self {
        use crate::auth::AuthError as E;
        match e {
            E::InvalidCredential | E::Revoked => Self::Unauthorized,
            E::InvalidEnrolment => Self::EnrolmentInvalid,
            E::NotFound(_) => Self::NotFound,
            E::Exists(_) => Self::Exists,
            E::Invalid(_) => Self::InvalidArgument,
            E::ActorTaken => Self::ActorTaken,
            E::Random | E::Storage(_) => {
                tracing::error!(error = %e, "account store failed");
                Self::Storage
            }
        }
    }
}

impl From<&abjuan_shared::warning::RulesError> for ApiError {
    fn from(e: &abjuan_shared::warning::RulesError) -> Self {
        use abjuan_shared::warning::RulesError as E;
        match e {
            E::Invalid(_) => Self::RulesInvalid,
            E::BadId(_) => Self::RulesBadId,
            E::TooLarge(_) => Self::RulesTooLarge,
            E::BadPath(_) => Self::RulesBadPath,
        }
    }
}

impl From<&crate::rules::RuleStoreError> for ApiError {
    fn from(e: &crate::rules::RuleStoreError) -> Self {
        use crate::rules::RuleStoreError as E;
        match e {
            E::NoBureau => Self::NotFound,
            E::NotFound => Self::RuleSetNotFound,
            E::Retired => Self::RuleSetRetired,
            E::Storage(_) => {
                tracing::error!(error = %e, "rule store failed");
                Self::Storage
            }
        }
    }
}

impl From<&crate::admin::AdminError> for ApiError {
    fn from(e: &crate::admin::AdminError) -> Self {
        use crate::admin::AdminError as E;
        match e {
            E::Forbidden => Self::Forbidden,
            E::Account(a) => Self::from(a),
            E::Rules(r) => Self::from(r),
            E::RuleStore(r) => Self::from(r),
            E::Audit(_) => {
                tracing::error!(error = %e, "audit log failed");
                Self::Storage
            }
        }
    }
}

/// The JSON error body `{code, message}`, with `detail` where the caller's own input is at
/// fault and a message of the table cannot say where (a refused rule set).
#[derive(Debug, Clone, Serialize)]
pub struct ErrorBody {
    /// Stable code.
    pub code: &'static str,
    /// Safe message.
    pub message: &'static str,
    /// What exactly is wrong with the caller's input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl From<ApiError> for ErrorBody {
    fn from(e: ApiError) -> Self {
        Self {
            code: e.code(),
            message: e.message(),
            detail: None,
        }
    }
}

impl From<DocFailure> for ErrorBody {
    fn from(e: DocFailure) -> Self {
        Self {
            code: e.code(),
            message: e.message(),
            detail: None,
        }
    }
}

impl warp::reject::Reject for ApiError {}

/// The error reply for `e`.
#[must_use]
pub fn reply(e: ApiError) -> warp::reply::Response {
    reply_with_detail(e, None)
}

/// The error reply for `e`, saying what exactly is wrong with the caller's input.
#[must_use]
pub fn reply_with_detail(e: ApiError, detail: Option<String>) -> warp::reply::Response {
    use warp::Reply;
    let body = ErrorBody {
        detail,
        ..ErrorBody::from(e)
    };
    let mut resp = warp::reply::with_status(warp::reply::json(&body), e.status()).into_response();
    let h = resp.headers_mut();
    match e.status() {
        StatusCode::UNAUTHORIZED => {
            h.insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static(crate::http::contract::WWW_AUTHENTICATE),
            );
        }
        StatusCode::TOO_MANY_REQUESTS => {
            h.insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        _ => {}
    }
    resp
}

/// The error reply for a request the gate turned away; a rate limit says how long to wait
/// (`Retry-After`, whole seconds, at least 1).
#[must_use]
pub fn reply_deny(d: crate::auth::Deny) -> warp::reply::Response {
    let mut resp = reply(ApiError::from(d));
    if let crate::auth::Deny::RateLimited(wait) = d {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        if let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string()) {
            resp.headers_mut().insert(RETRY_AFTER, v);
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<&str> = ApiError::ALL.iter().map(|e| e.code()).collect();
        codes.extend(DocFailure::ALL.iter().map(|e| e.code()));
        let n = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), n);
    }
}
