//! Query and path parameter bounds, checked exactly as `/openapi.json` states them: a value
//! out of bounds is refused (400 `invalid_query`, `invalid_dossier_id`, `invalid_heads`),
//! never clamped.

/// Largest page of a list (`limit`), as documented.
pub const MAX_PAGE: u32 = 1000;

/// `limit`: absent, or 1 to [`MAX_PAGE`].
#[must_use]
pub fn page_ok(limit: Option<u32>) -> bool {
    limit.is_none_or(|l| (1..=MAX_PAGE).contains(&l))
}

/// A month, `YYYY-MM` (documented pattern `^[0-9]{4}-[0-9]{2}$`).
#[must_use]
pub fn is_month(m: &str) -> bool {
    m.len() == 7
        && m.bytes().enumerate().all(|(i, b)| {
            if i == 4 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// A month filter: absent, empty (no filter) or a month.
#[must_use]
pub fn month_ok(m: Option<&String>) -> bool {
    m.is_none_or(|m| m.is_empty() || is_month(m))
}

/// A dossier id: a UUID in its hyphenated 36-character form (either case), as `POST /v1/sync`
/// takes them.
#[must_use]
pub fn dossier_id_ok(id: &str) -> bool {
    id.len() == 36 && uuid::Uuid::parse_str(id).is_ok()
}

/// A change hash: 64 lower-case hex digits.
#[must_use]
pub fn is_head(h: &str) -> bool {
    h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// `heads`: empty (the current state) or change hashes separated by commas (documented
/// pattern `^([0-9a-f]{64}(,[0-9a-f]{64})*)?$`).
#[must_use]
pub fn heads_ok(heads: &str) -> bool {
    heads.is_empty() || heads.split(',').all(is_head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_as_documented() {
        assert!(page_ok(None) && page_ok(Some(1)) && page_ok(Some(1000)));
        assert!(!page_ok(Some(0)) && !page_ok(Some(1001)));
        assert!(is_month("2026-12") && !is_month("2026-1") && !is_month("2026/12"));
        assert!(month_ok(None) && month_ok(Some(&String::new())));
        assert!(!month_ok(Some(&"12-2026".to_owned())));
        assert!(dossier_id_ok("0193a1b2-0000-7000-8000-000000000001"));
        assert!(!dossier_id_ok("0193a1b200007000800000000000000a"));
        let h = "a".repeat(64);
        assert!(heads_ok("") && heads_ok(&h) && heads_ok(&format!("{h},{h}")));
        assert!(!heads_ok(&format!("{h},")) && !heads_ok(&h.to_uppercase()));
        assert!(!heads_ok(&format!(" {h}")));
    }
}
