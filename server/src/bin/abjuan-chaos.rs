//! `abjuan-chaos`: a chaos program (a benchmark, not a test). Several `abjuan serve` nodes on
//! one PostgreSQL database (127.0.0.1 only), phones editing the same dossiers and syncing with
//! a random live node, while nodes are SIGKILLed at random and restarted, at least `--kills`
//! times. Then every phone syncs until converged, and it prints acknowledged vs present
//! changes: a change is acknowledged when a sync that carried it got a success reply, and must
//! then be in the database, whatever was killed when. Exit code 1 if any is lost.
//!
//! ```sh
//! bash scripts/postgres.sh start /tmp/pg 55432
//! cargo build --release -p abjuan-server
//! target/release/abjuan-chaos --postgres postgres://abjuan@127.0.0.1:55432 --kills 25
//! ```

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use abjuan_server::client::{now, sample_dossier, Phone, SyncOutcome};
use abjuan_shared::doc::Volume;
use clap::Parser;

/// Chaos for several nodes on one PostgreSQL database (127.0.0.1 only).
#[derive(Debug, Parser)]
#[command(name = "abjuan-chaos")]
struct Args {
    /// The PostgreSQL server (`postgres://user@127.0.0.1:PORT`); a fresh database is made on it.
    #[arg(long)]
    postgres: String,
    /// Nodes.
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// Phones (one thread each).
    #[arg(long, default_value_t = 6)]
    phones: usize,
    /// Dossiers every phone edits (shared by all phones).
    #[arg(long, default_value_t = 4)]
    dossiers: usize,
    /// SIGKILLs before stopping.
    #[arg(long, default_value_t = 25)]
    kills: usize,
    /// Compact a document after this many changes (small: compactions race with kills).
    #[arg(long, default_value_t = 6)]
    compact_after: usize,
    /// Stop after this many seconds in any case.
    #[arg(long, default_value_t = 300)]
    max_secs: u64,
}

/// A node's process and URL.
struct Node {
    child: Option<Child>,
    url: Option<String>,
}

fn start(bin: &std::path::Path, database: &str, compact_after: usize) -> Option<(Child, String)> {
    let mut child = Command::new(bin)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database,
        ])
        .args(["--compact-after", &compact_after.to_string()])
        .args([
            "--data-dir",
            &std::env::temp_dir().join("abjuan-chaos").to_string_lossy(),
        ])
        .env("ABJUAN_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .ok()?;
    let mut line = String::new();
    let _ = BufReader::new(child.stdout.take()?).read_line(&mut line);
    let url = line.trim().strip_prefix("listening on ")?.to_owned();
    Some((child, url))
}

fn held(phone: &Phone) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (id, docs) in &phone.dossiers {
        for v in [Volume::A, Volume::B] {
            for c in docs.doc(v).get_changes(&[]) {
                out.insert((id.clone(), c.hash().to_string()));
            }
        }
    }
    out
}

fn heads(phone: &Phone) -> Vec<String> {
    let mut out = Vec::new();
    for docs in phone.dossiers.values() {
        for v in [Volume::A, Volume::B] {
            let mut h: Vec<String> = docs
                .doc(v)
                .get_heads()
                .iter()
                .map(ToString::to_string)
                .collect();
            h.sort();
            out.push(h.join(","));
        }
    }
    out
}

/// A pseudo-random number (xorshift), seeded from the clock: no dependency for a dice roll.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

