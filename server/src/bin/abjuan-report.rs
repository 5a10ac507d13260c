//! `abjuan-report`: seeds a server with realistic dossiers (`seed`, for demos and the browser
//! tests) and measures the station's outputs (`bench`: a 10-session dossier's PDF, a batch of
//! 100, the ledger of 10,000 dossiers with the server's peak memory). Servers on this machine
//! only (127.0.0.1).
//!
//! ```sh
//! cargo build --profile dist -p abjuan-server --bin abjuan --bin abjuan-report
//! target/dist/abjuan-report bench --dossiers 10000
//! target/dist/abjuan-report seed --url http://127.0.0.1:8080 --dossiers 40
//! ```
//! `bench` without `--url` starts `abjuan serve` (next to this binary) on a free port with a
//! temporary data directory (demo mode) and stops it at the end.

use std::time::{Duration, Instant};

use abjuan_server::client::{Phone, Transport};
use abjuan_server::local_server::LocalServer;
use abjuan_server::report::sample;
use clap::{Parser, Subcommand};

/// Seeds and measures the station's outputs (127.0.0.1 only).
#[derive(Debug, Parser)]
#[command(name = "abjuan-report")]
struct Args {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Sends realistic dossiers to a server through the sync API; prints their ids, one a line.
    Seed {
        /// The server (127.0.0.1 or localhost).
        #[arg(long)]
        url: String,
        /// Device credential (none: a server in demo mode).
        #[arg(long, env = "ABJUAN_TOKEN")]
        token: Option<String>,
        #[command(flatten)]
        set: Set,
    },
    /// Seeds a fresh server and times the PDF of one dossier, of a batch, and the ledger.
    Bench {
        /// Dossiers for the ledger.
        #[arg(long, default_value_t = 10_000)]
        dossiers: u32,
        /// Dossiers in the PDF batch.
        #[arg(long, default_value_t = 100)]
        batch: u32,
        /// Skip the PDFs (no Chromium here).
        #[arg(long)]
        no_pdf: bool,
    },
}

/// What to seed.
#[derive(Debug, clap::Args)]
struct Set {
    /// How many dossiers.
    #[arg(long, default_value_t = 40)]
    dossiers: u32,
    /// Stations, comma-separated (dossiers go round them).
    #[arg(long, default_value = "yongji-puzhou")]
    stations: String,
    /// Year whose months the dossiers spread over.
    #[arg(long, default_value_t = 2025)]
    year: u32,
    /// Mediation sessions per dossier (0: 1 to 6, varied).
    #[arg(long, default_value_t = 0)]
    sessions: u32,
    /// First dossier number (vary it to seed more later).
    #[arg(long, default_value_t = 0)]
    first: u32,
}

fn is_local(url: &str) -> bool {
    let rest = url.strip_prefix("http://").unwrap_or("");
    let host = rest.split(['/', ':']).next().unwrap_or("");
    host == "localhost" || host.starts_with("127.")
}

/// Seeds `set` into the server at `url`; returns the ids.
fn seed(url: &str, token: Option<&str>, set: &Set) -> Result<Vec<String>, String> {
    let stations: Vec<&str> = set.stations.split(',').filter(|s| !s.is_empty()).collect();
    let mut ids = Vec::new();
    let mut n = set.first;
    let end = set.first + set.dossiers;
    while n < end {
        let mut phone = Phone::new(url, &format!("seed-{n}"));
        if let Some(t) = token {
            phone.transport = Transport::new(url).with_token(t);
        }
        let mut batch = Vec::new();
        for k in n..(n + 200).min(end) {
            let id = uuid::Uuid::now_v7().to_string();
            let station = stations[k as usize % stations.len().max(1)];
            let month = format!("{}-{:02}", set.year, k % 12 + 1);
            let sessions = if set.sessions > 0 {
                set.sessions
            } else {
                k % 6 + 1
            };
            let d = sample::dossier(&id, k, station, &month, sessions);
            phone.create(&d).map_err(|e| e.to_string())?;
            batch.push(id);
        }
        let out = phone.sync(&batch).map_err(|e| e.to_string())?;
        if !out.errors.is_empty() {
            return Err(format!("sync refused: {:?}", out.errors));
        }
        n += u32::try_from(batch.len()).unwrap_or(200);
        ids.extend(batch);
    }
    Ok(ids)
}

