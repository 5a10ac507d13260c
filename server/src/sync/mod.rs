//! The phone sync API (`POST /v1/sync`, docs/sync-api.md): [`wire`] is the body format,
//! [`engine`] merges a batch into the cached documents and the store.

pub mod engine;
pub mod wire;

pub use engine::{Engine, Limits};
