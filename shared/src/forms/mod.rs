//! Form types as a registry: every layer (validation, grading, JSON Schema, CRDT shape, the
//! index, the web form) asks the registry for the form a record's `formType` names, instead of
//! assuming the AB dossier.
//!
//! A form type is one module implementing [`Form`], listed once in [`REGISTRY`]:
//!
//! - [`ab_dossier`]: the AB dossier (`ab_dossier/v1`), the first form; a record with no
//!   `formType` is one (records stored before the registry existed).
//! - [`site_inspection`]: the year-end site inspection (`site_inspection/v1`, 岁末清查整治).
//!
//! Every record is two automerge documents whatever its form: A holds everything except the
//! personal part, B (`{dossierId, volumeB}`) the personal part under `volumeB`, which a
//! partner mediator never receives (see [`crate::doc`]). A form's shape names the CRDT type of
//! its fields ([`Shape`]); the lookup by path runs over every registered form, and a test
//! holds that no path has two kinds in two forms.

pub mod ab_dossier;
pub mod site_inspection;

use serde::Serialize;
use serde_json::Value;

use crate::doc::shape::Shape;
use crate::validate::{Report, ValidateOptions};
use crate::warning::Grade;
use crate::{Dossier, Locale};

/// The largest record JSON accepted, in bytes (every form). Larger input is refused before
/// parsing.
pub use crate::validate::MAX_INPUT_BYTES;

/// What checking a record gives: its report, its grade (when it is well-formed) and, for an AB
/// dossier, the parsed dossier.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The validation report.
    pub report: Report,
    /// The warning grade; `None` when the record is not well-formed.
    pub grade: Option<Grade>,
    /// The dossier, when the record is a well-formed AB dossier.
    pub dossier: Option<Dossier>,
}

/// What a list, a warning feed and a station's figures show of any record, whatever its form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing {
    /// Station code (`header.station`).
    pub station: String,
    /// Status code (`header.status`), the form's own codes.
    pub status: String,
    /// What kind of case or place (a dispute category, a place type).
    pub category: String,
    /// One line saying what it is about.
    pub summary: String,
    /// When it was reported or inspected (RFC 3339 as written).
    pub at: String,
    /// The next due date (`YYYY-MM-DD`): a follow-up, a rectification deadline.
    pub due: Option<String>,
    /// How it ended, a stable code; empty while open.
    pub outcome: String,
    /// Whether it is still being worked.
    pub open: bool,
}

/// One form type.
pub trait Form: Sync {
    /// The `formType` value (`ab_dossier/v1`).
    fn code(&self) -> &'static str;

    /// Its name in `locale` (案件AB卷, 清查整治记录).
    fn label(&self, locale: Locale) -> &'static str;

    /// Parses, validates and grades record JSON text (at most [`MAX_INPUT_BYTES`]).
    fn check(&self, json: &str, opts: &ValidateOptions<'_>) -> Checked;

    /// [`Self::check`] for a record already parsed into a value (as read from its
    /// documents): by default written out as text and checked as such.
    fn check_value(&self, json: &Value, opts: &ValidateOptions<'_>) -> Checked {
        self.check(&json.to_string(), opts)
    }

    /// The record's JSON in its model's canonical form (defaults filled in, e.g. the empty
    /// lists the shape wants created with the record), or why it does not parse. What a form
    /// saves into the documents.
    fn normalize(&self, json: &str) -> Result<Value, serde_json::Error>;

    /// Its JSON Schema (draft 2020-12) with UI hints, titles in `locale`.
    fn schema(&self, locale: Locale) -> Value;

    /// The CRDT type of each field.
    fn shape(&self) -> &'static Shape;

    /// What lists show of it; works on malformed records too (what can be read is shown).
    fn listing(&self, json: &Value) -> Listing;

    /// What the form's own statistics need of a record, kept beside its index row so that
    /// figures never load a document (no personal data). `None`: the form's figures come from
    /// the listing alone (the AB dossier's come from its index and ledger columns).
    fn facts(&self, _json: &Value) -> Option<Value> {
        None
    }

    /// Where one of this form's status codes stands in a record's life, for rights: the
    /// dossier's lifecycle ([`crate::model::Status`]) decides which moves need the close right
    /// ([`crate::access::closing_needs`]: into a closing status, out of the archive). `None`:
    /// not a status of this form (no extra right asked).
    fn lifecycle(&self, status: &str) -> Option<crate::model::Status>;

    /// Whether a record's grade can change with the day alone, nothing edited (a deadline
    /// passing). The server grades such records again each day (`abjuan serve`).
    fn dated(&self) -> bool {
        false
    }
}

/// Every form type, the first being the default for records without `formType`.
pub static REGISTRY: &[&dyn Form] = &[&ab_dossier::AbDossier, &site_inspection::SiteInspection];

/// The form with this `formType` code.
#[must_use]
pub fn by_code(code: &str) -> Option<&'static dyn Form> {
    REGISTRY.iter().copied().find(|f| f.code() == code)
}

