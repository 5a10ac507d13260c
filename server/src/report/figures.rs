//! The one definition of every figure a station is judged on. The statistics API
//! (`/v1/stats`), the chief's and bureau's page (`/v1/figures`) and the ledger's summary sheet
//! all count with [`count_sql`] and list with [`list_sql`], so a number on the page, the
//! dossiers behind it and the spreadsheet cannot disagree.
//!
//! A figure is a condition on one row of the dossier index (`d`: the `dossiers` table, `l`: its
//! ledger columns) plus a window: *flow* figures count dossiers reported within the period;
//! *backlog* figures count what stands open now among dossiers reported up to the period's
//! end. Plain SQL conditions, valid in SQLite and PostgreSQL alike.

use serde::Serialize;

/// How a figure picks its dossiers in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// Dossiers reported within the period.
    Reported,
    /// Dossiers reported up to the period's end, in their state now.
    Backlog,
}

macro_rules! figures {
    ($( $variant:ident = ($code:literal, $zh:literal, $en:literal, $window:ident, $cond:literal) ),+ $(,)?) => {
        /// A counted figure.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "camelCase")]
        pub enum Figure {
            $( #[doc = $zh] $variant ),+
        }

        impl Figure {
            /// Every figure.
            pub const ALL: &'static [Figure] = &[$(Figure::$variant),+];

            /// Stable code (API, URLs).
            #[must_use]
            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),+ }
            }

            /// Chinese label.
            #[must_use]
            pub fn label_zh(self) -> &'static str {
                match self { $(Self::$variant => $zh),+ }
            }

            /// English label.
            #[must_use]
            pub fn label_en(self) -> &'static str {
                match self { $(Self::$variant => $en),+ }
            }

            /// Its window.
            #[must_use]
            pub fn window(self) -> Window {
                match self { $(Self::$variant => Window::$window),+ }
            }

            /// The SQL condition a dossier meets to count (`?today` is today's date).
            #[must_use]
            pub fn condition(self) -> &'static str {
                match self { $(Self::$variant => $cond),+ }
            }
        }
    };
}

figures! {
    Opened = ("opened", "排查受理", "Opened", Reported, "1 = 1"),
    Closed = ("closed", "调处办结", "Closed", Reported,
        "d.outcome IN ('resolved', 'referred', 'failed')"),
    Resolved = ("resolved", "成功化解", "Resolved", Reported, "d.outcome = 'resolved'"),
    Referred = ("referred", "移交", "Referred", Reported, "d.outcome = 'referred'"),
    Failed = ("failed", "化解失败", "Failed", Reported, "d.outcome = 'failed'"),
    AbDossiers = ("abDossiers", "建立AB卷", "AB dossiers", Reported,
        "d.missing_volume_b = 0"),
    Open = ("open", "在办", "Open", Backlog, "d.open = 1"),
    OpenRedOrange = ("openRedOrange", "红橙预警在办", "Open red/orange", Backlog,
        "d.open = 1 AND d.level IN ('red', 'orange')"),
    FollowUpsOverdue = ("followUpsOverdue", "回访逾期", "Follow-ups overdue", Backlog,
        "d.open = 1 AND d.follow_up_due IS NOT NULL AND d.follow_up_due < ?today"),
    MissingVolumeB = ("missingVolumeB", "B卷待补", "Missing volume B", Backlog,
        "d.missing_volume_b = 1"),
}

impl Figure {
    /// The figure with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.code() == code)
    }
}

/// A rate: one figure over another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Rate {
    /// 化解率 / 成功率: resolved over closed.
    Resolution,
    /// 调处率: closed over opened.
    Handling,
}

impl Rate {
    /// Numerator and denominator.
    #[must_use]
    pub fn parts(self) -> (Figure, Figure) {
        match self {
            Rate::Resolution => (Figure::Resolved, Figure::Closed),
            Rate::Handling => (Figure::Closed, Figure::Opened),
        }
    }

    /// The rate from counts; `None` when the denominator is zero.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn of(num: u64, den: u64) -> Option<f64> {
        (den > 0).then(|| num as f64 / den as f64)
    }
}

/// What figures can be broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Dimension {
    /// Station code.
    Station,
    /// Month of the report (`YYYY-MM`).
    Month,
    /// Category code.
    Category,
    /// Warning level code.
    Level,
    /// An assigned officer (a dossier counts once per assigned officer; `""`: none assigned).
    Officer,
}

