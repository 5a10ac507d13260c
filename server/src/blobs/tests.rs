//! The blob routes in process (`warp::test`, no socket; a temporary directory each): bureau
//! `yongji` with stations `puzhou` and `kaizhang`, officers `wang` and `li` of `puzhou`,
//! `zhou` of `kaizhang`, partner mediator `zhao` (dossier D shared with them), and dossier D
//! of `puzhou` referencing blob `A` in volume A and blob `B` in volume B.

use std::sync::Arc;
use std::time::Duration;

use abjuan_shared::access::Role;
use abjuan_shared::attachment::content_address;
use abjuan_shared::doc::Volume;
use serde_json::Value;
use warp::Filter;

use super::{routes, sweep, Blobs, FsBlobStore, Limits};
use crate::audit::{AuditFilter, AuditKind};
use crate::auth::testing::{self, add_person, add_units, enrol};
use crate::auth::{Gate, Share};
use crate::store::sqlite::SqliteStore;
use crate::store::{IndexRow, Store, WriteOp};

const D: &str = "0193f0a0-0000-7000-8000-0000000000d1";

/// JPEG-looking bytes of `len` (the first bytes of a JPEG, then a pattern from `seed`).
fn jpeg(len: usize, seed: u8) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.extend((0..len.saturating_sub(4)).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    v
}

struct Rig {
    dir: tempfile::TempDir,
    gate: Arc<Gate>,
    blobs: Arc<Blobs>,
    store: Arc<dyn Store>,
    a: Vec<u8>,
    b: Vec<u8>,
}

async fn rig(limits: Limits) -> Rig {
    let (dir, g) = testing::gate(false);
    add_units(&g, &[("puzhou", "蒲州"), ("kaizhang", "开张")]);
    add_person(&g, "wang", Role::Officer, Some("puzhou"));
    add_person(&g, "li", Role::Officer, Some("puzhou"));
    add_person(&g, "zhou", Role::Officer, Some("kaizhang"));
    add_person(&g, "zhao", Role::PartnerMediator, Some("puzhou"));
    g.accounts
        .share(&Share {
            dossier: D.into(),
            person: "zhao".into(),
            by: "wang".into(),
            at: 1,
        })
        .expect("share");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).expect("store"));
    let (a, b) = (jpeg(5000, 1), jpeg(7000, 2));
    let row = IndexRow {
        id: D.into(),
        station: "puzhou".into(),
        attachments: vec![
            (content_address(&a), Volume::A),
            (content_address(&b), Volume::B),
        ],
        ..IndexRow::default()
    };
    store
        .submit(vec![WriteOp::Index(Box::new(row))])
        .await
        .expect("reply")
        .expect("indexed");
    let blob_store = FsBlobStore::open(dir.path()).expect("blobs");
    let blobs = Arc::new(Blobs::new(Arc::new(blob_store), store.clone(), limits));
    Rig {
        dir,
        gate: Arc::new(g),
        blobs,
        store,
        a,
        b,
    }
}

fn limits() -> Limits {
    Limits {
        max_blob_bytes: 64 * 1024,
        per_device_day: 1024 * 1024,
        grace: Duration::from_secs(3600),
        sweep_every: Duration::from_secs(3600),
        idle: Duration::from_millis(300),
    }
}

struct Reply {
    status: u16,
    headers: warp::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    fn offset(&self) -> Option<u64> {
        self.headers
            .get("upload-offset")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
    }
}

impl Rig {
    fn token(&self, person: &str) -> String {
        enrol(&self.gate, person, crate::clock::now_ms()).token
    }