/// The form a record's JSON names: its `formType`, the AB dossier when absent. `Err` with the
/// value found when it names no registered form (or is not a string).
pub fn of_json(json: &Value) -> Result<&'static dyn Form, String> {
    match json.get("formType") {
        None | Some(Value::Null) => Ok(REGISTRY[0]),
        Some(Value::String(code)) => by_code(code).ok_or_else(|| code.clone()),
        Some(other) => Err(other.to_string()),
    }
}

/// The form a record's JSON text names, read without building the whole value (only
/// `formType` is kept); `Err` as in [`of_json`]. Text that is not a JSON object goes to the
/// default form, whose parser reports where it broke.
pub fn of_text(json: &str) -> Result<&'static dyn Form, String> {
    #[derive(serde::Deserialize)]
    struct Peek {
        #[serde(rename = "formType", default)]
        form_type: Option<Value>,
    }
    match serde_json::from_str::<Peek>(json) {
        Ok(Peek {
            form_type: Some(v @ (Value::String(_) | Value::Bool(_) | Value::Number(_))),
        }) => of_json(&serde_json::json!({ "formType": v })),
        Ok(Peek {
            form_type: Some(v @ (Value::Array(_) | Value::Object(_))),
        }) => Err(v.to_string()),
        _ => Ok(REGISTRY[0]),
    }
}

/// Checks record JSON text with the form it names. A `formType` no form has gives a report
/// with one error at `/formType` (`unknown_form_type`).
#[must_use]
pub fn check_text(json: &str, opts: &ValidateOptions<'_>) -> Checked {
    if json.len() > MAX_INPUT_BYTES {
        return REGISTRY[0].check(json, opts);
    }
    match of_text(json) {
        Ok(form) => form.check(json, opts),
        Err(found) => unknown(&found, opts),
    }
}

/// Checks a record already parsed into a value (as read from its documents).
#[must_use]
pub fn check_value(json: &Value, opts: &ValidateOptions<'_>) -> Checked {
    match of_json(json) {
        Ok(form) => form.check_value(json, opts),
        Err(found) => unknown(&found, opts),
    }
}

/// Record JSON text in its form's canonical form (see [`Form::normalize`]); `Err` names the
/// problem as a validation code.
pub fn normalize(json: &str) -> Result<(&'static dyn Form, Value), &'static str> {
    if json.len() > MAX_INPUT_BYTES {
        return Err("too_large");
    }
    let form = of_text(json).map_err(|_| "unknown_form_type")?;
    let value = form.normalize(json).map_err(|_| "invalid_type")?;
    Ok((form, value))
}

fn unknown(found: &str, opts: &ValidateOptions<'_>) -> Checked {
    Checked {
        report: crate::validate::unknown_form_type(found, opts.locale),
        grade: None,
        dossier: None,
    }
}

/// The registered forms as a list (`[{code, label: {zh, en}}]`), for a form picker.
#[must_use]
pub fn catalogue() -> Value {
    REGISTRY
        .iter()
        .map(|f| {
            serde_json::json!({
                "code": f.code(),
                "label": {"zh": f.label(Locale::Zh), "en": f.label(Locale::En)},
            })
        })
        .collect()
}
