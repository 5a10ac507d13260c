//! After any merge the record is re-validated and re-graded with the same code as everywhere
//! else, by the form its `formType` names ([`crate::forms`]): a merge never bypasses validation, and a merge that produced an invalid state (one
//! officer closed the dossier while another added a failed session) is reported.

use serde::Serialize;
use serde_json::Value;

use super::{conflicts, Conflict, DocError, DossierDocs, Volume};
use crate::validate::{Report, ValidateOptions};
use crate::warning::Grade;
use crate::Dossier;

/// What the server and the phone show after a merge.
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    /// The merged dossier, when it is a well-formed AB dossier.
    #[serde(skip)]
    pub dossier: Option<Dossier>,
    /// Its validation report.
    pub report: Report,
    /// Its warning grade (none when the dossier is not well-formed).
    pub grade: Option<Grade>,
    /// Fields with concurrent values.
    pub conflicts: Vec<Conflict>,
}

/// Validates, grades and lists conflicts of the merged documents (read whole).
pub fn assess(docs: &DossierDocs, opts: &ValidateOptions<'_>) -> Result<Assessment, DocError> {
    let json = docs.to_json()?;
    let mut found = conflicts(&docs.a, Volume::A)?;
    found.extend(conflicts(&docs.b, Volume::B)?);
    Ok(assess_json(&json, found, opts))
}

/// The assessment of a dossier given as JSON, with the conflicts of its documents: the one
/// place a merged dossier is validated and graded (the server and the phone keep the JSON up
/// to date from patches, see `crate::sync`).
#[must_use]
pub fn assess_json(
    json: &Value,
    conflicts: Vec<Conflict>,
    opts: &ValidateOptions<'_>,
) -> Assessment {
    let crate::forms::Checked {
        report,
        grade,
        dossier,
    } = crate::forms::check_value(json, opts);
    Assessment {
        dossier,
        report,
        grade,
        conflicts,
    }
}
