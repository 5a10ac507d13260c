//! The embedded default store: one SQLite file in WAL mode with `synchronous=FULL`, so a
//! commit has been fsynced before it returns. One writer thread owns the write connection and
//! does group commit: it takes every batch that is waiting, writes them all in one
//! transaction, commits once and then answers every caller. Loads go through the same thread,
//! in order, so a load sees every batch submitted before it. Listing and statistics read
//! through a small pool of read-only connections (WAL readers never block the writer).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Mutex;

use abjuan_shared::doc::Volume;
use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::oneshot;

use super::reports::{LedgerQuery, LedgerRow};
use super::{
    IndexRow, ListFilter, Store, StoreError, StoredDoc, StoredDossier, UploadRow, WriteOp, Written,
};
use crate::report::figures::Sql;

/// The most batches one transaction takes.
const MAX_GROUP: usize = 512;

/// Schema migrations, applied in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    // 1: changes, snapshots, provenance, index.
    "CREATE TABLE changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        dossier TEXT NOT NULL,
        volume TEXT NOT NULL,
        hash BLOB NOT NULL,
        bytes BLOB NOT NULL,
        UNIQUE (dossier, volume, hash)
    );
    CREATE TABLE snapshots (
        dossier TEXT NOT NULL,
        volume TEXT NOT NULL,
        bytes BLOB NOT NULL,
        PRIMARY KEY (dossier, volume)
    ) WITHOUT ROWID;
    CREATE TABLE uploads (
        dossier TEXT NOT NULL,
        volume TEXT NOT NULL,
        hash BLOB NOT NULL,
        device TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (dossier, volume, hash)
    ) WITHOUT ROWID;
    CREATE TABLE dossiers (
        id TEXT PRIMARY KEY,
        station TEXT NOT NULL,
        status TEXT NOT NULL,
        category TEXT NOT NULL,
        level TEXT NOT NULL,
        summary TEXT NOT NULL,
        reported_at TEXT NOT NULL,
        month TEXT NOT NULL,
        valid INTEGER NOT NULL,
        missing_volume_b INTEGER NOT NULL,
        follow_up_due TEXT,
        outcome TEXT NOT NULL,
        open INTEGER NOT NULL,
        conflicts INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX dossiers_station ON dossiers (station, month, category);
    CREATE INDEX dossiers_level ON dossiers (open, level);",
    // 2: beside each snapshot, the document's view at the snapshot's heads (a load restores it
    // instead of reading the document again).
    "ALTER TABLE snapshots ADD COLUMN derived BLOB;",
    // 3: the ledger's columns and the dossier number (store/reports.rs).
    super::reports::MIGRATION,
    // 4: attachment references (store/blob_refs.rs).
    super::blob_refs::MIGRATION,
    // 5: records of every registered form type in one index (store/index.rs).
    super::index::FORMS_MIGRATION,
];

enum Msg {
    Write(Vec<WriteOp>, oneshot::Sender<Result<Written, StoreError>>),
    Load(
        String,
        oneshot::Sender<Result<Option<StoredDossier>, StoreError>>,
    ),
}

/// The SQLite store.
#[derive(Debug)]
pub struct SqliteStore {
    tx: Mutex<mpsc::Sender<Msg>>,
    path: PathBuf,
    readers: Mutex<Vec<Connection>>,
}

/// Opens a SQLite file the way the server opens each of its databases (dossiers, accounts,
/// audit log): a 10-second busy timeout, WAL journal, full sync; `foreign_keys` turns on
/// foreign-key checks.
pub(crate) fn open_wal(path: &Path, foreign_keys: bool) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    if foreign_keys {
        conn.pragma_update(None, "foreign_keys", "ON")?;
    }
    Ok(conn)
}

