//! Who is calling and what they may do: bureaus, stations, people with roles, devices
//! enrolled with a one-time code and authenticated by a bearer credential (kept only as an
//! argon2id hash), the automerge actor ids each device writes with, dossier shares, and
//! per-device rate limits. The policy itself (role × relation × action, volume-B redaction) is
//! pure and lives in [`abjuan_shared::access`]; this module supplies the relation.
//!
//! Rooms: [`accounts`] (the records, the storage trait, its SQLite backend, credential
//! secrets), [`routes`] (the HTTP face of a device: enrol, `/v1/me`, actor ids, and the
//! `authenticated` filter), the request-time checks at this level ([`gate`], [`guard`],
//! [`access`], [`rate`], [`views`]). Administration (the `abjuan admin` command and the admin
//! API) is [`crate::admin`].

mod access;
pub mod accounts;
pub mod gate;
pub mod guard;
pub mod rate;
pub mod routes;
#[cfg(test)]
pub(crate) mod testing;
pub mod views;

pub use access::{may, relation};
pub use accounts::secret::HashCost;
pub use accounts::sqlite::SqliteAccounts;
pub use accounts::{
    AccountStore, ActorClaim, Bureau, Caller, Device, DeviceCredential, EnrolmentCode, Owner,
    Person, Share, Station,
};
pub use gate::{Deny, Gate, Scope};
pub use rate::RateLimiter;

/// Why an account operation failed. Only the codes reach clients (see `crate::error`); the
/// `Storage` text goes to the log.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No credential, a malformed one, an unknown one or a wrong secret (one answer for all,
    /// so nothing can be learned by trying).
    #[error("invalid credential")]
    InvalidCredential,
    /// The device was revoked or its person disabled.
    #[error("device revoked")]
    Revoked,
    /// The enrolment code is unknown, used or expired.
    #[error("invalid enrolment code")]
    InvalidEnrolment,
    /// The named record does not exist.
    #[error("no such {0}")]
    NotFound(&'static str),
    /// A record with that id exists already.
    #[error("{0} exists already")]
    Exists(&'static str),
    /// An argument is unacceptable (the text is ours, safe to show an administrator).
    #[error("{0}")]
    Invalid(&'static str),
    /// The actor id is registered to another device.
    #[error("actor id belongs to another device")]
    ActorTaken,
    /// The operating system gave no randomness.
    #[error("no randomness")]
    Random,
    /// The database failed (logged, never sent).
    #[error("storage: {0}")]
    Storage(String),
}

impl From<rusqlite::Error> for AuthError {
    fn from(e: rusqlite::Error) -> Self {
        AuthError::Storage(e.to_string())
    }
}

impl AuthError {
    /// A stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::InvalidCredential | AuthError::Revoked => "unauthorized",
            AuthError::InvalidEnrolment => "enrolment_invalid",
            AuthError::NotFound(_) => "not_found",
            AuthError::Exists(_) => "exists",
            AuthError::Invalid(_) => "invalid_argument",
            AuthError::ActorTaken => "actor_taken",
            AuthError::Random | AuthError::Storage(_) => "storage",
        }
    }
}

/// Whether `id` is an acceptable code for a bureau, station or person: 1–64 of `a-z 0-9 - _ .`.
#[must_use]
pub fn valid_code(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
}
