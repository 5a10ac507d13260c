//! Brings the ledger columns of the index up to date for dossiers stored before them (or
//! under an older derivation): at start, in the background, each such dossier is loaded once,
//! its index row rebuilt and written like any other. New writes keep them current.

use std::collections::HashMap;
use std::sync::Arc;

use abjuan_shared::ValidateOptions;

use crate::auth::Gate;
use crate::store::{IndexRow, WriteOp};
use crate::sync::Engine;

/// Rebuilds every stale ledger row; returns how many were rebuilt. Each dossier is graded
/// with the current rule set of its station's bureau (stations from `gate`'s accounts).
pub async fn run(engine: Arc<Engine>, gate: Arc<Gate>) -> usize {
    let accounts = gate.accounts.clone();
    let bureaus: HashMap<String, String> =
        match tokio::task::spawn_blocking(move || accounts.stations(None)).await {
            Ok(Ok(stations)) => stations.into_iter().map(|s| (s.id, s.bureau)).collect(),
            _ => HashMap::new(),
        };
    let mut done = 0;
    loop {
        let store = engine.store.clone();
        let ids = match tokio::task::spawn_blocking(move || store.ledger_stale(200)).await {
            Ok(Ok(ids)) => ids,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "ledger backfill: listing failed");
                return done;
            }
            Err(_) => return done,
        };
        if ids.is_empty() {
            return done;
        }
        let mut progressed = false;
        for id in ids {
            let Ok(shared) = engine.entry(&id).await else {
                continue;
            };
            // Written while the entry is held, so no newer row of a concurrent sync is
            // overwritten by this one.
            let written = {
                let mut entry = shared.lock().await;
                if entry.state.is_empty() {
                    continue;
                }
                let rule_set = entry
                    .state
                    .facts()
                    .station
                    .and_then(|st| bureaus.get(&st))
                    .and_then(|b| engine.rule_set(b));
                let mut opts = ValidateOptions::new(crate::clock::now());
                opts.local_rules = rule_set.as_deref();
                let assessed = entry.state.assessed(&opts);
                let now = crate::clock::now_ms();
                let mut row = entry
                    .state
                    .lend_json(|json| IndexRow::build(&id, json, &assessed.assessment, now));
                row.based_on = Some(entry.based_on());
                let op = WriteOp::Index(Box::new(row));
                matches!(engine.store.submit(vec![op]).await, Ok(Ok(_)))
            };
            if written {
                done += 1;
                progressed = true;
            }
        }
        if !progressed {
            tracing::warn!("ledger backfill: no progress; stopping");
            return done;
        }
    }
}
