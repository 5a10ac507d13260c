//! The last step of authenticating a bearer credential, the same for every account store once
//! it has read the device's row: argon2id once per process and device, then a constant-time
//! comparison of the secret's fingerprint; a revoked device or a disabled person refused.

use std::collections::HashMap;
use std::sync::Mutex;

use subtle::ConstantTimeEq;

use super::secret::{fingerprint, verify_nothing, verify_secret, HashCost};
use crate::auth::{AuthError, Caller, Person};

/// A credential verified with argon2id in this process.
#[derive(Debug, Clone)]
pub(in crate::auth::accounts) struct Verified {
    pub(in crate::auth::accounts) fingerprint: [u8; 32],
    pub(in crate::auth::accounts) phc: String,
}

/// The credentials this process has verified, by lookup id.
pub(in crate::auth::accounts) type VerifiedCache = Mutex<HashMap<String, Verified>>;

/// The caller behind credential `lookup` with secret `raw`, given the device's stored row
/// (its argon2id hash, when it was revoked, its person), `None` when there is none.
pub(in crate::auth::accounts) fn settle(
    cost: HashCost,
    verified: &VerifiedCache,
    lookup: &str,
    raw: &[u8],
    row: Option<(String, Option<i64>, Person)>,
) -> Result<Caller, AuthError> {
    let Some((phc, revoked_at, person)) = row else {
        verify_nothing(cost);
        return Err(AuthError::InvalidCredential);
    };
    let fp = fingerprint(raw);
    let cached = verified.lock().ok().and_then(|m| m.get(lookup).cloned());
    let known = cached.is_some_and(|v| v.phc == phc && bool::from(v.fingerprint.ct_eq(&fp)));
    if !known {
        if !verify_secret(raw, &phc) {
            return Err(AuthError::InvalidCredential);
        }
        if let Ok(mut m) = verified.lock() {
            if m.len() > 100_000 {
                m.clear();
            }
            m.insert(
                lookup.to_owned(),
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
    Ok(Caller::new(&person, lookup))
}
