//! What a node does beside answering requests when several nodes share the store
//! (PostgreSQL): it makes again the index rows another node wrote from less than everything
//! stored ([`follow_reindex`]), and it brings cached dossiers up to date when another node
//! says it wrote them ([`follow_notices`]: a hint that saves the next request the catch-up;
//! correctness never depends on it, since every request checks its dossiers against the
//! store first).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use abjuan_shared::ValidateOptions;
use tokio::sync::broadcast::error::RecvError;

use super::Engine;
use crate::auth::Gate;
use crate::store::{answer, IndexRow, WriteOp};

/// How often a node looks for index rows to make again.
const REINDEX_EVERY: Duration = Duration::from_secs(2);
/// Notices gathered before the dossiers they name are caught up together.
const NOTICE_WINDOW: Duration = Duration::from_millis(20);

impl Engine {
    /// Makes a dossier's index row again from its current state, graded with the current rule
    /// set of its station's bureau (`bureaus`: station → bureau). Returns whether a row was
    /// written.
    pub async fn reindex(&self, id: &str, bureaus: &HashMap<String, String>) -> bool {
        let Ok(shared) = self.entry(id).await else {
            return false;
        };
        let rx = {
            let mut entry = shared.lock().await;
            if entry.state.is_empty() {
                return false;
            }
            let rule_set = entry
                .state
                .facts()
                .station
                .and_then(|st| bureaus.get(&st))
                .and_then(|b| self.rule_set(b));
            let mut opts = ValidateOptions::new(crate::clock::now());
            opts.local_rules = rule_set.as_deref();
            let assessed = entry.state.assessed(&opts);
            entry.graded_with.clone_from(&assessed.rules);
            let now = crate::clock::now_ms();
            let mut row = entry
                .state
                .lend_json(|json| IndexRow::build(id, json, &assessed.assessment, now));
            row.based_on = Some(entry.based_on());
            // Submitted while the entry is held, behind every write of this node before it.
            self.store.submit(vec![WriteOp::Index(Box::new(row))])
        };
        answer(rx).await.is_ok()
    }

    /// Brings the cached copies of `ids` that nobody here is using up to date.
    async fn refresh_idle(&self, ids: &[String]) {
        for id in ids {
            let Some(shared) = self.cache.peek(id) else {
                continue;
            };
            let Ok(mut entry) = shared.try_lock() else {
                continue;
            };
            if entry.loaded {
                let _ = self.ensure_current(id, &mut entry, false).await;
            }
        }
    }
}

/// Makes again, every two seconds, the index rows the store reports as made from less than
/// everything stored, each graded with the current rule set of its station's bureau.
pub async fn follow_reindex(engine: Arc<Engine>, gate: Arc<Gate>) {
    let mut tick = tokio::time::interval(REINDEX_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let store = engine.store.clone();
        let ids = match tokio::task::spawn_blocking(move || store.behind(100)).await {
            Ok(Ok(ids)) => ids,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "re-index: listing failed");
                continue;
            }
            Err(_) => continue,
        };
        if ids.is_empty() {
            continue;
        }
        let accounts = gate.accounts.clone();
        let bureaus: HashMap<String, String> =
            match tokio::task::spawn_blocking(move || accounts.stations(None)).await {
                Ok(Ok(stations)) => stations.into_iter().map(|s| (s.id, s.bureau)).collect(),
                _ => HashMap::new(),
            };
        let mut done = 0;
        for id in &ids {
            if engine.reindex(id, &bureaus).await {
                done += 1;
            }
        }
        tracing::debug!(
            dossiers = done,
            "re-indexed dossiers another node wrote meanwhile"
        );
    }
}

/// Follows the store's notices until the process ends: the dossiers other nodes wrote are
/// caught up here in the background (gathered over a short window), if cached and idle.
pub async fn follow_notices(engine: Arc<Engine>) {
    let Some(mut rx) = engine.store.notices() else {
        return;
    };
    loop {
        let first = match rx.recv().await {
            Ok(id) => id,
            Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => return,
        };
        let mut ids = vec![first];
        let deadline = tokio::time::Instant::now() + NOTICE_WINDOW;
        while let Ok(Ok(id)) = tokio::time::timeout_at(deadline, rx.recv()).await {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        engine.refresh_idle(&ids).await;
    }
}
