//! The closed lists of the site inspection, each value with its stable code and zh/en labels.
//! (Place types are open: built-in [`PlaceType`]s plus a bureau's own `local_` codes, see
//! [`super::model::Place`].)

use crate::labelled_enum;

labelled_enum! {
    /// Where an inspection record stands.
    pub enum InspectionStatus {
        Inspecting = ("inspecting", "检查中", "Inspecting"),
        Rectifying = ("rectifying", "整改跟踪", "Following up rectification"),
        Closed = ("closed", "已结案", "Closed"),
    }
}

labelled_enum! {
    /// A team member's role.
    pub enum MemberRole {
        Officer = ("officer", "民警", "Police officer"),
        Auxiliary = ("auxiliary", "辅警", "Auxiliary officer"),
    }
}

labelled_enum! {
    /// The built-in place types (场所类型) of the year-end campaign.
    pub enum PlaceType {
        Entertainment = ("entertainment", "娱乐场所", "Entertainment venue"),
        Hotel = ("hotel", "旅馆", "Hotel"),
        InternetCafe = ("internet_cafe", "网吧", "Internet café"),
        Logistics = ("logistics", "寄递物流", "Parcel and logistics"),
        ScrapMetal = ("scrap_metal", "废旧金属收购", "Scrap-metal purchasing"),
        Crowded = ("crowded", "人员密集场所", "Crowded place"),
        KeySite = ("key_site", "要害部位", "Key site"),
        ComplexArea = ("complex_area", "治安复杂区域", "Area with complex public order"),
        BlindSpot = ("blind_spot", "治安死角盲区", "Public-order blind spot"),
        Other = ("other", "其他", "Other"),
    }
}

labelled_enum! {
    /// What was checked (检查项目).
    pub enum CheckItem {
        Licence = ("licence", "证照", "Licences"),
        Identity = ("identity", "人员身份", "Identity papers"),
        Fire = ("fire", "消防", "Fire safety"),
        Theft = ("theft", "防盗", "Theft prevention"),
        Explosives = ("explosives", "危爆物品", "Dangerous and explosive goods"),
        Registration = ("registration", "实名登记", "Real-name registration"),
        Surveillance = ("surveillance", "视频监控", "Video surveillance"),
        SecurityStaff = ("security_staff", "安保力量", "Security staff"),
        Other = ("other", "其他", "Other"),
    }
}

labelled_enum! {
    /// The result of one check.
    pub enum CheckResult {
        Pass = ("pass", "合格", "Pass"),
        Fail = ("fail", "不合格", "Fail"),
        NotApplicable = ("not_applicable", "不适用", "Not applicable"),
    }
}

labelled_enum! {
    /// What kind of hazard (隐患类别).
    pub enum HazardCategory {
        Fire = ("fire", "消防隐患", "Fire"),
        Theft = ("theft", "防盗隐患", "Theft"),
        Explosives = ("explosives", "危爆物品隐患", "Dangerous and explosive goods"),
        Licence = ("licence", "证照问题", "Licence"),
        Registration = ("registration", "登记管理漏洞", "Registration gaps"),
        PublicOrder = ("public_order", "治安秩序", "Public order"),
        Other = ("other", "其他", "Other"),
    }
}

labelled_enum! {
    /// How serious a hazard is.
    pub enum HazardSeverity {
        Minor = ("minor", "一般", "Minor"),
        Major = ("major", "较大", "Major"),
        Serious = ("serious", "重大", "Serious"),
    }
}

labelled_enum! {
    /// Where the rectification of one hazard stands.
    pub enum HazardStatus {
        Open = ("open", "未整改", "Not rectified"),
        Rectifying = ("rectifying", "整改中", "Being rectified"),
        Rectified = ("rectified", "已整改", "Rectified"),
    }
}

labelled_enum! {
    /// What the re-inspection found.
    pub enum ReinspectionResult {
        Passed = ("passed", "复查合格", "Passed"),
        Failed = ("failed", "复查不合格", "Failed"),
    }
}

labelled_enum! {
    /// How safety publicity was given (安全宣传).
    pub enum PublicityKind {
        Leaflets = ("leaflets", "发放宣传资料", "Leaflets handed out"),
        Talk = ("talk", "现场讲解", "Talk on site"),
        Poster = ("poster", "张贴海报", "Posters put up"),
        Training = ("training", "安全培训", "Safety training"),
        Other = ("other", "其他", "Other"),
    }
}

labelled_enum! {
    /// How the inspection ended (检查结论).
    pub enum OutcomeResult {
        Passed = ("passed", "合格", "Passed"),
        Rectify = ("rectify", "限期整改", "Rectify by a deadline"),
        Suspended = ("suspended", "停业整顿", "Suspended for rectification"),
        Referred = ("referred", "移交", "Referred"),
    }
}

labelled_enum! {
    /// Where a referred inspection went.
    pub enum InspectionReferral {
        FireRescue = ("fire_rescue", "消防救援机构", "Fire and rescue"),
        MarketRegulation = ("market_regulation", "市场监管部门", "Market regulation"),
        EmergencyManagement = ("emergency_management", "应急管理部门", "Emergency management"),
        CultureTourism = ("culture_tourism", "文旅部门", "Culture and tourism"),
        CriminalInvestigation = ("criminal_investigation", "刑侦部门", "Criminal investigation"),
        OtherAgency = ("other_agency", "其他部门", "Other agency"),
    }
}

labelled_enum! {
    /// Why a person was noted (重点人员类别). Personal data: volume B.
    pub enum PersonReason {
        Wanted = ("wanted", "在逃人员", "Wanted"),
        Drugs = ("drugs", "涉毒人员", "Drug-related"),
        NoPapers = ("no_papers", "无有效证件", "No valid papers"),
        KeyPerson = ("key_person", "重点人员", "Person under watch"),
        Other = ("other", "其他", "Other"),
    }
}
