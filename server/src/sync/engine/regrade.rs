//! Re-grading a bureau's stored dossiers when its current rule set changes, in the background:
//! one dossier at a time, each under its own lock only while it is graded, the index rows
//! written in batches, a pause between batches so syncs never wait behind it. A dossier that
//! was not in the cache is dropped from it again afterwards, so a re-grade does not push out
//! the dossiers phones are working on.

use std::sync::Arc;
use std::time::Duration;

use abjuan_shared::ValidateOptions;

use super::Engine;
use crate::auth::Gate;
use crate::rules::RuleBook;
use crate::store::{answer, IndexRow, ListFilter, StoreError, WriteOp};

/// Index rows written per store batch.
const BATCH: usize = 50;
/// Pause between batches.
const PAUSE: Duration = Duration::from_millis(20);
/// Dossiers listed per page.
const PAGE: u32 = 1000;

impl Engine {
    /// Grades every stored dossier of `stations` with `bureau`'s current rule set and writes
    /// their index rows. Returns how many were graded.
    pub async fn regrade(&self, bureau: &str, stations: Vec<String>) -> Result<usize, StoreError> {
        let mut ids = Vec::new();
        let mut offset = 0;
        loop {
            let store = self.store.clone();
            let filter = ListFilter {
                only_stations: Some(stations.clone()),
                limit: Some(PAGE),
                offset: Some(offset),
                ..ListFilter::default()
            };
            let rows = tokio::task::spawn_blocking(move || store.list(&filter))
                .await
                .map_err(|_| StoreError::Closed)??;
            let n = rows.len();
            ids.extend(rows.into_iter().map(|r| r.id));
            if n < PAGE as usize {
                break;
            }
            offset += PAGE;
        }
        let mut graded = 0;
        for chunk in ids.chunks(BATCH) {
            let mut ops = Vec::with_capacity(chunk.len());
            let mut pending = Vec::new();
            for id in chunk {
                let (shared, cached) = self.cache.get(id);
                let mut entry = shared.lock().await;
                if self.ensure_current(id, &mut entry, false).await.is_err()
                    || entry.state.is_empty()
                {
                    continue;
                }
                let rule_set = self.rule_set(bureau);
                let mut opts = ValidateOptions::new(chrono::Utc::now().fixed_offset());
                opts.local_rules = rule_set.as_deref();
                let assessed = entry.state.assessed(&opts);
                entry.graded_with.clone_from(&assessed.rules);
                let mut row = IndexRow::build(
                    id,
                    &assessed.json,
                    &assessed.assessment,
                    chrono::Utc::now().timestamp_millis(),
                );
                row.based_on = Some(entry.based_on());
                ops.push(WriteOp::Index(Box::new(row)));
                graded += 1;
                if !ops.is_empty() && ops.len() >= BATCH {
                    pending.push(self.store.submit(std::mem::take(&mut ops)));
                }
                let weight = entry.weight();
                drop(entry);
                drop(shared);
                if cached {
                    self.cache.set_weight(id, weight);
                } else {
                    self.cache.remove_unused(id);
                }
            }
            if !ops.is_empty() {
                pending.push(self.store.submit(ops));
            }
            for rx in pending {
                answer(rx).await?;
            }
            tokio::time::sleep(PAUSE).await;
        }
        Ok(graded)
    }
}

/// Follows the rule book until the process ends: each time a bureau's current rule set
/// changes, its stored dossiers are graded again with it (a failure is logged and the next
/// change tries again; a sync of a dossier grades it with the new rules meanwhile).
pub async fn follow_rules(engine: Arc<Engine>, gate: Arc<Gate>, book: Arc<RuleBook>) {
    let mut changes = book.subscribe();
    let mut seen = changes.borrow_and_update().clone();
    while changes.changed().await.is_ok() {
        let now = changes.borrow_and_update().clone();
        for change in now.changed_since(&seen) {
            let accounts = gate.accounts.clone();
            let bureau = change.bureau.clone();
            let stations = tokio::task::spawn_blocking(move || accounts.stations(Some(&bureau)))
                .await
                .map(|r| r.map(|s| s.into_iter().map(|s| s.id).collect::<Vec<_>>()));
            let stations = match stations {
                Ok(Ok(s)) => s,
                _ => {
                    tracing::error!(bureau = %change.bureau, "re-grade: stations lookup failed");
                    continue;
                }
            };
            match engine.regrade(&change.bureau, stations).await {
                Ok(n) => {
                    tracing::info!(bureau = %change.bureau, to = ?change.to, graded = n, "re-graded stored dossiers")
                }
                Err(e) => tracing::error!(bureau = %change.bureau, error = %e, "re-grade failed"),
            }
        }
        seen = now;
    }
}
