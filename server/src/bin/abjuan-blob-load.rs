//! `abjuan-blob-load`: a load program (not a test) for attachments. One phone syncs dossiers
//! that reference N photos, uploads their bytes (`HEAD`, then `PUT` in 1 MiB parts with
//! `Content-Range`, T at a time); a second phone fetches them all (`GET`, checked against their
//! address); then one large blob goes up in a single `PUT` and comes down in a single `GET`.
//! Prints a table: time, MB/s and the server's resident memory before, at its peak (sampled
//! every 20 ms) and after each phase, so one can see that memory stays flat while streaming.
//!
//! ```sh
//! cargo build --release -p abjuan-server
//! target/release/abjuan-blob-load --photos 100 --photo-mb 2 --threads 4 --large-mb 200
//! ```
//! It starts `abjuan serve` (next to this binary) on 127.0.0.1 with a temporary data directory
//! (open demo mode) and stops it at the end.

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use abjuan_server::blobs::client::BlobClient;
use abjuan_server::client::{sample_dossier, Phone};
use abjuan_server::local_server::LocalServer;
use abjuan_shared::attachment::content_address;
use clap::Parser;
use serde_json::json;

/// Attachment load program (127.0.0.1 only).
#[derive(Debug, Parser)]
#[command(name = "abjuan-blob-load")]
struct Args {
    /// Photos to upload and download.
    #[arg(long, default_value_t = 100)]
    photos: usize,
    /// Size of each photo, in MB (10^6 bytes).
    #[arg(long, default_value_t = 2.0)]
    photo_mb: f64,
    /// Uploads (and downloads) at a time.
    #[arg(long, default_value_t = 4)]
    threads: usize,
    /// Size of the one large blob sent in a single request, in MiB (0: none).
    #[arg(long, default_value_t = 200)]
    large_mb: usize,
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// JPEG-looking bytes (the server checks the first bytes against the type), incompressible.
fn photo(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v = Vec::with_capacity(len);
    v.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    v
}

fn start_server(max_blob_mb: usize) -> Result<LocalServer, String> {
    LocalServer::start(
        "abjuan-blob-load",
        &[
            "--max-blob-mb",
            &max_blob_mb.to_string(),
            "--blob-mb-per-day",
            "100000",
        ],
    )
}

/// Samples the server's RSS every 20 ms while `f` runs: `(f's result, seconds, peak KiB)`.
fn watched<T>(pid: u32, f: impl FnOnce() -> T) -> (T, f64, u64) {
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(rss_kib(pid)));
    let sampler = {
        let (done, peak) = (done.clone(), peak.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let t = Instant::now();
    let out = f();
    let secs = t.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    (out, secs, peak.load(Ordering::Relaxed))
}

/// Runs `job(i)` for `0..n` on `threads` threads; the first error stops the run.
fn on_threads(n: usize, threads: usize, job: impl Fn(usize) -> Result<(), String> + Sync) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                if let Err(e) = job(i) {
                    eprintln!("abjuan-blob-load: {e}");
                    std::process::exit(1);
                }
            });
        }
    });
}

fn row(what: &str, mb: f64, secs: f64, before: u64, peak: u64, after: u64) {
    println!(
        "| {what} | {mb:.0} | {secs:.2} | {:.1} | {} | {} | {} |",
        mb / secs,
        before / 1024,
        peak / 1024,
        after / 1024
    );
}

