//! [`BindError`]: what can go wrong at the JS boundary. It reaches JS as an `Error` whose
//! `code` property is a stable code (`invalid_json`, `doc_corrupt`, ...); pages match on the
//! code, never on the message.

use wasm_bindgen::JsValue;

/// An error with a stable code and a message safe to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindError {
    /// Stable code.
    pub code: &'static str,
    /// Human-readable message (never internal details).
    pub message: String,
}

impl BindError {
    /// An error with this code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for BindError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for BindError {}

impl From<abjuan_shared::warning::RulesError> for BindError {
    fn from(e: abjuan_shared::warning::RulesError) -> Self {
        Self::new(e.code(), e.to_string())
    }
}

#[cfg(feature = "doc")]
impl From<abjuan_shared::doc::DocError> for BindError {
    fn from(e: abjuan_shared::doc::DocError) -> Self {
        use abjuan_shared::doc::DocError;
        let message = match &e {
            // automerge's own text may name internals: keep it out of what pages show.
            DocError::Automerge(_) => "the document operation failed".to_owned(),
            other => other.to_string(),
        };
        Self::new(e.code(), message)
    }
}

impl From<BindError> for JsValue {
    fn from(e: BindError) -> Self {
        let err = js_sys::Error::new(&e.message);
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&err, &JsValue::from_str("code"), &JsValue::from_str(e.code));
        err.into()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rules_errors_keep_their_code() {
        let e: BindError = abjuan_shared::LocalRules::from_json("{")
            .unwrap_err()
            .into();
        assert_eq!(e.code, "rules_invalid");
    }

    #[cfg(feature = "doc")]
    #[test]
    fn automerge_internals_do_not_leak() {
        let e: BindError = abjuan_shared::doc::DocError::Automerge("at op 17 in /x".into()).into();
        assert_eq!(e.code, "doc_error");
        assert!(!e.message.contains("op 17"));
    }
}
