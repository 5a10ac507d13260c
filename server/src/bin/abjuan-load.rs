//! `abjuan-load`: a load program (not a test). N simulated phones × M dossiers each, against a
//! server on this machine only (127.0.0.1). Each phase every phone opens M new dossiers and
//! then runs R rounds of "edit every dossier, sync them all in one request". Prints, per
//! phase: dossiers stored, dossier-syncs per second, p50/p99 request latency, the CPU the
//! server, the database and the phones themselves spent per dossier-sync (all on the same
//! machine: the phones' share says how much of it the load program takes), and the server's
//! resident memory, so memory can be watched as stored dossiers grow.
//!
//! ```sh
//! cargo build --profile dist -p abjuan-server
//! target/dist/abjuan-load --phones 20 --dossiers 25 --rounds 5 --phases 6
//! ```
//! Without `--url` it starts `abjuan serve` (next to this binary) on a free port with a
//! temporary data directory and stops it at the end; with `--database-url` it starts
//! `--nodes` servers on that PostgreSQL database instead. `--url` may be given several times
//! (nodes of one database): each phone sends each request to the next node (round robin, no
//! sticky sessions). `--db-pid` (PostgreSQL's postmaster) adds the database's CPU.

use std::time::{Duration, Instant};

use abjuan_server::client::{now, sample_dossier, Phone};
use abjuan_server::local_server::LocalServer;
use abjuan_server::sync::wire::Format;
use clap::Parser;

/// Load program for the abjuan sync server (127.0.0.1 only).
#[derive(Debug, Parser)]
#[command(name = "abjuan-load")]
struct Args {
    /// Simulated phones (one thread each).
    #[arg(long, default_value_t = 20)]
    phones: usize,
    /// New dossiers per phone per phase.
    #[arg(long, default_value_t = 25)]
    dossiers: usize,
    /// Edit-and-sync rounds per phase.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Phases (stored dossiers grow by phones × dossiers each phase).
    #[arg(long, default_value_t = 4)]
    phases: usize,
    /// Stop after this many seconds in any case.
    #[arg(long, default_value_t = 120)]
    max_secs: u64,
    /// Use a running server at this URL (must be on 127.0.0.1 or localhost); repeat for
    /// several nodes.
    #[arg(long)]
    url: Vec<String>,
    /// With --url: the servers' process ids, to read their CPU and memory.
    #[arg(long)]
    server_pid: Vec<u32>,
    /// Start the servers on this PostgreSQL database (on 127.0.0.1) instead of SQLite.
    #[arg(long)]
    database_url: Option<String>,
    /// Servers to start (with --database-url).
    #[arg(long, default_value_t = 1)]
    nodes: usize,
    /// PostgreSQL's postmaster process id: its CPU and its backends' are counted too.
    #[arg(long)]
    db_pid: Option<u32>,
    /// Document cache of the started server, in MiB.
    #[arg(long, default_value_t = 256)]
    cache_mb: usize,
    /// Send CBOR instead of JSON.
    #[arg(long)]
    cbor: bool,
    /// Gzip request bodies.
    #[arg(long)]
    gzip: bool,
}

fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn is_local(url: &str) -> bool {
    let rest = url.strip_prefix("http://").unwrap_or("");
    let host = rest.split(['/', ':']).next().unwrap_or("");
    host == "localhost" || host.starts_with("127.")
}

fn start_server(
    cache_mb: usize,
    database_url: Option<&str>,
    n: usize,
) -> Result<LocalServer, String> {
    let cache = cache_mb.to_string();
    let mut extra = vec!["--cache-mb", cache.as_str()];
    if let Some(u) = database_url {
        extra.extend(["--database-url", u]);
    }
    LocalServer::start(&format!("abjuan-load-{n}"), &extra)
}

/// One field edit as a phone's form makes it: `header.facts.priorCalls = round + 1`, one
/// automerge change (written directly, so the phone side costs little CPU on a shared box).
fn edit(doc: &mut automerge::Automerge, actor: &automerge::ActorId, round: usize) {
    use automerge::transaction::Transactable;
    use automerge::ReadDoc;
    doc.set_actor(actor.clone());
    let mut tx = doc.transaction();
    let facts = match tx.get(automerge::ROOT, "header") {
        Ok(Some((automerge::Value::Object(_), header))) => match tx.get(&header, "facts") {
            Ok(Some((automerge::Value::Object(_), facts))) => Some(facts),
            _ => tx
                .put_object(&header, "facts", automerge::ObjType::Map)
                .ok(),
        },
        _ => None,
    };
    if let Some(facts) = facts {
        let _ = tx.put(&facts, "priorCalls", i64::try_from(round + 1).unwrap_or(1));
    }
    tx.commit_with(
        automerge::transaction::CommitOptions::default()
            .with_message("set /header/facts/priorCalls".to_owned())
            .with_time(now().timestamp_millis()),
    );
}

