//! Durability: a server killed with SIGKILL in the middle of a stream of sync requests keeps
//! every change whose request got a success reply. Also: compaction and a tiny document cache
//! (constant eviction and reloading) lose nothing, and SIGTERM shuts down cleanly.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use abjuan_e2e::{new_id, sample_dossier, Phone, Server};
use serde_json::json;

fn server_hashes(server: &Server, id: &str) -> HashSet<String> {
    let h = server.get(&format!("/v1/dossiers/{id}/history"));
    ["a", "b"]
        .iter()
        .flat_map(|v| h[v].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["hash"].as_str().map(str::to_owned))
        .collect()
}

/// Four phones stream edits and syncs until the server goes away; the server is stopped by
/// `stop_server` once 60 changes are acknowledged. Returns every acknowledged (dossier, hash).
fn stream_until_stopped(
    server: &mut Server,
    stop_server: impl FnOnce(&mut Server),
) -> Vec<(String, String)> {
    let stop = Arc::new(AtomicBool::new(false));
    let acked_count = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for w in 0..4 {
        let url = server.url.clone();
        let stop = stop.clone();
        let acked_count = acked_count.clone();
        workers.push(std::thread::spawn(move || {
            let mut phone = Phone::new(&url, &format!("phone-{w}"));
            let ids: Vec<String> = (0..2).map(|_| new_id()).collect();
            for id in &ids {
                phone
                    .create(&sample_dossier(id, "s1", "marriage", "家庭纠纷"))
                    .expect("create");
            }
            let mut acked: Vec<(String, String)> = Vec::new();
            for round in 0..2000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let actor = phone.actor.clone();
                for id in &ids {
                    let d = phone.dossiers.get_mut(id).expect("docs");
                    d.set_field(
                        "/header/facts/peopleInvolved",
                        json!(round % 50 + 2),
                        &actor,
                        abjuan_server::client::now(),
                    )
                    .expect("edit");
                }
                let req = phone.request(&ids);
                let Ok(reply) = phone.transport.send(&phone.device, &req) else {
                    break; // the server is gone
                };
                let mut out = abjuan_server::client::SyncOutcome::default();
                phone.absorb(&reply, &mut out).expect("absorb");
                assert!(out.errors.is_empty(), "{:?}", out.errors);
                for d in &req.docs {
                    for c in &d.changes {
                        let change = automerge::Change::from_bytes(c.0.clone()).expect("change");
                        acked.push((d.dossier.clone(), change.hash().to_string()));
                        acked_count.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            acked
        }));
    }
    // Stop it mid-stream, once a fair number of changes were acknowledged.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while acked_count.load(Ordering::Relaxed) < 60 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    stop_server(server);
    stop.store(true, Ordering::Relaxed);
    let acked: Vec<(String, String)> = workers
        .into_iter()
        .flat_map(|w| w.join().expect("worker"))
        .collect();
    assert!(
        acked.len() >= 60,
        "only {} changes acknowledged",
        acked.len()
    );
    acked
}

fn assert_all_present(dir: &std::path::Path, acked: &[(String, String)]) {
    let server = Server::start(dir, &[]);
    let mut by_id: std::collections::HashMap<String, HashSet<String>> = Default::default();
    for (id, hash) in acked {
        let have = by_id
            .entry(id.clone())
            .or_insert_with(|| server_hashes(&server, id));
        assert!(
            have.contains(hash),
            "acknowledged change {hash} of {id} lost"
        );
    }
}

#[test]
fn sigkill_during_a_stream_of_syncs_loses_no_acknowledged_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path(), &["--compact-after", "7"]);
    let acked = stream_until_stopped(&mut server, Server::kill);
    assert_all_present(dir.path(), &acked);
}

#[test]
fn sigterm_during_a_stream_of_syncs_exits_cleanly_and_keeps_everything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path(), &[]);
    let acked = stream_until_stopped(&mut server, |s| {
        assert!(
            s.terminate(Duration::from_secs(10)),
            "clean exit on SIGTERM"
        );
    });
    assert_all_present(dir.path(), &acked);
}

#[test]
fn compaction_eviction_and_graceful_shutdown_lose_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A 1 MiB cache holds only a few dossiers: every round evicts and reloads.
    let mut server = Server::start(dir.path(), &["--compact-after", "3", "--cache-mb", "1"]);
    let mut phone = Phone::new(&server.url, "phone-c");
    let ids: Vec<String> = (0..40).map(|_| new_id()).collect();
    for id in &ids {
        phone
            .create(&sample_dossier(id, "s2", "debt", "债务"))
            .expect("create");
    }
    let actor = phone.actor.clone();
    for round in 0..5 {
        for id in &ids {
            phone
                .dossiers
                .get_mut(id)
                .expect("docs")
                .splice_text(
                    "/header/summary",
                    0,
                    0,
                    &format!("{round}"),
                    &actor,
                    abjuan_server::client::now(),
                )
                .expect("edit");
        }
        let out = phone.sync_all().expect("sync");
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.round_trips, 1);
    }
    assert!(
        server.terminate(Duration::from_secs(10)),
        "clean exit on SIGTERM"
    );
    let server = Server::start(dir.path(), &["--cache-mb", "1"]);
    for id in &ids {
        let v = server.get(&format!("/v1/dossiers/{id}"));
        assert_eq!(v["dossier"]["header"]["summary"], "43210债务");
        let heads: Vec<String> = phone.dossiers[id]
            .a
            .get_heads()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(v["heads"]["a"], json!(heads));
    }
    // The phone, with the server heads it remembers, is in sync in one round trip.
    phone.transport = server.transport();
    let out = phone.sync_all().expect("sync");
    assert_eq!((out.round_trips, out.received, out.applied), (1, 0, 0));
}
