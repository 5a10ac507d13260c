//! The few facts of a dossier that rights depend on (does it exist, its station, its status),
//! read from document A with a handful of lookups, whatever the document's size.

use automerge::{Automerge, ObjType, ReadDoc, Value as AmValue};
use serde::{Deserialize, Serialize};

use crate::model::{Labelled, Status};

/// Whether the dossier exists, its station and its status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierFacts {
    /// Whether document A holds anything.
    pub exists: bool,
    /// `header.station`, if set (never empty).
    pub station: Option<String>,
    /// `header.status`, if set and known.
    pub status: Option<Status>,
}

impl DossierFacts {
    /// The facts of document `a`.
    #[must_use]
    pub fn of(a: &Automerge) -> Self {
        Self {
            exists: !a.get_heads().is_empty(),
            station: header_text(a, "station").filter(|s| !s.is_empty()),
            status: header_text(a, "status").and_then(|s| Status::from_code(&s)),
        }
    }
}

fn header_text(a: &Automerge, key: &str) -> Option<String> {
    let (header, id) = a.get(automerge::ROOT, "header").ok()??;
    if !matches!(header, AmValue::Object(ObjType::Map)) {
        return None;
    }
    let (value, obj) = a.get(&id, key).ok()??;
    super::read::string_value(a, &value, &obj)
}
