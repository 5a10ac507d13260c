//! Phone numbers: mainland mobiles (11 digits, `1[3-9]`, optional `+86`) and landlines with an
//! area code (`0` + 2–3 digits, optional `-`, then 7–8 digits not starting with 0 or 1).
//!
//! [`PATTERN`] is the same rule as a regular expression, for the JSON Schema.

/// The rule as a regular expression (JSON Schema `pattern`).
pub const PATTERN: &str = r"^(\+86)?1[3-9][0-9]{9}$|^0[0-9]{2,3}-?[2-9][0-9]{6,7}$";

/// Whether `s` is a mobile or landline number.
#[must_use]
pub fn is_valid(s: &str) -> bool {
    is_mobile(s) || is_landline(s)
}

/// A mainland mobile number: `1[3-9]` and 9 more digits, optionally prefixed `+86`.
#[must_use]
pub fn is_mobile(s: &str) -> bool {
    let b = s.strip_prefix("+86").unwrap_or(s).as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// A landline with area code: `0` + 2 or 3 digits, an optional `-`, 7 or 8 digits not starting
/// with 0 or 1.
#[must_use]
pub fn is_landline(s: &str) -> bool {
    let b = s.as_bytes();
    if b.first() != Some(&b'0') {
        return false;
    }
    [3usize, 4].iter().any(|&area_len| {
        if b.len() <= area_len || !b[..area_len].iter().all(u8::is_ascii_digit) {
            return false;
        }
        let rest = &b[area_len..];
        let local = rest.strip_prefix(b"-").unwrap_or(rest);
        (7..=8).contains(&local.len())
            && (b'2'..=b'9').contains(&local[0])
            && local.iter().all(u8::is_ascii_digit)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_and_landlines() {
        for ok in [
            "13912345678",
            "+8613912345678",
            "19912345678",
            "0359-8012345",
            "010-62345678",
            "03598012345",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "12912345678",
            "1391234567",
            "139123456789",
            "8012345",
            "0359-0123456",
            "0359--8012345",
            "",
            "１３９１２３４５６７８",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