impl Dimension {
    /// Stable code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Dimension::Station => "station",
            Dimension::Month => "month",
            Dimension::Category => "category",
            Dimension::Level => "level",
            Dimension::Officer => "officer",
        }
    }

    /// The dimension with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Dimension::Station,
            Dimension::Month,
            Dimension::Category,
            Dimension::Level,
            Dimension::Officer,
        ]
        .into_iter()
        .find(|d| d.code() == code)
    }

    fn expr(self) -> &'static str {
        match self {
            Dimension::Station => "d.station",
            Dimension::Month => "d.month",
            Dimension::Category => "d.category",
            Dimension::Level => "d.level",
            Dimension::Officer => "COALESCE(o.value, '')",
        }
    }
}

/// Whose dossiers count: every one, or some stations' plus single dossiers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Every dossier (open demo mode).
    pub all: bool,
    /// Stations whose dossiers count.
    pub stations: Vec<String>,
    /// Single dossiers that count too (shared with the caller).
    pub ids: Vec<String>,
}

/// The period and scope every query shares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    /// Whose dossiers.
    pub reach: Reach,
    /// Only this station.
    pub station: Option<String>,
    /// First month (`YYYY-MM`), inclusive.
    pub from: Option<String>,
    /// Last month (`YYYY-MM`), inclusive.
    pub to: Option<String>,
    /// Today (`YYYY-MM-DD`), for "overdue".
    pub today: String,
}

/// One counted row: the dimensions' keys, then one count per figure.
pub type CountRow = (Vec<String>, Vec<u64>);

/// A statement and its positional arguments (`?1`…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sql {
    /// The text.
    pub text: String,
    /// The arguments, in order.
    pub args: Vec<String>,
}

impl Sql {
    fn arg(&mut self, v: &str) -> String {
        self.args.push(v.to_owned());
        format!("?{}", self.args.len())
    }
}

/// The join that gives one row per assigned officer (`o.value`), in SQLite's dialect (the
/// PostgreSQL store replaces it with `json_array_elements_text`).
pub const OFFICER_JOIN: &str = " LEFT JOIN json_each(COALESCE(l.officers, '[]')) o";

/// The condition that keeps the rows of these stations and these single records (`d` is the
/// index table), their values given to `mark` for placeholders; `0 = 1` when both lists are
/// empty (nothing is in reach).
pub fn reach_condition(
    stations: &[String],
    ids: &[String],
    mut mark: impl FnMut(&str) -> String,
) -> String {
    let mut any = Vec::new();
    for (col, vals) in [("d.station", stations), ("d.id", ids)] {
        if !vals.is_empty() {
            let marks: Vec<String> = vals.iter().map(|v| mark(v)).collect();
            any.push(format!("{col} IN ({})", marks.join(", ")));
        }
    }
    if any.is_empty() {
        "0 = 1".to_owned()
    } else {
        format!("({})", any.join(" OR "))
    }
}

/// `FROM … WHERE …` shared by counting and listing; `window` limits to that window.
fn from_where(sql: &mut Sql, frame: &Frame, officer: bool, window: Option<Window>) -> String {
    let mut from = String::from("FROM dossiers d LEFT JOIN dossier_ledger l ON l.id = d.id");
    if officer {
        from.push_str(OFFICER_JOIN);
    }
    let mut conds = vec![crate::store::index::DOSSIERS_ONLY.to_owned()];
    if !frame.reach.all {
        conds.push(reach_condition(
            &frame.reach.stations,
            &frame.reach.ids,
            |v| sql.arg(v),
        ));
    }
    if let Some(st) = &frame.station {
        let m = sql.arg(st);
        conds.push(format!("d.station = {m}"));
    }
    if let Some(to) = &frame.to {
        let m = sql.arg(to);
        conds.push(format!("d.month <= {m}"));
    }
    if window == Some(Window::Reported) {
        if let Some(c) = reported(sql, frame) {
            conds.push(c);
        }
    }
    if conds.is_empty() {
        from
    } else {
        format!("{from} WHERE {}", conds.join(" AND "))
    }
}

fn reported(sql: &mut Sql, frame: &Frame) -> Option<String> {
    frame.from.as_ref().map(|from| {
        let m = sql.arg(from);
        format!("d.month >= {m}")
    })
}

fn condition(sql: &mut Sql, frame: &Frame, figure: Figure) -> String {
    let cond = figure.condition();
    if cond.contains("?today") {
        let m = sql.arg(&frame.today);
        cond.replace("?today", &m)
    } else {
        cond.to_owned()
    }
}

