//! A node's writer: one task and one dedicated connection, group commit. It takes every
//! write waiting, runs them in ONE transaction, in the order they came, with every statement
//! sent at once (pipelined), commits, and only then answers: a write is acknowledged after
//! COMMIT; then it publishes the last ticket done, which reads of those dossiers wait for
//! ([`super::order`]). A lost connection, a deadlock or a
//! serialisation failure runs the whole group again (every statement is safe to repeat).
//!
//! What keeps several writers (nodes) correct on one database:
//! - every dossier a group writes is locked first, in id order (`dossier_log` row, upserted),
//!   so two nodes' groups never deadlock on dossiers, and a dossier's appends commit one
//!   after the other: its change sequence grows in commit order, and a node that read
//!   sequence S has read every row up to S;
//! - changes are inserted if absent by hash (a retry changes nothing);
//! - a compaction replaces the snapshot only if it is still the generation the node built
//!   on, and deletes only the rows it read (up to its mark, and its own): never a row of a
//!   concurrent writer, never after another node's compaction;
//! - loads and catch-up reads (in [`super::reads`], on pooled connections, beside the writer)
//!   are single statements: one consistent snapshot of the data.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::try_join_all;
use tokio::sync::{mpsc, oneshot};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Statement};

use super::db::{describe, retryable, Db};
use super::sql::{Sql, CHANNEL};
use crate::store::{Mark, StoreError, WriteOp, Written};

/// The most messages one transaction takes.
const MAX_GROUP: usize = 256;
/// Attempts of one group before its callers get the error.
const ATTEMPTS: u32 = 6;
/// A NOTIFY payload stays well under PostgreSQL's 8,000 bytes.
const NOTIFY_BYTES: usize = 7000;

/// A batch to write: its operations, who waits for the answer, its ticket (in submit order).
pub(super) struct Msg {
    pub(super) ops: Vec<WriteOp>,
    pub(super) reply: oneshot::Sender<Result<Written, StoreError>>,
    pub(super) ticket: u64,
}

/// What a statement's answer is for.
#[derive(Clone)]
enum Slot {
    None,
    /// A compaction's snapshot write: applied when it changed a row.
    Compaction {
        msg: usize,
        dossier: String,
        vi: usize,
        generation: i64,
    },
}

type Arg = Box<dyn ToSql + Sync + Send>;

struct Job {
    sql: Sql,
    args: Vec<Arg>,
    slot: Slot,
}

pub(super) fn vi(volume: &str) -> usize {
    usize::from(volume == "b")
}

/// Runs the writer until every sender is gone; `done` tells readers the last ticket answered.
pub(super) async fn run(
    db: Arc<Db>,
    mut rx: mpsc::UnboundedReceiver<Msg>,
    node: String,
    done: tokio::sync::watch::Sender<u64>,
) {
    let mut conn: Option<(Client, HashMap<Sql, Statement>)> = None;
    while let Some(first) = rx.recv().await {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(m) => group.push(m),
                Err(_) => break,
            }
        }
        // A compaction's new generation is chosen once, so a retry writes the same one.
        let generations: Vec<i64> = group
            .iter()
            .flat_map(|m| &m.ops)
            .filter(|op| matches!(op, WriteOp::Compact { .. }))
            .map(|_| new_generation())
            .collect();
        let last = group.iter().map(|m| m.ticket).max().unwrap_or(0);
        let mut attempt = 0;
        let result = loop {
            attempt += 1;
            if conn.as_ref().is_none_or(|(c, _)| c.is_closed()) {
                conn = match db.dedicated().await {
                    Ok((c, _)) => Some((c, HashMap::new())),
                    Err(e) => {
                        tracing::warn!(error = %describe(&e), "store writer: cannot connect");
                        if attempt < ATTEMPTS {
                            tokio::time::sleep(backoff(attempt)).await;
                            continue;
                        }
                        break Err(StoreError::from(e));
                    }
                };
            }
            let Some((client, stmts)) = conn.as_mut() else {
                continue;
            };
            match run_group(client, stmts, &group, &generations, &node).await {
                Ok(replies) => break Ok(replies),
                Err(e) if attempt < ATTEMPTS && retryable(&e) => {
                    tracing::info!(error = %describe(&e), attempt, "store group again");
                    if e.is_closed() {
                        conn = None;
                    }
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(e) => {
                    tracing::error!(error = %describe(&e), "store transaction failed");
                    if client.is_closed() {
                        conn = None;
                    }
                    break Err(StoreError::from(e));
                }
            }
        };
        answer(group, result);
        // Failed writes are done too: their dossiers are dropped from the cache by the engine.
        done.send_if_modified(|d| {
            let moved = last > *d;
            *d = (*d).max(last);
            moved
        });
    }
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(20 * 2u64.pow(attempt.min(6)))
}

