//! The one table of validation codes. A code is stable: forms and other programs match on it,
//! never on the message. Messages take `{param}` placeholders from the params.
//!
//! "Structural" codes are the rules the JSON Schema also expresses (types, required fields,
//! enum values, lengths, ranges, patterns); the rest need the Rust validator.

use serde::{Deserialize, Serialize};

use crate::Locale;

macro_rules! codes {
    ($( $variant:ident = ($code:literal, $structural:literal, $zh:literal, $en:literal) ),+ $(,)?) => {
        /// A stable validation code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Code {
            $( #[doc = $en] #[serde(rename = $code)] $variant ),+
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),+];

            /// The stable string form.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code),+ }
            }

            /// Whether the JSON Schema expresses this rule too.
            #[must_use]
            pub fn is_structural(self) -> bool {
                match self { $(Code::$variant => $structural),+ }
            }

            /// The message template in `locale`.
            #[must_use]
            pub fn template(self, locale: Locale) -> &'static str {
                match self { $(Code::$variant => locale.pick($zh, $en)),+ }
            }

            /// The code with this string form.
            #[must_use]
            pub fn from_str_code(s: &str) -> Option<Code> {
                match s { $($code => Some(Code::$variant),)+ _ => None }
            }
        }
    };
}

codes! {
    // Input as a whole.
    InvalidJson = ("invalid_json", true, "不是有效的JSON：{detail}", "Not valid JSON: {detail}"),
    TooLarge = ("too_large", true, "内容过大（上限 {max} 字节）", "Input too large (limit {max} bytes)"),
    TooDeep = ("too_deep", true, "嵌套层级过深", "Input nested too deeply"),
    UnknownFormType = ("unknown_form_type", false, "未知的表单类型：{value}", "Unknown form type: {value}"),
    // Structure (also in the JSON Schema).
    Required = ("required", true, "此项为必填项", "This field is required"),
    InvalidType = ("invalid_type", true, "类型不正确：应为{expected}", "Wrong type: expected {expected}"),
    UnknownValue = ("unknown_value", true, "不是可选的值：{value}", "Not one of the allowed values: {value}"),
    InvalidFormat = ("invalid_format", true, "格式不正确：应为{expected}", "Wrong format: expected {expected}"),
    Length = ("length", true, "长度应在 {min} 到 {max} 之间", "Length must be between {min} and {max}"),
    Range = ("range", true, "数值应在 {min} 到 {max} 之间", "Value must be between {min} and {max}"),
    IdFormat = ("id_format", true, "编号格式不正确（应为UUID）", "Id must be a UUID"),
    PhoneFormat = ("phone_format", true, "电话号码格式不正确：手机号为11位且以13-19开头，座机需带区号", "Not a phone number: mobiles are 11 digits starting 13–19, landlines need an area code"),
    CategoryFormat = ("category_format", true, "类别代码只能由小写字母、数字和下划线组成", "Category codes use lowercase letters, digits and underscores"),
    IdNumberFormat = ("id_number_format", true, "身份证号应为18位：17位数字加1位校验码（数字或X）", "ID number must be 17 digits and a check character (digit or X)"),
    IdNumberLowercaseX = ("id_number_lowercase_x", true, "身份证号末位校验码X应大写", "The check character X must be upper case"),
    AttachmentHash = ("attachment_hash", true, "附件摘要应为SHA-256：64位小写十六进制字符", "An attachment's hash must be a SHA-256: 64 lowercase hex digits"),
    AttachmentType = ("attachment_type", true, "附件类型不受支持：只能是JPEG、PNG图片或PDF文件", "Unsupported attachment type: only JPEG or PNG images and PDF files"),
    AttachmentSize = ("attachment_size", true, "附件大小应在1字节到10 MB（10485760字节）之间", "An attachment must be 1 byte to 10 MB (10,485,760 bytes)"),
    // Field rules beyond the schema.
    IdNumberRegion = ("id_number_region", false, "身份证号前6位不是有效的行政区划代码", "The ID number's region prefix is not a real region"),
    IdNumberBirthDate = ("id_number_birth_date", false, "身份证号中的出生日期无效或在将来", "The ID number's birth date is not a real past date"),
    IdNumberChecksum = ("id_number_checksum", false, "身份证号校验码错误，请核对号码", "The ID number's check character is wrong; check the number"),
    SexMismatch = ("sex_mismatch", false, "性别与身份证号不符（身份证号显示为{expected}）", "Sex does not match the ID number (it says {expected})"),
    BirthDateMismatch = ("birth_date_mismatch", false, "出生日期与身份证号不符（身份证号显示为{expected}）", "Date of birth does not match the ID number (it says {expected})"),
    CategoryUnknown = ("category_unknown", false, "未知的纠纷类别：{value}", "Unknown dispute category: {value}"),
    DuplicateId = ("duplicate_id", false, "编号重复：{value}", "Duplicate id: {value}"),
    DuplicateIdNumber = ("duplicate_id_number", false, "与第 {other} 名当事人的身份证号重复", "Same ID number as party {other}"),
    UnknownParty = ("unknown_party", false, "引用的当事人不在B卷中", "Refers to a party that is not in volume B"),
    // Time order.
    InFuture = ("in_future", false, "时间不能晚于当前时间", "Must not be in the future"),
    BeforeReport = ("before_report", false, "时间不能早于报警/登记时间", "Must not be before the dispute was reported"),
    BeforeAgreement = ("before_agreement", false, "回访时间不能早于调解协议签订日期", "A follow-up must not be before the agreement was signed"),
    DeadlineBeforeSigning = ("deadline_before_signing", false, "履行期限不能早于签订日期", "The performance deadline must not be before signing"),
    // Status rules.
    ResolvedNeedsAgreementOrNote = ("resolved_needs_agreement_or_note", false, "“已化解”需要调解协议或结案说明", "\"Resolved\" needs an agreement or a closing note"),
    ArchivedNeedsFollowUp = ("archived_needs_follow_up", false, "“已归档”需要至少一次回访记录", "\"Archived\" needs at least one follow-up"),
    ReferredNeedsTarget = ("referred_needs_target", false, "“移交”需要填写移交单位", "\"Referred\" needs a referral target"),
    FailedNeedsNote = ("failed_needs_note", false, "“化解失败”需要填写结案说明", "\"Failed\" needs a closing note"),
    FollowUpPlanRequired = ("follow_up_plan_required", false, "{level}色预警卷宗需要回访计划", "{level} dossiers need a follow-up plan"),
    ClosureRequired = ("closure_required", false, "结案状态需要填写结案信息", "A closing status needs the closure section"),
    StatusTransition = ("status_transition", false, "不能从“{from}”变更为“{to}”", "Cannot change status from \"{from}\" to \"{to}\""),
    // Completeness (volume B data required to close).
    PartiesMissing = ("parties_missing", false, "B卷至少需要一名当事人", "Volume B needs at least one party"),
    PartyDataMissing = ("party_data_missing", false, "结案前需填写当事人的{field}", "The party's {field} is needed before closing"),
    LegalEducationMissing = ("legal_education_missing", false, "结案前需记录法治宣传", "Legal education must be recorded before closing"),
    SessionsMissing = ("sessions_missing", false, "尚无调解记录", "No mediation session recorded yet"),
    // Site inspection (site_inspection/v1, 岁末清查整治): forms::site_inspection::rules.
    PlaceTypeUnknown = ("place_type_unknown", true, "场所类型不在目录中（本局自定类型以local_开头）", "Not a place type of the catalogue (a bureau's own types start with local_)"),
    CampaignPeriodOrder = ("campaign_period_order", false, "专项行动结束日期不能早于开始日期", "The campaign must not end before it starts"),
    OutsideCampaign = ("outside_campaign", false, "检查时间不在专项行动期间内", "The inspection is outside the campaign period"),
    DeadlineBeforeInspection = ("deadline_before_inspection", false, "整改期限不能早于检查日期", "The rectification deadline must not be before the inspection"),
    ReinspectionBeforeInspection = ("reinspection_before_inspection", false, "复查日期不能早于检查日期", "The re-inspection must not be before the inspection"),
    ReinspectionRequired = ("reinspection_required", false, "“已整改”的隐患需要填写复查日期和复查结果", "A rectified hazard needs a re-inspection date and result"),
    RectifiedButReinspectionFailed = ("rectified_but_reinspection_failed", false, "复查不合格的隐患不能标为“已整改”", "A hazard whose re-inspection failed cannot be marked rectified"),
    PassedWithOpenHazard = ("passed_with_open_hazard", false, "尚有未整改的隐患，检查结论不能为“合格”", "\"Passed\" while a hazard is not rectified"),
    RectifyWithoutHazard = ("rectify_without_hazard", false, "“限期整改”需要至少记录一项隐患", "\"Rectify by a deadline\" needs at least one hazard"),
    OutcomeRequired = ("outcome_required", false, "结案需要填写检查结论", "Closing needs the outcome"),
    ClosedWithOpenHazard = ("closed_with_open_hazard", false, "限期整改的隐患尚未整改完毕，不能结案", "Cannot close while a hazard to rectify is not rectified"),
    DeadlineRequired = ("deadline_required", false, "未整改的隐患需要整改期限", "A hazard not yet rectified needs a rectification deadline"),
    TeamNeedsOfficer = ("team_needs_officer", false, "检查组至少需要一名民警", "The team needs at least one police officer"),
    ChecksMissing = ("checks_missing", false, "尚未记录检查项目", "No check recorded yet"),
    HazardDescriptionMissing = ("hazard_description_missing", false, "请描述发现的隐患", "Describe the hazard found"),
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
