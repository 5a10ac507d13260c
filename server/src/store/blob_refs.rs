//! Which dossiers reference which attachment bytes, in which volume: the table a blob's
//! readers are decided from (`crate::blobs`). Written with the dossier's index row, in the same
//! transaction (migration 4), from the references the sync core's JSON holds
//! (`abjuan_shared::attachment::references`), so it is exactly as current as the index.

use abjuan_shared::doc::Volume;
use rusqlite::{params, Connection, Transaction};

use super::{IndexRow, StoreError};

/// Migration 4: the references.
pub const MIGRATION: &str = "CREATE TABLE blob_refs (
        sha256 TEXT NOT NULL,
        dossier TEXT NOT NULL,
        volume TEXT NOT NULL,
        PRIMARY KEY (sha256, dossier, volume)
    ) WITHOUT ROWID;
    CREATE INDEX blob_refs_dossier ON blob_refs (dossier);";

/// What to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefQuery {
    /// The dossiers that reference these blobs.
    Blobs(Vec<String>),
    /// The blobs these dossiers reference.
    Dossiers(Vec<String>),
}

/// One reference: a dossier (with its station, from the index) holds a blob in a volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    /// The blob's content address.
    pub sha256: String,
    /// The dossier.
    pub dossier: String,
    /// The dossier's station (empty when the index has none).
    pub station: String,
    /// Where the reference stands.
    pub volume: Volume,
}

/// Rewrites the dossier's references from its index row.
pub fn write(tx: &Transaction<'_>, row: &IndexRow) -> Result<(), StoreError> {
    tx.prepare_cached("DELETE FROM blob_refs WHERE dossier = ?1")?
        .execute(params![row.id])?;
    let mut ins = tx.prepare_cached(
        "INSERT OR IGNORE INTO blob_refs (sha256, dossier, volume) VALUES (?1, ?2, ?3)",
    )?;
    for (sha, volume) in &row.attachments {
        ins.execute(params![sha, row.id, volume.as_str()])?;
    }
    Ok(())
}

/// The references `q` asks for.
pub fn query(conn: &Connection, q: &RefQuery) -> Result<Vec<BlobRef>, StoreError> {
    let (column, keys) = match q {
        RefQuery::Blobs(k) => ("r.sha256", k),
        RefQuery::Dossiers(k) => ("r.dossier", k),
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT r.sha256, r.dossier, COALESCE(d.station, ''), r.volume FROM blob_refs r
         LEFT JOIN dossiers d ON d.id = r.dossier WHERE {column} = ?1"
    ))?;
    let mut out = Vec::new();
    for key in keys {
        let rows = stmt.query_map(params![key], |r| {
            let volume: String = r.get(3)?;
            Ok(BlobRef {
                sha256: r.get(0)?,
                dossier: r.get(1)?,
                station: r.get(2)?,
                volume: if volume == "b" { Volume::B } else { Volume::A },
            })
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}