#[allow(clippy::too_many_lines)]
fn main() {
    let args = Args::parse();
    let host = args.postgres.split('@').nth(1).unwrap_or(&args.postgres);
    if !(host.starts_with("127.") || host.starts_with("localhost")) {
        eprintln!(
            "abjuan-chaos: refusing {}: only 127.0.0.1 or localhost",
            args.postgres
        );
        std::process::exit(2);
    }
    let base = args.postgres.trim_end_matches('/').to_owned();
    let name = format!(
        "chaos_{}_{}",
        std::process::id(),
        now().timestamp_millis() % 1_000_000
    );
    if let Err(e) =
        abjuan_server::store::postgres::create_database(&format!("{base}/postgres"), &name)
    {
        eprintln!("abjuan-chaos: cannot make database {name}: {e}");
        std::process::exit(2);
    }
    let database = format!("{base}/{name}");
    let bin = std::env::current_exe()
        .map(|e| e.with_file_name("abjuan"))
        .unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(args.max_secs);
    let mut nodes: Vec<Node> = (0..args.nodes)
        .map(|_| match start(&bin, &database, args.compact_after) {
            Some((c, u)) => Node {
                child: Some(c),
                url: Some(u),
            },
            None => {
                eprintln!("abjuan-chaos: cannot start {}", bin.display());
                std::process::exit(2);
            }
        })
        .collect();
    let urls: Arc<RwLock<Vec<Option<String>>>> =
        Arc::new(RwLock::new(nodes.iter().map(|n| n.url.clone()).collect()));
    let ids: Vec<String> = (0..args.dossiers)
        .map(|_| uuid::Uuid::now_v7().to_string())
        .collect();
    println!(
        "abjuan-chaos: {} nodes on {database}, {} phones × {} shared dossiers, ≥ {} SIGKILLs",
        args.nodes, args.phones, args.dossiers, args.kills
    );
    let stop = Arc::new(AtomicBool::new(false));
    let (ok_syncs, failed_syncs) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let phones: Vec<_> = (0..args.phones)
        .map(|p| {
            let (urls, ids, stop) = (urls.clone(), ids.clone(), stop.clone());
            let (ok_syncs, failed_syncs) = (ok_syncs.clone(), failed_syncs.clone());
            std::thread::spawn(move || {
                let mut dice = Dice(0x9e37_79b9_7f4a_7c15 ^ ((p as u64 + 1) * 0x2545_f491));
                let mut phone = Phone::new("http://127.0.0.1:1", &format!("chaos-phone-{p}"));
                for (k, id) in ids.iter().enumerate() {
                    if k % args.phones.max(1) == p {
                        let _ = phone.create(&sample_dossier(id, "chaos", "debt", "欠款纠纷"));
                    } else {
                        phone.docs_mut(id);
                    }
                }
                let mut acked = BTreeSet::new();
                let mut round = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    round += 1;
                    let actor = phone.actor.clone();
                    for id in &ids {
                        if phone.dossiers[id].a.get_heads().is_empty() {
                            continue;
                        }
                        let _ = phone.docs_mut(id).set_field(
                            "/header/facts/peopleInvolved",
                            serde_json::json!(round % 40 + 2),
                            &actor,
                            now(),
                        );
                    }
                    let live: Vec<String> = urls
                        .read()
                        .map(|u| u.iter().flatten().cloned().collect())
                        .unwrap_or_default();
                    if live.is_empty() {
                        std::thread::sleep(Duration::from_millis(20));
                        continue;
                    }
                    let url = &live[usize::try_from(dice.roll(live.len() as u64)).unwrap_or(0)];
                    phone.transport.set_base(url);
                    match phone.sync(&ids) {
                        Ok(SyncOutcome { errors, .. }) if errors.is_empty() => {
                            ok_syncs.fetch_add(1, Ordering::Relaxed);
                            acked = held(&phone);
                        }
                        _ => {
                            failed_syncs.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    std::thread::sleep(Duration::from_millis(5 + dice.roll(20)));
                }
                (phone, acked)
            })
        })
        .collect();
    let mut dice = Dice(u64::try_from(now().timestamp_millis()).unwrap_or(7) | 1);
    let mut kills = 0;
    while kills < args.kills && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200 + dice.roll(800)));
        let i = usize::try_from(dice.roll(nodes.len() as u64)).unwrap_or(0);
        if let Some(mut c) = nodes[i].child.take() {
            let _ = c.kill();
            let _ = c.wait();
            kills += 1;
        }
        if let Ok(mut u) = urls.write() {
            u[i] = None;
        }
        std::thread::sleep(Duration::from_millis(50 + dice.roll(400)));
        if let Some((c, u)) = start(&bin, &database, args.compact_after) {
            nodes[i] = Node {
                child: Some(c),
                url: Some(u.clone()),
            };
            if let Ok(mut all) = urls.write() {
                all[i] = Some(u);
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut results: Vec<(Phone, BTreeSet<(String, String)>)> =
        phones.into_iter().filter_map(|h| h.join().ok()).collect();
    let acked: BTreeSet<(String, String)> = results
        .iter()
        .flat_map(|(_, a)| a.iter().cloned())
        .collect();
    // Converge: every phone syncs with every node, twice.
    let live: Vec<String> = nodes.iter().filter_map(|n| n.url.clone()).collect();
    for _ in 0..2 {
        for (phone, _) in &mut results {
            for url in &live {
                phone.transport.set_base(url);
                let _ = phone.sync(&ids);
            }
        }
    }
    let converged = results.windows(2).all(|w| heads(&w[0].0) == heads(&w[1].0));
    // Present: what each node serves, read as history (every stored change, with uploader).
    let mut present_everywhere = true;
    let mut present = BTreeSet::new();
    for url in &live {
        let t = abjuan_server::client::Transport::new(url);
        let mut here = BTreeSet::new();
        for id in &ids {
            if let Ok((200, h)) = t.get_json(&format!("/v1/dossiers/{id}/history")) {
                for v in ["a", "b"] {
                    for e in h[v].as_array().cloned().unwrap_or_default() {
                        if let Some(hash) = e["hash"].as_str() {
                            here.insert((id.clone(), hash.to_owned()));
                        }
                    }
                }
            }
        }
        present_everywhere &= acked.is_subset(&here);
        present.extend(here);
    }
    let lost = acked.difference(&present).count();
    println!("| SIGKILLs | syncs ok | syncs failed (node gone) | changes acknowledged | acknowledged and present | lost | phones converged | nodes serve every acknowledged change |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    println!(
        "| {kills} | {} | {} | {} | {} | **{lost}** | {} | {} |",
        ok_syncs.load(Ordering::Relaxed),
        failed_syncs.load(Ordering::Relaxed),
        acked.len(),
        acked.len() - lost,
        if converged { "yes" } else { "no" },
        if present_everywhere { "yes" } else { "no" },
    );
    for n in &mut nodes {
        if let Some(mut c) = n.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let _ = c.wait();
        }
    }
    std::process::exit(i32::from(lost > 0 || !converged || !present_everywhere));
}
