//! The embedded account store: one SQLite file (`accounts.sqlite3` in the data directory, WAL
//! mode), so `abjuan admin …` can change accounts while the server runs and the server sees
//! the change on the next request.
//!
//! Every request reads the device row (so revocation is immediate), but the argon2id check of a
//! credential's secret runs once per process and device: afterwards the SHA-256 of the secret,
//! kept in memory, is compared in constant time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use abjuan_shared::access::Role;
use rusqlite::{params, Connection, OptionalExtension};

use super::secret::HashCost;
use super::{
    AccountStore, ActorClaim, Bureau, Caller, Device, DeviceCredential, EnrolmentCode, Owner,
    Person, Share, Station,
};
use crate::auth::{valid_code, AuthError};

pub(in crate::auth::accounts) mod credentials;
pub(in crate::auth::accounts) mod rows;
mod schema;
#[cfg(test)]
mod tests;

use super::verified::VerifiedCache;
use rows::{
    check_placement, clean_text, device_row, person_row, valid_actor, valid_dossier, DEVICE_COLS,
    PERSON_COLS,
};
use schema::migrate;

/// The file name in the data directory.
pub const FILE_NAME: &str = "accounts.sqlite3";

/// The SQLite account store.
#[derive(Debug)]
pub struct SqliteAccounts {
    conn: Mutex<Connection>,
    cost: HashCost,
    verified: VerifiedCache,
    path: PathBuf,
}

impl SqliteAccounts {
    /// Opens (creating when missing) the store in `dir`.
    pub fn open(dir: &Path, cost: HashCost) -> Result<Self, AuthError> {
        std::fs::create_dir_all(dir).map_err(|e| AuthError::Storage(e.to_string()))?;
        Self::open_file(&dir.join(FILE_NAME), cost)
    }

    /// Opens (creating when missing) the store in the file `path`.
    pub fn open_file(path: &Path, cost: HashCost) -> Result<Self, AuthError> {
        let mut conn = crate::store::sqlite::open_wal(path, true)?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
            cost,
            verified: Mutex::new(HashMap::new()),
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, AuthError>,
    ) -> Result<T, AuthError> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| AuthError::Storage("account store lock poisoned".into()))?;
        f(&mut conn)
    }

    fn owners(&self, sql: &str, keys: &[String]) -> Result<HashMap<String, Owner>, AuthError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(sql)?;
            let mut out = HashMap::new();
            for key in keys {
                if out.contains_key(key) {
                    continue;
                }
                let owner = stmt
                    .query_row([key], |r| {
                        Ok(Owner {
                            device: r.get(0)?,
                            person: r.get(1)?,
                            name: r.get(2)?,
                        })
                    })
                    .optional()?;
                if let Some(o) = owner {
                    out.insert(key.clone(), o);
                }
            }
            Ok(out)
        })
    }
}

impl AccountStore for SqliteAccounts {
    fn is_empty(&self) -> Result<bool, AuthError> {
        self.with(|c| {
            let n: i64 = c.query_row("SELECT COUNT(*) FROM people", [], |r| r.get(0))?;
            Ok(n == 0)
        })
    }

    fn add_bureau(&self, bureau: &Bureau) -> Result<(), AuthError> {
        if !valid_code(&bureau.id) {
            return Err(AuthError::Invalid("bureau id: 1-64 of a-z 0-9 - _ ."));
        }
        let name = clean_text(&bureau.name, "bureau name: 1-100 characters")?;
        self.with(|c| {
            let n = c.execute(
                "INSERT OR IGNORE INTO bureaus (id, name) VALUES (?1, ?2)",
                params![bureau.id, name],
            )?;
            if n == 0 {
                return Err(AuthError::Exists("bureau"));
            }
            Ok(())
        })
    }

