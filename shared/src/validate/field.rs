//! Field validators plugged into the `validator` derive (`#[validate(custom(...))]`). Each
//! returns a `ValidationError` whose code is one of [`super::Code`]'s stable strings.

use validator::ValidationError;

use super::{id_number, phone, Code};

fn fail(code: Code) -> ValidationError {
    ValidationError::new(code.as_str())
}

/// A UUID in its 36-character text form (any version; v7 recommended).
pub fn uuid(s: &str) -> Result<(), ValidationError> {
    if is_uuid(s) {
        Ok(())
    } else {
        Err(fail(Code::IdFormat))
    }
}

/// Whether `s` is a UUID in text form: `8-4-4-4-12` hex digits.
#[must_use]
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A resident ID number's shape, region and check character. The birth date against "now" and
/// the agreement with sex and date of birth are checked by the cross-field rules, which know
/// the clock and the rest of the party.
pub fn id_number(s: &str) -> Result<(), ValidationError> {
    id_number::parse(s, None).map(|_| ()).map_err(fail)
}

/// A mobile or landline number.
pub fn phone(s: &str) -> Result<(), ValidationError> {
    if phone::is_valid(s) {
        Ok(())
    } else {
        Err(fail(Code::PhoneFormat))
    }
}

/// A category code: `[a-z0-9_]{1,32}`.
pub fn category(s: &str) -> Result<(), ValidationError> {
    if crate::model::category::is_valid_code(s) {
        Ok(())
    } else {
        Err(fail(Code::CategoryFormat))
    }
}

/// An attachment's content address: SHA-256 as 64 lowercase hex digits.
pub fn sha256(s: &str) -> Result<(), ValidationError> {
    if crate::model::attachment::is_sha256(s) {
        Ok(())
    } else {
        Err(fail(Code::AttachmentHash))
    }
}

/// An attachment's media type: one of [`crate::model::MEDIA_TYPES`].
pub fn media_type(s: &str) -> Result<(), ValidationError> {
    if crate::model::attachment::is_media_type(s) {
        Ok(())
    } else {
        Err(fail(Code::AttachmentType))
    }
}

/// An attachment's size: 1 byte to [`crate::model::MAX_ATTACHMENT_BYTES`].
pub fn attachment_size(size: u64) -> Result<(), ValidationError> {
    if (1..=crate::model::MAX_ATTACHMENT_BYTES).contains(&size) {
        Ok(())
    } else {
        Err(fail(Code::AttachmentSize))
    }
}
