//! A sync request checked and parsed before any dossier is touched: malformed ids, volumes or
//! heads refuse the whole request (nothing changes); damaged changes fail only their document.
//! The actor ids the changes carry are collected, so the caller's rights can bind them before
//! any dossier is locked.

use std::collections::BTreeMap;
use std::str::FromStr;

use abjuan_shared::doc::sync::parse_changes;
use abjuan_shared::doc::Volume;
use abjuan_shared::sync::ItemRequest;
use automerge::ChangeHash;

use crate::error::ApiError;
use crate::sync::wire::{DocRequest, SyncRequest};

/// One document of the request.
pub(super) struct Item<'a> {
    /// Its place in the request (the reply keeps the order).
    pub index: usize,
    /// As it came.
    pub wire: &'a DocRequest,
    /// Parsed (damaged changes are the core's to report, after the rights).
    pub request: ItemRequest,
}

/// The request by dossier (volume A before B: what B may do depends on A).
pub(super) struct Batch<'a> {
    pub dossiers: BTreeMap<&'a str, Vec<Item<'a>>>,
    /// Every actor id the changes carry, each once.
    pub actors: Vec<String>,
}

fn volume(v: &str) -> Option<Volume> {
    match v {
        "a" => Some(Volume::A),
        "b" => Some(Volume::B),
        _ => None,
    }
}

impl<'a> Batch<'a> {
    /// Checks and parses `req`.
    pub fn parse(req: &'a SyncRequest, max_docs: usize) -> Result<Self, ApiError> {
        if req.docs.len() > max_docs {
            return Err(ApiError::TooManyDocs);
        }
        let mut dossiers: BTreeMap<&str, Vec<Item<'_>>> = BTreeMap::new();
        let mut actors = Vec::new();
        for (index, d) in req.docs.iter().enumerate() {
            if uuid::Uuid::parse_str(&d.dossier).is_err() || d.dossier.len() != 36 {
                return Err(ApiError::InvalidDossierId);
            }
            let volume = volume(&d.volume).ok_or(ApiError::BodyInvalid)?;
            let heads = d
                .heads
                .iter()
                .map(|h| ChangeHash::from_str(h).map_err(|_| ApiError::InvalidHeads))
                .collect::<Result<Vec<_>, _>>()?;
            let raw: Vec<Vec<u8>> = d.changes.iter().map(|c| c.0.clone()).collect();
            let changes = parse_changes(&raw);
            if let Ok(changes) = &changes {
                actors.extend(changes.iter().map(|c| c.actor_id().to_hex_string()));
            }
            let request = ItemRequest {
                volume,
                heads,
                changes,
                message: d.sync.as_ref().map(|m| m.0.clone()),
            };
            dossiers.entry(&d.dossier).or_default().push(Item {
                index,
                wire: d,
                request,
            });
        }
        for items in dossiers.values_mut() {
            items.sort_by_key(|it| it.request.volume == Volume::B);
        }
        actors.sort_unstable();
        actors.dedup();
        Ok(Self { dossiers, actors })
    }
}