    fn bureaus(&self) -> Result<Vec<Bureau>, AuthError> {
        self.with(|c| {
            let mut stmt = c.prepare("SELECT id, name FROM bureaus ORDER BY id")?;
            let rows = stmt.query_map([], |r| {
                Ok(Bureau {
                    id: r.get(0)?,
                    name: r.get(1)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn add_station(&self, station: &Station) -> Result<(), AuthError> {
        if !valid_code(&station.id) {
            return Err(AuthError::Invalid("station id: 1-64 of a-z 0-9 - _ ."));
        }
        let name = clean_text(&station.name, "station name: 1-100 characters")?;
        self.with(|c| {
            let bureau: Option<i64> = c
                .query_row(
                    "SELECT 1 FROM bureaus WHERE id = ?1",
                    [&station.bureau],
                    |r| r.get(0),
                )
                .optional()?;
            if bureau.is_none() {
                return Err(AuthError::NotFound("bureau"));
            }
            let n = c.execute(
                "INSERT OR IGNORE INTO stations (id, bureau, name) VALUES (?1, ?2, ?3)",
                params![station.id, station.bureau, name],
            )?;
            if n == 0 {
                return Err(AuthError::Exists("station"));
            }
            Ok(())
        })
    }

    fn station(&self, id: &str) -> Result<Option<Station>, AuthError> {
        self.with(|c| {
            Ok(
                c.prepare_cached("SELECT id, bureau, name FROM stations WHERE id = ?1")?
                    .query_row([id], |r| {
                        Ok(Station {
                            id: r.get(0)?,
                            bureau: r.get(1)?,
                            name: r.get(2)?,
                        })
                    })
                    .optional()?,
            )
        })
    }

    fn stations(&self, bureau: Option<&str>) -> Result<Vec<Station>, AuthError> {
        self.with(|c| {
            let mut stmt = c.prepare(
                "SELECT id, bureau, name FROM stations WHERE ?1 IS NULL OR bureau = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([bureau], |r| {
                Ok(Station {
                    id: r.get(0)?,
                    bureau: r.get(1)?,
                    name: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn add_person(&self, person: &Person, now_ms: i64) -> Result<(), AuthError> {
        if !valid_code(&person.id) {
            return Err(AuthError::Invalid("person id: 1-64 of a-z 0-9 - _ ."));
        }
        let name = clean_text(&person.name, "person name: 1-100 characters")?;
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            check_placement(&tx, &person.bureau, person.station.as_deref())?;
            let n = tx.execute(
                "INSERT OR IGNORE INTO people (id, name, role, station, bureau, disabled, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    person.id,
                    name,
                    person.role.code(),
                    person.station,
                    person.bureau,
                    person.disabled,
                    now_ms
                ],
            )?;
            if n == 0 {
                return Err(AuthError::Exists("person"));
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn person(&self, id: &str) -> Result<Option<Person>, AuthError> {
        self.with(|c| {
            Ok(
                c.prepare_cached(&format!("SELECT {PERSON_COLS} FROM people WHERE id = ?1"))?
                    .query_row([id], person_row)
                    .optional()?,
            )
        })
    }

    fn people(&self, bureau: Option<&str>) -> Result<Vec<Person>, AuthError> {
        self.with(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {PERSON_COLS} FROM people WHERE ?1 IS NULL OR bureau = ?1 ORDER BY id"
            ))?;
            let rows = stmt.query_map([bureau], person_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn set_role(&self, id: &str, role: Role, station: Option<&str>) -> Result<Person, AuthError> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let before = tx
                .query_row(
                    &format!("SELECT {PERSON_COLS} FROM people WHERE id = ?1"),
                    [id],
                    person_row,
                )
                .optional()?
                .ok_or(AuthError::NotFound("person"))?;
            check_placement(&tx, &before.bureau, station)?;
            tx.execute(
                "UPDATE people SET role = ?2, station = ?3 WHERE id = ?1",
                params![id, role.code(), station],
            )?;
            tx.commit()?;
            Ok(before)
        })
    }

    fn set_disabled(&self, id: &str, disabled: bool) -> Result<(), AuthError> {
        self.with(|c| {
            let n = c.execute(
                "UPDATE people SET disabled = ?2 WHERE id = ?1",
                params![id, disabled],
            )?;
            if n == 0 {
                return Err(AuthError::NotFound("person"));
            }
            Ok(())
        })
    }

    fn issue_enrolment(
        &self,
        person: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<EnrolmentCode, AuthError> {
        credentials::issue_enrolment(self, person, now_ms, ttl_ms)
    }

    fn enrol(&self, code: &str, label: &str, now_ms: i64) -> Result<DeviceCredential, AuthError> {
        credentials::enrol(self, code, label, now_ms)
    }

    fn authenticate(&self, token: &str, now_ms: i64) -> Result<Caller, AuthError> {
        credentials::authenticate(self, token, now_ms)
    }

    fn revoke_device(&self, id: &str, now_ms: i64) -> Result<Device, AuthError> {
        let device = self.with(|c| {
            c.execute(
                "UPDATE devices SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, now_ms],
            )?;
            Ok(c.query_row(
                &format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1"),
                [id],
                device_row,
            )
            .optional()?)
        })?;
        if let Ok(mut m) = self.verified.lock() {
            m.remove(id);
        }
        device.ok_or(AuthError::NotFound("device"))
    }

    fn device(&self, id: &str) -> Result<Option<Device>, AuthError> {
        self.with(|c| {
            Ok(c.query_row(
                &format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1"),
                [id],
                device_row,
            )
            .optional()?)
        })
    }

    fn devices(&self, person: Option<&str>) -> Result<Vec<Device>, AuthError> {
        self.with(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {DEVICE_COLS} FROM devices WHERE ?1 IS NULL OR person = ?1
                 ORDER BY enrolled_at, id"
            ))?;
            let rows = stmt.query_map([person], device_row)?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn register_actor(
        &self,
        device: &str,
        actor: &str,
        now_ms: i64,
    ) -> Result<ActorClaim, AuthError> {
        if !valid_actor(actor) {
            return Err(AuthError::Invalid("actor id: lowercase hex"));
        }
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let live: Option<Option<i64>> = tx
                .query_row(
                    "SELECT revoked_at FROM devices WHERE id = ?1",
                    [device],
                    |r| r.get(0),
                )
                .optional()?;
            match live {
                None => return Err(AuthError::NotFound("device")),
                Some(Some(_)) => return Err(AuthError::Revoked),
                Some(None) => {}
            }
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO actors (actor, device, registered_at) VALUES (?1, ?2, ?3)",
                params![actor, device, now_ms],
            )?;
            let owner: String =
                tx.query_row("SELECT device FROM actors WHERE actor = ?1", [actor], |r| {
                    r.get(0)
                })?;
            tx.commit()?;
            if owner != device {
                Err(AuthError::ActorTaken)
            } else if inserted == 1 {
                Ok(ActorClaim::Registered)
            } else {
                Ok(ActorClaim::AlreadyOwned)
            }
        })
    }

    fn actor_owners(&self, actors: &[String]) -> Result<HashMap<String, Owner>, AuthError> {
        self.owners(
            "SELECT a.device, p.id, p.name FROM actors a JOIN devices d ON d.id = a.device
             JOIN people p ON p.id = d.person WHERE a.actor = ?1",
            actors,
        )
    }

    fn device_owners(&self, devices: &[String]) -> Result<HashMap<String, Owner>, AuthError> {
        self.owners(
            "SELECT d.id, p.id, p.name FROM devices d JOIN people p ON p.id = d.person
             WHERE d.id = ?1",
            devices,
        )
    }

    fn share(&self, share: &Share) -> Result<(), AuthError> {
        if !valid_dossier(&share.dossier) {
            return Err(AuthError::Invalid("dossier id: a UUID"));
        }
        if self.person(&share.person)?.is_none() {
            return Err(AuthError::NotFound("person"));
        }
        self.with(|c| {
            c.execute(
                "INSERT OR IGNORE INTO shares (dossier, person, by_person, at) VALUES (?1, ?2, ?3, ?4)",
                params![share.dossier, share.person, share.by, share.at],
            )?;
            Ok(())
        })
    }

    fn unshare(&self, dossier: &str, person: &str) -> Result<bool, AuthError> {
        self.with(|c| {
            Ok(c.execute(
                "DELETE FROM shares WHERE dossier = ?1 AND person = ?2",
                params![dossier, person],
            )? > 0)
        })
    }

    fn is_shared(&self, dossier: &str, person: &str) -> Result<bool, AuthError> {
        self.with(|c| {
            Ok(
                c.prepare_cached("SELECT 1 FROM shares WHERE dossier = ?1 AND person = ?2")?
                    .query_row(params![dossier, person], |_| Ok(()))
                    .optional()?
                    .is_some(),
            )
        })
    }

    fn shared_with(&self, person: &str) -> Result<Vec<String>, AuthError> {
        self.with(|c| {
            let mut stmt =
                c.prepare_cached("SELECT dossier FROM shares WHERE person = ?1 ORDER BY dossier")?;
            let rows = stmt.query_map([person], |r| r.get(0))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn shares_of(&self, dossier: &str) -> Result<Vec<Share>, AuthError> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT dossier, person, by_person, at FROM shares WHERE dossier = ?1 ORDER BY person",
            )?;
            let rows = stmt.query_map([dossier], |r| {
                Ok(Share {
                    dossier: r.get(0)?,
                    person: r.get(1)?,
                    by: r.get(2)?,
                    at: r.get(3)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }
}
