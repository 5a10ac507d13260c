//! A phone's side of the blob routes, blocking (ureq), for the load program and the end-to-end
//! tests: ask how much the server holds (`HEAD`), upload the rest in parts, fetch.

use std::time::Duration;

use serde_json::Value;

use crate::client::ClientError;

/// Bytes per upload request.
pub const PART: usize = 1024 * 1024;

/// The blob routes of one server, with one device's credential.
#[derive(Debug, Clone)]
pub struct BlobClient {
    agent: ureq::Agent,
    base: String,
    token: Option<String>,
    device: Option<String>,
}

fn transport(e: impl std::fmt::Display) -> ClientError {
    ClientError::Transport(e.to_string())
}

impl BlobClient {
    /// A client of `base` (`http://127.0.0.1:PORT`).
    #[must_use]
    pub fn new(base: &str, token: Option<&str>) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        Self {
            agent,
            base: base.trim_end_matches('/').to_owned(),
            token: token.map(str::to_owned),
            device: None,
        }
    }

    /// The same client naming its device (open demo mode).
    #[must_use]
    pub fn device(mut self, device: &str) -> Self {
        self.device = Some(device.to_owned());
        self
    }

    fn url(&self, sha: &str) -> String {
        format!("{}/v1/blobs/{sha}", self.base)
    }

    fn auth<B>(&self, mut req: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        if let Some(t) = &self.token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        if let Some(d) = &self.device {
            req = req.header("X-Abjuan-Device", d);
        }
        req
    }

    /// `HEAD`: the status and `Upload-Offset`.
    pub fn head(&self, sha: &str) -> Result<(u16, Option<u64>), ClientError> {
        let resp = self
            .auth(self.agent.head(self.url(sha)))
            .call()
            .map_err(transport)?;
        let offset = resp
            .headers()
            .get("upload-offset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        Ok((resp.status().as_u16(), offset))
    }

    /// One `PUT` of `body` (at `start` of a blob of `total` bytes, or the whole blob when
    /// `total` is `None`): the status and the JSON answer.
    pub fn put(
        &self,
        sha: &str,
        media_type: &str,
        body: &[u8],
        part: Option<(u64, u64)>,
    ) -> Result<(u16, Value), ClientError> {
        let mut req = self
            .auth(self.agent.put(self.url(sha)))
            .header("Content-Type", media_type);
        if let Some((start, total)) = part {
            let end = start + body.len() as u64 - 1;
            req = req.header("Content-Range", &format!("bytes {start}-{end}/{total}"));
        }
        let mut resp = req.send(body).map_err(transport)?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().map_err(transport)?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// Uploads `bytes` in parts of [`PART`], starting where the server's copy stands.
    pub fn upload(&self, sha: &str, media_type: &str, bytes: &[u8]) -> Result<(), ClientError> {
        let (status, offset) = self.head(sha)?;
        if status == 200 {
            return Ok(());
        }
        let total = bytes.len() as u64;
        let mut at = offset.unwrap_or(0).min(total);
        loop {
            let start = usize::try_from(at).unwrap_or(0);
            let end = (start + PART).min(bytes.len());
            let (status, body) =
                self.put(sha, media_type, &bytes[start..end], Some((at, total)))?;
            match status {
                200 | 201 => return Ok(()),
                202 => at = body["received"].as_u64().unwrap_or(at),
                409 if body["received"].is_u64() => at = body["received"].as_u64().unwrap_or(0),
                _ => {
                    return Err(ClientError::Status {
                        status,
                        body: body.to_string(),
                    })
                }
            }
        }
    }

    /// `GET`: the status and the bytes (a `range` such as `bytes=100-`).
    pub fn get(&self, sha: &str, range: Option<&str>) -> Result<(u16, Vec<u8>), ClientError> {
        let mut req = self.auth(self.agent.get(self.url(sha)));
        if let Some(r) = range {
            req = req.header("Range", r);
        }
        let mut resp = req.call().map_err(transport)?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .map_err(transport)?;
        Ok((status, body))
    }
}
