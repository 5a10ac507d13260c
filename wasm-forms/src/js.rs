//! Moving values across the boundary: JS values travel as JSON text (one `JSON.stringify` or
//! `JSON.parse` on the JS side, serde on this side), which keeps key order and is fast.

use abjuan_shared::model::Timestamp;
use chrono::{DateTime, FixedOffset, Offset, Utc};
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::BindError;

/// The JSON text of a JS value: a string is taken as JSON text already, anything else is
/// `JSON.stringify`'d. `undefined` (and functions) give `None`.
pub fn json_text(value: &JsValue) -> Result<Option<String>, BindError> {
    if let Some(s) = value.as_string() {
        return Ok(Some(s));
    }
    stringify(value)
}

/// `JSON.stringify(value)`; `None` for `undefined`. Cycles and BigInts give `invalid_json`.
pub fn stringify(value: &JsValue) -> Result<Option<String>, BindError> {
    if value.is_undefined() {
        return Ok(None);
    }
    let text = js_sys::JSON::stringify(value)
        .map_err(|_| BindError::new("invalid_json", "the value cannot be written as JSON"))?;
    Ok(text.as_string())
}

/// A JS value (string or object) that must be given, as JSON text.
pub fn required_json(value: &JsValue, what: &str) -> Result<String, BindError> {
    json_text(value)?
        .ok_or_else(|| BindError::new("invalid_argument", format!("{what} is required")))
}

/// A Rust value as a JS value (through JSON text).
pub fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, BindError> {
    let text = serde_json::to_string(value)
        .map_err(|_| BindError::new("internal", "the result cannot be written as JSON"))?;
    parse(&text)
}

/// `JSON.parse(text)`.
pub fn parse(text: &str) -> Result<JsValue, BindError> {
    js_sys::JSON::parse(text).map_err(|_| BindError::new("internal", "the result is not JSON"))
}

/// The device's clock, in the device's UTC offset (JS `Date`).
#[must_use]
pub fn now() -> Timestamp {
    let date = js_sys::Date::new_0();
    #[allow(clippy::cast_possible_truncation)]
    let millis = date.get_time() as i64;
    #[allow(clippy::cast_possible_truncation)]
    let offset_secs = -(date.get_timezone_offset() as i32) * 60;
    let offset = FixedOffset::east_opt(offset_secs).unwrap_or_else(|| Utc.fix());
    DateTime::from_timestamp_millis(millis)
        .unwrap_or_default()
        .with_timezone(&offset)
}

/// Parses an RFC 3339 timestamp given by a page.
pub fn parse_now(text: &str) -> Result<Timestamp, BindError> {
    Timestamp::parse_from_rfc3339(text).map_err(|_| {
        BindError::new(
            "invalid_timestamp",
            format!("not an RFC 3339 timestamp: {text:?}"),
        )
    })
}

/// `now` given by the page, or the device's clock.
pub fn now_or_clock(now: Option<String>) -> Result<Timestamp, BindError> {
    match now {
        Some(text) => parse_now(&text),
        None => Ok(self::now()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339() {
        assert!(parse_now("2025-06-01T12:00:00+08:00").is_ok());
        assert_eq!(
            parse_now("yesterday").unwrap_err().code,
            "invalid_timestamp"
        );
    }
}
