//! Volume A (A卷): the whole resolution process: sessions, agreement, follow-ups, closure.

use serde::{Deserialize, Serialize};
use validator::Validate;

use super::{Attachment, ContactMethod, Date, MediatorRole, PerformanceStatus, ReferralTarget};
use super::{SessionOutcome, Timestamp};

/// Volume A.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct VolumeA {
    /// Mediation sessions (调解记录), in the order they were recorded.
    #[serde(default)]
    #[validate(length(max = 500), nested)]
    pub sessions: Vec<MediationSession>,
    /// The mediation agreement (调解协议), once there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(nested)]
    pub agreement: Option<Agreement>,
    /// Follow-up visits (回访).
    #[serde(default)]
    #[validate(length(max = 500), nested)]
    pub follow_ups: Vec<FollowUp>,
    /// How the dossier was closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(nested)]
    pub closure: Option<Closure>,
    /// Other material of the process (证据材料, 履行凭证, site photos): references to the bytes.
    #[serde(default)]
    #[validate(length(max = 100), nested)]
    pub attachments: Vec<Attachment>,
}

/// One mediation session (调解记录).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct MediationSession {
    /// Stable id (UUID), made on the phone.
    #[validate(custom(function = "crate::validate::field::uuid"))]
    #[cfg_attr(feature = "schema-gen", schemars(regex(pattern = crate::model::UUID_PATTERN)))]
    pub id: String,
    /// When it was held.
    pub at: Timestamp,
    /// Where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 200))]
    pub place: Option<String>,
    /// How.
    pub method: ContactMethod,
    /// Who mediated (officers and partner mediators).
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    pub mediators: Vec<Mediator>,
    /// Parties present, by party id (volume B).
    #[serde(default)]
    #[validate(length(max = 50))]
    pub attendees: Vec<String>,
    /// What happened (automerge text: two officers may type in it at once).
    #[serde(default)]
    #[validate(length(max = 20000))]
    pub narrative: String,
    /// The outcome, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<SessionOutcome>,
    /// The next step agreed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 1000))]
    pub next_step: Option<String>,
}

/// A person who mediated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Mediator {
    /// Name.
    #[validate(length(min = 1, max = 50))]
    pub name: String,
    /// Role.
    pub role: MediatorRole,
    /// Account id, when the mediator has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 64))]
    pub account: Option<String>,
}

/// The mediation agreement (调解协议).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Agreement {
    /// The terms.
    #[validate(length(min = 1, max = 10000))]
    pub terms: String,
    /// Date signed.
    pub signed_on: Date,
    /// Parties who signed, by party id (volume B).
    #[serde(default)]
    #[validate(length(max = 50))]
    pub signatories: Vec<String>,
    /// Performance deadline (履行期限).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub performance_deadline: Option<Date>,
    /// Whether the parties are doing what they agreed.
    pub performance_status: PerformanceStatus,
    /// Photos of the signed paper (every page, signatures and fingerprints): references to the
    /// bytes, printed right after the 调解协议书.
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    pub attachments: Vec<Attachment>,
}

/// A follow-up visit (回访).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct FollowUp {
    /// Stable id (UUID), made on the phone.
    #[validate(custom(function = "crate::validate::field::uuid"))]
    #[cfg_attr(feature = "schema-gen", schemars(regex(pattern = crate::model::UUID_PATTERN)))]
    pub id: String,
    /// When.
    pub at: Timestamp,
    /// By whom.
    #[validate(length(min = 1, max = 50))]
    pub by: String,
    /// How.
    pub method: ContactMethod,
    /// What the parties said.
    #[serde(default)]
    #[validate(length(max = 5000))]
    pub parties_said: String,
    /// The dispute has flared up again.
    #[serde(default)]
    pub flared_up: bool,
    /// Notes (automerge text).
    #[serde(default)]
    #[validate(length(max = 5000))]
    pub notes: String,
}

/// How the dossier was closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Closure {
    /// When.
    pub at: Timestamp,
    /// Closing note (the result in words).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 5000))]
    pub note: Option<String>,
    /// Where it was referred, when referred.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_target: Option<ReferralTarget>,
}