#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
fn main() -> Result<(), String> {
    let args = Args::parse();
    let len = (args.photo_mb * 1e6) as usize;
    let server = start_server(args.large_mb.max(10) + 1)?;
    let pid = server.pid();
    let url = server.url.clone();

    // The dossiers that reference the photos (10 per dossier, in volume A), synced first.
    let photos: Vec<Vec<u8>> = (0..args.photos).map(|i| photo(len, i as u64)).collect();
    let shas: Vec<String> = photos.iter().map(|p| content_address(p)).collect();
    let mut phone = Phone::new(&url, "load-uploader");
    for (d, chunk) in shas.chunks(10).enumerate() {
        let id = format!("0193f0a0-0000-7000-8000-{:012x}", d + 1);
        let mut v = serde_json::to_value(sample_dossier(&id, "station", "neighbour", "附件负载"))
            .map_err(|e| e.to_string())?;
        v["volumeA"]["attachments"] = chunk
            .iter()
            .enumerate()
            .map(|(k, sha)| {
                json!({"id": format!("0193f0a0-0000-7000-9000-{:08x}{k:04x}", d + 1),
                       "sha256": sha, "mediaType": "image/jpeg", "size": len,
                       "caption": "现场照片", "takenAt": "2025-05-30T10:00:00+08:00",
                       "by": "load"})
            })
            .collect();
        let dossier = serde_json::from_value(v).map_err(|e| e.to_string())?;
        phone.create(&dossier).map_err(|e| e.to_string())?;
    }
    let synced = phone.sync_all().map_err(|e| e.to_string())?;
    if !synced.errors.is_empty() {
        return Err(format!("sync: {:?}", synced.errors));
    }

    println!(
        "{} photos of {} bytes, {} at a time; large blob {} MiB; server pid {pid}\n",
        args.photos, len, args.threads, args.large_mb
    );
    println!("| phase | MB | s | MB/s | RSS before (MiB) | RSS peak (MiB) | RSS after (MiB) |");
    println!("|---|---|---|---|---|---|---|");
    let total_mb = (len * args.photos) as f64 / 1e6;

    let before = rss_kib(pid);
    let ((), secs, peak) = watched(pid, || {
        on_threads(args.photos, args.threads, |i| {
            BlobClient::new(&url, None)
                .device("load-uploader")
                .upload(&shas[i], "image/jpeg", &photos[i])
                .map_err(|e| format!("upload {i}: {e}"))
        });
    });
    row("upload photos", total_mb, secs, before, peak, rss_kib(pid));

    let before = rss_kib(pid);
    let ((), secs, peak) = watched(pid, || {
        on_threads(args.photos, args.threads, |i| {
            let (status, bytes) = BlobClient::new(&url, None)
                .device("load-reader")
                .get(&shas[i], None)
                .map_err(|e| format!("download {i}: {e}"))?;
            if status != 200 || content_address(&bytes) != shas[i] {
                return Err(format!(
                    "download {i}: HTTP {status}, {} bytes",
                    bytes.len()
                ));
            }
            Ok(())
        });
    });
    row(
        "download photos",
        total_mb,
        secs,
        before,
        peak,
        rss_kib(pid),
    );
    drop(photos);

    if args.large_mb > 0 {
        let large = photo(args.large_mb * 1024 * 1024, 7);
        let sha = content_address(&large);
        let mb = large.len() as f64 / 1e6;
        let client = BlobClient::new(&url, None).device("load-uploader");
        let before = rss_kib(pid);
        let (res, secs, peak) = watched(pid, || client.put(&sha, "image/jpeg", &large, None));
        match res {
            Ok((200 | 201, _)) => {}
            other => return Err(format!("large upload: {other:?}")),
        }
        row(
            "upload 1 large (1 PUT)",
            mb,
            secs,
            before,
            peak,
            rss_kib(pid),
        );
        drop(large);

        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let before = rss_kib(pid);
        let (res, secs, peak) = watched(pid, || -> Result<u64, String> {
            let resp = agent
                .get(format!("{url}/v1/blobs/{sha}"))
                .header("X-Abjuan-Device", "load-uploader")
                .call()
                .map_err(|e| e.to_string())?;
            let mut reader = resp.into_body().into_reader();
            let mut buf = vec![0u8; 1 << 20];
            let mut n = 0u64;
            loop {
                let got = reader.read(&mut buf).map_err(|e| e.to_string())?;
                if got == 0 {
                    return Ok(n);
                }
                n += got as u64;
            }
        });
        let got = res?;
        if got != (args.large_mb * 1024 * 1024) as u64 {
            return Err(format!("large download: {got} bytes"));
        }
        row(
            "download 1 large (1 GET)",
            mb,
            secs,
            before,
            peak,
            rss_kib(pid),
        );
    }
    Ok(())
}