/// Brings the schema up to date. Returns the version now in force.
pub fn migrate(conn: &mut Connection) -> Result<usize, StoreError> {
    let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > MIGRATIONS.len() {
        return Err(StoreError::Other(format!(
            "database schema version {version} is newer than this program ({})",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(MIGRATIONS.len())
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir` (file `abjuan.db`) and starts its writer.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Other(e.to_string()))?;
        let path = dir.join("abjuan.db");
        let mut conn = open_wal(&path, true)?;
        migrate(&mut conn)?;
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("abjuan-store-writer".into())
            .spawn(move || writer(conn, &rx))
            .map_err(|e| StoreError::Other(e.to_string()))?;
        Ok(Self {
            tx: Mutex::new(tx),
            path,
            readers: Mutex::new(Vec::new()),
        })
    }

    fn send(&self, msg: Msg) {
        // A send only fails when the writer thread has gone; the caller's receiver then
        // reports a closed channel.
        if let Ok(tx) = self.tx.lock() {
            let _ = tx.send(msg);
        }
    }

    fn with_reader<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.readers.lock().ok().and_then(|mut p| p.pop());
        let conn = match conn {
            Some(c) => c,
            None => {
                let c = open_wal(&self.path, true)?;
                c.pragma_update(None, "query_only", "ON")?;
                c
            }
        };
        let out = f(&conn);
        if let Ok(mut pool) = self.readers.lock() {
            if pool.len() < 8 {
                pool.push(conn);
            }
        }
        out
    }
}

fn writer(mut conn: Connection, rx: &mpsc::Receiver<Msg>) {
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(m) => group.push(m),
                Err(_) => break,
            }
        }
        let mut loads = Vec::new();
        let mut writes = Vec::new();
        let result = (|| -> Result<(), StoreError> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            for msg in group {
                match msg {
                    Msg::Write(ops, reply) => {
                        for op in &ops {
                            apply(&tx, op)?;
                        }
                        writes.push(reply);
                    }
                    Msg::Load(id, reply) => {
                        let loaded = load(&tx, &id);
                        loads.push((loaded, reply));
                    }
                }
            }
            tx.commit()?;
            Ok(())
        })();
        if let Err(e) = &result {
            tracing::error!(error = %e, "store transaction failed");
        }
        for reply in writes {
            let _ = reply.send(result.clone().map(|()| Written::default()));
        }
        for (loaded, reply) in loads {
            let _ = reply.send(match &result {
                Ok(()) => loaded,
                Err(e) => Err(e.clone()),
            });
        }
    }
}

fn apply(tx: &rusqlite::Transaction<'_>, op: &WriteOp) -> Result<(), StoreError> {
    match op {
        WriteOp::Append {
            dossier,
            volume,
            changes,
            device,
            received_at,
        } => {
            let mut ins = tx.prepare_cached(
                "INSERT OR IGNORE INTO changes (dossier, volume, hash, bytes) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut up = tx.prepare_cached(
                "INSERT OR IGNORE INTO uploads (dossier, volume, hash, device, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for c in changes {
                ins.execute(params![dossier, volume.as_str(), &c.hash[..], c.bytes])?;
                up.execute(params![
                    dossier,
                    volume.as_str(),
                    &c.hash[..],
                    device,
                    received_at
                ])?;
            }
        }
        WriteOp::Compact {
            dossier,
            volume,
            snapshot,
            derived,
            covers: _,
        } => {
            // One process owns this file and loads go through this thread in order: the
            // snapshot holds every change row of the document.
            tx.prepare_cached(
                "INSERT OR REPLACE INTO snapshots (dossier, volume, bytes, derived)
                 VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![dossier, volume.as_str(), snapshot, derived])?;
            tx.prepare_cached("DELETE FROM changes WHERE dossier = ?1 AND volume = ?2")?
                .execute(params![dossier, volume.as_str()])?;
        }
        WriteOp::Index(row) => {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO dossiers (id, station, status, category, level, summary,
                 reported_at, month, valid, missing_volume_b, follow_up_due, outcome, open,
                 conflicts, updated_at, form_type, form_facts)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                 ?17)",
            )?
            .execute(params![
                row.id,
                row.station,
                row.status,
                row.category,
                row.level,
                row.summary,
                row.reported_at,
                row.month,
                row.valid,
                row.missing_volume_b,
                row.follow_up_due,
                row.outcome,
                row.open,
                row.conflicts,
                row.updated_at,
                row.form_type,
                row.form_facts
            ])?;
            if row.is_dossier() {
                super::reports::write_ledger(tx, row)?;
            }
            super::blob_refs::write(tx, row)?;
        }
        // The engine keeps generic-protocol states in memory over a store it owns alone.
        WriteOp::SyncState { .. } => {}
    }
    Ok(())
}

fn load_doc(conn: &Connection, id: &str, volume: Volume) -> Result<StoredDoc, StoreError> {
    let (snapshot, derived): (Option<Vec<u8>>, Option<Vec<u8>>) = conn
        .prepare_cached("SELECT bytes, derived FROM snapshots WHERE dossier = ?1 AND volume = ?2")?
        .query_row(params![id, volume.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((None, None));
    let mut stmt = conn.prepare_cached(
        "SELECT bytes FROM changes WHERE dossier = ?1 AND volume = ?2 ORDER BY seq",
    )?;
    let changes = stmt
        .query_map(params![id, volume.as_str()], |r| r.get::<_, Vec<u8>>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(StoredDoc {
        snapshot,
        derived,
        changes,
    })
}

fn load(conn: &Connection, id: &str) -> Result<Option<StoredDossier>, StoreError> {
    let a = load_doc(conn, id, Volume::A)?;
    let b = load_doc(conn, id, Volume::B)?;
    let empty = |d: &StoredDoc| d.snapshot.is_none() && d.changes.is_empty();
    if empty(&a) && empty(&b) {
        return Ok(None);
    }
    Ok(Some(StoredDossier {
        a,
        b,
        mark: super::Mark::default(),
    }))
}

pub(crate) fn row_to_index(r: &rusqlite::Row<'_>) -> rusqlite::Result<IndexRow> {
    Ok(IndexRow {
        id: r.get(0)?,
        station: r.get(1)?,
        status: r.get(2)?,
        category: r.get(3)?,
        level: r.get(4)?,
        summary: r.get(5)?,
        reported_at: r.get(6)?,
        month: r.get(7)?,
        valid: r.get(8)?,
        missing_volume_b: r.get(9)?,
        follow_up_due: r.get(10)?,
        outcome: r.get(11)?,
        open: r.get(12)?,
        conflicts: r.get(13)?,
        updated_at: r.get(14)?,
        // Lists select the form type as column 15; the dispute figures' rows (AB dossiers
        // only) do not.
        form_type: r
            .get(15)
            .unwrap_or_else(|_| abjuan_shared::model::FORM_TYPE.to_owned()),
        form_facts: None,
        ledger: super::ledger::LedgerFields::default(),
        attachments: Vec::new(),
        based_on: None,
    })
}

impl Store for SqliteStore {
    fn submit(&self, ops: Vec<WriteOp>) -> super::Answer<Written> {
        let (tx, rx) = oneshot::channel();
        self.send(Msg::Write(ops, tx));
        rx
    }

    fn load(&self, dossier: &str) -> super::Answer<Option<StoredDossier>> {
        let (tx, rx) = oneshot::channel();
        self.send(Msg::Load(dossier.to_owned(), tx));
        rx
    }

    fn list(&self, f: &ListFilter) -> Result<Vec<IndexRow>, StoreError> {
        let sql = super::index::list_sql(f);
        self.with_reader(|conn| {
            let mut stmt = conn.prepare(&sql.text)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(sql.args.iter()), row_to_index)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn figure_counts(
        &self,
        sql: &Sql,
        keys: usize,
    ) -> Result<Vec<crate::report::figures::CountRow>, StoreError> {
        self.with_reader(|conn| super::reports::counts(conn, sql, keys))
    }

    fn figure_rows(&self, sql: &Sql) -> Result<Vec<IndexRow>, StoreError> {
        self.with_reader(|conn| super::reports::rows(conn, sql))
    }

    fn ledger(&self, q: &LedgerQuery) -> Result<Vec<LedgerRow>, StoreError> {
        self.with_reader(|conn| super::reports::ledger(conn, q))
    }

    fn form_facts(&self, sql: &Sql) -> Result<Vec<String>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare(&sql.text)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(sql.args.iter()), |r| r.get(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn ledger_stale(&self, limit: u32) -> Result<Vec<String>, StoreError> {
        self.with_reader(|conn| super::reports::stale(conn, limit))
    }

    fn uploads(&self, dossier: &str) -> Result<Vec<UploadRow>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT volume, hash, device, received_at FROM uploads WHERE dossier = ?1
                 ORDER BY received_at, volume",
            )?;
            let rows = stmt
                .query_map(params![dossier], |r| {
                    let hash: Vec<u8> = r.get(1)?;
                    Ok(UploadRow {
                        volume: r.get(0)?,
                        hash: hash.iter().map(|b| format!("{b:02x}")).collect(),
                        device: r.get(2)?,
                        received_at: r.get(3)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
    }

    fn count(&self) -> Result<u64, StoreError> {
        self.with_reader(|conn| {
            Ok(conn.query_row("SELECT COUNT(*) FROM dossiers", [], |r| r.get(0))?)
        })
    }

    fn blob_refs(
        &self,
        q: &super::blob_refs::RefQuery,
    ) -> Result<Vec<super::blob_refs::BlobRef>, StoreError> {
        self.with_reader(|conn| super::blob_refs::query(conn, q))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewChange;

    /// Submits `ops` and waits for them to be written.
    async fn submit(store: &SqliteStore, ops: Vec<WriteOp>) {
        store.submit(ops).await.expect("reply").expect("ok");
    }

    /// Loads a dossier's stored changes.
    async fn load(store: &SqliteStore, id: &str) -> Option<StoredDossier> {
        store.load(id).await.expect("reply").expect("ok")
    }

    #[tokio::test]
    async fn append_compact_load_and_migrate_twice() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(dir.path()).expect("open");
        let append = |h: u8| WriteOp::Append {
            dossier: "d1".into(),
            volume: Volume::A,
            changes: vec![NewChange {
                hash: [h; 32],
                bytes: vec![h],
            }],
            device: "phone-1".into(),
            received_at: 1,
        };
        submit(&store, vec![append(1), append(1)]).await;
        submit(&store, vec![append(2)]).await;
        let got = load(&store, "d1").await.expect("some");
        assert_eq!(got.a.changes, vec![vec![1], vec![2]]);
        submit(
            &store,
            vec![WriteOp::Compact {
                dossier: "d1".into(),
                volume: Volume::A,
                snapshot: vec![9],
                derived: vec![8],
                covers: crate::store::Covers::default(),
            }],
        )
        .await;
        let got = load(&store, "d1").await.expect("some");
        assert_eq!(got.a.snapshot, Some(vec![9]));
        assert_eq!(got.a.derived, Some(vec![8]));
        assert!(got.a.changes.is_empty());
        assert_eq!(store.uploads("d1").expect("uploads").len(), 2);
        assert!(load(&store, "nope").await.is_none());
        drop(store);
        let mut conn = open_wal(&dir.path().join("abjuan.db"), true).expect("reopen");
        assert_eq!(migrate(&mut conn).expect("migrate"), MIGRATIONS.len());
    }
}
