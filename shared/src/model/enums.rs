//! The closed lists of the dossier, each value with its stable code and zh/en labels.
//! (Categories are open: see [`super::category`].)

use crate::labelled_enum;

labelled_enum! {
    /// Where the dispute came to the station's notice (来源).
    pub enum Source {
        Call110 = ("call_110", "110警情", "110 call"),
        WalkIn = ("walk_in", "群众来访", "Walk-in"),
        GridWorker = ("grid_worker", "网格员上报", "Grid-worker report"),
        Screening = ("screening", "排查发现", "Screening"),
        Transfer = ("transfer", "部门移交", "Transfer from another agency"),
    }
}

labelled_enum! {
    /// Where the dossier stands: find → resolve → follow up (三个环节).
    pub enum Status {
        Registered = ("registered", "登记", "Registered"),
        Mediating = ("mediating", "调解中", "Mediating"),
        Resolved = ("resolved", "已化解", "Resolved"),
        FollowUp = ("follow_up", "回访中", "In follow-up"),
        Archived = ("archived", "已归档", "Archived"),
        Referred = ("referred", "移交", "Referred"),
        Failed = ("failed", "化解失败", "Failed"),
    }
}

impl Status {
    /// Whether this status closes the mediation (so the strict, closing rule set applies).
    #[must_use]
    pub fn is_closing(self) -> bool {
        !matches!(self, Self::Registered | Self::Mediating)
    }

    /// Whether a dossier in this status is still being worked (counts as "open" in statistics
    /// and in the warning feed).
    #[must_use]
    pub fn is_open(self) -> bool {
        matches!(self, Self::Registered | Self::Mediating | Self::FollowUp)
    }

    /// The statuses this one may move to. Staying put is always allowed.
    #[must_use]
    pub fn allowed_next(self) -> &'static [Status] {
        use Status::{Archived, Failed, FollowUp, Mediating, Referred, Registered, Resolved};
        match self {
            Registered => &[Mediating, Resolved, Referred, Failed],
            Mediating => &[Resolved, Referred, Failed],
            Resolved => &[FollowUp, Archived, Mediating],
            FollowUp => &[Archived, Mediating],
            Referred | Failed => &[Archived, Mediating],
            Archived => &[],
        }
    }
}

labelled_enum! {
    /// How a mediation session or a follow-up was held.
    pub enum ContactMethod {
        OnSite = ("on_site", "现场", "On site"),
        HomeVisit = ("home_visit", "上门", "Home visit"),
        Phone = ("phone", "电话", "Phone"),
        Video = ("video", "视频", "Video"),
        Joint = ("joint", "联合调解", "Joint mediation"),
    }
}

labelled_enum! {
    /// The outcome of one mediation session.
    pub enum SessionOutcome {
        Agreed = ("agreed", "达成一致", "Agreed"),
        Partial = ("partial", "部分达成", "Partly agreed"),
        NotAgreed = ("not_agreed", "未达成", "Not agreed"),
    }
}

labelled_enum! {
    /// Who a mediator is.
    pub enum MediatorRole {
        Officer = ("officer", "民警", "Police officer"),
        Auxiliary = ("auxiliary", "辅警", "Auxiliary officer"),
        GridWorker = ("grid_worker", "网格员", "Grid worker"),
        PeoplesMediator = ("peoples_mediator", "人民调解员", "People's mediator"),
        VillageCommittee = ("village_committee", "村(居)委会", "Village/residents' committee"),
        JusticeOffice = ("justice_office", "司法所", "Judicial office"),
        Other = ("other", "其他", "Other"),
    }
}

labelled_enum! {
    /// Whether the parties are doing what they agreed.
    pub enum PerformanceStatus {
        Pending = ("pending", "待履行", "Pending"),
        Performing = ("performing", "履行中", "Performing"),
        Performed = ("performed", "已履行", "Performed"),
        Breached = ("breached", "未履行", "Breached"),
    }
}

labelled_enum! {
    /// Where a referred dispute went.
    pub enum ReferralTarget {
        Court = ("court", "法院", "Court"),
        JusticeOffice = ("justice_office", "司法所", "Judicial office"),
        MediationCommittee = ("mediation_committee", "人民调解委员会", "People's mediation committee"),
        OtherAgency = ("other_agency", "其他部门", "Other agency"),
    }
}

labelled_enum! {
    /// A party's sex.
    pub enum Sex {
        Male = ("male", "男", "Male"),
        Female = ("female", "女", "Female"),
    }
}

labelled_enum! {
    /// Which side of the dispute a party is on.
    pub enum Side {
        Applicant = ("applicant", "申请方", "Applicant"),
        Respondent = ("respondent", "被申请方", "Respondent"),
        Other = ("other", "其他", "Other"),
    }
}

labelled_enum! {
    /// How a person is related to a party (主要社会关系).
    pub enum RelationKind {
        Spouse = ("spouse", "配偶", "Spouse"),
        Child = ("child", "子女", "Child"),
        Parent = ("parent", "父母", "Parent"),
        Sibling = ("sibling", "兄弟姐妹", "Sibling"),
        Relative = ("relative", "亲属", "Relative"),
        Friend = ("friend", "朋友", "Friend"),
        Colleague = ("colleague", "同事", "Colleague"),
        Creditor = ("creditor", "债权人", "Creditor"),
        Debtor = ("debtor", "债务人", "Debtor"),
        VillageCadre = ("village_cadre", "村干部", "Village cadre"),
        Other = ("other", "其他", "Other"),
    }
}

labelled_enum! {
    /// A topic of legal education delivered (法治宣传).
    pub enum LegalTopic {
        CivilCodeMarriage = ("civil_code_marriage", "民法典婚姻家庭编", "Civil Code: marriage and family"),
        CivilCodeContracts = ("civil_code_contracts", "民法典合同编", "Civil Code: contracts"),
        AntiDomesticViolence = ("anti_domestic_violence", "反家庭暴力法", "Anti-Domestic Violence Law"),
        PublicSecurityPenalties = ("public_security_penalties", "治安管理处罚法", "Public Security Administration Punishments Law"),
        CriminalLaw = ("criminal_law", "刑法", "Criminal Law"),
        LandManagement = ("land_management", "土地管理法", "Land Administration Law"),
        LabourContract = ("labour_contract", "劳动合同法", "Labour Contract Law"),
        PeoplesMediation = ("peoples_mediation", "人民调解法", "People's Mediation Law"),
        Other = ("other", "其他", "Other"),
    }
}

labelled_enum! {
    /// The warning grade of a dossier (分级预警), from most to least urgent.
    pub enum WarningLevel {
        Blue = ("blue", "蓝", "Blue"),
        Yellow = ("yellow", "黄", "Yellow"),
        Orange = ("orange", "橙", "Orange"),
        Red = ("red", "红", "Red"),
    }
}