fn start_server() -> Result<LocalServer, String> {
    LocalServer::start("abjuan-report", &["--timeout-secs", "600"])
}

fn status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()
        })
        .unwrap_or(0)
}

/// Resets the process's peak RSS (Linux: `5` into clear_refs), so the next VmHWM is the
/// peak of what follows.
fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

fn timed(t: &Transport, path: &str) -> Result<(Duration, usize), String> {
    let start = Instant::now();
    let (status, _, body) = t
        .get_bytes(path, Duration::from_secs(900))
        .map_err(|e| e.to_string())?;
    if status != 200 {
        return Err(format!(
            "{path}: HTTP {status}: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    Ok((start.elapsed(), body.len()))
}

fn bench(dossiers: u32, batch: u32, no_pdf: bool) -> Result<(), String> {
    let server = start_server()?;
    let (pid, url) = (server.pid(), server.url.clone());
    let t = Transport::new(&url);
    let start = Instant::now();
    let one = seed(
        &url,
        None,
        &Set {
            dossiers: 1,
            stations: "yongji-puzhou".into(),
            year: 2025,
            sessions: 10,
            first: 0,
        },
    )?;
    let ids = seed(
        &url,
        None,
        &Set {
            dossiers: dossiers.saturating_sub(1),
            stations: "yongji-puzhou,yongji-chengxi".into(),
            year: 2025,
            sessions: 0,
            first: 1,
        },
    )?;
    println!(
        "seeded {} dossiers in {:.1} s",
        ids.len() + 1,
        start.elapsed().as_secs_f64()
    );
    println!("| what | time | size | server peak RSS |");
    println!("| --- | --- | --- | --- |");
    let row = |what: &str, path: &str| -> Result<(), String> {
        let before = status_kib(pid, "VmRSS:");
        let reset = reset_peak(pid);
        let (took, size) = timed(&t, path)?;
        let peak = status_kib(pid, "VmHWM:");
        let peak = if reset {
            format!(
                "{:.0} MiB (RSS before {:.0} MiB)",
                peak as f64 / 1024.0,
                before as f64 / 1024.0
            )
        } else {
            "n/a".to_owned()
        };
        println!(
            "| {what} | {:.2} s | {:.1} KiB | {peak} |",
            took.as_secs_f64(),
            size as f64 / 1024.0
        );
        Ok(())
    };
    if !no_pdf {
        row(
            "PDF of one dossier (10 sessions)",
            &format!("/v1/print.pdf?ids={}", one[0]),
        )?;
        let some: Vec<&str> = ids
            .iter()
            .take(batch as usize)
            .map(String::as_str)
            .collect();
        row(
            &format!("PDF of {} dossiers (1–6 sessions each)", some.len()),
            &format!("/v1/print.pdf?ids={}", some.join(",")),
        )?;
    }
    row(
        &format!("ledger.xlsx, {dossiers} dossiers"),
        "/v1/ledger.xlsx",
    )?;
    row(
        &format!("ledger.csv, {dossiers} dossiers"),
        "/v1/ledger.csv",
    )?;
    row("figures of the page (/v1/figures)", "/v1/figures")?;
    drop(server);
    Ok(())
}

fn main() {
    let args = Args::parse();
    let result = match args.cmd {
        Cmd::Seed { url, token, set } => {
            if is_local(&url) {
                seed(&url, token.as_deref(), &set).map(|ids| {
                    for id in ids {
                        println!("{id}");
                    }
                })
            } else {
                Err("only servers on 127.0.0.1 or localhost".to_owned())
            }
        }
        Cmd::Bench {
            dossiers,
            batch,
            no_pdf,
        } => bench(dossiers, batch, no_pdf),
    };
    if let Err(e) = result {
        eprintln!("abjuan-report: {e}");
        std::process::exit(1);
    }
}
