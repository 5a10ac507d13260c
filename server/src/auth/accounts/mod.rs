//! Account storage: the records ([`model`]: bureaus, stations, people, devices, shares), the
//! [`AccountStore`] trait every backend implements (SQLite in [`sqlite`], PostgreSQL in
//! [`postgres`] for several nodes), the values it hands out, and the credential secrets ([`secret`]: token
//! format, argon2id) any backend stores. Methods block: call them from a blocking thread in
//! async code.

use std::collections::HashMap;

use abjuan_shared::access::Role;

use crate::auth::AuthError;

pub mod model;
pub mod postgres;
pub mod secret;
pub mod sqlite;
mod verified;

pub use model::{Bureau, Caller, Device, Person, Share, Station};

/// A one-time enrolment code as issued (the text is shown once, never stored).
#[derive(Debug, Clone)]
pub struct EnrolmentCode {
    /// `abje_…`: type it or scan it on the phone.
    pub code: String,
    /// For whom.
    pub person: String,
    /// Expiry (ms since the epoch).
    pub expires_at: i64,
}

/// A device credential as issued at enrolment (shown once, never stored).
#[derive(Debug, Clone)]
pub struct DeviceCredential {
    /// The device.
    pub device: Device,
    /// `abjd_…`: the bearer token.
    pub token: String,
}

/// Who owns an actor id or a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// Device id.
    pub device: String,
    /// Person id.
    pub person: String,
    /// Person's name.
    pub name: String,
}

/// What registering an actor id did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorClaim {
    /// The actor id is now the device's.
    Registered,
    /// It already was.
    AlreadyOwned,
}

/// The account store.
pub trait AccountStore: Send + Sync + 'static {
    /// Whether no person exists yet (first run).
    fn is_empty(&self) -> Result<bool, AuthError>;

    /// Adds a bureau.
    fn add_bureau(&self, bureau: &Bureau) -> Result<(), AuthError>;
    /// Every bureau.
    fn bureaus(&self) -> Result<Vec<Bureau>, AuthError>;
    /// Adds a station to an existing bureau.
    fn add_station(&self, station: &Station) -> Result<(), AuthError>;
    /// One station.
    fn station(&self, id: &str) -> Result<Option<Station>, AuthError>;
    /// The stations of a bureau (all when `None`).
    fn stations(&self, bureau: Option<&str>) -> Result<Vec<Station>, AuthError>;

    /// Adds a person (station, when given, must be of the person's bureau).
    fn add_person(&self, person: &Person, now_ms: i64) -> Result<(), AuthError>;
    /// One person.
    fn person(&self, id: &str) -> Result<Option<Person>, AuthError>;
    /// The people of a bureau (all when `None`).
    fn people(&self, bureau: Option<&str>) -> Result<Vec<Person>, AuthError>;
    /// Changes a person's role and station; returns the person as they were before.
    fn set_role(&self, id: &str, role: Role, station: Option<&str>) -> Result<Person, AuthError>;
    /// Disables or re-enables a person (a disabled person's devices all fail).
    fn set_disabled(&self, id: &str, disabled: bool) -> Result<(), AuthError>;

    /// Issues a one-time enrolment code for a person, valid for `ttl_ms`.
    fn issue_enrolment(
        &self,
        person: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<EnrolmentCode, AuthError>;
    /// Exchanges an enrolment code (once) for a new device and its credential.
    fn enrol(&self, code: &str, label: &str, now_ms: i64) -> Result<DeviceCredential, AuthError>;
    /// The caller a bearer credential stands for, checked against the database on every call
    /// (a revoked device or disabled person fails at once).
    fn authenticate(&self, token: &str, now_ms: i64) -> Result<Caller, AuthError>;
    /// Revokes a device; returns it.
    fn revoke_device(&self, id: &str, now_ms: i64) -> Result<Device, AuthError>;
    /// One device.
    fn device(&self, id: &str) -> Result<Option<Device>, AuthError>;
    /// The devices of a person (all when `None`).
    fn devices(&self, person: Option<&str>) -> Result<Vec<Device>, AuthError>;

    /// Binds an automerge actor id (hex) to a device; an actor id belongs to one device only.
    fn register_actor(
        &self,
        device: &str,
        actor: &str,
        now_ms: i64,
    ) -> Result<ActorClaim, AuthError>;
    /// The owners of the given actor ids (those registered).
    fn actor_owners(&self, actors: &[String]) -> Result<HashMap<String, Owner>, AuthError>;
    /// The owners of the given device ids (those known).
    fn device_owners(&self, devices: &[String]) -> Result<HashMap<String, Owner>, AuthError>;

    /// Shares a dossier with a person (idempotent).
    fn share(&self, share: &Share) -> Result<(), AuthError>;
    /// Withdraws a share; returns whether there was one.
    fn unshare(&self, dossier: &str, person: &str) -> Result<bool, AuthError>;
    /// Whether the dossier is shared with the person.
    fn is_shared(&self, dossier: &str, person: &str) -> Result<bool, AuthError>;
    /// The dossiers shared with a person.
    fn shared_with(&self, person: &str) -> Result<Vec<String>, AuthError>;
    /// The shares of a dossier.
    fn shares_of(&self, dossier: &str) -> Result<Vec<Share>, AuthError>;
}
