//! Who may see and change what: the access policy (roles × how the person relates to the
//! dossier × action) and the redaction of every view for people who may not see volume B.
//!
//! Pure functions: the server decides who the caller is (device credential → person → role)
//! and asks here; the same answers can be shown on the phone.

mod policy;
mod redact;
mod rights;

pub use policy::{allowed, bureau_relation, closing_needs, Action, Relation, Role};
pub use redact::{
    redact_conflicts, redact_dossier_json, redact_grade, redact_history_paths, redact_report,
};
pub use rights::{relation, May, Refusal, Rights, Subject};
