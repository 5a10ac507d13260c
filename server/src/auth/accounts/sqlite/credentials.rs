//! Enrolment codes and device credentials: issuing a code, redeeming it for a device, and
//! authenticating a bearer credential (argon2id once per process and device, then a
//! constant-time fingerprint comparison).

use rusqlite::{params, OptionalExtension};

use super::rows::{clean_text, role_of};
use super::SqliteAccounts;
use crate::auth::accounts::secret::{
    self, format_token, hash_secret, parse_token, verify_nothing, verify_secret, CREDENTIAL_BYTES,
    CREDENTIAL_PREFIX, ENROLMENT_BYTES, ENROLMENT_PREFIX,
};
use crate::auth::{
    AccountStore, AuthError, Caller, Device, DeviceCredential, EnrolmentCode, Person,
};

/// Issues a one-time enrolment code for `person`, valid for `ttl_ms` (only its argon2id hash
/// is stored).
pub(super) fn issue_enrolment(
    store: &SqliteAccounts,
    person: &str,
    now_ms: i64,
    ttl_ms: i64,
) -> Result<EnrolmentCode, AuthError> {
    let who = store.person(person)?.ok_or(AuthError::NotFound("person"))?;
    if who.disabled {
        return Err(AuthError::Invalid("the person is disabled"));
    }
    let lookup = secret::new_lookup_id()?;
    let raw = secret::random_bytes::<ENROLMENT_BYTES>()?;
    let hash = hash_secret(&raw, store.cost)?;
    let expires_at = now_ms.saturating_add(ttl_ms.max(1));
    store.with(|c| {
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

/// Exchanges an enrolment code (once) for a new device and its credential.
pub(super) fn enrol(
    store: &SqliteAccounts,
    code: &str,
    label: &str,
    now_ms: i64,
) -> Result<DeviceCredential, AuthError> {
    let Some((lookup, raw)) = parse_token(ENROLMENT_PREFIX, code, ENROLMENT_BYTES) else {
        verify_nothing(store.cost);
        return Err(AuthError::InvalidEnrolment);
    };
    let label =
        clean_text(label, "device label: 1-100 characters").unwrap_or_else(|_| "device".to_owned());
    let row: Option<(String, String, i64, Option<i64>)> = store.with(|c| {
        Ok(c.query_row(
            "SELECT hash, person, expires_at, used_at FROM enrolments WHERE id = ?1",
            [&lookup],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?)
    })?;
    let Some((hash, person, expires_at, used_at)) = row else {
        verify_nothing(store.cost);
        return Err(AuthError::InvalidEnrolment);
    };
    if !verify_secret(&raw, &hash) || used_at.is_some() || now_ms > expires_at {
        return Err(AuthError::InvalidEnrolment);
    }
    let device_id = secret::new_lookup_id()?;
    let cred = secret::random_bytes::<CREDENTIAL_BYTES>()?;
    let cred_hash = hash_secret(&cred, store.cost)?;
    store.with(|c| {
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

/// The caller behind a bearer credential: the device row is read on every call; the argon2id
/// check runs once per process and device, then the secret's fingerprint is compared in
/// constant time.
pub(super) fn authenticate(
    store: &SqliteAccounts,
    token: &str,
    _now_ms: i64,
) -> Result<Caller, AuthError> {
    let Some((lookup, raw)) = parse_token(CREDENTIAL_PREFIX, token, CREDENTIAL_BYTES) else {
        verify_nothing(store.cost);
        return Err(AuthError::InvalidCredential);
    };
    let row: Option<(String, Option<i64>, Person)> = store.with(|c| {
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
    crate::auth::accounts::verified::settle(store.cost, &store.verified, &lookup, &raw, row)
}
