//! The embedded blob store: files under `<data-dir>/blobs/` and a small SQLite file beside
//! them (`blobs.sqlite3`) for what a file cannot say (who completed it, when, its type) and the
//! bytes each device sent per day.
//!
//! - a complete blob: `blobs/<first two hex digits>/<sha256>`, written once, never changed;
//! - an unfinished upload: `blobs/partial/<sha256>.<device key>` (the device key is the first
//!   16 hex digits of the SHA-256 of the device id: any id makes a safe file name), appended
//!   to chunk by chunk, its length being how much arrived;
//! - completing one: the partial file is fsynced, renamed into place and its directory fsynced
//!   before the row is written, so a stored blob is never torn. A row lost in a crash only
//!   makes the blob look absent: the next upload of it finds the file and writes the row.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};

use super::store::{BlobMeta, BlobStore, BlobStoreError};
use crate::clock::now_ms;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS blobs (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        media_type TEXT NOT NULL,
        device TEXT NOT NULL,
        stored_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS blobs_stored_at ON blobs (stored_at);
    CREATE TABLE IF NOT EXISTS sent (
        device TEXT NOT NULL,
        day TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        PRIMARY KEY (device, day)
    ) WITHOUT ROWID;";

/// Blobs as files under a directory.
#[derive(Debug)]
pub struct FsBlobStore {
    root: PathBuf,
    db: Mutex<Connection>,
}

fn io(e: impl std::fmt::Display) -> BlobStoreError {
    BlobStoreError::Io(e.to_string())
}

/// The file-name key of a device id.
fn device_key(device: &str) -> String {
    abjuan_shared::attachment::content_address(device.as_bytes())[..16].to_owned()
}

impl FsBlobStore {
    /// Opens (creating) the store of `data_dir`: `blobs/` and `blobs.sqlite3`.
    pub fn open(data_dir: &Path) -> Result<Self, BlobStoreError> {
        let root = data_dir.join("blobs");
        fs::create_dir_all(root.join("partial"))?;
        let conn = Connection::open(data_dir.join("blobs.sqlite3"))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // The bytes are fsynced before their row is written; a row lost to a power cut makes
        // the blob look absent until its next upload, and a lost count of bytes sent errs on
        // the device's side. Neither is worth an fsync per chunk.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            root,
            db: Mutex::new(conn),
        })
    }

    fn db(&self) -> Result<std::sync::MutexGuard<'_, Connection>, BlobStoreError> {
        self.db
            .lock()
            .map_err(|_| io("blob database lock poisoned"))
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2.min(sha256.len())]).join(sha256)
    }

    fn partial(&self, sha256: &str, device: &str) -> PathBuf {
        self.root
            .join("partial")
            .join(format!("{sha256}.{}", device_key(device)))
    }
}

fn file_len(path: &Path) -> Result<u64, BlobStoreError> {
    match fs::metadata(path) {
        Ok(m) => Ok(m.len()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e.into()),
    }
}

fn read_at(path: &Path, at: u64, len: usize) -> Result<Vec<u8>, BlobStoreError> {
    let mut f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    f.seek(SeekFrom::Start(at))?;
    let mut out = Vec::with_capacity(len.min(1 << 20));
    f.take(len as u64).read_to_end(&mut out)?;
    Ok(out)
}

fn sync_dir(dir: &Path) -> Result<(), BlobStoreError> {
    File::open(dir)?.sync_all()?;
    Ok(())
}

impl BlobStore for FsBlobStore {
    fn stat(&self, sha256: &str) -> Result<Option<BlobMeta>, BlobStoreError> {
        let row = self
            .db()?
            .prepare_cached(
                "SELECT size, media_type, device, stored_at FROM blobs WHERE sha256 = ?1",
            )?
            .query_row(params![sha256], |r| {
                Ok(BlobMeta {
                    sha256: sha256.to_owned(),
                    size: r.get::<_, i64>(0)?.try_into().unwrap_or(0),
                    media_type: r.get(1)?,
                    device: r.get(2)?,
                    stored_at: r.get(3)?,
                })
            })
            .optional()?;
        // The row says it is there; the file must agree (a file removed by hand is absent).
        Ok(row.filter(|m| file_len(&self.path(sha256)).is_ok_and(|n| n == m.size)))
    }

    fn stored(&self, shas: &[String]) -> Result<BTreeSet<String>, BlobStoreError> {
        let db = self.db()?;
        let mut stmt = db.prepare_cached("SELECT 1 FROM blobs WHERE sha256 = ?1")?;
        let mut out = BTreeSet::new();
        for sha in shas {
            if stmt.exists(params![sha])? {
                out.insert(sha.clone());
            }
        }
        Ok(out)
    }