/// Bytes of a body on the wire: encoded, and gzipped when `--gzip` (the server gzips replies
/// to clients that accept it, as this one does).
fn wire_size<T: serde::Serialize>(phone: &Phone, body: &T) -> usize {
    let encoded = phone.transport.format.encode(body).unwrap_or_default();
    if phone.transport.gzip {
        abjuan_server::sync::wire::gzip(&encoded).len()
    } else {
        encoded.len()
    }
}

fn cpu_ticks(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = s.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// CPU ticks of a process and its children (PostgreSQL: the postmaster and its backends;
/// a backend's ticks are lost when it exits, so keep connections open while measuring).
fn tree_ticks(pid: u32) -> Option<u64> {
    let mut total = cpu_ticks(pid)?;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, r)| r.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(pid) {
            total += cpu_ticks(child).unwrap_or(0);
        }
    }
    Some(total)
}

fn sum_ticks(pids: &[u32]) -> Option<u64> {
    pids.iter().map(|p| cpu_ticks(*p)).sum()
}

/// One phone's phase.
struct Run {
    phone: Phone,
    lat: Vec<Duration>,
    synced: usize,
    req_bytes: usize,
    reply_bytes: usize,
    started: Instant,
    finished: Instant,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let args = Args::parse();
    let mut started = Vec::new();
    if let Some(u) = args.url.iter().find(|u| !is_local(u)) {
        eprintln!("abjuan-load: refusing {u}: only 127.0.0.1 or localhost");
        std::process::exit(2);
    }
    if let Some(db) = &args.database_url {
        let host = db.split('@').nth(1).unwrap_or(db);
        if !(host.starts_with("127.") || host.starts_with("localhost")) {
            eprintln!("abjuan-load: refusing {db}: only a database on 127.0.0.1 or localhost");
            std::process::exit(2);
        }
    }
    let (urls, pids) = if args.url.is_empty() {
        let mut urls = Vec::new();
        let mut pids = Vec::new();
        let n = if args.database_url.is_some() {
            args.nodes.max(1)
        } else {
            1
        };
        for i in 0..n {
            match start_server(args.cache_mb, args.database_url.as_deref(), i) {
                Ok(s) => {
                    pids.push(s.pid());
                    urls.push(s.url.clone());
                    started.push(s);
                }
                Err(e) => {
                    eprintln!("abjuan-load: {e}");
                    std::process::exit(2);
                }
            }
        }
        (urls, pids)
    } else {
        (args.url.clone(), args.server_pid.clone())
    };
    let pid = (!pids.is_empty()).then_some(pids.as_slice());
    let url = urls.join(", ");
    let deadline = Instant::now() + Duration::from_secs(args.max_secs);
    println!(
        "abjuan-load: {} phones × {} new dossiers/phase, {} rounds/phase, {} phases, {}{} → {url}",
        args.phones,
        args.dossiers,
        args.rounds,
        args.phases,
        if args.cbor { "CBOR" } else { "JSON" },
        if args.gzip { "+gzip" } else { "" },
    );
    println!(
        "| phase | dossiers stored | dossier-syncs | dossier-syncs/s | p50 ms | p99 ms | bytes on the wire per request (req→reply) | server CPU ms per dossier-sync | database CPU ms per dossier-sync | phones' CPU ms per dossier-sync | server RSS MiB |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut phones: Vec<Phone> = (0..args.phones)
        .map(|i| {
            let mut p = Phone::new(&urls[i % urls.len()], &format!("load-phone-{i}"));
            if args.cbor {
                p.transport.format = Format::Cbor;
            }
            p.transport.gzip = args.gzip;
            p
        })
        .collect();
    let mut stored = 0usize;
    for phase in 0..args.phases {
        if Instant::now() > deadline {
            break;
        }
        let barrier = std::sync::Barrier::new(args.phones);
        // This program's own CPU from the moment every phone has made its dossiers: what the
        // phones spend on the sync rounds (building, encoding and applying real changes).
        let phones_before = std::sync::OnceLock::new();
        let cpu_before = pid.and_then(sum_ticks);
        let db_before = args.db_pid.and_then(tree_ticks);
        let results: Vec<Run> = std::thread::scope(|s| {
            let handles: Vec<_> = phones
                .drain(..)
                .enumerate()
                .map(|(p, mut phone)| {
                    let (m, rounds) = (args.dossiers, args.rounds);
                    let (barrier, urls, phones_before) = (&barrier, &urls, &phones_before);
                    s.spawn(move || {
                        let ids: Vec<String> =
                            (0..m).map(|_| uuid::Uuid::now_v7().to_string()).collect();
                        for id in &ids {
                            let d = sample_dossier(id, "load-station", "neighbour", "负载测试");
                            let _ = phone.create(&d);
                        }
                        if barrier.wait().is_leader() {
                            let _ = phones_before.set(cpu_ticks(std::process::id()));
                        }
                        let started = Instant::now();
                        let mut lat = Vec::new();
                        let (mut synced, mut req_bytes, mut reply_bytes) = (0, 0, 0);
                        let actor = phone.actor.clone();
                        for round in 0..rounds {
                            if Instant::now() > deadline {
                                break;
                            }
                            for id in &ids {
                                if let Some(d) = phone.dossiers.get_mut(id) {
                                    edit(&mut d.a, &actor, round);
                                }
                            }
                            if urls.len() > 1 {
                                // Round robin over the nodes: no sticky sessions.
                                let mut t = phone.transport.clone();
                                t.set_base(&urls[(round + p) % urls.len()]);
                                phone.transport = t;
                            }
                            let req = phone.request(&ids);
                            req_bytes += wire_size(&phone, &req);
                            let t = Instant::now();
                            match phone.transport.send(&phone.device, &req) {
                                Ok(reply) => {
                                    lat.push(t.elapsed());
                                    reply_bytes += wire_size(&phone, &reply);
                                    let mut out = abjuan_server::client::SyncOutcome::default();
                                    let _ = phone.absorb(&reply, &mut out);
                                    synced += ids.len();
                                }
                                Err(e) => {
                                    eprintln!("sync failed: {e}");
                                    break;
                                }
                            }
                        }
                        // The phone keeps only its newest dossiers in memory.
                        phone.dossiers.retain(|k, _| ids.contains(k));
                        Run {
                            phone,
                            lat,
                            synced,
                            req_bytes,
                            reply_bytes,
                            started,
                            finished: Instant::now(),
                        }
                    })
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().ok()).collect()
        });
        // Dossier-syncs per second over the sync rounds only (creation is phone-side work).
        let mut lat: Vec<Duration> = Vec::new();
        let (mut synced, mut req_b, mut rep_b) = (0usize, 0usize, 0usize);
        let first = results.iter().map(|r| r.started).min();
        let last = results.iter().map(|r| r.finished).max();
        let busy = match (first, last) {
            (Some(a), Some(b)) => b - a,
            _ => Duration::ZERO,
        };
        for r in results {
            lat.extend(r.lat);
            synced += r.synced;
            req_b += r.req_bytes;
            rep_b += r.reply_bytes;
            phones.push(r.phone);
        }
        stored += args.phones * args.dossiers;
        // Clock ticks are 1/100 s on Linux.
        #[allow(clippy::cast_precision_loss)]
        let per_sync = |before: Option<u64>, after: Option<u64>| match (before, after) {
            (Some(a), Some(b)) if synced > 0 => {
                format!("{:.2}", b.saturating_sub(a) as f64 * 10.0 / synced as f64)
            }
            _ => "?".to_owned(),
        };
        let cpu = per_sync(cpu_before, pid.and_then(sum_ticks));
        let db_cpu = per_sync(db_before, args.db_pid.and_then(tree_ticks));
        let phones_cpu = per_sync(
            phones_before.get().copied().flatten(),
            cpu_ticks(std::process::id()),
        );
        lat.sort();
        let n = lat.len().max(1);
        #[allow(clippy::cast_precision_loss)]
        let rate = synced as f64 / busy.as_secs_f64().max(1e-9);
        let rss = pid
            .and_then(|p| p.iter().map(|p| rss_kib(*p)).sum::<Option<u64>>())
            .map_or("?".to_owned(), |k| format!("{:.0}", k as f64 / 1024.0));
        println!(
            "| {} | {stored} | {synced} | {rate:.0} | {:.1} | {:.1} | {}→{} | {cpu} | {db_cpu} | {phones_cpu} | {rss} |",
            phase + 1,
            percentile(&lat, 0.5).as_secs_f64() * 1e3,
            percentile(&lat, 0.99).as_secs_f64() * 1e3,
            req_b / n,
            rep_b / n,
        );
    }
    drop(started);
}
