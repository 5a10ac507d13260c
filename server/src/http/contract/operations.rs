//! The operation list: every route the server answers, by method and path as `/openapi.json`
//! names it, whether it needs a device credential, and every error of the one table
//! (`crate::error`) it can answer with. The served document's error responses, status codes
//! and security requirements are made from this list ([`super::document`]); the 405 answer for
//! an undeclared method comes from it too ([`super::method_guard`]). Tests hold it to the
//! router (every operation is routed, nothing else is) and to the hand-written parts of the
//! document (the same operations, no error response written by hand).

use crate::error::ApiError as E;

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (no credential read).
    Public,
    /// A device credential (`Authorization: Bearer abjd_…`), or nothing in open demo mode.
    Device,
}

/// One operation of the API.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// `GET`, `POST`.
    pub method: &'static str,
    /// The path as the document names it, `{name}` for a parameter (`{path}` takes the rest).
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// The errors it answers with besides those every operation of its access has
    /// ([`Operation::errors`]).
    pub errors: &'static [E],
}

/// Errors every operation can answer with.
const ANY: &[E] = &[E::Internal];
/// Errors every operation behind the credential check can answer with: no or a bad
/// credential, the device's rate limit (or an address's failed credentials), the account
/// store failing.
const DEVICE: &[E] = &[E::Unauthorized, E::RateLimited, E::Storage];

impl Operation {
    /// Every error this operation can answer with, in the table's order.
    #[must_use]
    pub fn errors(&self) -> Vec<E> {
        let mut all: Vec<E> = self.errors.to_vec();
        all.extend_from_slice(ANY);
        if self.access == Access::Device {
            all.extend_from_slice(DEVICE);
        }
        let mut out: Vec<E> = E::ALL.iter().copied().filter(|e| all.contains(e)).collect();
        out.dedup();
        out
    }
}

const fn op(method: &'static str, path: &'static str, errors: &'static [E]) -> Operation {
    Operation {
        method,
        path,
        access: Access::Device,
        errors,
    }
}

const fn public(method: &'static str, path: &'static str, errors: &'static [E]) -> Operation {
    Operation {
        method,
        path,
        access: Access::Public,
        errors,
    }
}

const READ_DOSSIER: &[E] = &[
    E::InvalidDossierId,
    E::InvalidHeads,
    E::InvalidQuery,
    E::DossierNotFound,
    E::UnknownHeads,
    E::Timeout,
];
const LIST: &[E] = &[E::InvalidQuery];
const ADMIN: &[E] = &[E::Forbidden];
const ADMIN_QUERY: &[E] = &[E::Forbidden, E::InvalidQuery];
const ADMIN_PERSON: &[E] = &[
    E::Forbidden,
    E::NotFound,
    E::InvalidArgument,
    E::BadRequest,
    E::BodyTooLarge,
    E::UnsupportedMediaType,
];
const SHARES_POST: &[E] = &[
    E::InvalidDossierId,
    E::DossierNotFound,
    E::Forbidden,
    E::NotFound,
    E::InvalidArgument,
    E::BadRequest,
    E::BodyTooLarge,
    E::UnsupportedMediaType,
];
const PRINT: &[E] = &[
    E::InvalidQuery,
    E::InvalidDossierId,
    E::DossierNotFound,
    E::PrintTooMany,
];

