//! The account records: bureaus (县局), their stations (派出所), people with a role, the
//! devices enrolled for them and the dossiers shared with them.

use abjuan_shared::access::Role;
use serde::{Deserialize, Serialize};

/// A county bureau (县局), by its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bureau {
    /// Stable code, e.g. `yongji`.
    pub id: String,
    /// Display name, e.g. 永济市公安局.
    pub name: String,
}

/// A police station (派出所). `id` is the code dossiers carry in `header.station`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Station {
    /// Stable code, e.g. `yongji-puzhou`.
    pub id: String,
    /// The bureau it belongs to.
    pub bureau: String,
    /// Display name, e.g. 蒲州派出所.
    pub name: String,
}

/// A person who uses the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Stable id.
    pub id: String,
    /// Display name (shown in history and conflicts instead of actor ids).
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// Their station; `None` for bureau staff and mediators attached to no station.
    pub station: Option<String>,
    /// Their bureau.
    pub bureau: String,
    /// Whether the person is disabled (every device of theirs fails).
    pub disabled: bool,
}

/// A device (phone, browser) enrolled for one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Stable id (also the lookup id at the front of its credential).
    pub id: String,
    /// Whose device.
    pub person: String,
    /// What the admin or the phone called it.
    pub label: String,
    /// When enrolled (ms since the epoch).
    pub enrolled_at: i64,
    /// When revoked, if it was.
    pub revoked_at: Option<i64>,
}

/// A dossier shared with a person outside its station (a partner mediator, another station).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    /// Dossier id.
    pub dossier: String,
    /// The person it is shared with.
    pub person: String,
    /// Who shared it.
    pub by: String,
    /// When (ms since the epoch).
    pub at: i64,
}

/// The authenticated caller of a request: a live device of an enabled person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    /// The person.
    pub person: String,
    /// Their display name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Their station.
    pub station: Option<String>,
    /// Their bureau.
    pub bureau: String,
    /// The device the request came from.
    pub device: String,
    /// Open demo mode only (no accounts yet, loopback): every dossier counts as the caller's
    /// own station and actor ids are not bound.
    #[serde(default)]
    pub demo: bool,
}

impl Caller {
    /// The caller for `person` on `device`.
    #[must_use]
    pub fn new(person: &Person, device: &str) -> Self {
        Self {
            person: person.id.clone(),
            name: person.name.clone(),
            role: person.role,
            station: person.station.clone(),
            bureau: person.bureau.clone(),
            device: device.to_owned(),
            demo: false,
        }
    }

    /// The caller of open demo mode: a station chief of every station.
    #[must_use]
    pub fn demo(device: &str) -> Self {
        Self {
            person: "demo".into(),
            name: "演示民警".into(),
            role: abjuan_shared::access::Role::StationChief,
            station: None,
            bureau: "demo".into(),
            device: device.to_owned(),
            demo: true,
        }
    }
}
