//! The site inspection record (清查整治记录): one place inspected by one team during a
//! campaign. JSON field names are camelCase; ids are UUIDs made on the phone.
//!
//! `volumeB` is the personal part (named persons of interest): it lives in document B like the
//! dossier's volume B and a partner mediator never receives it. It is always present (empty
//! lists), like every entity list here, so two phones never each create the same missing list.

use serde::{Deserialize, Serialize};
use validator::Validate;

use super::enums::{
    CheckItem, CheckResult, HazardCategory, HazardSeverity, HazardStatus, InspectionReferral,
    InspectionStatus, MemberRole, OutcomeResult, PersonReason, PlaceType, PublicityKind,
    ReinspectionResult,
};
use crate::model::{Attachment, Date, Gps, Labelled, Sex, Timestamp};

/// The form type written into every inspection record.
pub const FORM_TYPE: &str = "site_inspection/v1";

/// The JSON Schema pattern of a place type: a built-in code or a bureau's own `local_` code.
/// (A unit test holds the alternatives equal to [`PlaceType`]'s codes.)
pub const PLACE_TYPE_PATTERN: &str = "^(entertainment|hotel|internet_cafe|logistics|scrap_metal|crowded|key_site|complex_area|blind_spot|other|local_[a-z0-9_]{1,26})$";

/// Whether `code` is a place type: a built-in [`PlaceType`] code, or `local_` and 1–26 of
/// `[a-z0-9_]` (a bureau's own type, e.g. `local_coal_yard`).
#[must_use]
pub fn is_place_type(code: &str) -> bool {
    if PlaceType::from_code(code).is_some() {
        return true;
    }
    code.strip_prefix("local_").is_some_and(|rest| {
        (1..=26).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    })
}

/// One inspection record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema-gen", schemars(title = "Site inspection"))]
pub struct Inspection {
    /// Globally unique id made on the phone (a UUID; v7 recommended).
    #[validate(custom(function = "crate::validate::field::uuid"))]
    #[cfg_attr(feature = "schema-gen", schemars(regex(pattern = crate::model::UUID_PATTERN)))]
    pub id: String,
    /// Always [`FORM_TYPE`].
    #[validate(length(min = 1, max = 64))]
    pub form_type: String,
    /// Station, status, time.
    #[validate(nested)]
    pub header: Header,
    /// The campaign (专项行动) the inspection belongs to.
    #[validate(nested)]
    pub campaign: Campaign,
    /// The team that inspected.
    #[validate(nested)]
    pub team: Team,
    /// The place inspected.
    #[validate(nested)]
    pub place: Place,
    /// The checks done (检查项目).
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    pub checks: Vec<Check>,
    /// People whose identity papers were checked (a count; persons of interest by name are in
    /// volume B).
    #[serde(default)]
    #[validate(range(max = 100_000))]
    pub people_checked: u32,
    /// Hazards found (隐患).
    #[serde(default)]
    #[validate(length(max = 200), nested)]
    pub hazards: Vec<Hazard>,
    /// Safety publicity given (安全宣传).
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    pub publicity: Vec<Publicity>,
    /// How the inspection ended, once decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(nested)]
    pub outcome: Option<Outcome>,
    /// Photos and scans (site photos, the rectification notice): references to the bytes.
    #[serde(default)]
    #[validate(length(max = 100), nested)]
    pub attachments: Vec<Attachment>,
    /// The personal part (persons of interest), withheld from partner mediators.
    #[serde(default)]
    #[validate(nested)]
    pub volume_b: VolumeB,
}

/// Station, status, time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Header {
    /// The station (派出所) that owns the record, by its code.
    #[validate(length(min = 1, max = 64))]
    pub station: String,
    /// Where the record stands.
    pub status: InspectionStatus,
    /// When the place was inspected.
    pub inspected_at: Timestamp,
    /// Officers assigned (badge numbers or account ids).
    #[serde(default)]
    #[validate(length(max = 20))]
    pub assigned_officers: Vec<String>,
}

/// A campaign (专项行动), e.g. 岁末年初治安复杂区域集中清查整治.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Campaign {
    /// Its name.
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
    /// The bureau running it (芮城县公安局).
    #[validate(length(min = 1, max = 100))]
    pub bureau: String,
}

/// The inspecting team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Team {
    /// Its name (清查一组).
    #[validate(length(min = 1, max = 50))]
    pub name: String,
    /// Its members.
    #[serde(default)]
    #[validate(length(max = 30), nested)]
    pub members: Vec<TeamMember>,
}

