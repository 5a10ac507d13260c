//! Campaign statistics (专项行动统计): places inspected by type, hazards found, rectified and
//! overdue, per station and per team, and totals. Built from [`InspectionFacts`], the few facts
//! an index keeps of each record (no personal data: no names, no volume B), so a server can
//! count thousands of records without reading their documents.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::enums::{HazardSeverity, HazardStatus};
use crate::model::Labelled;

/// What statistics need of one hazard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HazardFact {
    /// Severity code (`minor`, `major`, `serious`; as written).
    pub severity: String,
    /// Rectification deadline, when set and well-formed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<NaiveDate>,
    /// Status code (`open`, `rectifying`, `rectified`; as written).
    pub status: String,
}

impl HazardFact {
    /// Whether the hazard is rectified.
    #[must_use]
    pub fn rectified(&self) -> bool {
        self.status == HazardStatus::Rectified.code()
    }

    /// Whether its deadline is before `today` and it is not rectified.
    #[must_use]
    pub fn overdue(&self, today: NaiveDate) -> bool {
        !self.rectified() && self.deadline.is_some_and(|d| d < today)
    }
}

/// What statistics need of one inspection record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InspectionFacts {
    /// Station code.
    pub station: String,
    /// Campaign name.
    pub campaign: String,
    /// Team name.
    pub team: String,
    /// Place type code.
    pub place_type: String,
    /// When inspected (RFC 3339 as written).
    pub inspected_at: String,
    /// Its hazards.
    pub hazards: Vec<HazardFact>,
}

fn text(json: &Value, pointer: &str) -> String {
    json.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

impl InspectionFacts {
    /// The facts of a record's JSON (document A's view is enough); what cannot be read is left
    /// empty, so a malformed record still counts where it can.
    #[must_use]
    pub fn from_json(json: &Value) -> Self {
        let hazards = json
            .get("hazards")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|h| h.is_object())
            .map(|h| HazardFact {
                severity: text(h, "/severity"),
                deadline: h
                    .get("deadline")
                    .and_then(Value::as_str)
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
                status: text(h, "/status"),
            })
            .collect();
        Self {
            station: text(json, "/header/station"),
            campaign: text(json, "/campaign/name"),
            team: text(json, "/team/name"),
            place_type: text(json, "/place/type"),
            inspected_at: text(json, "/header/inspectedAt"),
            hazards,
        }
    }
}

/// Counts over a set of inspections.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    /// Places inspected (records).
    pub places: u64,
    /// Hazards found.
    pub hazards: u64,
    /// Of which serious (重大).
    pub serious: u64,
    /// Of which rectified.
    pub rectified: u64,
    /// Of which past their deadline and not rectified.
    pub overdue: u64,
}

impl Tally {
    fn add(&mut self, facts: &InspectionFacts, today: NaiveDate) {
        self.places += 1;
        for h in &facts.hazards {
            self.hazards += 1;
            self.serious += u64::from(h.severity == HazardSeverity::Serious.code());
            self.rectified += u64::from(h.rectified());
            self.overdue += u64::from(h.overdue(today));
        }
    }

    /// Hazards found and not rectified.
    #[must_use]
    pub fn unrectified(&self) -> u64 {
        self.hazards - self.rectified
    }
}

/// One team's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamStats {
    /// Team name.
    pub team: String,
    /// Its counts.
    #[serde(flatten)]
    pub tally: Tally,
}

/// One station's figures, with its teams'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StationStats {
    /// Station code.
    pub station: String,
    /// Its counts.
    #[serde(flatten)]
    pub tally: Tally,
    /// Per team, by name.
    pub teams: Vec<TeamStats>,
}

/// A campaign's figures (or any set of inspections').
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignStats {
    /// The day "overdue" was judged on.
    pub today: Option<NaiveDate>,
    /// All of them.
    pub totals: Tally,
    /// Places inspected per place type code.
    pub places_by_type: BTreeMap<String, u64>,
    /// Per station, by code.
    pub stations: Vec<StationStats>,
}

impl CampaignStats {
    /// Counts `facts` as of `today` (a hazard is overdue when its deadline is before `today`
    /// and it is not rectified).
    #[must_use]
    pub fn build<'a>(
        facts: impl IntoIterator<Item = &'a InspectionFacts>,
        today: NaiveDate,
    ) -> Self {
        let mut totals = Tally::default();
        let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
        let mut stations: BTreeMap<&str, (Tally, BTreeMap<&str, Tally>)> = BTreeMap::new();
        for f in facts {
            totals.add(f, today);
            *by_type.entry(f.place_type.clone()).or_default() += 1;
            let (station, teams) = stations.entry(f.station.as_str()).or_default();
            station.add(f, today);
            teams.entry(f.team.as_str()).or_default().add(f, today);
        }
        Self {
            today: Some(today),
            totals,
            places_by_type: by_type,
            stations: stations
                .into_iter()
                .map(|(station, (tally, teams))| StationStats {
                    station: station.to_owned(),
                    tally,
                    teams: teams
                        .into_iter()
                        .map(|(team, tally)| TeamStats {
                            team: team.to_owned(),
                            tally,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
