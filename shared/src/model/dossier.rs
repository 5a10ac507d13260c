//! The whole dossier: header, volume A (the process) and volume B (the people).

use serde::{Deserialize, Serialize};
use validator::Validate;

use super::{Header, VolumeA, VolumeB};

/// The form type written into every dossier, so that other forms (e.g. the year-end site
/// inspection) can live beside it.
pub const FORM_TYPE: &str = "ab_dossier/v1";

/// One dispute's dossier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema-gen", schemars(title = "AB dossier"))]
pub struct Dossier {
    /// Globally unique id made on the phone (a UUID; v7 recommended).
    #[validate(custom(function = "crate::validate::field::uuid"))]
    #[cfg_attr(feature = "schema-gen", schemars(regex(pattern = crate::model::UUID_PATTERN)))]
    pub id: String,
    /// Always [`FORM_TYPE`].
    #[serde(default = "default_form_type")]
    #[validate(length(min = 1, max = 64))]
    pub form_type: String,
    /// Facts shared by both volumes.
    #[validate(nested)]
    pub header: Header,
    /// A卷: the whole resolution process.
    #[serde(default)]
    #[validate(nested)]
    pub volume_a: VolumeA,
    /// B卷: the people around the dispute (personal data). Absent when withheld (a partner
    /// mediator's view) or not yet started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(nested)]
    pub volume_b: Option<VolumeB>,
}

fn default_form_type() -> String {
    FORM_TYPE.to_owned()
}