/// Every operation the server answers.
pub const OPERATIONS: &[Operation] = &[
    op(
        "POST",
        "/v1/sync",
        &[
            E::BodyInvalid,
            E::BodyEncoding,
            E::InvalidDossierId,
            E::InvalidHeads,
            E::TooManyDocs,
            E::BodyTooLarge,
            E::UnsupportedMediaType,
            E::Timeout,
        ],
    ),
    op("GET", "/v1/dossiers", LIST),
    op("GET", "/v1/warnings", LIST),
    op("GET", "/v1/stats", &[E::InvalidQuery, E::Forbidden]),
    op(
        "GET",
        "/v1/inspections/stats",
        &[E::InvalidQuery, E::Forbidden],
    ),
    op("GET", "/v1/dossiers/{id}", READ_DOSSIER),
    op("GET", "/v1/dossiers/{id}/report", READ_DOSSIER),
    op("GET", "/v1/dossiers/{id}/conflicts", READ_DOSSIER),
    op("GET", "/v1/dossiers/{id}/history", READ_DOSSIER),
    op(
        "GET",
        "/v1/dossiers/{id}/shares",
        &[E::InvalidDossierId, E::DossierNotFound],
    ),
    op("POST", "/v1/dossiers/{id}/shares", SHARES_POST),
    public("GET", "/healthz", &[]),
    public("GET", "/metrics", &[]),
    public("GET", "/openapi.json", &[]),
    public("GET", "/api", &[]),
    public("GET", "/", &[]),
    public("GET", "/web/{path}", &[E::NotFound]),
    public("GET", "/pkg/{path}", &[E::NotFound]),
    public(
        "POST",
        "/v1/enrol",
        &[
            E::BadRequest,
            E::InvalidArgument,
            E::EnrolmentInvalid,
            E::RateLimited,
            E::BodyTooLarge,
            E::UnsupportedMediaType,
            E::Storage,
        ],
    ),
    op("GET", "/v1/me", &[]),
    op(
        "POST",
        "/v1/actors",
        &[
            E::InvalidArgument,
            E::ActorTaken,
            E::BadRequest,
            E::BodyTooLarge,
            E::UnsupportedMediaType,
        ],
    ),
    op("GET", "/v1/admin/stations", ADMIN),
    op("GET", "/v1/admin/people", ADMIN),
    op(
        "POST",
        "/v1/admin/people",
        &[
            E::Forbidden,
            E::NotFound,
            E::InvalidArgument,
            E::Exists,
            E::BadRequest,
            E::BodyTooLarge,
            E::UnsupportedMediaType,
        ],
    ),
    op("POST", "/v1/admin/people/{id}/role", ADMIN_PERSON),
    op(
        "POST",
        "/v1/admin/people/{id}/enrolment",
        &[E::Forbidden, E::NotFound, E::InvalidArgument],
    ),
    op(
        "GET",
        "/v1/admin/devices",
        &[E::Forbidden, E::InvalidQuery, E::NotFound],
    ),
    op(
        "POST",
        "/v1/admin/devices/{id}/revoke",
        &[E::Forbidden, E::NotFound],
    ),
    op("GET", "/v1/admin/audit", ADMIN_QUERY),
    op("GET", "/v1/admin/audit/export", ADMIN),
    op("GET", "/v1/admin/audit/verify", ADMIN),
    op("GET", "/v1/admin/rules", &[E::Forbidden, E::NotFound]),
    op(
        "POST",
        "/v1/admin/rules",
        &[
            E::Forbidden,
            E::NotFound,
            E::InvalidArgument,
            E::RulesInvalid,
            E::RulesBadId,
            E::RulesTooLarge,
            E::RulesBadPath,
            E::BodyTooLarge,
            E::BadRequest,
        ],
    ),
    op(
        "GET",
        "/v1/admin/rules/{version}",
        &[E::Forbidden, E::NotFound, E::RuleSetNotFound],
    ),
    op(
        "POST",
        "/v1/admin/rules/{version}/retire",
        &[
            E::Forbidden,
            E::NotFound,
            E::RuleSetNotFound,
            E::RuleSetRetired,
        ],
    ),
    op("GET", "/v1/rules", &[E::Forbidden]),
    op(
        "GET",
        "/v1/rules/{version}",
        &[E::Forbidden, E::NotFound, E::RuleSetNotFound],
    ),
    op("GET", "/v1/figures", &[E::InvalidQuery, E::Forbidden]),
    op(
        "GET",
        "/v1/figures/dossiers",
        &[E::InvalidQuery, E::Forbidden],
    ),
    op(
        "GET",
        "/v1/ledger.xlsx",
        &[E::InvalidQuery, E::LedgerFailed],
    ),
    op("GET", "/v1/ledger.csv", &[E::InvalidQuery]),
    op("GET", "/v1/stations", &[]),
    op(
        "PUT",
        "/v1/blobs/{sha256}",
        &[
            E::BodyInvalid,
            E::InvalidBlobAddress,
            E::InvalidContentRange,
            E::BlobHashMismatch,
            E::BlobOffset,
            E::BlobUploadBusy,
            E::BlobTooLarge,
            E::BlobType,
            E::BlobQuota,
            E::Timeout,
        ],
    ),
    op(
        "HEAD",
        "/v1/blobs/{sha256}",
        &[E::InvalidBlobAddress, E::BlobNotFound],
    ),
    op(
        "GET",
        "/v1/blobs/{sha256}",
        &[
            E::InvalidBlobAddress,
            E::BlobNotFound,
            E::RangeNotSatisfiable,
        ],
    ),
    op("GET", "/v1/print/data", PRINT),
    op(
        "GET",
        "/v1/print.pdf",
        &[
            E::InvalidQuery,
            E::InvalidDossierId,
            E::DossierNotFound,
            E::PrintTooMany,
            E::PrintUnavailable,
            E::PrintNoCjkFont,
            E::PrintFailed,
        ],
    ),
];

/// Whether `path` (a request path) is one `template` names: literal segments equal, a
/// `{name}` segment any one non-empty segment, a final `{path}` one or more segments.
#[must_use]
pub fn path_matches(template: &str, path: &str) -> bool {
    let mut want = template.split('/').skip(1).peekable();
    let mut got = path.split('/').skip(1);
    while let Some(w) = want.next() {
        if w == "{path}" && want.peek().is_none() {
            return got.next().is_some_and(|g| !g.is_empty());
        }
        let Some(g) = got.next() else {
            return false;
        };
        let param = w.starts_with('{') && w.ends_with('}');
        if (param && g.is_empty()) || (!param && w != g) {
            return false;
        }
    }
    got.next().is_none()
}

/// The methods the document declares for a request path (empty: not a path of the API).
#[must_use]
pub fn methods_of(path: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = OPERATIONS
        .iter()
        .filter(|o| path_matches(o.path, path))
        .map(|o| o.method)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}