/// A team member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct TeamMember {
    /// Stable id (UUID).
    #[validate(custom(function = "crate::validate::field::uuid"))]
    #[cfg_attr(feature = "schema-gen", schemars(regex(pattern = crate::model::UUID_PATTERN)))]
    pub id: String,
    /// Name.
    #[validate(length(min = 1, max = 50))]
    pub name: String,
    /// 民警 or 辅警.
    pub role: MemberRole,
    /// Badge number (警号).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 20))]
    pub badge: Option<String>,
}

/// The place inspected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Place {
    /// Its name (the business's or the site's).
    #[validate(length(min = 1, max = 100))]
    pub name: String,
    /// Place type: a built-in code or a bureau's own `local_` code.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "schema-gen", schemars(regex(pattern = PLACE_TYPE_PATTERN)))]
    pub kind: String,
    /// Address as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 200))]
    pub address: Option<String>,
    /// GPS position, when the phone had a fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(nested)]
    pub gps: Option<Gps>,
    /// Licence numbers (营业执照, 特种行业许可证...).
    #[serde(default)]
    #[validate(length(max = 10))]
    pub licence_numbers: Vec<String>,
}

/// One check done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// Stable id (UUID).
    #[validate(custom(function = "crate::validate::field::uuid"))]
    #[cfg_attr(feature = "schema-gen", schemars(regex(pattern = crate::model::UUID_PATTERN)))]
    pub id: String,
    /// What was checked.
    pub item: CheckItem,
    /// Its result.
    pub result: CheckResult,
    /// Note (automerge text).
    #[serde(default)]
    #[validate(length(max = 2000))]
    pub note: String,
}

/// A hazard found (隐患).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Hazard {
    /// Stable id (UUID).
    #[validate(custom(function = "crate::validate::field::uuid"))]
    #[cfg_attr(feature = "schema-gen", schemars(regex(pattern = crate::model::UUID_PATTERN)))]
    pub id: String,
    /// What kind.
    pub category: HazardCategory,
    /// What was found (automerge text; required before closing).
    #[serde(default)]
    #[validate(length(max = 2000))]
    pub description: String,
    /// How serious.
    pub severity: HazardSeverity,
    /// Rectification deadline (整改期限).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Date>,
    /// Who answers for the rectification (the place's 负责人).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 50))]
    pub responsible: Option<String>,
    /// Where the rectification stands.
    pub status: HazardStatus,
    /// Re-inspection date (复查日期).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reinspected_on: Option<Date>,
    /// What the re-inspection found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reinspection_result: Option<ReinspectionResult>,
}

/// Safety publicity given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Publicity {
    /// Stable id (UUID).
    #[validate(custom(function = "crate::validate::field::uuid"))]
    #[cfg_attr(feature = "schema-gen", schemars(regex(pattern = crate::model::UUID_PATTERN)))]
    pub id: String,
    /// How.
    pub kind: PublicityKind,
    /// Leaflets or copies handed out.
    #[serde(default)]
    #[validate(range(max = 100_000))]
    pub copies: u32,
    /// People reached.
    #[serde(default)]
    #[validate(range(max = 100_000))]
    pub audience: u32,
    /// What was said or given (automerge text).
    #[serde(default)]
    #[validate(length(max = 2000))]
    pub note: String,
}

/// How the inspection ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// 合格, 限期整改, 停业整顿 or 移交.
    pub result: OutcomeResult,
    /// Note (automerge text).
    #[serde(default)]
    #[validate(length(max = 5000))]
    pub note: String,
    /// Where it was referred, when referred.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_target: Option<InspectionReferral>,
}

/// The personal part (B卷): persons of interest met during the inspection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct VolumeB {
    /// Persons of interest (重点人员).
    #[serde(default)]
    #[validate(length(max = 200), nested)]
    pub persons: Vec<PersonOfInterest>,
}

/// A person of interest met during the inspection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PersonOfInterest {
    /// Stable id (UUID).
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
    /// Why the person was noted.
    pub reason: PersonReason,
    /// What was done (核查登记, 带回审查...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1, max = 500))]
    pub note: Option<String>,
}

/// Inspection JSON text as the model, with serde_json's error.
#[inline(never)]
pub fn parse(json: &str) -> Result<Inspection, serde_json::Error> {
    serde_json::from_str(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_place_type_pattern_lists_exactly_the_built_in_codes() {
        let inner = PLACE_TYPE_PATTERN
            .trim_start_matches("^(")
            .trim_end_matches(")$");
        let listed: Vec<&str> = inner
            .split('|')
            .filter(|c| !c.starts_with("local_"))
            .collect();
        let built_in: Vec<&str> = PlaceType::ALL.iter().map(|t| t.code()).collect();
        assert_eq!(listed, built_in);
        assert!(is_place_type("hotel"));
        assert!(is_place_type("local_coal_yard"));
        assert!(!is_place_type("local_"));
        assert!(!is_place_type("coal_yard"));
        assert!(!is_place_type("local_Coal"));
    }
}
