//! Who sees which rows of the station's outputs. Figures follow the statistics right (a
//! station chief: the own station; a bureau supervisor: every station of the bureau); the
//! ledger and the print follow the read right (volume A), row by row, and volume B only where
//! the policy gives the caller `ReadB` (never a partner mediator).

use std::collections::{HashMap, HashSet};

use abjuan_shared::access::{allowed, Action};

use super::figures::{Frame, Reach};
use crate::auth::{relation, AuthError, Caller, Gate, Scope};

/// Today in China (`YYYY-MM-DD`), for "overdue".
#[must_use]
pub fn today() -> String {
    crate::clock::today().format("%Y-%m-%d").to_string()
}

/// The frame of the caller's figures, or `None` when the caller may read no statistics (or
/// asked for a station they may not).
#[must_use]
pub fn figures_frame(
    scope: &Scope,
    station: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Option<Frame> {
    let reach = if scope.all {
        Reach {
            all: true,
            ..Reach::default()
        }
    } else {
        if scope.stats_stations.is_empty() {
            return None;
        }
        Reach {
            all: false,
            stations: scope.stats_stations.clone(),
            ids: Vec::new(),
        }
    };
    if let Some(st) = &station {
        if !reach.all && !reach.stations.contains(st) {
            return None;
        }
    }
    Some(Frame {
        reach,
        station: station.filter(|s| !s.is_empty()),
        from: from.filter(|s| !s.is_empty()),
        to: to.filter(|s| !s.is_empty()),
        today: today(),
    })
}

/// Decides, per dossier, whether the caller may read its volume B.
#[derive(Debug)]
pub struct VolumeBRight {
    caller: Caller,
    bureaus: HashMap<String, String>,
    shared: HashSet<String>,
}

impl VolumeBRight {
    /// For `caller` with list scope `scope`.
    pub fn new(gate: &Gate, caller: &Caller, scope: &Scope) -> Result<Self, AuthError> {
        let bureaus = if caller.demo {
            HashMap::new()
        } else {
            gate.accounts
                .stations(Some(&caller.bureau))?
                .into_iter()
                .map(|s| (s.id, s.bureau))
                .collect()
        };
        Ok(Self {
            caller: caller.clone(),
            bureaus,
            shared: scope.shared.iter().cloned().collect(),
        })
    }

    /// Whether volume B of dossier `id` of `station` may be shown.
    #[must_use]
    pub fn sees_b(&self, id: &str, station: &str) -> bool {
        if self.caller.demo {
            return true;
        }
        let bureau = self.bureaus.get(station).map(String::as_str);
        let rel = relation(
            &self.caller,
            Some(station),
            bureau,
            self.shared.contains(id),
        );
        allowed(self.caller.role, rel, Action::ReadB)
    }
}

/// Station names by code (the caller's bureau; every bureau in demo mode).
#[must_use]
pub fn station_names(gate: &Gate, caller: &Caller) -> HashMap<String, String> {
    let bureau = (!caller.demo).then_some(caller.bureau.as_str());
    gate.accounts
        .stations(bureau)
        .unwrap_or_default()
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect()
}

/// People's names by id, for the given ids (officer ids that are accounts).
#[must_use]
pub fn person_names(gate: &Gate, ids: &[String]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for id in ids {
        if out.contains_key(id) {
            continue;
        }
        if let Ok(Some(p)) = gate.accounts.person(id) {
            out.insert(id.clone(), p.name);
        }
    }
    out
}