fn new_generation() -> i64 {
    let mut b = [0u8; 8];
    let _ = getrandom::fill(&mut b);
    let g = i64::from_le_bytes(b) & i64::MAX;
    if g < 1 {
        1
    } else {
        g
    }
}

fn answer(group: Vec<Msg>, result: Result<Vec<Written>, StoreError>) {
    match result {
        Ok(replies) => {
            for (msg, w) in group.into_iter().zip(replies) {
                let _ = msg.reply.send(Ok(w));
            }
        }
        Err(e) => {
            for msg in group {
                let _ = msg.reply.send(Err(e.clone()));
            }
        }
    }
}

fn job(sql: Sql, args: Vec<Arg>) -> Job {
    Job {
        sql,
        args,
        slot: Slot::None,
    }
}

pub(super) fn op_dossier(op: &WriteOp) -> Option<&str> {
    match op {
        WriteOp::Append { dossier, .. } | WriteOp::Compact { dossier, .. } => Some(dossier),
        WriteOp::Index(row) => Some(&row.id),
        WriteOp::SyncState { .. } => None,
    }
}

/// The statements of one write.
fn write_jobs(op: &WriteOp, msg: usize, generation: &mut impl Iterator<Item = i64>) -> Vec<Job> {
    let mut jobs = Vec::new();
    match op {
        WriteOp::Append {
            dossier,
            volume,
            changes,
            device,
            received_at,
        } => {
            let n = i64::try_from(changes.len()).unwrap_or(0);
            jobs.push(job(Sql::Bump, vec![Box::new(dossier.clone()), Box::new(n)]));
            for (i, c) in changes.iter().enumerate() {
                let back = n - 1 - i64::try_from(i).unwrap_or(0);
                jobs.push(job(
                    Sql::Change,
                    vec![
                        Box::new(dossier.clone()),
                        Box::new(volume.as_str().to_owned()),
                        Box::new(back),
                        Box::new(c.hash.to_vec()),
                        Box::new(c.bytes.clone()),
                    ],
                ));
                jobs.push(job(
                    Sql::Upload,
                    vec![
                        Box::new(dossier.clone()),
                        Box::new(volume.as_str().to_owned()),
                        Box::new(c.hash.to_vec()),
                        Box::new(device.clone()),
                        Box::new(*received_at),
                    ],
                ));
            }
        }
        WriteOp::Compact {
            dossier,
            volume,
            snapshot,
            derived,
            covers,
        } => {
            let generation = generation.next().unwrap_or_else(new_generation);
            if covers.generation == Mark::UNKNOWN {
                return jobs;
            }
            let (sql, mut args): (Sql, Vec<Arg>) = if covers.generation == 0 {
                (Sql::SnapshotFirst, Vec::new())
            } else {
                (Sql::SnapshotNext, vec![Box::new(covers.generation)])
            };
            let mut head: Vec<Arg> = vec![
                Box::new(dossier.clone()),
                Box::new(volume.as_str().to_owned()),
                Box::new(generation),
                Box::new(snapshot.clone()),
                Box::new(derived.clone()),
            ];
            head.append(&mut args);
            jobs.push(Job {
                sql,
                args: head,
                slot: Slot::Compaction {
                    msg,
                    dossier: dossier.clone(),
                    vi: vi(volume.as_str()),
                    generation,
                },
            });
            let own: Vec<Vec<u8>> = covers.own.iter().map(|h| h.to_vec()).collect();
            jobs.push(job(
                Sql::DropCovered,
                vec![
                    Box::new(dossier.clone()),
                    Box::new(volume.as_str().to_owned()),
                    Box::new(covers.through),
                    Box::new(own),
                    Box::new(generation),
                ],
            ));
        }
        WriteOp::Index(row) => {
            let flag = |b: bool| -> Arg { Box::new(i16::from(b)) };
            jobs.push(job(
                Sql::Index,
                vec![
                    Box::new(row.id.clone()),
                    Box::new(row.station.clone()),
                    Box::new(row.status.clone()),
                    Box::new(row.category.clone()),
                    Box::new(row.level.clone()),
                    Box::new(row.summary.clone()),
                    Box::new(row.reported_at.clone()),
                    Box::new(row.month.clone()),
                    flag(row.valid),
                    flag(row.missing_volume_b),
                    Box::new(row.follow_up_due.clone()),
                    Box::new(row.outcome.clone()),
                    flag(row.open),
                    Box::new(i64::from(row.conflicts)),
                    Box::new(row.updated_at),
                    Box::new(row.form_type.clone()),
                    Box::new(row.form_facts.clone()),
                ],
            ));
            // Only AB dossiers are numbered and enter the ledger.
            if row.is_dossier() {
                let l = &row.ledger;
                let station = || -> Arg { Box::new(row.station.clone()) };
                jobs.push(job(Sql::LedgerCounter, vec![station(), Box::new(l.year)]));
                jobs.push(job(
                    Sql::LedgerBump,
                    vec![station(), Box::new(l.year), Box::new(row.id.clone())],
                ));
                let officers = serde_json::to_string(&l.officers).unwrap_or_else(|_| "[]".into());
                jobs.push(job(
                    Sql::Ledger,
                    vec![
                        Box::new(row.id.clone()),
                        station(),
                        Box::new(l.year),
                        Box::new(l.source.clone()),
                        Box::new(l.parties.clone()),
                        Box::new(l.summary.clone()),
                        Box::new(l.measures.clone()),
                        Box::new(l.result.clone()),
                        Box::new(l.closed_on.clone()),
                        Box::new(l.follow_ups.clone()),
                        Box::new(officers),
                        Box::new(crate::store::ledger::LEDGER_VERSION),
                    ],
                ));
            }
            jobs.push(job(Sql::BlobRefsClear, vec![Box::new(row.id.clone())]));
            for (sha, volume) in &row.attachments {
                jobs.push(job(
                    Sql::BlobRef,
                    vec![
                        Box::new(sha.clone()),
                        Box::new(row.id.clone()),
                        Box::new(volume.as_str().to_owned()),
                    ],
                ));
            }
            // A row made from less than everything stored is made again by some node.
            let based_on = row.based_on.unwrap_or(-1);
            jobs.push(job(
                Sql::Caught,
                vec![Box::new(row.id.clone()), Box::new(based_on)],
            ));
            jobs.push(job(
                Sql::Behind,
                vec![Box::new(row.id.clone()), Box::new(based_on)],
            ));
        }
        WriteOp::SyncState { client, key, state } => {
            jobs.push(job(
                Sql::SyncState,
                vec![
                    Box::new(client.clone()),
                    Box::new(key.clone()),
                    Box::new(state.clone()),
                    Box::new(crate::clock::now_ms()),
                ],
            ));
        }
    }
    jobs
}

