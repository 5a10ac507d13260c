//! The account store in PostgreSQL (`--database-url`): the same records and checks as the
//! SQLite store, in the tables of `crate::store::postgres::schema`, so every node (and
//! `abjuan admin`) sees one set of bureaus, people, devices, actor bindings and shares.
//! Several writers are safe: ids are primary keys (`ON CONFLICT DO NOTHING` tells an
//! existing one), an enrolment code is used by an `UPDATE … WHERE used_at IS NULL`, and an
//! actor id is bound by whoever inserts it first.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use abjuan_shared::access::Role;
use tokio_postgres::Row;

use super::secret::HashCost;
use super::sqlite::rows::{clean_text, valid_actor, valid_dossier};
use super::verified::VerifiedCache;
use super::{
    AccountStore, ActorClaim, Bureau, Caller, Device, DeviceCredential, EnrolmentCode, Owner,
    Person, Share, Station,
};
use crate::auth::{valid_code, AuthError};
use crate::store::postgres::Db;

mod credentials;
#[cfg(test)]
mod tests;

const PERSON_COLS: &str = "id, name, role, station, bureau, disabled";
const DEVICE_COLS: &str = "id, person, label, enrolled_at, revoked_at";

impl From<tokio_postgres::Error> for AuthError {
    fn from(e: tokio_postgres::Error) -> Self {
        AuthError::Storage(crate::store::postgres::describe(&e))
    }
}

impl From<crate::store::StoreError> for AuthError {
    fn from(e: crate::store::StoreError) -> Self {
        AuthError::Storage(e.to_string())
    }
}

fn role(code: &str) -> Result<Role, AuthError> {
    Role::from_code(code).ok_or_else(|| AuthError::Storage(format!("unknown role {code}")))
}

fn person_row(r: &Row) -> Result<Person, AuthError> {
    Ok(Person {
        id: r.get(0),
        name: r.get(1),
        role: role(r.get(2))?,
        station: r.get(3),
        bureau: r.get(4),
        disabled: r.get::<_, i16>(5) != 0,
    })
}

fn device_row(r: &Row) -> Device {
    Device {
        id: r.get(0),
        person: r.get(1),
        label: r.get(2),
        enrolled_at: r.get(3),
        revoked_at: r.get(4),
    }
}

fn station_row(r: &Row) -> Station {
    Station {
        id: r.get(0),
        bureau: r.get(1),
        name: r.get(2),
    }
}

/// The PostgreSQL account store.
#[derive(Debug)]
pub struct PgAccounts {
    db: Arc<Db>,
    cost: HashCost,
    verified: VerifiedCache,
}

impl PgAccounts {
    /// The store over `db` (migrated to the current schema first).
    pub fn open(db: Arc<Db>, cost: HashCost) -> Result<Self, AuthError> {
        crate::store::postgres::schema::migrate_db(&db)?;
        Ok(Self {
            db,
            cost,
            verified: Mutex::new(HashMap::new()),
        })
    }

    /// Runs `f` with a pooled connection, for a blocking caller.
    fn run<T, F, Fut>(&self, f: F) -> Result<T, AuthError>
    where
        F: FnOnce(deadpool_postgres::Object) -> Fut,
        Fut: Future<Output = Result<T, AuthError>>,
    {
        self.db.block(async {
            let client = self.db.pooled().await?;
            f(client).await
        })
    }

    fn owners(
        &self,
        sql: &'static str,
        keys: &[String],
    ) -> Result<HashMap<String, Owner>, AuthError> {
        let keys: Vec<String> = keys.to_vec();
        self.run(|c| async move {
            let rows = c.query(sql, &[&keys]).await?;
            Ok(rows
                .iter()
                .map(|r| {
                    (
                        r.get::<_, String>(0),
                        Owner {
                            device: r.get(1),
                            person: r.get(2),
                            name: r.get(3),
                        },
                    )
                })
                .collect())
        })
    }
}

