//! What the log records (kinds of event, the event to append) and what it gives back (stored
//! rows, the filter to read them by, the result of a chain check).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// A bureau was created.
    BureauAdded,
    /// A station was created.
    StationAdded,
    /// A person was created.
    PersonAdded,
    /// A person's role or station changed.
    RoleChanged,
    /// A person was disabled or re-enabled.
    PersonDisabled,
    /// An enrolment code was issued.
    EnrolmentIssued,
    /// A device was enrolled with a code.
    DeviceEnrolled,
    /// An enrolment code was refused (unknown, used, expired).
    EnrolmentRefused,
    /// A device was revoked.
    DeviceRevoked,
    /// A credential was refused (unknown, wrong, revoked).
    AuthRefused,
    /// An authenticated caller was denied an action.
    AccessDenied,
    /// Uploaded changes were refused (forged authorship, a status change without the right).
    ChangeRefused,
    /// An actor id was bound to a device.
    ActorRegistered,
    /// A dossier was shared with a person.
    ShareAdded,
    /// A share was withdrawn.
    ShareRemoved,
    /// The audit log (or data) was exported.
    Export,
    /// The first-run demo accounts were created.
    DemoSetup,
    /// A version of a bureau's warning rule set was added (and became current).
    RuleSetAdded,
    /// A version of a bureau's warning rule set was retired.
    RuleSetRetired,
    /// A rule set was refused (it did not pass the checks).
    RuleSetRefused,
}

impl AuditKind {
    /// Stable code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::BureauAdded => "bureau_added",
            Self::StationAdded => "station_added",
            Self::PersonAdded => "person_added",
            Self::RoleChanged => "role_changed",
            Self::PersonDisabled => "person_disabled",
            Self::EnrolmentIssued => "enrolment_issued",
            Self::DeviceEnrolled => "device_enrolled",
            Self::EnrolmentRefused => "enrolment_refused",
            Self::DeviceRevoked => "device_revoked",
            Self::AuthRefused => "auth_refused",
            Self::AccessDenied => "access_denied",
            Self::ChangeRefused => "change_refused",
            Self::ActorRegistered => "actor_registered",
            Self::ShareAdded => "share_added",
            Self::ShareRemoved => "share_removed",
            Self::Export => "export",
            Self::DemoSetup => "demo_setup",
            Self::RuleSetAdded => "rule_set_added",
            Self::RuleSetRetired => "rule_set_retired",
            Self::RuleSetRefused => "rule_set_refused",
        }
    }

    /// The kind with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Every kind.
    pub const ALL: [AuditKind; 20] = [
        Self::BureauAdded,
        Self::StationAdded,
        Self::PersonAdded,
        Self::RoleChanged,
        Self::PersonDisabled,
        Self::EnrolmentIssued,
        Self::DeviceEnrolled,
        Self::EnrolmentRefused,
        Self::DeviceRevoked,
        Self::AuthRefused,
        Self::AccessDenied,
        Self::ChangeRefused,
        Self::ActorRegistered,
        Self::ShareAdded,
        Self::ShareRemoved,
        Self::Export,
        Self::DemoSetup,
        Self::RuleSetAdded,
        Self::RuleSetRetired,
        Self::RuleSetRefused,
    ];
}

/// An event to record. Never put volume-B content in `detail`: the supervisor exports it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// What happened.
    pub kind: AuditKind,
    /// Who did it (or tried), when known.
    pub person: Option<String>,
    /// From which device, when known.
    pub device: Option<String>,
    /// The bureau it concerns (the supervisor of that bureau reads it).
    pub bureau: Option<String>,
    /// What it was done to: a dossier, person or device id.
    pub subject: Option<String>,
    /// Anything else, as JSON.
    pub detail: Value,
}

impl AuditEvent {
    /// An event of `kind` with nothing else filled in.
    #[must_use]
    pub fn new(kind: AuditKind) -> Self {
        Self {
            kind,
            person: None,
            device: None,
            bureau: None,
            subject: None,
            detail: Value::Null,
        }
    }

    /// Sets who did it.
    #[must_use]
    pub fn by(mut self, person: &str, device: Option<&str>) -> Self {
        self.person = Some(person.to_owned());
        self.device = device.map(str::to_owned);
        self
    }

    /// Sets the bureau.
    #[must_use]
    pub fn bureau(mut self, bureau: &str) -> Self {
        self.bureau = Some(bureau.to_owned());
        self
    }

    /// Sets the subject.
    #[must_use]
    pub fn subject(mut self, subject: &str) -> Self {
        self.subject = Some(subject.to_owned());
        self
    }

    /// Sets the detail.
    #[must_use]
    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

/// A stored row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// Server time (ms since the epoch).
    pub at: i64,
    /// What happened.
    pub kind: AuditKind,
    /// Who.
    pub person: Option<String>,
    /// From which device.
    pub device: Option<String>,
    /// Which bureau.
    pub bureau: Option<String>,
    /// To what.
    pub subject: Option<String>,
    /// Anything else.
    pub detail: Value,
    /// The previous row's hash (hex).
    pub prev_hash: String,
    /// This row's hash (hex).
    pub hash: String,
}

/// Which rows to read.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuditFilter {
    /// Only rows of this bureau.
    pub bureau: Option<String>,
    /// Only rows after this sequence number.
    pub after: Option<i64>,
    /// At most this many rows (default 1000, at most 10 000).
    pub limit: Option<usize>,
}

/// What [`AuditLog::verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainCheck {
    /// Rows checked.
    pub rows: u64,
    /// The last row's hash (hex; zeros when empty): keep it elsewhere to detect truncation.
    pub head: String,
    /// The first row whose chain does not hold, if any.
    pub broken_at: Option<i64>,
}
