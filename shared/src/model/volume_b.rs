//! Volume B (B卷): the people around the dispute. Personal data: a partner mediator never
//! receives any of it.

use serde::{Deserialize, Serialize};
use validator::Validate;

use super::{Attachment, Date, LegalTopic, RelationKind, Sex, Side, Timestamp};

/// Volume B.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct VolumeB {
    /// Parties (当事人).
    #[serde(default)]
    #[validate(length(max = 100), nested)]
    pub parties: Vec<Party>,
    /// Main social relations (主要社会关系).
    #[serde(default)]
    #[validate(length(max = 500), nested)]
    pub relations: Vec<SocialRelation>,
    /// Legal education delivered (法治宣传).
    #[serde(default)]
    #[validate(length(max = 200), nested)]
    pub legal_education: Vec<LegalEducation>,
}

/// A party to the dispute (当事人).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Party {
    /// Stable id (UUID), made on the phone; sessions and the agreement refer to it.
    #[validate(custom(function = "crate::validate::field::uuid"))]
    #[cfg_attr(feature = "schema-gen", schemars(regex(pattern = crate::model::UUID_PATTERN)))]
    pub id: String,
    /// Name.
    #[validate(length(min = 1, max = 50))]
    pub name: String,
    /// Sex; when given with an ID number, they must agree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// Resident ID number (身份证号), 18 characters, GB 11643-1999.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(custom(function = "crate::validate::field::id_number"))]
    #[cfg_attr(
        feature = "schema-gen",
        schemars(regex(pattern = r"^[0-9]{17}[0-9X]$"))
    )]
    pub id_number: Option<String>,
    /// Date of birth; when given with an ID number, they must agree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<Date>,
    /// Mobile phone (or a landline with area code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(custom(function = "crate::validate::field::phone"))]
    #[cfg_attr(feature = "schema-gen", schemars(regex(pattern = crate::validate::phone::PATTERN)))]
    pub mobile: Option<String>,
    /// Household registration address (户籍地).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 200))]
    pub household_address: Option<String>,
    /// Current address (现住址).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 200))]
    pub current_address: Option<String>,
    /// Workplace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 100))]
    pub workplace: Option<String>,
    /// Occupation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 50))]
    pub occupation: Option<String>,
    /// Which side.
    pub side: Side,
    /// Vulnerable-person flags.
    #[serde(default)]
    pub vulnerable: Vulnerability,
    /// Risk factors (read by the warning rules).
    #[serde(default)]
    pub risk: RiskFactors,
    /// Copies of the party's ID papers (身份证件): references to the bytes. Personal data, as
    /// all of volume B.
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    pub attachments: Vec<Attachment>,
}

/// Vulnerable-person flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Vulnerability {
    /// Under 18.
    #[serde(default)]
    pub minor: bool,
    /// Elderly.
    #[serde(default)]
    pub elderly: bool,
    /// Disabled.
    #[serde(default)]
    pub disabled: bool,
    /// Pregnant.
    #[serde(default)]
    pub pregnant: bool,
}

/// Risk factors of one party.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct RiskFactors {
    /// History of violence.
    #[serde(default)]
    pub violence_history: bool,
    /// Weapons at hand.
    #[serde(default)]
    pub weapons: bool,
    /// Threatens revenge or killing (扬言报复).
    #[serde(default)]
    pub threatens_revenge: bool,
    /// Threatens self-harm (扬言轻生).
    #[serde(default)]
    pub threatens_self_harm: bool,
    /// Alcohol.
    #[serde(default)]
    pub alcohol: bool,
    /// Mental illness.
    #[serde(default)]
    pub mental_illness: bool,
    /// Repeated petitioning (反复上访).
    #[serde(default)]
    pub repeated_petitioning: bool,
    /// Extreme statements.
    #[serde(default)]
    pub extreme_statements: bool,
}

/// A person in a party's circle (主要社会关系).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct SocialRelation {
    /// Stable id (UUID).
    #[validate(custom(function = "crate::validate::field::uuid"))]
    #[cfg_attr(feature = "schema-gen", schemars(regex(pattern = crate::model::UUID_PATTERN)))]
    pub id: String,
    /// The party this person relates to.
    #[validate(length(min = 1, max = 64))]
    pub party_id: String,
    /// Name.
    #[validate(length(min = 1, max = 50))]
    pub name: String,
    /// Relation.
    pub relation: RelationKind,
    /// Phone (mobile or landline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(custom(function = "crate::validate::field::phone"))]
    #[cfg_attr(feature = "schema-gen", schemars(regex(pattern = crate::validate::phone::PATTERN)))]
    pub phone: Option<String>,
    /// Can this person help the mediation?
    #[serde(default)]
    pub can_help: bool,
}

/// Legal education delivered (法治宣传).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct LegalEducation {
    /// Stable id (UUID).
    #[validate(custom(function = "crate::validate::field::uuid"))]
    #[cfg_attr(feature = "schema-gen", schemars(regex(pattern = crate::model::UUID_PATTERN)))]
    pub id: String,
    /// When.
    pub at: Timestamp,
    /// Topics covered.
    #[validate(length(min = 1, max = 20))]
    pub topics: Vec<LegalTopic>,
    /// Materials handed out.
    #[serde(default)]
    #[validate(length(max = 20))]
    pub materials: Vec<String>,
    /// By whom.
    #[validate(length(min = 1, max = 50))]
    pub by: String,
    /// Parties who received it.
    #[serde(default)]
    #[validate(length(max = 50))]
    pub party_ids: Vec<String>,
}
