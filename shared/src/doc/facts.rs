//! The few facts of a record that rights depend on (does it exist, its station, its status),
//! read from document A with a handful of lookups, whatever the document's size.

use automerge::{Automerge, ObjType, ReadDoc, Value as AmValue};
use serde::{Deserialize, Serialize};

use crate::model::Status;

/// Whether the dossier exists, its station and its status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierFacts {
    /// Whether document A holds anything.
    pub exists: bool,
    /// `header.station`, if set (never empty).
    pub station: Option<String>,
    /// `header.status`, if set and known, as its form's place in a record's life
    /// ([`crate::forms::Form::lifecycle`]: an inspection's 已结案 counts as archived).
    pub status: Option<Status>,
    /// The record's form (`formType`, the default form when absent): a record never changes
    /// form, and its statuses mean what its form says.
    #[serde(default)]
    pub form: String,
}

impl DossierFacts {
    /// The facts of document `a`.
    #[must_use]
    pub fn of(a: &Automerge) -> Self {
        Self::from_parts(
            !a.get_heads().is_empty(),
            header_text(a, "station"),
            header_text(a, "status"),
            root_text(a, "formType"),
        )
    }

    /// The facts of document `a` read from its JSON (`root`, as [`super::read::to_json`]
    /// gives it: strings written as text objects are strings there too), with no document
    /// lookups.
    #[must_use]
    pub fn from_json(exists: bool, root: &serde_json::Value) -> Self {
        let header = |key: &str| {
            root.get("header")
                .filter(|h| h.is_object())
                .and_then(|h| h.get(key))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let form_type = root
            .get("formType")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned);
        Self::from_parts(exists, header("station"), header("status"), form_type)
    }

    fn from_parts(
        exists: bool,
        station: Option<String>,
        status: Option<String>,
        form_type: Option<String>,
    ) -> Self {
        // No formType (or one no form has): the default form, as the index reads it.
        let form = form_type
            .as_deref()
            .and_then(crate::forms::by_code)
            .unwrap_or(crate::forms::REGISTRY[0]);
        Self {
            exists,
            station: station.filter(|s| !s.is_empty()),
            status: status.and_then(|s| form.lifecycle(&s)),
            form: form.code().to_owned(),
        }
    }
}

fn root_text(a: &Automerge, key: &str) -> Option<String> {
    let (value, obj) = a.get(automerge::ROOT, key).ok()??;
    super::read::string_value(a, &value, &obj)
}

fn header_text(a: &Automerge, key: &str) -> Option<String> {
    let (header, id) = a.get(automerge::ROOT, "header").ok()??;
    if !matches!(header, AmValue::Object(ObjType::Map)) {
        return None;
    }
    let (value, obj) = a.get(&id, key).ok()??;
    super::read::string_value(a, &value, &obj)
}
