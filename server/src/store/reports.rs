//! The SQLite side of the station's outputs: the ledger table beside the dossier index (its
//! migration, its upsert on every index write, the dossier number it hands out once), and the
//! reads the figures, the ledger and the print batches make. The figures' SQL comes from
//! [`crate::report::figures`]; this file only runs it.

use rusqlite::{params, params_from_iter, Connection, Transaction};
use serde::Serialize;

use super::ledger::LEDGER_VERSION;
use super::{IndexRow, StoreError};
use crate::report::figures::{CountRow, Sql};

/// The ledger table: one row per dossier, written with its index row. `seq` is the dossier's
/// number within (station when first indexed, year reported): handed out once, never reused.
pub const MIGRATION: &str = "CREATE TABLE dossier_ledger (
        id TEXT PRIMARY KEY,
        number_station TEXT NOT NULL,
        year INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        source TEXT NOT NULL,
        parties TEXT NOT NULL,
        summary TEXT NOT NULL,
        measures TEXT NOT NULL,
        result TEXT NOT NULL,
        closed_on TEXT,
        follow_ups TEXT NOT NULL,
        officers TEXT NOT NULL,
        version INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX dossier_ledger_number ON dossier_ledger (number_station, year, seq);
    CREATE INDEX dossier_ledger_closed ON dossier_ledger (closed_on);
    INSERT INTO dossier_ledger
        SELECT id, station, CAST(COALESCE(substr(reported_at, 1, 4), '0') AS INTEGER),
               ROW_NUMBER() OVER (PARTITION BY station, substr(reported_at, 1, 4)
                                  ORDER BY reported_at, id),
               '', '', '', '', '', NULL, '', '[]', 0
        FROM dossiers;";

/// Writes the ledger columns of an index row (the number is kept from the first write).
pub fn write_ledger(tx: &Transaction<'_>, row: &IndexRow) -> Result<(), StoreError> {
    let l = &row.ledger;
    let officers = serde_json::to_string(&l.officers).unwrap_or_else(|_| "[]".to_owned());
    tx.prepare_cached(
        "INSERT INTO dossier_ledger (id, number_station, year, seq, source, parties, summary,
           measures, result, closed_on, follow_ups, officers, version)
         VALUES (?1, ?2, ?3,
           (SELECT COALESCE(MAX(seq), 0) + 1 FROM dossier_ledger
             WHERE number_station = ?2 AND year = ?3),
           ?4, ?5, ?12, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET source = excluded.source, parties = excluded.parties,
           summary = excluded.summary,
           measures = excluded.measures, result = excluded.result,
           closed_on = excluded.closed_on, follow_ups = excluded.follow_ups,
           officers = excluded.officers, version = excluded.version",
    )?
    .execute(params![
        row.id,
        row.station,
        l.year,
        l.source,
        l.parties,
        l.measures,
        l.result,
        l.closed_on,
        l.follow_ups,
        officers,
        LEDGER_VERSION,
        l.summary
    ])?;
    Ok(())
}

