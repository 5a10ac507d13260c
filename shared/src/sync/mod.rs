//! The sync core, with no IO (samod-core is the model): plain inputs in, a reply and the
//! effects for the caller to perform out. The server and the phone (the WASM package) both use
//! it, so there is one copy of: changes-since, the checked apply (the dossier id checked on
//! every value, concurrent ones too), linear-history tracking, and the assessment.
//!
//! - [`DossierState`]: a dossier as a peer holds it (documents, JSON views kept up to date
//!   from automerge's patches, conflicts, what the store holds, the last assessment).
//! - [`Trial`]: changes tried on a copy of a document before anything is kept, and
//!   [`InPlace`]: changes shown beforehand to pass every check, applied without the copy.
//! - [`serve`]: the server's side of one document of a request, given the caller's
//!   [`crate::access::Rights`].
//! - [`phone`]: the phone's side: what to send, and taking what came back.

mod in_place;
pub mod item;
pub mod phone;
pub mod serve;
mod state;
mod touch;
mod trial;
mod view;

pub use in_place::InPlace;
pub use item::{ItemError, ItemReply, ItemRequest};
pub use serve::{serve, AuditNote, ItemOutcome, KeepState, Limits, PeerStates};
pub use state::{Assessed, DossierState, NewChange, Stored};
pub use trial::Trial;
pub use view::DocView;