    async fn call(
        &self,
        method: &str,
        sha: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Reply {
        let mut req = warp::test::request()
            .method(method)
            .path(&format!("/v1/blobs/{sha}"))
            .header("authorization", format!("Bearer {token}"));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let filter = routes::routes(self.blobs.clone(), self.gate.clone())
            .recover(crate::http::handle_rejection)
            .unify();
        let resp = req.body(body).reply(&filter).await;
        Reply {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            body: resp.body().to_vec(),
        }
    }

    async fn put(&self, token: &str, bytes: &[u8]) -> Reply {
        let sha = content_address(bytes);
        self.call("PUT", &sha, token, &[("content-type", "image/jpeg")], bytes)
            .await
    }

    fn files(&self) -> Vec<String> {
        walk(&self.dir.path().join("blobs"))
    }
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
    out
}

#[tokio::test]
async fn an_upload_is_checked_stored_once_and_read_back_by_whoever_reads_its_volume() {
    let r = rig(limits()).await;
    let (wang, li, zhao, zhou) = (
        r.token("wang"),
        r.token("li"),
        r.token("zhao"),
        r.token("zhou"),
    );
    let (sa, sb) = (content_address(&r.a), content_address(&r.b));
    let put = r.put(&wang, &r.a).await;
    assert_eq!(put.status, 201, "{:?}", put.json());
    assert_eq!(put.json()["complete"], true);
    assert_eq!(r.put(&wang, &r.a).await.status, 200, "again: already there");
    assert_eq!(r.put(&wang, &r.b).await.status, 201);
    let head = r.call("HEAD", &sa, &li, &[], &[]).await;
    assert_eq!(head.status, 200);
    assert_eq!(
        head.headers
            .get("content-length")
            .and_then(|v| v.to_str().ok()),
        Some("5000")
    );
    for (who, token) in [("wang", &wang), ("li", &li), ("zhao", &zhao)] {
        let got = r.call("GET", &sa, token, &[], &[]).await;
        assert_eq!(got.status, 200, "{who} reads volume A");
        assert_eq!(got.body, r.a, "{who}");
        assert_eq!(
            got.headers
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("image/jpeg")
        );
    }
    assert_eq!(r.call("GET", &sb, &li, &[], &[]).await.body, r.b);
    // Volume B never reaches the partner mediator; another station sees neither.
    for (token, sha) in [(&zhao, &sb), (&zhou, &sa), (&zhou, &sb)] {
        let got = r.call("GET", sha, token, &[], &[]).await;
        assert_eq!(got.status, 404);
        assert_eq!(got.json()["code"], "blob_not_found");
        assert!(!got.body.windows(4).any(|w| w == [0xFF, 0xD8, 0xFF, 0xE0]));
        assert_eq!(r.call("HEAD", sha, token, &[], &[]).await.status, 404);
    }
    let denials = r
        .gate
        .audit
        .read(&AuditFilter::default())
        .expect("audit")
        .into_iter()
        .filter(|e| e.kind == AuditKind::AccessDenied && e.subject.as_deref() == Some(sb.as_str()))
        .count();
    assert!(denials >= 1, "the mediator's attempt is in the audit log");
    // An upload no dossier references yet: its uploader reads it, nobody else.
    let loose = jpeg(3000, 9);
    assert_eq!(r.put(&wang, &loose).await.status, 201);
    let sl = content_address(&loose);
    assert_eq!(r.call("GET", &sl, &wang, &[], &[]).await.status, 200);
    assert_eq!(r.call("GET", &sl, &li, &[], &[]).await.status, 404);
    // Li holds the same bytes: uploading them is checked, then answered as stored.
    assert_eq!(r.put(&li, &loose).await.status, 200);
    // A range of it.
    let part = r
        .call("GET", &sa, &wang, &[("range", "bytes=100-199")], &[])
        .await;
    assert_eq!(part.status, 206);
    assert_eq!(part.body, r.a[100..200]);
    assert_eq!(
        part.headers
            .get("content-range")
            .and_then(|v| v.to_str().ok()),
        Some("bytes 100-199/5000")
    );
    let bad = r
        .call("GET", &sa, &wang, &[("range", "bytes=9000-")], &[])
        .await;
    assert_eq!(bad.status, 416);
    assert_eq!(
        r.call("GET", "ABC", &wang, &[], &[]).await.json()["code"],
        "invalid_blob_address"
    );
}

#[tokio::test]
async fn bytes_that_do_not_match_their_address_or_type_are_refused_and_nothing_is_kept() {
    let r = rig(limits()).await;
    let wang = r.token("wang");
    let wrong = r
        .call(
            "PUT",
            &content_address(&r.a),
            &wang,
            &[("content-type", "image/jpeg")],
            &r.b,
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.json()["code"], "blob_hash_mismatch");
    let html = b"<html><script>alert(1)</script></html>".to_vec();
    let as_jpeg = r
        .call(
            "PUT",
            &content_address(&html),
            &wang,
            &[("content-type", "image/jpeg")],
            &html,
        )
        .await;
    assert_eq!(as_jpeg.status, 415);
    assert_eq!(as_jpeg.json()["code"], "blob_type");
    let as_html = r
        .call(
            "PUT",
            &content_address(&html),
            &wang,
            &[("content-type", "text/html")],
            &html,
        )
        .await;
    assert_eq!(as_html.status, 415);
    assert!(r.files().is_empty(), "nothing stored: {:?}", r.files());
    let head = r
        .call("HEAD", &content_address(&r.a), &wang, &[], &[])
        .await;
    assert_eq!((head.status, head.offset()), (404, Some(0)));
}

#[tokio::test]
async fn an_upload_in_parts_resumes_where_it_stands() {
    let r = rig(limits()).await;
    let (wang, li) = (r.token("wang"), r.token("li"));
    let sha = content_address(&r.a);
    let jpeg_range = |range: String| {
        [
            ("content-type", "image/jpeg".to_owned()),
            ("content-range", range),
        ]
    };
    let h = jpeg_range("bytes 0-1999/5000".into());
    let hs: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = r.call("PUT", &sha, &wang, &hs, &r.a[..2000]).await;
    assert_eq!(first.status, 202, "{:?}", first.json());
    assert_eq!(first.json()["received"], 2000);
    let head = r.call("HEAD", &sha, &wang, &[], &[]).await;
    assert_eq!((head.status, head.offset()), (404, Some(2000)));
    // Another device has nothing of it.
    assert_eq!(r.call("HEAD", &sha, &li, &[], &[]).await.offset(), Some(0));
    // A part that does not continue it is told where to start.
    let h = jpeg_range("bytes 3000-4999/5000".into());
    let hs: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let gap = r.call("PUT", &sha, &wang, &hs, &r.a[3000..]).await;
    assert_eq!((gap.status, gap.offset()), (409, Some(2000)));
    assert_eq!(gap.json()["code"], "blob_offset");
    let h = jpeg_range("bytes 2000-4999/5000".into());
    let hs: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let rest = r.call("PUT", &sha, &wang, &hs, &r.a[2000..]).await;
    assert_eq!(rest.status, 201, "{:?}", rest.json());
    assert_eq!(r.call("GET", &sha, &li, &[], &[]).await.body, r.a);
    // A part running past what it announced is refused, and nothing of it kept.
    let other = jpeg(4000, 5);
    let h = jpeg_range("bytes 0-999/4000".into());
    let hs: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let over = r
        .call("PUT", &content_address(&other), &wang, &hs, &other[..])
        .await;
    assert_eq!(over.json()["code"], "invalid_content_range");
}

#[tokio::test]
async fn a_request_that_goes_away_keeps_what_arrived() {
    use futures_util::StreamExt;
    let r = rig(limits()).await;
    let wang = r.token("wang");
    let caller = {
        let tok = wang.clone();
        let g = r.gate.clone();
        tokio::task::spawn_blocking(move || {
            g.authenticate(Some(&format!("Bearer {tok}")), None, "x")
        })
        .await
        .expect("join")
        .expect("caller")
    };
    let sha = content_address(&r.a);
    let req = super::upload::Put {
        sha256: sha.clone(),
        media_type: "image/jpeg".into(),
        part: None,
        length: Some(5000),
    };
    // 1,500 bytes, then nothing: the request is dropped (a phone that lost its signal).
    let body = futures_util::stream::iter(vec![Ok::<_, warp::Error>(
        bytes::Bytes::copy_from_slice(&r.a[..1500]),
    )])
    .chain(futures_util::stream::pending());
    let cut = tokio::time::timeout(
        Duration::from_millis(100),
        super::upload::put(&r.blobs, &caller, req.clone(), body),
    )
    .await;
    assert!(cut.is_err(), "still waiting for the rest when dropped");
    let mut held = 0;
    for _ in 0..50 {
        held = r
            .call("HEAD", &sha, &wang, &[], &[])
            .await
            .offset()
            .unwrap_or(0);
        if held == 1500 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(held, 1500, "what arrived before the drop is kept");
    // A phone that stops sending is cut after the idle time, keeping what came.
    let body = futures_util::stream::iter(vec![Ok::<_, warp::Error>(
        bytes::Bytes::copy_from_slice(&r.a[1500..3000]),
    )])
    .chain(futures_util::stream::pending());
    let part = super::upload::Part {
        start: 1500,
        end: 4999,
        total: 5000,
    };
    let idle = super::upload::put(
        &r.blobs,
        &caller,
        super::upload::Put {
            part: Some(part),
            ..req
        },
        body,
    )
    .await;
    assert_eq!(idle, Err(crate::error::ApiError::Timeout));
    assert_eq!(
        r.call("HEAD", &sha, &wang, &[], &[]).await.offset(),
        Some(3000)
    );
}

#[tokio::test]
async fn limits_per_blob_and_per_device_and_day() {
    let r = rig(Limits {
        per_device_day: 11_000,
        ..limits()
    })
    .await;
    let wang = r.token("wang");
    let big = jpeg(70 * 1024, 3);
    let too_large = r.put(&wang, &big).await;
    assert_eq!(
        (too_large.status, too_large.json()["code"].clone()),
        (413, "blob_too_large".into())
    );
    assert_eq!(r.put(&wang, &r.b).await.status, 201);
    let over = r.put(&wang, &r.a).await;
    assert_eq!(over.status, 429);
    assert_eq!(over.json()["code"], "blob_quota");
    // Another device has its own allowance.
    assert_eq!(r.put(&r.token("li"), &r.a).await.status, 201);
}

#[tokio::test]
async fn unreferenced_blobs_and_forgotten_uploads_are_swept_after_the_grace_period() {
    let r = rig(Limits {
        grace: Duration::from_secs(60),
        ..limits()
    })
    .await;
    let wang = r.token("wang");
    let loose = jpeg(3000, 7);
    for bytes in [&r.a, &loose] {
        assert_eq!(r.put(&wang, bytes).await.status, 201);
    }
    let unfinished = jpeg(4000, 8);
    let partial = r
        .call(
            "PUT",
            &content_address(&unfinished),
            &wang,
            &[
                ("content-type", "image/jpeg"),
                ("content-range", "bytes 0-999/4000"),
            ],
            &unfinished[..1000],
        )
        .await;
    assert_eq!(partial.status, 202);
    let now = crate::clock::now_ms();
    assert_eq!(
        sweep::sweep_at(&r.blobs, now).await,
        Ok(sweep::Swept::default()),
        "within the grace period"
    );
    let later = now + 120_000;
    let swept = sweep::sweep_at(&r.blobs, later).await.expect("sweep");
    assert_eq!(
        swept,
        sweep::Swept {
            blobs: 1,
            partials: 1
        }
    );
    assert_eq!(
        r.call("GET", &content_address(&loose), &wang, &[], &[])
            .await
            .status,
        404
    );
    assert_eq!(
        r.call("GET", &content_address(&r.a), &wang, &[], &[])
            .await
            .status,
        200,
        "referenced: kept"
    );
    // The dossier drops its references: the blob goes at the next sweep.
    let row = IndexRow {
        id: D.into(),
        station: "puzhou".into(),
        ..IndexRow::default()
    };
    r.store
        .submit(vec![WriteOp::Index(Box::new(row))])
        .await
        .expect("reply")
        .expect("indexed");
    assert_eq!(
        sweep::sweep_at(&r.blobs, later).await.map(|s| s.blobs),
        Ok(1)
    );
    assert!(r.files().is_empty(), "{:?}", r.files());
}