/// Runs a counting statement of [`crate::report::figures::count_sql`]: `keys` string columns,
/// then counts.
pub fn counts(conn: &Connection, sql: &Sql, keys: usize) -> Result<Vec<CountRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&sql.text)?;
    let n = stmt.column_count();
    let rows = stmt
        .query_map(params_from_iter(sql.args.iter()), |r| {
            let mut k = Vec::with_capacity(keys);
            for i in 0..keys {
                k.push(r.get::<_, Option<String>>(i)?.unwrap_or_default());
            }
            let mut c = Vec::with_capacity(n - keys);
            for i in keys..n {
                c.push(r.get::<_, i64>(i)?.try_into().unwrap_or(0));
            }
            Ok((k, c))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Runs a listing statement of [`crate::report::figures::list_sql`].
pub fn rows(conn: &Connection, sql: &Sql) -> Result<Vec<IndexRow>, StoreError> {
    let mut stmt = conn.prepare(&sql.text)?;
    let rows = stmt
        .query_map(
            params_from_iter(sql.args.iter()),
            super::sqlite::row_to_index,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Which dossiers a ledger or a print batch takes.
#[derive(Debug, Clone, Default)]
pub struct LedgerQuery {
    /// Stations whose dossiers the caller reads (`None`: every one).
    pub stations: Option<Vec<String>>,
    /// Dossiers shared with the caller (read whatever their station).
    pub ids: Vec<String>,
    /// Only this station.
    pub station: Option<String>,
    /// Reported in this month (`YYYY-MM`) or later.
    pub from: Option<String>,
    /// Reported in this month or earlier.
    pub to: Option<String>,
    /// Closed on or after this date (`YYYY-MM-DD`).
    pub closed_from: Option<String>,
    /// Closed on or before this date.
    pub closed_to: Option<String>,
    /// At most this many rows.
    pub limit: u32,
}

/// One ledger row: the dossier's index columns and its ledger columns.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerRow {
    /// Dossier id.
    pub id: String,
    /// Station code.
    pub station: String,
    /// Station code the number was given under.
    pub number_station: String,
    /// Year of the number.
    pub year: i64,
    /// Number within station and year.
    pub seq: i64,
    /// Reported at (RFC 3339 as written).
    pub reported_at: String,
    /// Source code.
    pub source: String,
    /// Category code.
    pub category: String,
    /// Masked names of the parties (volume B).
    pub parties: String,
    /// Summary, names masked.
    pub summary: String,
    /// Level code.
    pub level: String,
    /// Measures taken.
    pub measures: String,
    /// Result.
    pub result: String,
    /// `resolved`, `referred`, `failed` or empty (open).
    pub outcome: String,
    /// Closing date.
    pub closed_on: Option<String>,
    /// Follow-ups.
    pub follow_ups: String,
    /// Officers assigned.
    pub officers: Vec<String>,
    /// Status code.
    pub status: String,
}

/// The statement of a ledger's rows, oldest report first (SQLite's dialect; the PostgreSQL
/// store translates it).
#[must_use]
pub fn ledger_sql(q: &LedgerQuery) -> Sql {
    let mut args: Vec<String> = Vec::new();
    let mut conds = vec![super::index::DOSSIERS_ONLY.to_owned()];
    let mark = |args: &mut Vec<String>, v: &str| {
        args.push(v.to_owned());
        format!("?{}", args.len())
    };
    if let Some(stations) = &q.stations {
        let reach =
            crate::report::figures::reach_condition(stations, &q.ids, |v| mark(&mut args, v));
        conds.push(reach);
    }
    for (expr, val) in [
        ("d.station = ", &q.station),
        ("d.month >= ", &q.from),
        ("d.month <= ", &q.to),
        ("l.closed_on >= ", &q.closed_from),
        ("l.closed_on <= ", &q.closed_to),
    ] {
        if let Some(v) = val {
            let m = mark(&mut args, v);
            conds.push(format!("{expr}{m}"));
        }
    }
    let text = format!(
        "SELECT d.id, d.station, COALESCE(l.number_station, d.station), COALESCE(l.year, 0),
           COALESCE(l.seq, 0), d.reported_at, COALESCE(l.source, ''), d.category,
           COALESCE(l.parties, ''), COALESCE(l.summary, ''), d.level, COALESCE(l.measures, ''),
           COALESCE(l.result, ''), d.outcome, l.closed_on, COALESCE(l.follow_ups, ''),
           COALESCE(l.officers, '[]'), d.status
         FROM dossiers d LEFT JOIN dossier_ledger l ON l.id = d.id
         WHERE {} ORDER BY d.reported_at, d.id LIMIT {}",
        conds.join(" AND "),
        q.limit
    );
    Sql { text, args }
}

/// The rows of a ledger, oldest report first.
pub fn ledger(conn: &Connection, q: &LedgerQuery) -> Result<Vec<LedgerRow>, StoreError> {
    let sql = ledger_sql(q);
    let mut stmt = conn.prepare(&sql.text)?;
    let rows = stmt
        .query_map(params_from_iter(sql.args.iter()), |r| {
            let officers: String = r.get(16)?;
            Ok(LedgerRow {
                id: r.get(0)?,
                station: r.get(1)?,
                number_station: r.get(2)?,
                year: r.get(3)?,
                seq: r.get(4)?,
                reported_at: r.get(5)?,
                source: r.get(6)?,
                category: r.get(7)?,
                parties: r.get(8)?,
                summary: r.get(9)?,
                level: r.get(10)?,
                measures: r.get(11)?,
                result: r.get(12)?,
                outcome: r.get(13)?,
                closed_on: r.get(14)?,
                follow_ups: r.get(15)?,
                officers: serde_json::from_str(&officers).unwrap_or_default(),
                status: r.get(17)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Ids of dossiers whose ledger columns were written by an older derivation (or never).
pub fn stale(conn: &Connection, limit: u32) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id FROM dossiers d LEFT JOIN dossier_ledger l ON l.id = d.id
         WHERE COALESCE(l.version, 0) < ?1 AND d.form_type = 'ab_dossier/v1'
         ORDER BY d.reported_at, d.id LIMIT ?2",
    )?;
    let ids = stmt
        .query_map(params![LEDGER_VERSION, limit], |r| r.get(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sqlite::{migrate, open_wal};

    fn row(id: &str, station: &str, reported: &str) -> IndexRow {
        IndexRow {
            id: id.into(),
            station: station.into(),
            reported_at: reported.into(),
            month: reported[..7].into(),
            ..IndexRow::default()
        }
    }

    #[test]
    fn older_dossiers_are_numbered_by_the_migration_and_rebuilt_later() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut conn = open_wal(&dir.path().join("abjuan.db"), true).expect("open");
        let full = migrate(&mut conn).expect("migrate");
        // A database from before the ledger: index rows without ledger rows, then the
        // migration's numbering statement.
        conn.execute_batch("DELETE FROM dossier_ledger")
            .expect("clear");
        for (id, at) in [
            ("b", "2025-03-02T08:00:00+08:00"),
            ("a", "2025-03-01T08:00:00+08:00"),
        ] {
            let r = row(id, "puzhou", at);
            conn.execute(
                "INSERT INTO dossiers (id, station, status, category, level, summary, reported_at,
                 month, valid, missing_volume_b, outcome, open, conflicts, updated_at)
                 VALUES (?1, ?2, '', '', '', '', ?3, ?4, 1, 0, '', 1, 0, 0)",
                params![r.id, r.station, r.reported_at, r.month],
            )
            .expect("index row");
        }
        let numbering = MIGRATION
            .split(';')
            .find(|s| s.contains("INSERT INTO dossier_ledger"))
            .expect("numbering statement");
        conn.execute_batch(numbering).expect("number");
        assert_eq!(
            stale(&conn, 10).expect("stale"),
            vec!["a", "b"],
            "both wait for a rebuild"
        );
        let seq = |conn: &Connection, id: &str| -> i64 {
            conn.query_row("SELECT seq FROM dossier_ledger WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .expect("seq")
        };
        assert_eq!(
            (seq(&conn, "a"), seq(&conn, "b")),
            (1, 2),
            "numbered in report order"
        );
        // The rebuild keeps the number; a new dossier gets the next one.
        let tx = conn.transaction().expect("tx");
        let mut a = row("a", "puzhou", "2025-03-01T08:00:00+08:00");
        a.ledger.year = 2025;
        a.ledger.parties = "张*国".into();
        write_ledger(&tx, &a).expect("write");
        let mut c = row("c", "puzhou", "2025-04-01T08:00:00+08:00");
        c.ledger.year = 2025;
        write_ledger(&tx, &c).expect("write");
        tx.commit().expect("commit");
        assert_eq!((seq(&conn, "a"), seq(&conn, "c")), (1, 3));
        assert_eq!(stale(&conn, 10).expect("stale"), vec!["b"]);
        assert!(full >= 3);
    }
}
