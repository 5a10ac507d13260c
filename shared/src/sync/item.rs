//! One document of a sync request and of its reply, as plain values (the server's wire format
//! and the WASM bindings convert to and from these).

use crate::access::Refusal;
use crate::doc::{DocError, Volume};
use automerge::{Change, ChangeHash};

/// One document of a request: the fast path (the server heads the peer saw last, and its
/// changes since) or a message of automerge's generic sync protocol.
#[derive(Debug, Clone)]
pub struct ItemRequest {
    /// Which document.
    pub volume: Volume,
    /// The server heads the peer last saw.
    pub heads: Vec<ChangeHash>,
    /// The peer's changes the server may lack, parsed ([`crate::doc::sync::parse_changes`]),
    /// or why they could not be (reported only once the caller may exchange the document at
    /// all: a refusal comes first).
    pub changes: Result<Vec<Change>, DocError>,
    /// A generic sync message answering the server's last one.
    pub message: Option<Vec<u8>>,
}

/// Why a document of a request was not synced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemError {
    /// The bytes or the result are not acceptable ([`DocError::code`]).
    #[error("{0}")]
    Doc(DocError),
    /// The caller may not do this ([`Refusal::reason`]).
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// The document would outgrow the limit.
    #[error("document too large")]
    TooLarge,
}

/// One document of a reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemReply {
    /// The server's heads after this request.
    pub heads: Vec<ChangeHash>,
    /// Changes the peer lacks.
    pub changes: Vec<Vec<u8>>,
    /// The server's next generic sync message.
    pub message: Option<Vec<u8>>,
    /// Whether the generic protocol is in use for this document.
    pub fallback: bool,
    /// How many of the peer's changes were new.
    pub applied: usize,
    /// Why it failed.
    pub error: Option<ItemError>,
}

impl From<DocError> for ItemError {
    fn from(e: DocError) -> Self {
        ItemError::Doc(e)
    }
}
