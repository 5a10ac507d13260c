//! The AB dossier (矛盾纠纷警情化解AB卷): one per dispute, a header plus two volumes.
//!
//! JSON field names are camelCase; every closed list is a [`labelled`] enum whose serde form is
//! a stable snake_case code. Ids (`id` fields) are made on the phone, offline: any UUID (v7
//! recommended, so they sort by creation time); this crate never makes one.
//!
//! Length and range limits are declared once with `validator` attributes; `schemars` (feature
//! `schema-gen`) reads the same attributes when the committed JSON Schema in `shared/schema/` is
//! regenerated, so the schema and the Rust validator agree on structural rules.

pub mod attachment;
pub mod category;
pub mod dossier;
pub mod enums;
pub mod header;
pub mod labelled;
pub mod volume_a;
pub mod volume_b;

pub use attachment::{Attachment, MAX_ATTACHMENT_BYTES, MEDIA_TYPES};
pub use category::{Category, CategoryCatalog, CategoryCode};
pub use dossier::{Dossier, FORM_TYPE};
pub use enums::*;
pub use header::{FollowUpPlan, Gps, Header, IncidentFacts, Place, WarningRaise};
pub use labelled::Labelled;
pub use volume_a::{Agreement, Closure, FollowUp, MediationSession, Mediator, VolumeA};
pub use volume_b::{LegalEducation, Party, RiskFactors, SocialRelation, VolumeB, Vulnerability};

/// The JSON Schema pattern of every `id` (a UUID in text form).
pub const UUID_PATTERN: &str =
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// A timestamp with the officer's UTC offset, RFC 3339 (`2024-12-31T09:30:00+08:00`).
pub type Timestamp = chrono::DateTime<chrono::FixedOffset>;
/// A calendar date (`2024-12-31`).
pub type Date = chrono::NaiveDate;