    fn received(&self, sha256: &str, device: &str) -> Result<u64, BlobStoreError> {
        file_len(&self.partial(sha256, device))
    }

    fn restart(&self, sha256: &str, device: &str) -> Result<(), BlobStoreError> {
        File::create(self.partial(sha256, device))?;
        Ok(())
    }

    fn append(
        &self,
        sha256: &str,
        device: &str,
        at: u64,
        bytes: &[u8],
    ) -> Result<(), BlobStoreError> {
        let path = self.partial(sha256, device);
        let mut f = OpenOptions::new().create(true).append(true).open(&path)?;
        let len = f.metadata()?.len();
        if len != at {
            return Err(BlobStoreError::Offset(len));
        }
        f.write_all(bytes)?;
        Ok(())
    }

    fn read_partial(
        &self,
        sha256: &str,
        device: &str,
        at: u64,
        len: usize,
    ) -> Result<Vec<u8>, BlobStoreError> {
        read_at(&self.partial(sha256, device), at, len)
    }

    fn commit(&self, meta: &BlobMeta) -> Result<(), BlobStoreError> {
        let partial = self.partial(&meta.sha256, &meta.device);
        let target = self.path(&meta.sha256);
        let dir = target.parent().map(Path::to_path_buf).unwrap_or_default();
        if file_len(&target)? == meta.size && target.exists() {
            // Stored already (another device finished first, or a row lost in a crash).
            let _ = fs::remove_file(&partial);
        } else {
            File::open(&partial)?.sync_all()?;
            fs::create_dir_all(&dir)?;
            fs::rename(&partial, &target)?;
            sync_dir(&dir)?;
        }
        self.db()?
            .prepare_cached(
                "INSERT OR IGNORE INTO blobs (sha256, size, media_type, device, stored_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                meta.sha256,
                i64::try_from(meta.size).unwrap_or(i64::MAX),
                meta.media_type,
                meta.device,
                meta.stored_at
            ])?;
        Ok(())
    }

    fn discard(&self, sha256: &str, device: &str) -> Result<(), BlobStoreError> {
        match fs::remove_file(self.partial(sha256, device)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn read(&self, sha256: &str, at: u64, len: usize) -> Result<Vec<u8>, BlobStoreError> {
        read_at(&self.path(sha256), at, len)
    }

    fn delete(&self, sha256: &str) -> Result<(), BlobStoreError> {
        self.db()?
            .prepare_cached("DELETE FROM blobs WHERE sha256 = ?1")?
            .execute(params![sha256])?;
        match fs::remove_file(self.path(sha256)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn stored_before(
        &self,
        before_ms: i64,
        after: &str,
        limit: usize,
    ) -> Result<Vec<String>, BlobStoreError> {
        let db = self.db()?;
        let mut stmt = db.prepare_cached(
            "SELECT sha256 FROM blobs WHERE stored_at < ?1 AND sha256 > ?2
             ORDER BY sha256 LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(
                params![before_ms, after, i64::try_from(limit).unwrap_or(1000)],
                |r| r.get(0),
            )?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(rows)
    }

    fn sweep_partials(&self, before_ms: i64) -> Result<usize, BlobStoreError> {
        let mut n = 0;
        for entry in fs::read_dir(self.root.join("partial"))? {
            let entry = entry?;
            let touched = entry
                .metadata()?
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            if touched < before_ms && fs::remove_file(entry.path()).is_ok() {
                n += 1;
            }
        }
        Ok(n)
    }

    fn charge(&self, device: &str, day: &str, bytes: u64) -> Result<u64, BlobStoreError> {
        let db = self.db()?;
        let add = i64::try_from(bytes).unwrap_or(i64::MAX);
        let total: i64 = db
            .prepare_cached(
                "INSERT INTO sent (device, day, bytes) VALUES (?1, ?2, ?3)
                 ON CONFLICT (device, day) DO UPDATE SET bytes = bytes + excluded.bytes
                 RETURNING bytes",
            )?
            .query_row(params![device, day, add], |r| r.get(0))?;
        // Yesterday's counts are not needed any more.
        if total == add {
            db.prepare_cached("DELETE FROM sent WHERE day < ?1")?
                .execute(params![day])?;
        }
        Ok(total.try_into().unwrap_or(0))
    }

    fn charged(&self, device: &str, day: &str) -> Result<u64, BlobStoreError> {
        let n: Option<i64> = self
            .db()?
            .prepare_cached("SELECT bytes FROM sent WHERE device = ?1 AND day = ?2")?
            .query_row(params![device, day], |r| r.get(0))
            .optional()?;
        Ok(n.unwrap_or(0).try_into().unwrap_or(0))
    }
}

/// The time a blob row records: now.
#[must_use]
pub fn stamp() -> i64 {
    now_ms()
}
