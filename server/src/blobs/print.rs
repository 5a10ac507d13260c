//! Attachments in the server's PDFs: the photos the print data references are copied beside
//! the page Chromium prints (chunk by chunk, so memory stays flat), and the data names them
//! (`blobs: {sha256: "blobs/<sha256>"}`, what `print/render.js` reads). Only what the data
//! holds is copied, and the data holds only what the caller may read: a partner mediator's has
//! no volume B, so no ID paper reaches their PDF.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use abjuan_shared::attachment::references;
use serde_json::{Map, Value};

use super::{BlobStore, Blobs};

/// Bytes copied per read.
const CHUNK: usize = 256 * 1024;

fn copy(store: &Arc<dyn BlobStore>, sha: &str, to: &Path) -> std::io::Result<bool> {
    if store.stat(sha).ok().flatten().is_none() {
        return Ok(false);
    }
    let mut out = std::fs::File::create(to)?;
    let mut at = 0u64;
    loop {
        let chunk = store
            .read(sha, at, CHUNK)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        if chunk.is_empty() {
            break;
        }
        out.write_all(&chunk)?;
        at += chunk.len() as u64;
    }
    Ok(at > 0)
}

/// `data` with `blobs` naming the copies made under `dir/blobs/` of every image it
/// references that the server holds.
pub async fn stage(blobs: &Blobs, data: &Value, dir: &Path) -> Value {
    let mut shas = BTreeSet::new();
    for item in data["items"].as_array().into_iter().flatten() {
        for r in references(&item["dossier"]) {
            if r.media_type != "application/pdf" {
                shas.insert(r.sha256);
            }
        }
    }
    let mut staged = data.clone();
    if shas.is_empty() {
        return staged;
    }
    let (store, dir) = (blobs.store.clone(), dir.join("blobs"));
    let names = tokio::task::spawn_blocking(move || {
        let mut names = Map::new();
        if std::fs::create_dir_all(&dir).is_err() {
            return names;
        }
        for sha in shas {
            match copy(&store, &sha, &dir.join(&sha)) {
                Ok(true) => {
                    names.insert(sha.clone(), Value::from(format!("blobs/{sha}")));
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "print: an attachment could not be copied"),
            }
        }
        names
    })
    .await
    .unwrap_or_default();
    staged["blobs"] = Value::Object(names);
    staged
}
