//! `GET /v1/stations`: the stations (派出所) the caller may see, each with its code, its name
//! and how many of its dossiers the caller may list, so a page can offer stations by name and
//! say how many dossiers each holds.
//!
//! Who sees what follows the dossier list exactly (the gate's [`Scope`]): the stations whose
//! dossiers the caller may read, with their names from the account store, plus the stations
//! of dossiers shared with the caller (counting only those dossiers). In open demo mode (no
//! accounts yet) the caller sees every station the stored dossiers carry, named from the
//! account store where it knows the code, else by the code itself; and the demo station that
//! `abjuan demo-sync` writes to (蒲州派出所) is always offered, so a fresh server's page has a
//! station to start in that agrees with the first sync.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;
use warp::{Filter, Rejection};

use super::{json, with_state, AppState};
use crate::auth::routes::authenticated;
use crate::auth::{Caller, Gate, Scope, Station};
use crate::client::{DEMO_STATION, DEMO_STATION_NAME};
use crate::error::ApiError;
use crate::report::figures::{Dimension, Figure, Frame, Reach};
use crate::report::summary::counts;
use crate::store::{ListFilter, Store, StoreError};

/// One station as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StationRow {
    /// The code dossiers carry in `header.station`, e.g. `yongji-puzhou`.
    pub code: String,
    /// The display name, e.g. 蒲州派出所 (the code when no name is known).
    pub name: String,
    /// The bureau's code, when the account store knows the station.
    pub bureau: Option<String>,
    /// How many of the station's dossiers the caller may list.
    pub dossiers: u64,
}

/// `GET /v1/stations` → `{"stations": [StationRow…]}`, ordered by code.
pub fn routes(
    state: AppState,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    warp::path!("v1" / "stations")
        .and(warp::get())
        .and(authenticated(state.gate.clone()))
        .and(with_state(state))
        .and_then(|caller: Caller, s: AppState| async move {
            let (gate, store) = (s.gate.clone(), s.engine.store.clone());
            match tokio::task::spawn_blocking(move || stations(&gate, store.as_ref(), &caller))
                .await
            {
                Ok(Ok(rows)) => Ok(json(&json!({ "stations": rows }))),
                Ok(Err(e)) => Err(warp::reject::custom(e)),
                Err(_) => Err(warp::reject::custom(ApiError::Internal)),
            }
        })
}

fn storage(e: &StoreError) -> ApiError {
    tracing::error!(error = %e, "store read failed");
    ApiError::Storage
}

/// The stations `caller` may see (blocking: short SQLite reads).
///
/// # Errors
/// `storage` when a store fails.
pub fn stations(
    gate: &Gate,
    store: &dyn Store,
    caller: &Caller,
) -> Result<Vec<StationRow>, ApiError> {
    let scope = gate.scope(caller).map_err(|e| ApiError::from(&e))?;
    let known = if scope.all {
        gate.accounts.stations(None)
    } else {
        gate.accounts.stations(Some(&caller.bureau))
    }
    .map_err(|e| ApiError::from(&e))?;
    // Every station's dossier count, from the index (no document is loaded), counted by the
    // one definition of the figures (a dossier counts as "opened" whatever its state).
    let every = Frame {
        reach: Reach {
            all: true,
            ..Reach::default()
        },
        ..Frame::default()
    };
    let per_station: BTreeMap<String, u64> =
        counts(store, &every, &[Dimension::Station], &[Figure::Opened])
            .map_err(|e| storage(&e))?
            .into_iter()
            .filter_map(|(keys, n)| {
                Some((keys.into_iter().next()?, n.get(&Figure::Opened).copied()?))
            })
            .collect();
    let shared = if scope.all || scope.shared.is_empty() {
        BTreeMap::new()
    } else {
        shared_per_station(store, &scope)?
    };
    let mut rows = rows_for(&scope, &known, &per_station, &shared);
    // A shared dossier of a station outside the caller's bureau: name it when the store knows.
    for row in rows.iter_mut().filter(|r| r.bureau.is_none() && !scope.all) {
        if let Ok(Some(st)) = gate.accounts.station(&row.code) {
            row.name = st.name;
            row.bureau = Some(st.bureau);
        }
    }
    Ok(rows)
}

/// How many of the dossiers shared with the caller each station holds.
fn shared_per_station(store: &dyn Store, scope: &Scope) -> Result<BTreeMap<String, u64>, ApiError> {
    const PAGE: u32 = 1000;
    let mut counts = BTreeMap::new();
    let mut offset = 0;
    loop {
        let filter = ListFilter {
            limit: Some(PAGE),
            offset: Some(offset),
            only_stations: Some(Vec::new()),
            or_ids: scope.shared.clone(),
            ..ListFilter::default()
        };
        let page = store.list(&filter).map_err(|e| storage(&e))?;
        let n = u32::try_from(page.len()).unwrap_or(PAGE);
        for row in page {
            *counts.entry(row.station).or_default() += 1;
        }
        if n < PAGE {
            return Ok(counts);
        }
        offset += PAGE;
    }
}

