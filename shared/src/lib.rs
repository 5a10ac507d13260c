//! `abjuan-shared`: everything the phone and the server must decide identically about an AB
//! dossier (矛盾纠纷警情化解AB卷).
//!
//! - [`model`]: the dossier itself (header, volume A, volume B) with serde and JSON Schema.
//! - [`validate`]: the validation report (`{path, code, params, message}`), zh-CN or en.
//! - [`warning`]: the red/orange/yellow/blue grade, core rules plus a bureau's local rules.
//! - [`schema`]: JSON Schema (draft 2020-12) with UI hints for form renderers.
//! - [`forms`]: the registry of form types (the AB dossier, the site inspection); every layer
//!   dispatches on a record's `formType` through it.
//! - [`attachment`]: attachment references in a dossier, content addresses of their bytes.
//!
//! This crate does no IO: no clock, no randomness, no filesystem. "Now" and ids come in as
//! arguments, so the same inputs give the same answers on a phone (WASM) and on the server.

pub mod access;
pub mod attachment;
pub mod doc;
pub mod forms;
pub mod locale;
pub mod model;
pub mod schema;
pub mod sync;
pub mod validate;
pub mod warning;

pub use locale::Locale;
pub use model::Dossier;
pub use validate::{parse_dossier, validate_dossier, validate_json, Report, ValidateOptions};
pub use warning::{grade, Grade, LocalRules, RuleSet, RuleSetId, WarningLevel};
