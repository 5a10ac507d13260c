//! `abjuan-wasm-forms`: the WASM face of [`abjuan_shared`] for phone apps and web pages.
//!
//! Thin bindings, split by area:
//! - [`validate`]: `validateDossier`, `validateField`, `dossierSchema`, `grade`;
//! - [`doc`]: the `DossierDoc` class (offline editing of a dossier's two automerge documents);
//! - [`sync`]: the `SyncState` class and the change/sync-message calls of `DossierDoc`;
//! - [`error`]: the one error type; it reaches JS as an `Error` with a stable `code`.
//!
//! Every binding converts JS values at the edge and delegates in a line or two to a plain Rust
//! function of the same module, so the logic is tested natively (`cargo test`). JS names are
//! camelCase; TypeScript types are in [`types`].

pub mod error;
pub mod js;
pub mod options;
mod types;
pub mod validate;

#[cfg(feature = "doc")]
pub mod doc;
#[cfg(feature = "doc")]
pub mod sync;

pub use error::BindError;
