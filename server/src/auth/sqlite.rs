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
use subtle::ConstantTimeEq;

use super::secret::{
    self, fingerprint, format_token, hash_secret, parse_token, verify_nothing, verify_secret,
    HashCost, CREDENTIAL_BYTES, CREDENTIAL_PREFIX, ENROLMENT_BYTES, ENROLMENT_PREFIX,
};
use super::{
    valid_code, AccountStore, ActorClaim, AuthError, Bureau, Caller, Device, DeviceCredential,
    EnrolmentCode, Owner, Person, Share, Station,
};

/// The file name in the data directory.
pub const FILE_NAME: &str = "accounts.sqlite3";

const MIGRATIONS: &[&str] = &["
    CREATE TABLE bureaus (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL
    );
    CREATE TABLE stations (
        id TEXT PRIMARY KEY,
        bureau TEXT NOT NULL REFERENCES bureaus (id),
        name TEXT NOT NULL
    );
    CREATE TABLE people (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        station TEXT REFERENCES stations (id),
        bureau TEXT NOT NULL REFERENCES bureaus (id),
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE enrolments (
        id TEXT PRIMARY KEY,
        person TEXT NOT NULL REFERENCES people (id),
        hash TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        device TEXT
    );
    CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        person TEXT NOT NULL REFERENCES people (id),
        label TEXT NOT NULL,
        hash TEXT NOT NULL,
        enrolled_at INTEGER NOT NULL,
        revoked_at INTEGER
    );
    CREATE INDEX devices_person ON devices (person);
    CREATE TABLE actors (
        actor TEXT PRIMARY KEY,
        device TEXT NOT NULL REFERENCES devices (id),
        registered_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE shares (
        dossier TEXT NOT NULL,
        person TEXT NOT NULL REFERENCES people (id),
        by_person TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (dossier, person)
    ) WITHOUT ROWID;
    CREATE INDEX shares_person ON shares (person);
"];

/// A credential verified with argon2id in this process.
#[derive(Debug, Clone)]
struct Verified {
    fingerprint: [u8; 32],
    phc: String,
}

/// The SQLite account store.
#[derive(Debug)]
pub struct SqliteAccounts {
    conn: Mutex<Connection>,
    cost: HashCost,
    verified: Mutex<HashMap<String, Verified>>,
    path: PathBuf,
}

fn open_conn(path: &Path) -> Result<Connection, AuthError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), AuthError> {
    let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > MIGRATIONS.len() {
        return Err(AuthError::Storage(format!(
            "accounts schema version {version} is newer than this program"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}

fn role_of(code: &str) -> Result<Role, rusqlite::Error> {
    Role::from_code(code).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown role {code}").into(),
        )
    })
}

const PERSON_COLS: &str = "id, name, role, station, bureau, disabled";

fn person_row(r: &rusqlite::Row<'_>) -> Result<Person, rusqlite::Error> {
    Ok(Person {
        id: r.get(0)?,
        name: r.get(1)?,
        role: role_of(&r.get::<_, String>(2)?)?,
        station: r.get(3)?,
        bureau: r.get(4)?,
        disabled: r.get(5)?,
    })
}

const DEVICE_COLS: &str = "id, person, label, enrolled_at, revoked_at";

fn device_row(r: &rusqlite::Row<'_>) -> Result<Device, rusqlite::Error> {
    Ok(Device {
        id: r.get(0)?,
        person: r.get(1)?,
        label: r.get(2)?,
        enrolled_at: r.get(3)?,
        revoked_at: r.get(4)?,
    })
}

/// A display name or label: trimmed, 1–100 characters, no control characters.
fn clean_text(s: &str, what: &'static str) -> Result<String, AuthError> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > 100 || t.chars().any(char::is_control) {
        return Err(AuthError::Invalid(what));
    }
    Ok(t.to_owned())
}

fn valid_actor(actor: &str) -> bool {
    (2..=128).contains(&actor.len())
        && actor
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && hex::decode(actor).is_ok()
}

fn valid_dossier(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok() && id.len() == 36
}

impl SqliteAccounts {
    /// Opens (creating when missing) the store in `dir`.
    pub fn open(dir: &Path, cost: HashCost) -> Result<Self, AuthError> {
        std::fs::create_dir_all(dir).map_err(|e| AuthError::Storage(e.to_string()))?;
        Self::open_file(&dir.join(FILE_NAME), cost)
    }

    /// Opens (creating when missing) the store in the file `path`.
    pub fn open_file(path: &Path, cost: HashCost) -> Result<Self, AuthError> {
        let mut conn = open_conn(path)?;
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
        let who = self.person(person)?.ok_or(AuthError::NotFound("person"))?;
        if who.disabled {
            return Err(AuthError::Invalid("the person is disabled"));
        }
        let lookup = secret::new_lookup_id()?;
        let raw = secret::random_bytes::<ENROLMENT_BYTES>()?;
        let hash = hash_secret(&raw, self.cost)?;
        let expires_at = now_ms.saturating_add(ttl_ms.max(1));
        self.with(|c| {
            c.execute(
                "INSERT INTO enrolments (id, person, hash, issued_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![lookup, person, hash, now_ms, expires_at],
            )?;
            Ok(())
        })?;
        Ok(EnrolmentCode {
            code: format_token(ENROLMENT_PREFIX, &lookup, &raw),
            person: person.to_owned(),
            expires_at,
        })
    }

    fn enrol(&self, code: &str, label: &str, now_ms: i64) -> Result<DeviceCredential, AuthError> {
        let Some((lookup, raw)) = parse_token(ENROLMENT_PREFIX, code, ENROLMENT_BYTES) else {
            verify_nothing(self.cost);
            return Err(AuthError::InvalidEnrolment);
        };
        let label = clean_text(label, "device label: 1-100 characters")
            .unwrap_or_else(|_| "device".to_owned());
        let row: Option<(String, String, i64, Option<i64>)> = self.with(|c| {
            Ok(c.query_row(
                "SELECT hash, person, expires_at, used_at FROM enrolments WHERE id = ?1",
                [&lookup],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?)
        })?;
        let Some((hash, person, expires_at, used_at)) = row else {
            verify_nothing(self.cost);
            return Err(AuthError::InvalidEnrolment);
        };
        if !verify_secret(&raw, &hash) || used_at.is_some() || now_ms > expires_at {
            return Err(AuthError::InvalidEnrolment);
        }
        let device_id = secret::new_lookup_id()?;
        let cred = secret::random_bytes::<CREDENTIAL_BYTES>()?;
        let cred_hash = hash_secret(&cred, self.cost)?;
        self.with(|c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let disabled: bool = tx.query_row(
                "SELECT disabled FROM people WHERE id = ?1",
                [&person],
                |r| r.get(0),
            )?;
            let n = tx.execute(
                "UPDATE enrolments SET used_at = ?2, device = ?3 WHERE id = ?1 AND used_at IS NULL",
                params![lookup, now_ms, device_id],
            )?;
            if n == 0 || disabled {
                return Err(AuthError::InvalidEnrolment);
            }
            tx.execute(
                "INSERT INTO devices (id, person, label, hash, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![device_id, person, label, cred_hash, now_ms],
            )?;
            tx.commit()?;
            Ok(())
        })?;
        Ok(DeviceCredential {
            device: Device {
                id: device_id.clone(),
                person,
                label,
                enrolled_at: now_ms,
                revoked_at: None,
            },
            token: format_token(CREDENTIAL_PREFIX, &device_id, &cred),
        })
    }

    fn authenticate(&self, token: &str, _now_ms: i64) -> Result<Caller, AuthError> {
        let Some((lookup, raw)) = parse_token(CREDENTIAL_PREFIX, token, CREDENTIAL_BYTES) else {
            verify_nothing(self.cost);
            return Err(AuthError::InvalidCredential);
        };
        let row: Option<(String, Option<i64>, Person)> = self.with(|c| {
            Ok(c.prepare_cached(
                "SELECT d.hash, d.revoked_at, p.id, p.name, p.role, p.station, p.bureau, p.disabled
                 FROM devices d JOIN people p ON p.id = d.person WHERE d.id = ?1",
            )?
            .query_row([&lookup], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    Person {
                        id: r.get(2)?,
                        name: r.get(3)?,
                        role: role_of(&r.get::<_, String>(4)?)?,
                        station: r.get(5)?,
                        bureau: r.get(6)?,
                        disabled: r.get(7)?,
                    },
                ))
            })
            .optional()?)
        })?;
        let Some((phc, revoked_at, person)) = row else {
            verify_nothing(self.cost);
            return Err(AuthError::InvalidCredential);
        };
        let fp = fingerprint(&raw);
        let cached = self
            .verified
            .lock()
            .ok()
            .and_then(|m| m.get(&lookup).cloned());
        let known = cached.is_some_and(|v| v.phc == phc && bool::from(v.fingerprint.ct_eq(&fp)));
        if !known {
            if !verify_secret(&raw, &phc) {
                return Err(AuthError::InvalidCredential);
            }
            if let Ok(mut m) = self.verified.lock() {
                if m.len() > 100_000 {
                    m.clear();
                }
                m.insert(
                    lookup.clone(),
                    Verified {
                        fingerprint: fp,
                        phc,
                    },
                );
            }
        }
        if revoked_at.is_some() || person.disabled {
            return Err(AuthError::Revoked);
        }
        Ok(Caller::new(&person, &lookup))
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

/// The bureau exists and the station (when given) is one of its stations.
fn check_placement(c: &Connection, bureau: &str, station: Option<&str>) -> Result<(), AuthError> {
    let exists: Option<i64> = c
        .query_row("SELECT 1 FROM bureaus WHERE id = ?1", [bureau], |r| {
            r.get(0)
        })
        .optional()?;
    if exists.is_none() {
        return Err(AuthError::NotFound("bureau"));
    }
    if let Some(s) = station {
        let of: Option<String> = c
            .query_row("SELECT bureau FROM stations WHERE id = ?1", [s], |r| {
                r.get(0)
            })
            .optional()?;
        match of {
            None => return Err(AuthError::NotFound("station")),
            Some(b) if b != bureau => {
                return Err(AuthError::Invalid("the station belongs to another bureau"))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "sqlite_tests.rs"]
mod tests;