/// The bureau exists and the station (when given) is one of its stations.
async fn check_placement(
    c: &tokio_postgres::Transaction<'_>,
    bureau: &str,
    station: Option<&str>,
) -> Result<(), AuthError> {
    if c.query_opt("SELECT 1 FROM bureaus WHERE id = $1", &[&bureau])
        .await?
        .is_none()
    {
        return Err(AuthError::NotFound("bureau"));
    }
    if let Some(s) = station {
        let of = c
            .query_opt("SELECT bureau FROM stations WHERE id = $1", &[&s])
            .await?;
        match of.map(|r| r.get::<_, String>(0)) {
            None => return Err(AuthError::NotFound("station")),
            Some(b) if b != bureau => {
                return Err(AuthError::Invalid("the station belongs to another bureau"))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

impl AccountStore for PgAccounts {
    fn is_empty(&self) -> Result<bool, AuthError> {
        self.run(|c| async move {
            Ok(c.query_opt("SELECT 1 FROM people LIMIT 1", &[])
                .await?
                .is_none())
        })
    }

    fn add_bureau(&self, bureau: &Bureau) -> Result<(), AuthError> {
        if !valid_code(&bureau.id) {
            return Err(AuthError::Invalid("bureau id: 1-64 of a-z 0-9 - _ ."));
        }
        let name = clean_text(&bureau.name, "bureau name: 1-100 characters")?;
        let id = bureau.id.clone();
        self.run(|c| async move {
            let n = c
                .execute(
                    "INSERT INTO bureaus (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
                    &[&id, &name],
                )
                .await?;
            if n == 0 {
                return Err(AuthError::Exists("bureau"));
            }
            Ok(())
        })
    }

    fn bureaus(&self) -> Result<Vec<Bureau>, AuthError> {
        self.run(|c| async move {
            let rows = c
                .query("SELECT id, name FROM bureaus ORDER BY id", &[])
                .await?;
            Ok(rows
                .iter()
                .map(|r| Bureau {
                    id: r.get(0),
                    name: r.get(1),
                })
                .collect())
        })
    }

    fn add_station(&self, station: &Station) -> Result<(), AuthError> {
        if !valid_code(&station.id) {
            return Err(AuthError::Invalid("station id: 1-64 of a-z 0-9 - _ ."));
        }
        let name = clean_text(&station.name, "station name: 1-100 characters")?;
        let s = station.clone();
        self.run(|c| async move {
            if c.query_opt("SELECT 1 FROM bureaus WHERE id = $1", &[&s.bureau])
                .await?
                .is_none()
            {
                return Err(AuthError::NotFound("bureau"));
            }
            let n = c
                .execute(
                    "INSERT INTO stations (id, bureau, name) VALUES ($1, $2, $3)
                     ON CONFLICT (id) DO NOTHING",
                    &[&s.id, &s.bureau, &name],
                )
                .await?;
            if n == 0 {
                return Err(AuthError::Exists("station"));
            }
            Ok(())
        })
    }

    fn station(&self, id: &str) -> Result<Option<Station>, AuthError> {
        self.run(|c| async move {
            let r = c
                .query_opt(
                    "SELECT id, bureau, name FROM stations WHERE id = $1",
                    &[&id],
                )
                .await?;
            Ok(r.as_ref().map(station_row))
        })
    }

    fn stations(&self, bureau: Option<&str>) -> Result<Vec<Station>, AuthError> {
        self.run(|c| async move {
            let rows = c
                .query(
                    "SELECT id, bureau, name FROM stations
                     WHERE $1::TEXT IS NULL OR bureau = $1 ORDER BY id",
                    &[&bureau],
                )
                .await?;
            Ok(rows.iter().map(station_row).collect())
        })
    }

    fn add_person(&self, person: &Person, now_ms: i64) -> Result<(), AuthError> {
        if !valid_code(&person.id) {
            return Err(AuthError::Invalid("person id: 1-64 of a-z 0-9 - _ ."));
        }
        let name = clean_text(&person.name, "person name: 1-100 characters")?;
        let p = person.clone();
        self.run(|mut c| async move {
            let tx = c.transaction().await?;
            check_placement(&tx, &p.bureau, p.station.as_deref()).await?;
            let n = tx
                .execute(
                    "INSERT INTO people (id, name, role, station, bureau, disabled, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
                    &[
                        &p.id,
                        &name,
                        &p.role.code(),
                        &p.station,
                        &p.bureau,
                        &i16::from(p.disabled),
                        &now_ms,
                    ],
                )
                .await?;
            if n == 0 {
                return Err(AuthError::Exists("person"));
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn person(&self, id: &str) -> Result<Option<Person>, AuthError> {
        self.run(|c| async move {
            let sql = format!("SELECT {PERSON_COLS} FROM people WHERE id = $1");
            c.query_opt(&sql, &[&id])
                .await?
                .as_ref()
                .map(person_row)
                .transpose()
        })
    }

    fn people(&self, bureau: Option<&str>) -> Result<Vec<Person>, AuthError> {
        self.run(|c| async move {
            let sql = format!(
                "SELECT {PERSON_COLS} FROM people WHERE $1::TEXT IS NULL OR bureau = $1 ORDER BY id"
            );
            c.query(&sql, &[&bureau])
                .await?
                .iter()
                .map(person_row)
                .collect()
        })
    }

    fn set_role(&self, id: &str, role: Role, station: Option<&str>) -> Result<Person, AuthError> {
        self.run(|mut c| async move {
            let tx = c.transaction().await?;
            let sql = format!("SELECT {PERSON_COLS} FROM people WHERE id = $1 FOR UPDATE");
            let before = tx
                .query_opt(&sql, &[&id])
                .await?
                .as_ref()
                .map(person_row)
                .transpose()?
                .ok_or(AuthError::NotFound("person"))?;
            check_placement(&tx, &before.bureau, station).await?;
            tx.execute(
                "UPDATE people SET role = $2, station = $3 WHERE id = $1",
                &[&id, &role.code(), &station],
            )
            .await?;
            tx.commit().await?;
            Ok(before)
        })
    }

    fn set_disabled(&self, id: &str, disabled: bool) -> Result<(), AuthError> {
        self.run(|c| async move {
            let n = c
                .execute(
                    "UPDATE people SET disabled = $2 WHERE id = $1",
                    &[&id, &i16::from(disabled)],
                )
                .await?;
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
        let device = self.run(|c| async move {
            c.execute(
                "UPDATE devices SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                &[&id, &now_ms],
            )
            .await?;
            let sql = format!("SELECT {DEVICE_COLS} FROM devices WHERE id = $1");
            Ok(c.query_opt(&sql, &[&id]).await?.as_ref().map(device_row))
        })?;
        if let Ok(mut m) = self.verified.lock() {
            m.remove(id);
        }
        device.ok_or(AuthError::NotFound("device"))
    }

    fn device(&self, id: &str) -> Result<Option<Device>, AuthError> {
        self.run(|c| async move {
            let sql = format!("SELECT {DEVICE_COLS} FROM devices WHERE id = $1");
            Ok(c.query_opt(&sql, &[&id]).await?.as_ref().map(device_row))
        })
    }

    fn devices(&self, person: Option<&str>) -> Result<Vec<Device>, AuthError> {
        self.run(|c| async move {
            let sql = format!(
                "SELECT {DEVICE_COLS} FROM devices WHERE $1::TEXT IS NULL OR person = $1
                 ORDER BY enrolled_at, id"
            );
            Ok(c.query(&sql, &[&person])
                .await?
                .iter()
                .map(device_row)
                .collect())
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
        self.run(|mut c| async move {
            let tx = c.transaction().await?;
            let live = tx
                .query_opt("SELECT revoked_at FROM devices WHERE id = $1", &[&device])
                .await?;
            match live.map(|r| r.get::<_, Option<i64>>(0)) {
                None => return Err(AuthError::NotFound("device")),
                Some(Some(_)) => return Err(AuthError::Revoked),
                Some(None) => {}
            }
            let inserted = tx
                .execute(
                    "INSERT INTO actors (actor, device, registered_at) VALUES ($1, $2, $3)
                     ON CONFLICT (actor) DO NOTHING",
                    &[&actor, &device, &now_ms],
                )
                .await?;
            let owner: String = tx
                .query_one("SELECT device FROM actors WHERE actor = $1", &[&actor])
                .await?
                .get(0);
            tx.commit().await?;
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
            "SELECT a.actor, a.device, p.id, p.name FROM actors a
             JOIN devices d ON d.id = a.device JOIN people p ON p.id = d.person
             WHERE a.actor = ANY($1)",
            actors,
        )
    }

    fn device_owners(&self, devices: &[String]) -> Result<HashMap<String, Owner>, AuthError> {
        self.owners(
            "SELECT d.id, d.id, p.id, p.name FROM devices d JOIN people p ON p.id = d.person
             WHERE d.id = ANY($1)",
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
        let s = share.clone();
        self.run(|c| async move {
            c.execute(
                "INSERT INTO shares (dossier, person, by_person, at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (dossier, person) DO NOTHING",
                &[&s.dossier, &s.person, &s.by, &s.at],
            )
            .await?;
            Ok(())
        })
    }

    fn unshare(&self, dossier: &str, person: &str) -> Result<bool, AuthError> {
        self.run(|c| async move {
            Ok(c.execute(
                "DELETE FROM shares WHERE dossier = $1 AND person = $2",
                &[&dossier, &person],
            )
            .await?
                > 0)
        })
    }

    fn is_shared(&self, dossier: &str, person: &str) -> Result<bool, AuthError> {
        self.run(|c| async move {
            Ok(c.query_opt(
                "SELECT 1 FROM shares WHERE dossier = $1 AND person = $2",
                &[&dossier, &person],
            )
            .await?
            .is_some())
        })
    }

    fn shared_with(&self, person: &str) -> Result<Vec<String>, AuthError> {
        self.run(|c| async move {
            let rows = c
                .query(
                    "SELECT dossier FROM shares WHERE person = $1 ORDER BY dossier",
                    &[&person],
                )
                .await?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn shares_of(&self, dossier: &str) -> Result<Vec<Share>, AuthError> {
        self.run(|c| async move {
            let rows = c
                .query(
                    "SELECT dossier, person, by_person, at FROM shares WHERE dossier = $1
                     ORDER BY person",
                    &[&dossier],
                )
                .await?;
            Ok(rows
                .iter()
                .map(|r| Share {
                    dossier: r.get(0),
                    person: r.get(1),
                    by: r.get(2),
                    at: r.get(3),
                })
                .collect())
        })
    }
}
