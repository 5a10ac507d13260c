//! Dossiers as automerge documents: offline edits from several officers merge without loss.
//!
//! Each dossier is **two** documents, so the server can sync volume A to a partner mediator and
//! never send volume B (personal data):
//!
//! - document A: `{id, formType, header, volumeA}`
//! - document B: `{dossierId, volumeB}`
//!
//! The CRDT type of every field is chosen in [`shape`]. [`DossierDocs`] holds both documents
//! and the editing operations; every edit is an automerge change under the caller's actor id,
//! stamped with the caller's "now". [`conflicts`] lists fields with concurrent values,
//! [`history`] who changed what and when, [`sync`] the per-(peer, document) sync states, and
//! [`assess`] re-validates and re-grades after any merge.

pub mod assess;
pub mod conflicts;
mod docs;
mod facts;
pub mod history;
pub mod hostile;
pub mod js_style;
pub mod read;
pub mod shape;
pub mod sync;
pub mod write;

use serde::{Deserialize, Serialize};

pub use assess::{assess, assess_json, Assessment};
pub use conflicts::{conflicts, Conflict, ConflictValue, Seg};
pub use docs::{merge_json, DossierDocs, EditOutcome};
pub use facts::DossierFacts;
pub use history::{history, HistoryEntry};

/// Which of a dossier's two documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Volume {
    /// Header and volume A.
    A,
    /// Volume B (personal data).
    B,
}

impl Volume {
    /// `"a"` or `"b"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "a",
            Self::B => "b",
        }
    }

    /// Its place in a pair of per-document values: 0 for A, 1 for B.
    #[must_use]
    pub fn index(self) -> usize {
        match self {
            Self::A => 0,
            Self::B => 1,
        }
    }

    /// The root key that names the document's dossier: `id` in A, `dossierId` in B.
    #[must_use]
    pub fn id_key(self) -> &'static str {
        match self {
            Self::A => "id",
            Self::B => "dossierId",
        }
    }
}

/// What can go wrong with a dossier document. Never a panic: hostile bytes give one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    /// Bytes that are not an automerge document or change.
    #[error("not a valid automerge document or change")]
    Corrupt,
    /// A document nested deeper than any dossier.
    #[error("document nested too deeply")]
    TooDeep,
    /// A document whose shape is not a dossier's.
    #[error("document does not have a dossier's shape")]
    Shape,
    /// A document (or change) of another dossier.
    #[error("document belongs to another dossier")]
    WrongDossier,
    /// An edit the model refuses (the dossier would not parse), with a validation code.
    #[error("edit refused: {0}")]
    InvalidEdit(&'static str),
    /// A status change the rules do not allow.
    #[error("status cannot change from {from} to {to}")]
    Transition {
        /// Current status code.
        from: &'static str,
        /// Requested status code.
        to: &'static str,
    },
    /// Any other automerge error (message kept for logs, never for clients).
    #[error("automerge: {0}")]
    Automerge(String),
}

impl DocError {
    /// Stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Corrupt => "doc_corrupt",
            Self::TooDeep => "doc_too_deep",
            Self::Shape => "doc_shape",
            Self::WrongDossier => "doc_wrong_dossier",
            Self::InvalidEdit(_) => "edit_invalid",
            Self::Transition { .. } => "status_transition",
            Self::Automerge(_) => "doc_error",
        }
    }
}

impl From<automerge::AutomergeError> for DocError {
    fn from(e: automerge::AutomergeError) -> Self {
        match e {
            automerge::AutomergeError::Load(_)
            | automerge::AutomergeError::LoadChangeError(_)
            | automerge::AutomergeError::InvalidChangeHashBytes(_)
            | automerge::AutomergeError::Deflate(_)
            | automerge::AutomergeError::NonChangeCompressed
            | automerge::AutomergeError::ChangeGraph(_)
            | automerge::AutomergeError::MissingDeps
            | automerge::AutomergeError::DuplicateSeqNumber(..)
            | automerge::AutomergeError::NotAnObject => Self::Corrupt,
            other => Self::Automerge(other.to_string()),
        }
    }
}

/// Appends one escaped JSON-pointer segment.
pub(crate) fn structural_pointer(path: &mut String, segment: &str) {
    path.push('/');
    for c in segment.chars() {
        match c {
            '~' => path.push_str("~0"),
            '/' => path.push_str("~1"),
            c => path.push(c),
        }
    }
}

/// Runs an automerge call on untrusted bytes. automerge 0.12 still panics on some damaged
/// input (found by our fuzzing: unwraps in its change collector, a sort on NaN floats); a
/// panic there becomes [`DocError::Corrupt`] and the caller's state is left untouched (callers
/// work on a fork). On wasm32 (panic = abort) this cannot catch, so the server, which receives
/// every phone's bytes, is the line of defence and never stores what it could not load.
pub(crate) fn guarded<T>(f: impl FnOnce() -> Result<T, DocError>) -> Result<T, DocError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or(Err(DocError::Corrupt))
}