/// Every statement of a group, in order: the dossier locks, then each message's.
fn group_jobs(group: &[Msg], generations: &[i64], node: &str) -> Vec<Job> {
    let mut locked = BTreeSet::new();
    let mut touched = BTreeSet::new();
    for op in group.iter().flat_map(|m| &m.ops) {
        if let Some(d) = op_dossier(op) {
            locked.insert(d.to_owned());
            if !matches!(op, WriteOp::Index(_)) {
                touched.insert(d.to_owned());
            }
        }
    }
    let mut jobs: Vec<Job> = locked
        .into_iter()
        .map(|d| job(Sql::Lock, vec![Box::new(d)]))
        .collect();
    let mut generation = generations.iter().copied();
    for (n, msg) in group.iter().enumerate() {
        for op in &msg.ops {
            jobs.extend(write_jobs(op, n, &mut generation));
        }
    }
    // Hints for the other nodes (delivered at COMMIT; payloads kept under the limit).
    let mut payload = String::new();
    for id in touched {
        if payload.len() + id.len() + node.len() + 2 > NOTIFY_BYTES {
            jobs.push(notify(node, &payload));
            payload.clear();
        }
        if !payload.is_empty() {
            payload.push(',');
        }
        payload.push_str(&id);
    }
    if !payload.is_empty() {
        jobs.push(notify(node, &payload));
    }
    jobs
}

fn notify(node: &str, ids: &str) -> Job {
    job(
        Sql::Notify,
        vec![
            Box::new(CHANNEL.to_owned()),
            Box::new(format!("{node}:{ids}")),
        ],
    )
}

async fn run_group(
    client: &mut Client,
    stmts: &mut HashMap<Sql, Statement>,
    group: &[Msg],
    generations: &[i64],
    node: &str,
) -> Result<Vec<Written>, tokio_postgres::Error> {
    let jobs = group_jobs(group, generations, node);
    for j in &jobs {
        if let std::collections::hash_map::Entry::Vacant(e) = stmts.entry(j.sql) {
            e.insert(client.prepare(j.sql.text()).await?);
        }
    }
    let tx = client.transaction().await?;
    let refs: Vec<Vec<&(dyn ToSql + Sync)>> = jobs
        .iter()
        .map(|j| j.args.iter().map(|a| &**a as &(dyn ToSql + Sync)).collect())
        .collect();
    let futures = jobs.iter().zip(&refs).map(|(j, args)| {
        let stmt = &stmts[&j.sql];
        let tx = &tx;
        async move { tx.execute(stmt, args).await }
    });
    let counts = try_join_all(futures).await?;
    tx.commit().await?;
    let mut replies: Vec<Written> = group.iter().map(|_| Written::default()).collect();
    for (j, count) in jobs.iter().zip(counts) {
        if let (
            Slot::Compaction {
                msg,
                dossier,
                vi,
                generation,
            },
            1,
        ) = (&j.slot, count)
        {
            if let Some(w) = replies.get_mut(*msg) {
                w.compacted.push((dossier.clone(), *vi, *generation));
            }
        }
    }
    Ok(replies)
}
