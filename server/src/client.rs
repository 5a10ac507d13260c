//! A small phone-side sync client over HTTP: the `abjuan demo-sync` command, the load program
//! and the end-to-end tests all drive the server through it, with real automerge documents.
//!
//! A [`Phone`] keeps its dossiers' documents and, per document, the server heads it saw in
//! the last reply; [`Phone::sync`] sends the changes since those heads (one round trip) and
//! follows the generic sync protocol when the server asks for it.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use abjuan_shared::doc::sync::DocSync;
use abjuan_shared::doc::{DossierDocs, Volume};
use abjuan_shared::sync::phone;
use abjuan_shared::Dossier;
use automerge::{ActorId, ChangeHash, ReadDoc};
use serde_json::json;

use crate::sync::wire::{Bytes, DocRequest, Format, SyncReply, SyncRequest};

/// What can go wrong on the phone's side.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No connection, or the connection broke.
    #[error("transport: {0}")]
    Transport(String),
    /// The server answered with an error status.
    #[error("server answered {status}: {body}")]
    Status {
        /// HTTP status.
        status: u16,
        /// The error body.
        body: String,
    },
    /// The reply could not be read.
    #[error("bad reply: {0}")]
    Reply(String),
    /// A document refused the server's data.
    #[error("document: {0}")]
    Doc(String),
}

/// The station `abjuan demo-sync` writes to and the demo page starts in (a server in open demo
/// mode always offers it in `GET /v1/stations`, so the first sync and the page agree).
pub const DEMO_STATION: &str = "yongji-puzhou";
/// [`DEMO_STATION`]'s name.
pub const DEMO_STATION_NAME: &str = "蒲州派出所";

/// A dossier a test or demo can start from: valid, in draft, one party in volume B.
#[must_use]
pub fn sample_dossier(id: &str, station: &str, category: &str, summary: &str) -> Dossier {
    let value = json!({
        "id": id,
        "header": {
            "station": station,
            "category": category,
            "source": "walk_in",
            "reportedAt": "2025-05-30T09:00:00+08:00",
            "summary": summary,
            "status": "registered"
        },
        "volumeB": {
            "parties": [{
                "id": "0193f0a0-0000-7000-8000-00000000006f",
                "name": "王桂兰",
                "side": "applicant"
            }]
        }
    });
    // The literal above is a valid dossier; a failure here is a bug in this function.
    serde_json::from_value(value).expect("sample dossier matches the model")
}

/// The time used for edits made by simulated phones.
#[must_use]
pub fn now() -> abjuan_shared::model::Timestamp {
    chrono::Utc::now().fixed_offset()
}

/// An HTTP sender to one server.
#[derive(Debug, Clone)]
pub struct Transport {
    agent: ureq::Agent,
    base: String,
    /// Body format.
    pub format: Format,
    /// Gzip request bodies.
    pub gzip: bool,
    /// Device credential sent as `Authorization: Bearer …`.
    pub token: Option<String>,
}

impl Transport {
    /// Sends later requests to `base` instead (another node of the same database), keeping
    /// the format, compression and credential.
    pub fn set_base(&mut self, base: &str) {
        self.base = base.trim_end_matches('/').to_owned();
    }

