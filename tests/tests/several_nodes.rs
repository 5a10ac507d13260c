//! Several stateless nodes on one PostgreSQL database (needs `ABJUAN_TEST_POSTGRES`:
//! `scripts/test.d/15-postgres.sh` starts a throwaway server and runs these). Phones alternate
//! between two nodes (no sticky sessions) while editing the same dossiers at once; one node is
//! SIGKILLed mid-sync and restarted; both nodes compact the same documents (a snapshot every
//! 4 changes); the nodes' LISTEN connections are killed from the database side. Afterwards
//! every acknowledged change is stored, every phone holds the same dossiers, and both nodes
//! serve the same heads. An attachment uploaded in parts through both nodes is kept once in the
//! database: either node serves it, and a partner mediator gets neither node's copy of a
//! volume-B one.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use abjuan_e2e::attachments::{blobs_of, jpeg, sorted, with_agreement_and_id_card};
use abjuan_e2e::nodes::Cluster;
use abjuan_e2e::{last_line, new_id, sample_dossier, Phone, Transport, STATION};
use abjuan_server::blobs::client::BlobClient;
use abjuan_server::client::SyncOutcome;
use abjuan_shared::attachment::content_address;
use abjuan_shared::doc::Volume;
use automerge::ChangeHash;
use serde_json::json;

const PHONES: usize = 3;

/// Changes (dossier, hash) a node acknowledged.
type Acked = BTreeSet<(String, String)>;
const ROUNDS: usize = 40;

/// The bureau and the station every test here works in.
fn bureau_and_station(cluster: &Cluster) {
    let _ = cluster.admin(&["bureau", "add", "yongji", "永济市公安局"]);
    let _ = cluster.admin(&[
        "station",
        "add",
        STATION,
        "蒲州派出所",
        "--bureau",
        "yongji",
    ]);
}

/// Bureau, station, officers and one enrolled credential per officer.
fn people(cluster: &Cluster) -> Vec<String> {
    bureau_and_station(cluster);
    (0..PHONES)
        .map(|i| {
            let id = format!("officer{i}");
            let _ = cluster.admin(&[
                "person",
                "add",
                &id,
                "--name",
                "民警",
                "--role",
                "officer",
                "--station",
                STATION,
            ]);
            let code = last_line(&cluster.admin(&["device", "enrol", &id]));
            last_line(&cluster.admin(&["device", "redeem", &code, "--label", "phone"]))
        })
        .collect()
}

fn transport(url: &str, token: &str) -> Transport {
    Transport::new(url).with_token(token)
}

/// Every change hash the phone holds, per dossier.
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

fn heads(phone: &Phone) -> BTreeMap<(String, &'static str), Vec<ChangeHash>> {
    let mut out = BTreeMap::new();
    for (id, docs) in &phone.dossiers {
        for v in [Volume::A, Volume::B] {
            let mut h = docs.doc(v).get_heads();
            h.sort_unstable();
            out.insert((id.clone(), v.as_str()), h);
        }
    }
    out
}

/// The heads a node serves for every document, read with a fresh phone (the generic protocol
/// from nothing: it ends holding exactly what the node has).
fn served(
    url: &str,
    token: &str,
    ids: &[String],
) -> BTreeMap<(String, &'static str), Vec<ChangeHash>> {
    let mut reader = Phone::new(url, "reader");
    reader.transport = transport(url, token);
    for id in ids {
        reader.docs_mut(id);
    }
    let out = reader.sync(ids).expect("reader sync");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    heads(&reader)
}

