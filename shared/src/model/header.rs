//! The dossier header: what both volumes refer to.

use serde::{Deserialize, Serialize};
use validator::Validate;

use super::{CategoryCode, Date, Source, Status, Timestamp, WarningLevel};

/// Facts shared by both volumes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Header {
    /// The station (派出所) that owns the dossier, by its code.
    #[validate(length(min = 1, max = 64))]
    pub station: String,
    /// Incident number from the 110 system (警情编号), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 40))]
    pub incident_number: Option<String>,
    /// Category code: built-in (`marriage`, `romance`, `neighbour`, `debt`, ...) or a bureau's own.
    #[validate(custom(function = "crate::validate::field::category"))]
    #[cfg_attr(
        feature = "schema-gen",
        schemars(regex(pattern = r"^[a-z0-9_]{1,32}$"))
    )]
    pub category: CategoryCode,
    /// How the dispute came to notice.
    pub source: Source,
    /// When it was reported.
    pub reported_at: Timestamp,
    /// Where it happened.
    #[serde(default)]
    #[validate(nested)]
    pub place: Place,
    /// One-paragraph summary (a narrative: automerge text).
    #[serde(default)]
    #[validate(length(max = 2000))]
    pub summary: String,
    /// Where the dossier stands.
    pub status: Status,
    /// Officers assigned (badge numbers or account ids).
    #[serde(default)]
    #[validate(length(max = 20))]
    pub assigned_officers: Vec<String>,
    /// Facts the warning rules read (repeat calls, people involved, sums, injuries).
    #[serde(default)]
    #[validate(nested)]
    pub facts: IncidentFacts,
    /// The follow-up plan (required for red and orange dossiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(nested)]
    pub follow_up_plan: Option<FollowUpPlan>,
    /// An officer's manual raise of the warning level, with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(nested)]
    pub warning_raise: Option<WarningRaise>,
}

/// Where the dispute happened.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Place {
    /// Address as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 200))]
    pub address: Option<String>,
    /// GPS position, when the phone had a fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(nested)]
    pub gps: Option<Gps>,
}

/// A WGS-84 position.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
pub struct Gps {
    /// Latitude in degrees.
    #[validate(range(min = -90.0, max = 90.0))]
    pub lat: f64,
    /// Longitude in degrees.
    #[validate(range(min = -180.0, max = 180.0))]
    pub lon: f64,
}

/// Facts about the incident that the warning rules read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct IncidentFacts {
    /// Earlier police calls about the same dispute.
    #[serde(default)]
    #[validate(range(max = 1000))]
    pub prior_calls: u32,
    /// People directly involved.
    #[serde(default)]
    #[validate(range(max = 100_000))]
    pub people_involved: u32,
    /// Money in dispute, in yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(range(max = 100_000_000_000_u64))]
    pub amount_yuan: Option<u64>,
    /// Someone has already been injured.
    #[serde(default)]
    pub injury_occurred: bool,
    /// Two groups confronted each other (群体对峙).
    #[serde(default)]
    pub group_confrontation: bool,
    /// The dispute is escalating.
    #[serde(default)]
    pub escalating: bool,
}

/// The plan for following the dispute up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct FollowUpPlan {
    /// When the next follow-up is due.
    pub due: Date,
    /// What will be done.
    #[serde(default)]
    #[validate(length(max = 1000))]
    pub note: String,
}

/// A manual raise of the warning level. It can only raise: a raise to a level at or below the
/// computed one changes nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct WarningRaise {
    /// The level asked for.
    pub level: WarningLevel,
    /// Why (required).
    #[validate(length(min = 1, max = 500))]
    pub reason: String,
    /// Who raised it.
    #[validate(length(min = 1, max = 64))]
    pub by: String,
    /// When.
    pub at: Timestamp,
}
