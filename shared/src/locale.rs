//! The two languages the product speaks: Chinese for officers (default), English on request.

use serde::{Deserialize, Serialize};

/// A message language. Officers read Chinese, so [`Locale::Zh`] is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Locale {
    /// Simplified Chinese (zh-CN).
    #[default]
    #[serde(rename = "zh-CN", alias = "zh")]
    Zh,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Locale {
    /// Parses a BCP-47-ish tag leniently: anything starting with `en` is English, the rest Chinese.
    #[must_use]
    pub fn from_tag(tag: &str) -> Self {
        if tag.trim().to_ascii_lowercase().starts_with("en") {
            Self::En
        } else {
            Self::Zh
        }
    }

    /// Picks the text for this locale.
    #[must_use]
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Zh => zh,
            Self::En => en,
        }
    }
}
