//! Enrolment codes and device credentials: random secrets, their text form, and how they are
//! kept (only an argon2id hash, found through a random lookup id that is not secret).
//!
//! Text form: `<kind>_<lookup id, hex>_<secret, base64url>`; `abje_` for a one-time
//! enrolment code (printed by `abjuan admin device enrol`), `abjd_` for a device credential
//! (32 random bytes, sent as `Authorization: Bearer abjd_…`).

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::auth::AuthError;

/// Prefix of enrolment codes.
pub const ENROLMENT_PREFIX: &str = "abje";
/// Prefix of device credentials.
pub const CREDENTIAL_PREFIX: &str = "abjd";
/// Bytes of a device credential's secret.
pub const CREDENTIAL_BYTES: usize = 32;
/// Bytes of an enrolment code's secret.
pub const ENROLMENT_BYTES: usize = 20;
/// Bytes of a lookup id.
pub const LOOKUP_BYTES: usize = 8;

/// The cost of the argon2id hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Iterations.
    pub iterations: u32,
}

impl Default for HashCost {
    /// argon2's recommended defaults (19 MiB, 2 passes, 1 lane).
    fn default() -> Self {
        Self {
            memory_kib: Params::DEFAULT_M_COST,
            iterations: Params::DEFAULT_T_COST,
        }
    }
}

impl HashCost {
    /// A cheap cost for tests only.
    #[must_use]
    pub fn for_tests() -> Self {
        Self {
            memory_kib: 64,
            iterations: 1,
        }
    }

    fn argon2(self) -> Result<Argon2<'static>, AuthError> {
        let params = Params::new(self.memory_kib, self.iterations, 1, None)
            .map_err(|e| AuthError::Storage(format!("argon2 params: {e}")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// `N` bytes from the operating system's random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], AuthError> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|_| AuthError::Random)?;
    Ok(out)
}

/// A fresh lookup id (hex).
pub fn new_lookup_id() -> Result<String, AuthError> {
    Ok(hex::encode(random_bytes::<LOOKUP_BYTES>()?))
}

/// The text form of a secret.
#[must_use]
pub fn format_token(prefix: &str, lookup: &str, secret: &[u8]) -> String {
    format!("{prefix}_{lookup}_{}", URL_SAFE_NO_PAD.encode(secret))
}

/// Splits a token of kind `prefix` into its lookup id and secret. `None` when malformed
/// (wrong kind, wrong lengths, characters outside the alphabet).
#[must_use]
pub fn parse_token(prefix: &str, token: &str, secret_len: usize) -> Option<(String, Vec<u8>)> {
    let token = token.trim();
    if token.len() > 128 {
        return None;
    }
    let mut parts = token.splitn(3, '_');
    let (kind, lookup, secret) = (parts.next()?, parts.next()?, parts.next()?);
    if kind != prefix
        || lookup.len() != LOOKUP_BYTES * 2
        || !lookup
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    let secret = URL_SAFE_NO_PAD.decode(secret).ok()?;
    (secret.len() == secret_len).then(|| (lookup.to_owned(), secret))
}

/// The argon2id hash (PHC string) of a secret, with a random salt.
pub fn hash_secret(secret: &[u8], cost: HashCost) -> Result<String, AuthError> {
    let salt_bytes = random_bytes::<16>()?;
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| AuthError::Storage(format!("salt: {e}")))?;
    let hash = cost
        .argon2()?
        .hash_password(secret, &salt)
        .map_err(|e| AuthError::Storage(format!("argon2: {e}")))?;
    Ok(hash.to_string())
}

/// Whether `secret` matches the stored hash (argon2's comparison is constant-time). The cost
/// is read from the stored hash, so raising the default never locks old devices out.
#[must_use]
pub fn verify_secret(secret: &[u8], phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    Argon2::default().verify_password(secret, &parsed).is_ok()
}

/// Spends the time of one verification on nothing, so an unknown lookup id takes as long to
/// refuse as a wrong secret.
pub fn verify_nothing(cost: HashCost) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    if let Some(phc) = DUMMY
        .get_or_init(|| hash_secret(&[0u8; CREDENTIAL_BYTES], cost).ok())
        .as_deref()
    {
        let _ = verify_secret(&[1u8; CREDENTIAL_BYTES], phc);
    }
}

/// SHA-256 of a secret: the in-memory key of an already verified credential (the secret has
/// 256 bits of entropy, so a fast hash is enough in memory; the database keeps argon2id).
#[must_use]
pub fn fingerprint(secret: &[u8]) -> [u8; 32] {
    Sha256::digest(secret).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_malformed_ones_are_refused() {
        let secret = [7u8; CREDENTIAL_BYTES];
        let token = format_token(CREDENTIAL_PREFIX, "0123456789abcdef", &secret);
        assert!(token.starts_with("abjd_0123456789abcdef_"));
        let (lookup, back) =
            parse_token(CREDENTIAL_PREFIX, &token, CREDENTIAL_BYTES).expect("parses");
        assert_eq!(lookup, "0123456789abcdef");
        assert_eq!(back, secret);
        assert!(parse_token(ENROLMENT_PREFIX, &token, CREDENTIAL_BYTES).is_none());
        assert!(parse_token(CREDENTIAL_PREFIX, &token, ENROLMENT_BYTES).is_none());
        for bad in [
            "",
            "abjd",
            "abjd__",
            "abjd_0123456789ABCDEF_AAAA",
            "abjd_0123_AAAA",
            "abjd_0123456789abcdef_!!!!",
            &"x".repeat(4000),
        ] {
            assert!(parse_token(CREDENTIAL_PREFIX, bad, CREDENTIAL_BYTES).is_none());
        }
    }

    #[test]
    fn hashes_verify_only_the_right_secret() {
        let cost = HashCost::for_tests();
        let phc = hash_secret(b"right", cost).expect("hash");
        assert!(phc.starts_with("$argon2id$"));
        assert!(!phc.contains("right"));
        assert!(verify_secret(b"right", &phc));
        assert!(!verify_secret(b"wrong", &phc));
        assert!(!verify_secret(b"right", "not a hash"));
        assert_ne!(phc, hash_secret(b"right", cost).expect("hash"), "salted");
        verify_nothing(cost);
    }

    #[test]
    fn random_bytes_differ() {
        let (a, b) = (
            random_bytes::<32>().expect("a"),
            random_bytes::<32>().expect("b"),
        );
        assert_ne!(a, b);
        assert_eq!(new_lookup_id().expect("id").len(), 16);
    }
}
