//! Reading rows into accounts and checking what goes into them: roles, people, devices, names
//! and labels, actor and dossier ids, a person's bureau and station.

use abjuan_shared::access::Role;
use rusqlite::{Connection, OptionalExtension};

use crate::auth::{AuthError, Device, Person};

pub(super) fn role_of(code: &str) -> Result<Role, rusqlite::Error> {
    Role::from_code(code).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown role {code}").into(),
        )
    })
}

pub(super) const PERSON_COLS: &str = "id, name, role, station, bureau, disabled";

pub(super) fn person_row(r: &rusqlite::Row<'_>) -> Result<Person, rusqlite::Error> {
    Ok(Person {
        id: r.get(0)?,
        name: r.get(1)?,
        role: role_of(&r.get::<_, String>(2)?)?,
        station: r.get(3)?,
        bureau: r.get(4)?,
        disabled: r.get(5)?,
    })
}

pub(super) const DEVICE_COLS: &str = "id, person, label, enrolled_at, revoked_at";

pub(super) fn device_row(r: &rusqlite::Row<'_>) -> Result<Device, rusqlite::Error> {
    Ok(Device {
        id: r.get(0)?,
        person: r.get(1)?,
        label: r.get(2)?,
        enrolled_at: r.get(3)?,
        revoked_at: r.get(4)?,
    })
}

/// A display name or label: trimmed, 1–100 characters, no control characters.
pub(in crate::auth::accounts) fn clean_text(
    s: &str,
    what: &'static str,
) -> Result<String, AuthError> {
    let t = s.trim();
    if t.is_empty() || t.chars().count() > 100 || t.chars().any(char::is_control) {
        return Err(AuthError::Invalid(what));
    }
    Ok(t.to_owned())
}

pub(in crate::auth::accounts) fn valid_actor(actor: &str) -> bool {
    (2..=128).contains(&actor.len())
        && actor
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && hex::decode(actor).is_ok()
}

pub(in crate::auth::accounts) fn valid_dossier(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok() && id.len() == 36
}

/// The bureau exists and the station (when given) is one of its stations.
pub(super) fn check_placement(
    c: &Connection,
    bureau: &str,
    station: Option<&str>,
) -> Result<(), AuthError> {
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
