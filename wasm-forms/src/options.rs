//! The options object pages pass: `{locale?, status?, now?, localRules?}`.

use abjuan_shared::model::{Labelled, Status, Timestamp};
use abjuan_shared::{Locale, RuleSet, ValidateOptions};
use serde::Deserialize;
use serde_json::Value;

use crate::BindError;

/// The options as JS gives them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JsOptions {
    /// `"zh-CN"` (default) or `"en"`.
    pub locale: Option<String>,
    /// Judge the dossier as if it had this status.
    pub status: Option<String>,
    /// RFC 3339; default: the device clock.
    pub now: Option<String>,
    /// A bureau's rule set (`{bureau, version, rules}`, as `GET /v1/rules` gives it) or bare
    /// local rules (`{rules}`), object or JSON text.
    pub local_rules: Option<Value>,
}

/// Options checked and ready for `shared`.
#[derive(Debug)]
pub struct Options {
    /// Message language.
    pub locale: Locale,
    /// Status to judge by.
    pub status: Option<Status>,
    /// The current time.
    pub now: Timestamp,
    /// The rule set, if any.
    pub local_rules: Option<RuleSet>,
}

impl Options {
    /// Parses the options' JSON text (`None`: all defaults). `clock` gives "now" when the page
    /// did not.
    pub fn from_json(
        json: Option<&str>,
        clock: impl FnOnce() -> Timestamp,
    ) -> Result<Self, BindError> {
        let raw: JsOptions = match json {
            None | Some("null") => JsOptions::default(),
            Some(text) => serde_json::from_str(text).map_err(|_| {
                BindError::new(
                    "invalid_options",
                    "options must be {locale?, status?, now?, localRules?}",
                )
            })?,
        };
        Ok(Self {
            locale: raw.locale.as_deref().map_or(Locale::Zh, Locale::from_tag),
            status: raw.status.as_deref().map(parse_status).transpose()?,
            now: match raw.now {
                Some(text) => crate::js::parse_now(&text)?,
                None => clock(),
            },
            local_rules: raw.local_rules.as_ref().map(parse_rules).transpose()?,
        })
    }

    /// The options `shared` takes.
    #[must_use]
    pub fn validate_options(&self) -> ValidateOptions<'_> {
        ValidateOptions {
            status: self.status,
            local_rules: self.local_rules.as_ref(),
            ..ValidateOptions::new(self.now).locale(self.locale)
        }
    }
}

/// A status code (`"mediating"`).
pub fn parse_status(code: &str) -> Result<Status, BindError> {
    Status::from_code(code)
        .ok_or_else(|| BindError::new("invalid_status", format!("unknown status {code:?}")))
}

/// A rule set (or bare local rules: bureau `""`, version 0) given as an object or as JSON
/// text.
pub fn parse_rules(value: &Value) -> Result<RuleSet, BindError> {
    let rules = match value {
        Value::String(text) => RuleSet::from_json(text),
        other => RuleSet::from_json(&other.to_string()),
    };
    Ok(rules?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fixed() -> Timestamp {
        Timestamp::parse_from_rfc3339("2025-06-01T12:00:00+08:00").unwrap_or_default()
    }

    #[test]
    fn defaults() {
        let o = Options::from_json(None, fixed).unwrap();
        assert_eq!(o.locale, Locale::Zh);
        assert_eq!(o.now, fixed());
        assert!(o.status.is_none() && o.local_rules.is_none());
    }

    #[test]
    fn everything_given() {
        let o = Options::from_json(
            Some(r#"{"locale":"en","status":"resolved","now":"2024-01-01T00:00:00Z","localRules":{"rules":[]}}"#),
            fixed,
        )
        .unwrap();
        assert_eq!(o.locale, Locale::En);
        assert_eq!(o.status, Some(Status::Resolved));
        assert_ne!(o.now, fixed());
        assert!(o.local_rules.is_some());
    }

    #[test]
    fn bad_options_have_codes() {
        let code = |s: &str| Options::from_json(Some(s), fixed).unwrap_err().code;
        assert_eq!(code(r#"{"status":"closed"}"#), "invalid_status");
        assert_eq!(code(r#"{"now":"soon"}"#), "invalid_timestamp");
        assert_eq!(code(r#"{"localRules":{"rules":7}}"#), "rules_invalid");
        assert_eq!(code("[1]"), "invalid_options");
    }
}
