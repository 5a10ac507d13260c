//! Validation: one report of `{path, code, severity, params, message}` for a dossier.
//!
//! Three layers run in order: parsing (serde, with the path of the first error), the field
//! rules declared on the model with the `validator` derive (lengths, ranges, formats, ID
//! numbers, phones), and the cross-field rules in [`rules`] (time order, status, cross-volume
//! references, completeness). Codes are listed once in [`Code`].

mod code;
pub mod field;
pub mod id_number;
mod locate;
pub mod phone;
mod report;
pub mod rules;
mod structural;

use std::sync::OnceLock;

use validator::Validate;

pub use code::Code;
pub use report::{Issue, Report, Severity, Stage};
// For the other forms' validators (crate::forms): the same collector and structural findings.
pub(crate) use report::Collector;
pub(crate) use structural::{from_serde, from_validator};

use crate::model::{CategoryCatalog, Dossier, Status, Timestamp};
use crate::warning::{self, RuleSet};
use crate::Locale;

/// The largest dossier JSON accepted, in bytes. Larger input is refused before parsing.
pub const MAX_INPUT_BYTES: usize = 4 * 1024 * 1024;

/// What a validation needs besides the dossier.
#[derive(Debug, Clone, Copy)]
pub struct ValidateOptions<'a> {
    /// Message language.
    pub locale: Locale,
    /// The current time (this crate has no clock).
    pub now: Timestamp,
    /// Judge the dossier as if it had this status (a form asking "may I close now?");
    /// `None` uses the dossier's own status.
    pub status: Option<Status>,
    /// The bureau's categories; `None` means the built-in ones.
    pub categories: Option<&'a CategoryCatalog>,
    /// The bureau's rule set: its local warning rules (they decide the level, which decides
    /// whether a follow-up plan is required) and their version, which the grade names; `None`
    /// means core rules only.
    pub local_rules: Option<&'a RuleSet>,
}

impl<'a> ValidateOptions<'a> {
    /// Chinese messages, built-in categories, core warning rules.
    #[must_use]
    pub fn new(now: Timestamp) -> Self {
        Self {
            locale: Locale::Zh,
            now,
            status: None,
            categories: None,
            local_rules: None,
        }
    }

    /// The same options in another language.
    #[must_use]
    pub fn locale(mut self, locale: Locale) -> Self {
        self.locale = locale;
        self
    }

    pub(crate) fn catalog(&self) -> &'a CategoryCatalog {
        static BUILT_IN: OnceLock<CategoryCatalog> = OnceLock::new();
        self.categories
            .unwrap_or_else(|| BUILT_IN.get_or_init(CategoryCatalog::default))
    }
}

/// Validates a dossier already in memory.
#[must_use]
pub fn validate_dossier(dossier: &Dossier, opts: &ValidateOptions<'_>) -> Report {
    let status = opts.status.unwrap_or(dossier.header.status);
    let stage = if status.is_closing() {
        Stage::Closing
    } else {
        Stage::Draft
    };
    let mut out = report::Collector::default();
    if let Err(errors) = dossier.validate() {
        structural::from_validator(&errors, "", &mut out);
    }
    let level = warning::grade(dossier, opts.local_rules).level;
    rules::run(dossier, status, level, opts, &mut out);
    out.finish(stage, opts.locale)
}

/// Parses and validates dossier JSON. Input that does not parse gives a report with one
/// structural issue at the path where parsing stopped (and no dossier).
pub fn validate_json(json: &str, opts: &ValidateOptions<'_>) -> (Report, Option<Dossier>) {
    match parse(json) {
        Ok(dossier) => (validate_dossier(&dossier, opts), Some(dossier)),
        Err(out) => {
            let stage = if opts.status.is_some_and(Status::is_closing) {
                Stage::Closing
            } else {
                Stage::Draft
            };
            (out.finish(stage, opts.locale), None)
        }
    }
}

/// Validates dossier JSON already parsed into a value (as read from an automerge document).
/// Without the `by-value` feature the value goes through the same text parser as
/// [`validate_json`]: one deserializer of the model serves every caller (in the wasm package
/// it is the largest piece of code). With it (the server), a well-formed dossier is read from
/// the value by reference, without writing it out as text and parsing that again; a value
/// that does not fit the model still takes the text route, which says where it broke, so the
/// report is the same either way. (The text route's [`MAX_INPUT_BYTES`] guards input text; a
/// dossier read from its documents is bounded by the store's document size limit.)
pub fn validate_value(
    json: &serde_json::Value,
    opts: &ValidateOptions<'_>,
) -> (Report, Option<Dossier>) {
    #[cfg(feature = "by-value")]
    if let Ok(dossier) = parse_dossier_value(json) {
        return (validate_dossier(&dossier, opts), Some(dossier));
    }
    validate_json(&json.to_string(), opts)
}

/// A dossier read from a JSON value by reference (the `by-value` feature: a second
/// instantiation of the model's deserializer, which the WASM package leaves out).
#[cfg(feature = "by-value")]
#[inline(never)]
pub fn parse_dossier_value(json: &serde_json::Value) -> Result<Dossier, serde_json::Error> {
    serde::Deserialize::deserialize(json)
}

/// The report for a record whose `formType` names no registered form (`found`, as JSON text
/// when not a string): one error at `/formType`.
#[must_use]
pub fn unknown_form_type(found: &str, locale: Locale) -> Report {
    let mut out = report::Collector::default();
    out.error("/formType", Code::UnknownFormType)
        .insert("value".into(), serde_json::Value::from(found));
    out.finish(Stage::Draft, locale)
}

/// Dossier JSON text as the model, with serde_json's error. The one place the model's
/// deserializer is instantiated: callers in other crates (the wasm package, the server) use
/// this rather than `serde_json::from_str::<Dossier>`, which would compile another copy.
#[inline(never)]
pub fn parse_dossier(json: &str) -> Result<Dossier, serde_json::Error> {
    serde_json::from_str(json)
}

/// Parses dossier JSON, or says (as a one-issue collector) where it broke.
fn parse(json: &str) -> Result<Dossier, report::Collector> {
    let mut out = report::Collector::default();
    if json.len() > MAX_INPUT_BYTES {
        out.error("", Code::TooLarge)
            .insert("max".into(), serde_json::Value::from(MAX_INPUT_BYTES));
        return Err(out);
    }
    // Only a failure pays for locating the error: the text is walked up to where serde_json
    // stopped (see [`locate`]).
    match parse_dossier(json) {
        Ok(d) => Ok(d),
        Err(e) => {
            structural::from_serde(&e, json, &mut out);
            Err(out)
        }
    }
}
