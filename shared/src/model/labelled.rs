//! Enumerations that carry a stable code plus Chinese and English labels.
//!
//! Every closed list of the dossier (source, status, method...) is declared with
//! [`labelled_enum!`]: the serde form is the stable snake_case code, and the labels feed the
//! form (UI hints in the JSON Schema) and the validation messages.

/// A closed list of values with a stable code and labels in both languages.
pub trait Labelled: Sized + Copy + 'static {
    /// Every value, in display order.
    const ALL: &'static [Self];
    /// The stable code (what goes into JSON and automerge).
    fn code(self) -> &'static str;
    /// Chinese label.
    fn label_zh(self) -> &'static str;
    /// English label.
    fn label_en(self) -> &'static str;
    /// The value with this code, if any.
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
}

/// Declares a [`Labelled`] enum: `Variant = ("code", "中文", "English")`.
///
/// Meant for this crate only: the `schema-gen` feature it tests is this crate's.
#[macro_export]
macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($code:literal, $zh:literal, $en:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "schema-gen", derive(schemars::JsonSchema))]
        $vis enum $name {
            $( $(#[$vmeta])* #[doc = concat!($zh, " / ", $en)] #[serde(rename = $code)] $variant ),+
        }

        impl $crate::model::labelled::Labelled for $name {
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            fn code(self) -> &'static str { match self { $(Self::$variant => $code),+ } }
            fn label_zh(self) -> &'static str { match self { $(Self::$variant => $zh),+ } }
            fn label_en(self) -> &'static str { match self { $(Self::$variant => $en),+ } }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::model::labelled::Labelled::code(*self))
            }
        }
    };
}
