//! Dispute categories (矛盾纠纷类型): an open list. The built-in codes cover the four focus
//! areas of the report and the common others; a bureau adds its own as data (a
//! [`CategoryCatalog`]), without a new release.

use serde::{Deserialize, Serialize};

/// A category code as stored in a dossier (`"marriage"`, `"debt"`, or a bureau's own code).
pub type CategoryCode = String;

/// One category: code and labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Category {
    /// Stable code, `[a-z0-9_]{1,32}`.
    pub code: String,
    /// Chinese label.
    pub label_zh: String,
    /// English label.
    pub label_en: String,
    /// One of the report's four focus areas (婚姻、感情、邻里、债务).
    #[serde(default)]
    pub focus: bool,
}

/// The built-in categories: `(code, zh, en, focus area)`.
pub const BUILT_IN: &[(&str, &str, &str, bool)] = &[
    ("marriage", "婚姻家庭", "Marriage and family", true),
    ("romance", "感情", "Romantic relationship", true),
    ("neighbour", "邻里", "Neighbours", true),
    ("debt", "债务", "Debt", true),
    ("land", "土地/宅基地", "Land and homestead", false),
    ("wages", "劳资", "Wages", false),
    ("property", "物业", "Property management", false),
    ("traffic", "交通事故", "Traffic accident", false),
    ("other", "其他", "Other", false),
];

/// The categories a bureau uses: the built-in ones plus its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCatalog {
    categories: Vec<Category>,
}

impl Default for CategoryCatalog {
    fn default() -> Self {
        Self {
            categories: BUILT_IN
                .iter()
                .map(|&(code, zh, en, focus)| Category {
                    code: code.to_owned(),
                    label_zh: zh.to_owned(),
                    label_en: en.to_owned(),
                    focus,
                })
                .collect(),
        }
    }
}

impl CategoryCatalog {
    /// The built-in catalog plus `extra` (a bureau's own categories; an extra with a built-in
    /// code replaces its labels).
    #[must_use]
    pub fn with_extra(extra: impl IntoIterator<Item = Category>) -> Self {
        let mut catalog = Self::default();
        for category in extra {
            match catalog
                .categories
                .iter_mut()
                .find(|c| c.code == category.code)
            {
                Some(existing) => *existing = category,
                None => catalog.categories.push(category),
            }
        }
        catalog
    }

    /// The category with this code.
    #[must_use]
    pub fn get(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    /// All categories, built-in first.
    #[must_use]
    pub fn all(&self) -> &[Category] {
        &self.categories
    }
}

/// Whether a string is a well-formed category code (`[a-z0-9_]{1,32}`).
#[must_use]
pub fn is_valid_code(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}