/// Counts `figures` grouped by `dims` (none: one row of totals). Each result row is the
/// dimensions' keys, then one count per figure.
#[must_use]
pub fn count_sql(frame: &Frame, dims: &[Dimension], figures: &[Figure]) -> Sql {
    let mut sql = Sql {
        text: String::new(),
        args: Vec::new(),
    };
    let mut cols: Vec<String> = dims.iter().map(|d| d.expr().to_owned()).collect();
    for &f in figures {
        let mut cond = condition(&mut sql, frame, f);
        if f.window() == Window::Reported {
            if let Some(r) = reported(&mut sql, frame) {
                cond = format!("{r} AND {cond}");
            }
        }
        cols.push(format!(
            "COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)"
        ));
    }
    let officer = dims.contains(&Dimension::Officer);
    let from = from_where(&mut sql, frame, officer, None);
    let mut text = format!("SELECT {} {from}", cols.join(", "));
    if !dims.is_empty() {
        let n: Vec<String> = (1..=dims.len()).map(|i| i.to_string()).collect();
        text.push_str(&format!(
            " GROUP BY {} ORDER BY {}",
            n.join(", "),
            n.join(", ")
        ));
    }
    sql.text = text;
    sql
}

/// The dossiers behind one figure (optionally one cell of a breakdown): the index columns
/// `id, station, status, category, level, summary, reported_at, month, valid,
/// missing_volume_b, follow_up_due, outcome, open, conflicts, updated_at`.
#[must_use]
pub fn list_sql(
    frame: &Frame,
    figure: Figure,
    cell: &[(Dimension, String)],
    limit: u32,
    offset: u32,
) -> Sql {
    let mut sql = Sql {
        text: String::new(),
        args: Vec::new(),
    };
    let officer = cell.iter().any(|(d, _)| *d == Dimension::Officer);
    let mut text = String::from(
        "SELECT DISTINCT d.id, d.station, d.status, d.category, d.level, d.summary,
         d.reported_at, d.month, d.valid, d.missing_volume_b, d.follow_up_due, d.outcome,
         d.open, d.conflicts, d.updated_at ",
    );
    let from = from_where(&mut sql, frame, officer, Some(figure.window()));
    text.push_str(&from);
    text.push_str(if from.contains(" WHERE ") {
        " AND "
    } else {
        " WHERE "
    });
    text.push_str(&condition(&mut sql, frame, figure));
    for (dim, key) in cell {
        let m = sql.arg(key);
        text.push_str(&format!(" AND {} = {m}", dim.expr()));
    }
    text.push_str(&format!(
        " ORDER BY d.reported_at DESC, d.id LIMIT {limit} OFFSET {offset}"
    ));
    sql.text = text;
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_rates_divide_safely() {
        for &f in Figure::ALL {
            assert_eq!(Figure::from_code(f.code()), Some(f));
        }
        assert_eq!(Rate::of(1, 0), None);
        assert_eq!(Rate::of(3, 4), Some(0.75));
        assert_eq!(Dimension::from_code("officer"), Some(Dimension::Officer));
    }

    #[test]
    fn flow_figures_carry_the_period_start_backlog_figures_do_not() {
        let frame = Frame {
            reach: Reach {
                all: false,
                stations: vec!["a".into()],
                ids: vec!["x".into()],
            },
            from: Some("2025-01".into()),
            to: Some("2025-03".into()),
            today: "2025-04-01".into(),
            ..Frame::default()
        };
        let sql = count_sql(&frame, &[], &[Figure::Opened, Figure::FollowUpsOverdue]);
        assert!(sql.text.contains("d.month >= ?1 AND 1 = 1"), "{}", sql.text);
        assert!(sql.text.contains("d.follow_up_due < ?2"), "{}", sql.text);
        assert!(sql.text.contains("d.month <= ?5"), "{}", sql.text);
        assert_eq!(sql.args, ["2025-01", "2025-04-01", "a", "x", "2025-03"]);
        let list = list_sql(
            &frame,
            Figure::Open,
            &[(Dimension::Officer, "w".into())],
            10,
            0,
        );
        assert!(!list.text.contains("d.month >="), "{}", list.text);
        assert!(list.text.contains("json_each"), "{}", list.text);
        let nobody = Frame::default();
        assert!(count_sql(&nobody, &[], &[Figure::Opened])
            .text
            .contains("0 = 1"));
    }
}
