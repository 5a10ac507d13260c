//! The denormalised dossier index: one row per dossier, rewritten on every write, so listing,
//! the warning feed and statistics never load a document.

use abjuan_shared::doc::Assessment;
use abjuan_shared::model::{Labelled, Status, WarningLevel};
use abjuan_shared::validate::Code;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ledger::LedgerFields;

/// One dossier as the read API lists it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IndexRow {
    /// Dossier id.
    pub id: String,
    /// Station code.
    pub station: String,
    /// Status code.
    pub status: String,
    /// Category code.
    pub category: String,
    /// Warning level code (`red`, `orange`, `yellow`, `blue`), empty when not gradable.
    pub level: String,
    /// The summary text.
    pub summary: String,
    /// When reported (RFC 3339 as written).
    pub reported_at: String,
    /// `YYYY-MM` of the report.
    pub month: String,
    /// Whether the validation report has no error.
    pub valid: bool,
    /// Whether required volume-B data is still missing.
    pub missing_volume_b: bool,
    /// The follow-up plan's due date (`YYYY-MM-DD`), if any.
    pub follow_up_due: Option<String>,
    /// `resolved`, `referred`, `failed` or empty while not closed.
    pub outcome: String,
    /// Whether the dossier is still being worked.
    pub open: bool,
    /// Fields with concurrent values.
    pub conflicts: u32,
    /// Server time of the last write (ms since the epoch).
    pub updated_at: i64,
    /// What the ledger needs (kept in its own table; never in the list API's JSON, since its
    /// `parties` come from volume B).
    #[serde(skip)]
    pub ledger: LedgerFields,
    /// The attachment references it holds: content address and volume (kept in their own
    /// table, `blob_refs`).
    #[serde(skip)]
    pub attachments: Vec<(String, abjuan_shared::doc::Volume)>,
    /// The dossier's stored change sequence this row was made from, with this node's own
    /// changes since (stores several nodes share: a row made from less than everything stored
    /// is made again by a node that catches up; `None`: not known, made again too). Ignored by
    /// a store one process owns.
    #[serde(skip)]
    pub based_on: Option<i64>,
}

fn text(json: &Value, pointer: &str) -> String {
    json.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

impl IndexRow {
    /// The row for a dossier, from its JSON and its assessment. Works on malformed dossiers
    /// too: whatever can be read is indexed.
    #[must_use]
    pub fn build(id: &str, json: &Value, assessment: &Assessment, now_ms: i64) -> Self {
        let status_code = text(json, "/header/status");
        let status = Status::from_code(&status_code);
        let reported_at = text(json, "/header/reportedAt");
        let month = reported_at.get(..7).unwrap_or_default().to_owned();
        let referral = json.pointer("/volumeA/closure/referralTarget").is_some();
        let outcome = match status {
            Some(Status::Resolved | Status::FollowUp) => "resolved",
            Some(Status::Referred) => "referred",
            Some(Status::Failed) => "failed",
            Some(Status::Archived) if referral => "referred",
            Some(Status::Archived) => {
                if json.pointer("/volumeA/agreement").is_some()
                    || json.pointer("/volumeA/closure/note").is_some()
                {
                    "resolved"
                } else {
                    "failed"
                }
            }
            _ => "",
        };
        let missing_volume_b = assessment.report.issues.iter().any(|i| {
            matches!(
                i.code,
                Code::PartiesMissing | Code::PartyDataMissing | Code::LegalEducationMissing
            )
        });
        let level = assessment
            .grade
            .as_ref()
            .map(|g| level_code(g.level).to_owned())
            .unwrap_or_default();
        Self {
            id: id.to_owned(),
            station: text(json, "/header/station"),
            status: status_code,
            category: text(json, "/header/category"),
            level,
            summary: text(json, "/header/summary"),
            reported_at,
            month,
            valid: assessment.report.valid,
            missing_volume_b,
            follow_up_due: json
                .pointer("/header/followUpPlan/due")
                .and_then(Value::as_str)
                .map(str::to_owned),
            outcome: outcome.to_owned(),
            open: status.is_none_or(Status::is_open),
            conflicts: u32::try_from(assessment.conflicts.len()).unwrap_or(u32::MAX),
            updated_at: now_ms,
            ledger: LedgerFields::build(json),
            attachments: abjuan_shared::attachment::references(json)
                .into_iter()
                .map(|r| (r.sha256, r.volume))
                .collect(),
            based_on: None,
        }
    }
}

/// The level's code.
#[must_use]
pub fn level_code(level: WarningLevel) -> &'static str {
    level.code()
}