fn stored_change_rows(database: &str) -> i64 {
    let db = abjuan_server::store::postgres::Db::open(database).expect("db");
    db.block(async {
        let c = db.pooled().await.expect("connection");
        c.query_one("SELECT COUNT(*) FROM changes", &[])
            .await
            .expect("count")
            .get(0)
    })
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test.d/15-postgres.sh runs it"]
fn postgres_two_nodes_lose_nothing_through_kills_compactions_and_lost_notices() {
    let started = std::time::Instant::now();
    let mut cluster = Cluster::start(2, &["--compact-after", "4"]);
    let tokens = people(&cluster);
    eprintln!("cluster and accounts ready after {:?}", started.elapsed());
    let urls = Arc::new(RwLock::new([
        cluster.url(0).expect("node 0"),
        cluster.url(1).expect("node 1"),
    ]));
    let ids: Vec<String> = (0..PHONES).map(|_| new_id()).collect();
    // Each officer opens one dossier; every phone then edits all three.
    let mut phones: Vec<Phone> = (0..PHONES)
        .map(|i| {
            let url = urls.read().expect("urls")[i % 2].clone();
            let mut p = Phone::new(&url, &format!("phone-{i}"));
            p.transport = transport(&url, &tokens[i]);
            p.create(&sample_dossier(&ids[i], STATION, "neighbour", "邻里纠纷"))
                .expect("create");
            let out = p.sync(&ids[i..=i]).expect("first sync");
            assert!(out.errors.is_empty(), "{:?}", out.errors);
            p
        })
        .collect();
    for p in &mut phones {
        for id in &ids {
            p.docs_mut(id);
        }
    }
    let acked_total = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = phones
        .into_iter()
        .enumerate()
        .map(|(i, mut phone)| {
            let (urls, ids, token) = (urls.clone(), ids.clone(), tokens[i].clone());
            let acked_total = acked_total.clone();
            std::thread::spawn(move || {
                let mut acked = BTreeSet::new();
                let mut failures = 0;
                for round in 0..ROUNDS {
                    let actor = phone.actor.clone();
                    for (k, id) in ids.iter().enumerate() {
                        if phone.dossiers[id].a.get_heads().is_empty() {
                            continue; // not received yet
                        }
                        let value = json!((round * PHONES + i + k) % 40 + 2);
                        phone
                            .docs_mut(id)
                            .set_field(
                                "/header/facts/peopleInvolved",
                                value,
                                &actor,
                                abjuan_server::client::now(),
                            )
                            .expect("edit");
                    }
                    let url = urls.read().expect("urls")[(round + i) % 2].clone();
                    phone.transport = transport(&url, &token);
                    match phone.sync(&ids) {
                        Ok(SyncOutcome { errors, .. }) if errors.is_empty() => {
                            let now = held(&phone);
                            acked_total.fetch_add(now.len() - acked.len(), Ordering::Relaxed);
                            acked = now;
                        }
                        // The node went away mid-request: nothing is acknowledged; the phone
                        // sends the same changes to the other node next round.
                        _ => failures += 1,
                    }
                    std::thread::sleep(Duration::from_millis(15));
                }
                (phone, acked, failures)
            })
        })
        .collect();
    // Kill node 0 mid-sync once a third of the work is acknowledged, then restart it.
    let wait_for = |n: usize| {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while acked_total.load(Ordering::Relaxed) < n && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    wait_for(PHONES * ROUNDS / 2);
    eprintln!("killing node 0 after {:?}", started.elapsed());
    cluster.kill(0);
    std::thread::sleep(Duration::from_millis(300));
    cluster.restart(0);
    urls.write().expect("urls")[0] = cluster.url(0).expect("node 0");
    wait_for(PHONES * ROUNDS);
    let ended = cluster.terminate_listeners();
    assert!(ended >= 1, "no LISTEN connection to end");
    let mut results: Vec<(Phone, Acked, usize)> = workers
        .into_iter()
        .map(|w| w.join().expect("phone"))
        .collect();
    let acked: BTreeSet<(String, String)> = results
        .iter()
        .flat_map(|(_, a, _)| a.iter().cloned())
        .collect();
    let failures: Vec<usize> = results.iter().map(|r| r.2).collect();
    eprintln!(
        "{} changes acknowledged, failed syncs per phone {failures:?}, after {:?}",
        acked.len(),
        started.elapsed()
    );
    assert!(
        acked.len() > PHONES * ROUNDS,
        "too little acknowledged: {}",
        acked.len()
    );
    // Converge: every phone syncs with both nodes, twice.
    for _ in 0..2 {
        for (i, (phone, _, _)) in results.iter_mut().enumerate() {
            for node in 0..2 {
                let url = cluster.url(node).expect("node");
                phone.transport = transport(&url, &tokens[i]);
                let out = phone.sync(&ids).expect("converging sync");
                assert!(out.errors.is_empty(), "{:?}", out.errors);
            }
        }
    }
    let first = heads(&results[0].0);
    for (phone, _, _) in &results[1..] {
        assert_eq!(heads(phone), first, "phones disagree");
    }
    for node in 0..2 {
        let url = cluster.url(node).expect("node");
        assert_eq!(
            served(&url, &tokens[0], &ids),
            first,
            "node {node} serves other heads"
        );
        let t = transport(&url, &tokens[0]);
        for id in &ids {
            let (status, h) = t
                .get_json(&format!("/v1/dossiers/{id}/history"))
                .expect("history");
            assert_eq!(status, 200, "{h}");
            let present: BTreeSet<String> = ["a", "b"]
                .iter()
                .flat_map(|v| h[v].as_array().cloned().unwrap_or_default())
                .filter_map(|e| e["hash"].as_str().map(str::to_owned))
                .collect();
            for (d, hash) in acked.iter().filter(|(d, _)| d == id) {
                assert!(present.contains(hash), "acknowledged {d}/{hash} lost");
            }
        }
    }
    // Both nodes compacted (rows folded into snapshots) and caught up with each other.
    let rows = stored_change_rows(&cluster.database);
    assert!(
        usize::try_from(rows).unwrap_or(usize::MAX) < acked.len() / 2,
        "{rows} change rows for {} changes: compaction did not run",
        acked.len()
    );
    for node in 0..2 {
        let url = cluster.url(node).expect("node");
        let (_, metrics) = Transport::new(&url).get_text("/metrics").expect("metrics");
        let caught = metrics
            .lines()
            .find_map(|l| l.strip_prefix("abjuan_catch_ups_total "))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
        assert!(caught > 0, "node {node} never caught up with the other");
    }
    // The list agrees on both nodes (the index rows were made from everything stored).
    std::thread::sleep(Duration::from_millis(2500));
    let lists: Vec<serde_json::Value> = (0..2)
        .map(|n| {
            let url = cluster.url(n).expect("node");
            transport(&url, &tokens[0])
                .get_json("/v1/dossiers")
                .expect("list")
                .1
        })
        .collect();
    assert_eq!(lists[0], lists[1]);
    assert_eq!(lists[0]["dossiers"].as_array().map(Vec::len), Some(PHONES));
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test.d/15-postgres.sh runs it"]
fn postgres_the_generic_protocol_carries_on_at_another_node() {
    let cluster = Cluster::start(2, &[]);
    let tokens = people(&cluster);
    let (url0, url1) = (cluster.url(0).expect("0"), cluster.url(1).expect("1"));
    let id = new_id();
    let mut writer = Phone::new(&url0, "writer");
    writer.transport = transport(&url0, &tokens[0]);
    writer
        .create(&sample_dossier(&id, STATION, "debt", "欠款纠纷"))
        .expect("create");
    for n in 0..5 {
        let actor = writer.actor.clone();
        writer
            .docs_mut(&id)
            .set_field(
                "/header/facts/peopleInvolved",
                json!(n + 2),
                &actor,
                abjuan_server::client::now(),
            )
            .expect("edit");
        let out = writer.sync(std::slice::from_ref(&id)).expect("sync");
        assert!(out.errors.is_empty(), "{:?}", out.errors);
    }
    // A phone whose idea of the server is stale (a head the server never had) starts the
    // generic protocol at node 0 and answers each message at the other node.
    let mut stale = Phone::new(&url0, "stale");
    stale.docs_mut(&id);
    for v in [Volume::A, Volume::B] {
        stale.set_server_heads(&id, v, vec![ChangeHash([7; 32])]);
    }
    let mut out = SyncOutcome::default();
    let mut req = stale.request(std::slice::from_ref(&id));
    let mut trips = 0;
    let mut fallback = false;
    while !req.docs.is_empty() && trips < 10 {
        let url = if trips % 2 == 0 { &url0 } else { &url1 };
        let reply = transport(url, &tokens[1])
            .send("stale", &req)
            .expect("send");
        fallback |= reply.docs.iter().any(|d| d.fallback);
        trips += 1;
        let next = stale.absorb(&reply, &mut out).expect("absorb");
        req = abjuan_server::sync::wire::SyncRequest { docs: next };
    }
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert!(fallback, "the generic protocol was used");
    assert!(trips >= 2, "the exchange crossed nodes ({trips} trips)");
    assert_eq!(
        heads(&stale),
        heads(&writer),
        "the stale phone caught up across nodes"
    );
}

/// The blob lists of a sync reply for dossier `id`, each sorted.
fn blob_lists(out: &SyncOutcome, id: &str) -> (Vec<String>, Vec<String>) {
    let lists = blobs_of(&out.last, id);
    (sorted(&lists["serverLacks"]), sorted(&lists["phoneLacks"]))
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test.d/15-postgres.sh runs it"]
fn postgres_an_attachment_uploaded_through_one_node_is_served_by_the_other() {
    let cluster = Cluster::start(2, &[]);
    bureau_and_station(&cluster);
    let mut tokens = BTreeMap::new();
    for (id, role, unit) in [
        ("wang", "officer", ["--station", STATION]),
        ("li", "officer", ["--station", STATION]),
        ("zhao", "partner_mediator", ["--bureau", "yongji"]),
    ] {
        let mut args = vec!["person", "add", id, "--name", "测试", "--role", role];
        args.extend(unit);
        let _ = cluster.admin(&args);
        let code = last_line(&cluster.admin(&["device", "enrol", id]));
        let token = last_line(&cluster.admin(&["device", "redeem", &code, "--label", "phone"]));
        tokens.insert(id, token);
    }
    let nodes = [
        cluster.url(0).expect("node 0"),
        cluster.url(1).expect("node 1"),
    ];
    let blobs = |node: usize, who: &str| BlobClient::new(&nodes[node], Some(&tokens[who]));

    // Wang's dossier, synced through node 0, references a signed agreement (volume A) and an
    // ID-card copy (volume B).
    let (agreement, id_card) = (jpeg(900_000, 1), jpeg(300_000, 2));
    let (sa, sb) = (content_address(&agreement), content_address(&id_card));
    let mut both = vec![sa.clone(), sb.clone()];
    both.sort();
    let id = new_id();
    let mut wang = Phone::new(&nodes[0], "wang-phone");
    wang.transport = transport(&nodes[0], &tokens["wang"]);
    wang.create(&with_agreement_and_id_card(&id, &agreement, &id_card))
        .expect("create");
    let first = wang.sync(std::slice::from_ref(&id)).expect("sync");
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    assert_eq!(blob_lists(&first, &id).0, both, "the server lacks both");

    // The agreement in parts: the first through node 0, where it stands asked of node 1, the
    // rest through node 1 (a phone whose connection moved). The ID card whole through node 1.
    let cut = 400_000;
    let total = agreement.len() as u64;
    let (status, body) = blobs(0, "wang")
        .put(&sa, "image/jpeg", &agreement[..cut], Some((0, total)))
        .expect("first part");
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        blobs(1, "wang").head(&sa).expect("head"),
        (404, Some(cut as u64))
    );
    let (status, body) = blobs(1, "wang")
        .put(
            &sa,
            "image/jpeg",
            &agreement[100_000..100_010],
            Some((100_000, total)),
        )
        .expect("stale part");
    assert_eq!(
        (status, body["received"].as_u64()),
        (409, Some(cut as u64)),
        "{body}"
    );
    let (status, body) = blobs(1, "wang")
        .put(
            &sa,
            "image/jpeg",
            &agreement[cut..],
            Some((cut as u64, total)),
        )
        .expect("rest");
    assert_eq!(status, 201, "{body}");
    blobs(1, "wang")
        .upload(&sb, "image/jpeg", &id_card)
        .expect("upload");

    // Both nodes hold both; a second officer reads them through either node, and a phone
    // syncing through either node is told the same.
    for (node, url) in nodes.iter().enumerate() {
        let li = blobs(node, "li");
        assert_eq!(li.head(&sa).expect("head").0, 200, "node {node}");
        assert_eq!(li.get(&sa, None).expect("get"), (200, agreement.clone()));
        assert_eq!(li.get(&sb, None).expect("get"), (200, id_card.clone()));
        let (status, part) = li.get(&sa, Some("bytes=262000-263999")).expect("range");
        assert_eq!((status, &part[..]), (206, &agreement[262_000..264_000]));
        let mut phone = Phone::new(url, &format!("li-phone-{node}"));
        phone.transport = transport(url, &tokens["li"]);
        phone.docs_mut(&id);
        let out = phone.sync(std::slice::from_ref(&id)).expect("sync");
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(blob_lists(&out, &id), (vec![], both.clone()), "node {node}");
    }

    // The partner mediator the dossier is shared with: the agreement, never the ID card.
    let _ = cluster.admin(&["share", &id, "zhao"]);
    for node in 0..2 {
        let zhao = blobs(node, "zhao");
        assert_eq!(zhao.get(&sa, None).expect("get"), (200, agreement.clone()));
        let (status, body) = zhao.get(&sb, None).expect("get");
        assert_eq!(status, 404, "node {node}");
        assert!(String::from_utf8_lossy(&body).contains("blob_not_found"));
        assert_eq!(zhao.head(&sb).expect("head"), (404, Some(0)), "node {node}");
    }
}