    /// A transport to `base` (`http://127.0.0.1:8080`).
    #[must_use]
    pub fn new(base: &str) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Self {
            agent,
            base: base.trim_end_matches('/').to_owned(),
            format: Format::Json,
            gzip: false,
            token: None,
        }
    }

    /// The same transport, sending `token` as its device credential.
    #[must_use]
    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.to_owned());
        self
    }

    fn authorize<B>(&self, req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.token {
            Some(t) => req.header("Authorization", format!("Bearer {t}")),
            None => req,
        }
    }

    fn finish(
        resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<(u16, String), ClientError> {
        let mut resp = resp.map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        Ok((status, text))
    }

    /// `GET` a path, returning status, content type and the raw body (a ledger, a PDF: up to
    /// 512 MiB, waiting up to `timeout`).
    pub fn get_bytes(
        &self,
        path: &str,
        timeout: Duration,
    ) -> Result<(u16, String, Vec<u8>), ClientError> {
        let req = self
            .authorize(self.agent.get(format!("{}{path}", self.base)))
            .config()
            .timeout_global(Some(timeout))
            .build();
        let mut resp = req
            .call()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = resp.status().as_u16();
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = resp
            .body_mut()
            .with_config()
            .limit(512 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        Ok((status, ctype, body))
    }

    /// `GET` a path, returning status and the body as text.
    pub fn get_text(&self, path: &str) -> Result<(u16, String), ClientError> {
        Self::finish(
            self.authorize(self.agent.get(format!("{}{path}", self.base)))
                .call(),
        )
    }

    /// `POST` a JSON body to a path, returning status and the body as text.
    pub fn post_json(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<(u16, String), ClientError> {
        Self::finish(
            self.authorize(self.agent.post(format!("{}{path}", self.base)))
                .header("Content-Type", "application/json")
                .send(body.to_string().as_bytes()),
        )
    }

    /// Sends raw bytes to `POST /v1/sync`; returns status and (decompressed) body.
    pub fn post_raw(
        &self,
        device: &str,
        content_type: &str,
        gzip: bool,
        body: &[u8],
    ) -> Result<(u16, Vec<u8>), ClientError> {
        let mut req = self
            .authorize(self.agent.post(format!("{}/v1/sync", self.base)))
            .header("Content-Type", content_type)
            .header("X-Abjuan-Device", device);
        let owned;
        let body = if gzip {
            req = req.header("Content-Encoding", "gzip");
            owned = crate::sync::wire::gzip(body);
            &owned[..]
        } else {
            body
        };
        let mut resp = req
            .send(body)
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        Ok((status, bytes))
    }

    /// Sends raw bytes with an explicit `Content-Encoding` (already encoded).
    pub fn post_raw_encoded(
        &self,
        device: &str,
        content_type: &str,
        encoding: &str,
        body: &[u8],
    ) -> Result<(u16, Vec<u8>), ClientError> {
        let mut resp = self
            .authorize(self.agent.post(format!("{}/v1/sync", self.base)))
            .header("Content-Type", content_type)
            .header("Content-Encoding", encoding)
            .header("X-Abjuan-Device", device)
            .send(body)
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .body_mut()
            .read_to_vec()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        Ok((status, bytes))
    }

    /// Sends a sync request.
    pub fn send(&self, device: &str, req: &SyncRequest) -> Result<SyncReply, ClientError> {
        let body = self
            .format
            .encode(req)
            .map_err(|e| ClientError::Reply(e.code().to_owned()))?;
        let (status, bytes) =
            self.post_raw(device, self.format.content_type(), self.gzip, &body)?;
        if status != 200 {
            return Err(ClientError::Status {
                status,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        self.format
            .decode(&bytes)
            .map_err(|e| ClientError::Reply(e.code().to_owned()))
    }

    /// `GET` a path, returning status and JSON.
    pub fn get_json(&self, path: &str) -> Result<(u16, serde_json::Value), ClientError> {
        let mut resp = self
            .authorize(self.agent.get(format!("{}{path}", self.base)))
            .call()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        Ok((status, value))
    }
}

type DocKey = (String, Volume);

/// A simulated phone: its dossiers, the server heads it last saw, its sync states.
#[derive(Debug)]
pub struct Phone {
    /// Device id sent in `X-Abjuan-Device`.
    pub device: String,
    /// The automerge actor of this phone's edits.
    pub actor: ActorId,
    /// The dossiers on the phone.
    pub dossiers: BTreeMap<String, DossierDocs>,
    server_heads: HashMap<DocKey, Vec<ChangeHash>>,
    states: HashMap<DocKey, automerge::sync::State>,
    /// The HTTP side.
    pub transport: Transport,
}

/// What one [`Phone::sync`] did.
#[derive(Debug, Default, Clone)]
pub struct SyncOutcome {
    /// HTTP round trips.
    pub round_trips: usize,
    /// Changes received from the server.
    pub received: usize,
    /// Changes the server said were new to it.
    pub applied: usize,
    /// Per-document errors (`dossier/volume: code`).
    pub errors: Vec<String>,
    /// The last reply.
    pub last: Option<SyncReply>,
}

impl Phone {
    /// A phone talking to `base`.
    #[must_use]
    pub fn new(base: &str, device: &str) -> Self {
        Self {
            device: device.to_owned(),
            actor: ActorId::random(),
            dossiers: BTreeMap::new(),
            server_heads: HashMap::new(),
            states: HashMap::new(),
            transport: Transport::new(base),
        }
    }

    /// Opens a dossier offline.
    pub fn create(&mut self, dossier: &Dossier) -> Result<(), ClientError> {
        let docs = DossierDocs::create(dossier, &self.actor, now())
            .map_err(|e| ClientError::Doc(e.to_string()))?;
        self.dossiers.insert(dossier.id.clone(), docs);
        Ok(())
    }

    /// The documents of a dossier, mutably (created empty when unknown).
    pub fn docs_mut(&mut self, id: &str) -> &mut DossierDocs {
        self.dossiers
            .entry(id.to_owned())
            .or_insert_with(|| DossierDocs {
                a: automerge::Automerge::new(),
                b: automerge::Automerge::new(),
            })
    }

    /// Forgets the server heads (as after reinstalling), forcing the generic protocol.
    pub fn forget_server(&mut self) {
        self.server_heads.clear();
        self.states.clear();
    }

    /// Pretends the server had a head it never had (a stale phone), forcing the fallback.
    pub fn set_server_heads(&mut self, id: &str, volume: Volume, heads: Vec<ChangeHash>) {
        self.server_heads.insert((id.to_owned(), volume), heads);
    }

    /// The fast-path request for these dossiers (both documents each).
    #[must_use]
    pub fn request(&self, ids: &[String]) -> SyncRequest {
        let mut docs = Vec::new();
        for id in ids {
            let Some(d) = self.dossiers.get(id) else {
                continue;
            };
            for volume in [Volume::A, Volume::B] {
                let heads = self
                    .server_heads
                    .get(&(id.clone(), volume))
                    .cloned()
                    .unwrap_or_default();
                let changes = phone::outgoing(d.doc(volume), &heads)
                    .into_iter()
                    .map(Bytes)
                    .collect();
                docs.push(DocRequest {
                    dossier: id.clone(),
                    volume: volume.as_str().to_owned(),
                    heads: heads.iter().map(ToString::to_string).collect(),
                    changes,
                    sync: None,
                });
            }
        }
        SyncRequest { docs }
    }

    /// Takes a reply: applies changes, remembers heads, answers sync messages. Returns the
    /// follow-up requests the generic protocol still needs.
    pub fn absorb(
        &mut self,
        reply: &SyncReply,
        out: &mut SyncOutcome,
    ) -> Result<Vec<DocRequest>, ClientError> {
        let mut next = Vec::new();
        for d in &reply.docs {
            if !d.ok {
                let code = d.error.as_ref().map_or("?", |e| e.code.as_str());
                out.errors
                    .push(format!("{}/{}: {code}", d.dossier, d.volume));
                continue;
            }
            let volume = if d.volume == "b" {
                Volume::B
            } else {
                Volume::A
            };
            out.applied += d.applied;
            let key = (d.dossier.clone(), volume);
            let docs = self
                .dossiers
                .entry(d.dossier.clone())
                .or_insert_with(|| DossierDocs {
                    a: automerge::Automerge::new(),
                    b: automerge::Automerge::new(),
                });
            let doc = docs.doc_mut(volume);
            if d.fallback {
                let state = self.states.entry(key.clone()).or_default();
                if let Some(m) = &d.sync {
                    phone::take_message_into(doc, &d.dossier, volume, state, &m.0)
                        .map_err(|e| ClientError::Doc(e.to_string()))?;
                }
                if let Some(m) = doc.generate(state) {
                    next.push(DocRequest {
                        dossier: d.dossier.clone(),
                        volume: d.volume.clone(),
                        heads: Vec::new(),
                        changes: Vec::new(),
                        sync: Some(Bytes(m)),
                    });
                } else {
                    self.states.remove(&key);
                }
            } else {
                let changes: Vec<Vec<u8>> = d.changes.iter().map(|c| c.0.clone()).collect();
                out.received += changes.len();
                phone::take_changes_into(doc, &d.dossier, volume, &changes)
                    .map_err(|e| ClientError::Doc(e.to_string()))?;
            }
            let heads: Vec<ChangeHash> = d.heads.iter().filter_map(|h| h.parse().ok()).collect();
            let doc = self.docs_mut(&d.dossier).doc(volume);
            let known: Vec<ChangeHash> = heads
                .into_iter()
                .filter(|h| doc.get_change_by_hash(h).is_some())
                .collect();
            self.server_heads.insert(key, known);
        }
        Ok(next)
    }

    /// Syncs these dossiers: one round trip on the fast path, more while the generic protocol
    /// runs (at most 10).
    pub fn sync(&mut self, ids: &[String]) -> Result<SyncOutcome, ClientError> {
        let mut out = SyncOutcome::default();
        let mut req = self.request(ids);
        for _ in 0..10 {
            if req.docs.is_empty() {
                break;
            }
            let reply = self.transport.send(&self.device, &req)?;
            out.round_trips += 1;
            let next = self.absorb(&reply, &mut out)?;
            out.last = Some(reply);
            req = SyncRequest { docs: next };
        }
        Ok(out)
    }

    /// Syncs every dossier on the phone.
    pub fn sync_all(&mut self) -> Result<SyncOutcome, ClientError> {
        let ids: Vec<String> = self.dossiers.keys().cloned().collect();
        self.sync(&ids)
    }
}