/// The list, from the caller's scope, the stations the account store knows, every station's
/// dossier count and the count of dossiers shared with the caller per station. Dossiers that
/// carry no station code are listed under none.
#[must_use]
pub fn rows_for(
    scope: &Scope,
    known: &[Station],
    per_station: &BTreeMap<String, u64>,
    shared: &BTreeMap<String, u64>,
) -> Vec<StationRow> {
    let count = |code: &str| per_station.get(code).copied().unwrap_or(0);
    // Named from the account store where it knows the code; else the demo station's name in
    // demo mode; else the code itself.
    let row = |code: &str, dossiers: u64| match known.iter().find(|st| st.id == code) {
        Some(st) => StationRow {
            code: st.id.clone(),
            name: st.name.clone(),
            bureau: Some(st.bureau.clone()),
            dossiers,
        },
        None => StationRow {
            code: code.to_owned(),
            name: if scope.all && code == DEMO_STATION {
                DEMO_STATION_NAME.to_owned()
            } else {
                code.to_owned()
            },
            bureau: None,
            dossiers,
        },
    };
    let mut rows: BTreeMap<String, StationRow> = BTreeMap::new();
    if scope.all {
        let every = known.iter().map(|st| st.id.as_str());
        for code in every
            .chain(per_station.keys().map(String::as_str))
            .chain([DEMO_STATION])
        {
            if !code.is_empty() {
                rows.insert(code.to_owned(), row(code, count(code)));
            }
        }
    } else {
        for code in &scope.stations {
            rows.insert(code.clone(), row(code, count(code)));
        }
        for (code, &n) in shared {
            if !code.is_empty() && !rows.contains_key(code) {
                rows.insert(code.clone(), row(code, n));
            }
        }
    }
    rows.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn station(id: &str, name: &str) -> Station {
        Station {
            id: id.into(),
            bureau: "yongji".into(),
            name: name.into(),
        }
    }

    fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    fn scope(all: bool, stations: &[&str]) -> Scope {
        Scope {
            all,
            stations: stations.iter().map(|s| (*s).to_owned()).collect(),
            shared: Vec::new(),
            stats_stations: Vec::new(),
        }
    }

    #[test]
    fn demo_mode_lists_the_dossiers_stations_and_offers_the_demo_station() {
        let rows = rows_for(
            &scope(true, &[]),
            &[station("yongji-kaizhang", "开张派出所")],
            &counts(&[("yongji-kaizhang", 3), ("other", 1), ("", 2)]),
            &BTreeMap::new(),
        );
        let got: Vec<(&str, &str, u64)> = rows
            .iter()
            .map(|r| (r.code.as_str(), r.name.as_str(), r.dossiers))
            .collect();
        assert_eq!(
            got,
            vec![
                ("other", "other", 1),
                ("yongji-kaizhang", "开张派出所", 3),
                ("yongji-puzhou", "蒲州派出所", 0),
            ]
        );
    }

    #[test]
    fn with_accounts_only_the_scope_and_the_shared_dossiers_stations() {
        let known = [
            station("yongji-kaizhang", "开张派出所"),
            station("yongji-puzhou", "蒲州派出所"),
        ];
        let all = counts(&[("yongji-kaizhang", 5), ("yongji-puzhou", 2)]);
        let officer = rows_for(
            &scope(false, &["yongji-puzhou"]),
            &known,
            &all,
            &BTreeMap::new(),
        );
        assert_eq!(officer.len(), 1);
        assert_eq!(
            (officer[0].name.as_str(), officer[0].dossiers),
            ("蒲州派出所", 2)
        );
        // Two of the five dossiers of 开张 are shared with the caller: only those count.
        let shared = counts(&[("yongji-kaizhang", 2), ("yongji-puzhou", 1)]);
        let rows = rows_for(&scope(false, &["yongji-puzhou"]), &known, &all, &shared);
        let got: Vec<(&str, u64)> = rows.iter().map(|r| (r.code.as_str(), r.dossiers)).collect();
        assert_eq!(got, vec![("yongji-kaizhang", 2), ("yongji-puzhou", 2)]);
        // No demo station outside demo mode.
        let none = rows_for(&scope(false, &[]), &known, &all, &BTreeMap::new());
        assert!(none.is_empty());
    }
}