/// Filters of the dossier list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListFilter {
    /// Station code.
    pub station: Option<String>,
    /// Status code.
    pub status: Option<String>,
    /// Category code.
    pub category: Option<String>,
    /// Warning level code.
    pub level: Option<String>,
    /// Text the summary contains.
    pub q: Option<String>,
    /// Only open dossiers at red/orange, most severe first (the warning feed).
    #[serde(default)]
    pub warnings_only: bool,
    /// Page size (default 100, at most 1000).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u32>,
    /// Set by the server: only these stations' dossiers (plus `or_ids`); `None` = every one.
    #[serde(skip)]
    pub only_stations: Option<Vec<String>>,
    /// Set by the server: dossiers shared with the caller, listed whatever their station.
    #[serde(skip)]
    pub or_ids: Vec<String>,
}

/// The listing statement of a [`ListFilter`] (SQLite's dialect; the PostgreSQL store
/// translates it: `crate::store::postgres::dialect`).
#[must_use]
pub fn list_sql(f: &ListFilter) -> crate::report::figures::Sql {
    let mut sql = String::from(
        "SELECT id, station, status, category, level, summary, reported_at, month, valid,
         missing_volume_b, follow_up_due, outcome, open, conflicts, updated_at
         FROM dossiers WHERE 1 = 1",
    );
    let mut args: Vec<String> = Vec::new();
    for (col, val) in [
        ("station", &f.station),
        ("status", &f.status),
        ("category", &f.category),
        ("level", &f.level),
    ] {
        if let Some(v) = val {
            args.push(v.clone());
            sql.push_str(&format!(" AND {col} = ?{}", args.len()));
        }
    }
    if let Some(stations) = &f.only_stations {
        let mut any = Vec::new();
        for (col, vals) in [("station", stations), ("id", &f.or_ids)] {
            if vals.is_empty() {
                continue;
            }
            let mut marks = Vec::new();
            for v in vals {
                args.push(v.clone());
                marks.push(format!("?{}", args.len()));
            }
            any.push(format!("{col} IN ({})", marks.join(", ")));
        }
        if any.is_empty() {
            sql.push_str(" AND 0 = 1");
        } else {
            sql.push_str(&format!(" AND ({})", any.join(" OR ")));
        }
    }
    if let Some(q) = &f.q {
        args.push(q.clone());
        sql.push_str(&format!(" AND instr(summary, ?{}) > 0", args.len()));
    }
    if f.warnings_only {
        sql.push_str(
            " AND open = 1 AND level IN ('red', 'orange')
             ORDER BY CASE level WHEN 'red' THEN 0 ELSE 1 END, updated_at DESC",
        );
    } else {
        sql.push_str(" ORDER BY reported_at DESC, id");
    }
    let limit = f.limit.unwrap_or(100).min(1000);
    sql.push_str(&format!(" LIMIT {limit} OFFSET {}", f.offset.unwrap_or(0)));
    crate::report::figures::Sql { text: sql, args }
}

/// Filters of the statistics.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsFilter {
    /// Only this station.
    pub station: Option<String>,
    /// First month (`YYYY-MM`), inclusive.
    pub from: Option<String>,
    /// Last month (`YYYY-MM`), inclusive.
    pub to: Option<String>,
    /// Today (`YYYY-MM-DD`), for "overdue"; set by the server.
    #[serde(skip)]
    pub today: String,
}

/// One line of the statistics.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StatRow {
    /// Station code.
    pub station: String,
    /// Category code.
    pub category: String,
    /// `YYYY-MM` of the report.
    pub month: String,
    /// Dossiers opened (reported) that month.
    pub opened: u64,
    /// Of those, resolved.
    pub resolved: u64,
    /// Of those, referred.
    pub referred: u64,
    /// Of those, failed.
    pub failed: u64,
    /// resolved / (resolved + referred + failed); null when none is closed.
    pub resolution_rate: Option<f64>,
    /// Open red/orange dossiers.
    pub open_red_orange: u64,
    /// Open dossiers whose follow-up plan is past due.
    pub follow_ups_overdue: u64,
    /// Dossiers still missing required volume-B data.
    pub missing_volume_b: u64,
}

/// Who uploaded one change.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadRow {
    /// Which document.
    pub volume: String,
    /// Change hash (hex).
    pub hash: String,
    /// Device or client id.
    pub device: String,
    /// Server time of receipt (ms since the epoch).
    pub received_at: i64,
}
