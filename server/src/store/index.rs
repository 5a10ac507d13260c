//! The denormalised dossier index: one row per dossier, rewritten on every write, so listing,
//! the warning feed and statistics never load a document.

use abjuan_shared::doc::Assessment;
use abjuan_shared::forms;
use abjuan_shared::model::{Labelled, WarningLevel, FORM_TYPE};
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
    /// The record's form type (`ab_dossier/v1`, `site_inspection/v1`; see
    /// `abjuan_shared::forms`). Lists show every form; the dispute figures, statistics and
    /// the ledger count AB dossiers only.
    pub form_type: String,
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
    /// What the form's own statistics need (JSON; the site inspection's campaign facts),
    /// `None` for an AB dossier, whose figures come from the columns above.
    #[serde(skip)]
    pub form_facts: Option<String>,
    /// The dossier's stored change sequence this row was made from, with this node's own
    /// changes since (stores several nodes share: a row made from less than everything stored
    /// is made again by a node that catches up; `None`: not known, made again too). Ignored by
    /// a store one process owns.
    #[serde(skip)]
    pub based_on: Option<i64>,
}

impl IndexRow {
    /// The row for a dossier, from its JSON and its assessment. Works on malformed dossiers
    /// too: whatever can be read is indexed.
    #[must_use]
    pub fn build(id: &str, json: &Value, assessment: &Assessment, now_ms: i64) -> Self {
        // A record naming no registered form is indexed as what can be read of it under the
        // default form (its report says `unknown_form_type`), never dropped.
        let form = forms::of_json(json).unwrap_or(forms::REGISTRY[0]);
        let listing = form.listing(json);
        let is_dossier = form.code() == FORM_TYPE;
        let month = listing.at.get(..7).unwrap_or_default().to_owned();
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
            form_type: form.code().to_owned(),
            station: listing.station,
            status: listing.status,
            category: listing.category,
            level,
            summary: listing.summary,
            reported_at: listing.at,
            month,
            valid: assessment.report.valid,
            missing_volume_b,
            follow_up_due: listing.due,
            outcome: listing.outcome,
            open: listing.open,
            conflicts: u32::try_from(assessment.conflicts.len()).unwrap_or(u32::MAX),
            updated_at: now_ms,
            ledger: if is_dossier {
                LedgerFields::build(json)
            } else {
                LedgerFields::default()
            },
            form_facts: form.facts(json).map(|v| v.to_string()),
            attachments: abjuan_shared::attachment::references(json)
                .into_iter()
                .map(|r| (r.sha256, r.volume))
                .collect(),
            based_on: None,
        }
    }
}

/// Migration: the form type of each indexed record and its form's statistics facts. Rows
/// indexed before are AB dossiers.
pub const FORMS_MIGRATION: &str =
    "ALTER TABLE dossiers ADD COLUMN form_type TEXT NOT NULL DEFAULT 'ab_dossier/v1';
     ALTER TABLE dossiers ADD COLUMN form_facts TEXT;
     CREATE INDEX dossiers_form ON dossiers (form_type, station);";

/// The condition that keeps AB dossiers only (`d` is the index table), for the dispute
/// figures, statistics and the ledger.
pub const DOSSIERS_ONLY: &str = "d.form_type = 'ab_dossier/v1'";

impl IndexRow {
    /// Whether the row is an AB dossier's (the ledger and dispute figures count those).
    #[must_use]
    pub fn is_dossier(&self) -> bool {
        self.form_type == FORM_TYPE
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
    /// Form type (`ab_dossier/v1`, `site_inspection/v1`); every form when absent.
    pub form_type: Option<String>,
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
         missing_volume_b, follow_up_due, outcome, open, conflicts, updated_at, form_type
         FROM dossiers WHERE 1 = 1",
    );
    let mut args: Vec<String> = Vec::new();
    for (col, val) in [
        ("station", &f.station),
        ("status", &f.status),
        ("category", &f.category),
        ("form_type", &f.form_type),
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
