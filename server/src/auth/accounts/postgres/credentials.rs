//! Enrolment codes and device credentials in PostgreSQL: the flow of the SQLite store
//! (argon2id once per process and device, then a constant-time fingerprint comparison; the
//! device row read on every call), with the code used exactly once across every node.

use super::{role, PgAccounts};
use crate::auth::accounts::secret::{
    self, format_token, hash_secret, parse_token, verify_nothing, verify_secret, CREDENTIAL_BYTES,
    CREDENTIAL_PREFIX, ENROLMENT_BYTES, ENROLMENT_PREFIX,
};
use crate::auth::accounts::sqlite::rows::clean_text;
use crate::auth::{
    AccountStore, AuthError, Caller, Device, DeviceCredential, EnrolmentCode, Person,
};

/// Issues a one-time enrolment code for `person`, valid for `ttl_ms`.
pub(super) fn issue_enrolment(
    store: &PgAccounts,
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
    let id = lookup.clone();
    store.run(|c| async move {
        c.execute(
            "INSERT INTO enrolments (id, person, hash, issued_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
            &[&id, &person, &hash, &now_ms, &expires_at],
        )
        .await?;
        Ok(())
    })?;
    Ok(EnrolmentCode {
        code: format_token(ENROLMENT_PREFIX, &lookup, &raw),
        person: person.to_owned(),
        expires_at,
    })
}

/// Exchanges an enrolment code (once, whichever node sees it first) for a new device.
pub(super) fn enrol(
    store: &PgAccounts,
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
    let id = lookup.clone();
    let row = store.run(|c| async move {
        let r = c
            .query_opt(
                "SELECT hash, person, expires_at, used_at FROM enrolments WHERE id = $1",
                &[&id],
            )
            .await?;
        Ok(r.map(|r| {
            (
                r.get::<_, String>(0),
                r.get::<_, String>(1),
                r.get::<_, i64>(2),
                r.get::<_, Option<i64>>(3),
            )
        }))
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
    let (dev, who, lab) = (device_id.clone(), person.clone(), label.clone());
    store.run(|mut c| async move {
        let tx = c.transaction().await?;
        let disabled: i16 = tx
            .query_one("SELECT disabled FROM people WHERE id = $1", &[&who])
            .await?
            .get(0);
        let n = tx
            .execute(
                "UPDATE enrolments SET used_at = $2, device = $3 WHERE id = $1 AND used_at IS NULL",
                &[&lookup, &now_ms, &dev],
            )
            .await?;
        if n == 0 || disabled != 0 {
            return Err(AuthError::InvalidEnrolment);
        }
        tx.execute(
            "INSERT INTO devices (id, person, label, hash, enrolled_at) VALUES ($1, $2, $3, $4, $5)",
            &[&dev, &who, &lab, &cred_hash, &now_ms],
        )
        .await?;
        tx.commit().await?;
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

/// The caller behind a bearer credential.
pub(super) fn authenticate(
    store: &PgAccounts,
    token: &str,
    _now_ms: i64,
) -> Result<Caller, AuthError> {
    let Some((lookup, raw)) = parse_token(CREDENTIAL_PREFIX, token, CREDENTIAL_BYTES) else {
        verify_nothing(store.cost);
        return Err(AuthError::InvalidCredential);
    };
    let id = lookup.clone();
    let row = store.run(|c| async move {
        let r = c
            .query_opt(
                "SELECT d.hash, d.revoked_at, p.id, p.name, p.role, p.station, p.bureau,
                        p.disabled
                 FROM devices d JOIN people p ON p.id = d.person WHERE d.id = $1",
                &[&id],
            )
            .await?;
        r.map(|r| -> Result<_, AuthError> {
            Ok((
                r.get::<_, String>(0),
                r.get::<_, Option<i64>>(1),
                Person {
                    id: r.get(2),
                    name: r.get(3),
                    role: role(r.get(4))?,
                    station: r.get(5),
                    bureau: r.get(6),
                    disabled: r.get::<_, i16>(7) != 0,
                },
            ))
        })
        .transpose()
    })?;
    crate::auth::accounts::verified::settle(store.cost, &store.verified, &lookup, &raw, row)
}
