//! Re-grading stored records in the background: a bureau's dossiers when its current rule set
//! changes, and each day the open records of forms whose grade moves with the day alone (an
//! inspection's rectification deadline passing, nothing edited). One record at a time, each under its own lock only while it is graded, the index rows
//! written in batches, a pause between batches so syncs never wait behind it. A dossier that
//! was not in the cache is dropped from it again afterwards, so a re-grade does not push out
//! the dossiers phones are working on.

use std::sync::Arc;
use std::time::Duration;

use abjuan_shared::forms;
use abjuan_shared::model::Timestamp;
use abjuan_shared::{RuleSet, RuleSetId, ValidateOptions};

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
        let filter = ListFilter {
            only_stations: Some(stations),
            ..ListFilter::default()
        };
        let ids = self.listed(filter, |_| true).await?;
        self.regrade_ids(&ids, |_| self.rule_set(bureau), crate::clock::now)
            .await
    }

    /// Grades again the open records of every form whose grade moves with the day alone
    /// ([`Form::dated`]: an inspection's rectification deadline passing) whose index row was
    /// made before `now`'s day began, as of `now`, each with the rule set it was last graded
    /// with (its bureau's current one). Returns how many were graded.
    pub async fn regrade_dated(&self, now: Timestamp) -> Result<usize, StoreError> {
        let day_began = crate::clock::day_start_ms(now.date_naive());
        let mut ids = Vec::new();
        for form in forms::REGISTRY.iter().filter(|f| f.dated()) {
            let filter = ListFilter {
                form_type: Some(form.code().to_owned()),
                ..ListFilter::default()
            };
            ids.extend(
                self.listed(filter, |row| row.open && row.updated_at < day_began)
                    .await?,
            );
        }
        let rules = |with: Option<&RuleSetId>| with.and_then(|r| self.rule_set(&r.bureau));
        self.regrade_ids(&ids, rules, || now).await
    }

    /// The ids of the stored dossiers `filter` lists (every page) that `keep` keeps.
    async fn listed(
        &self,
        mut filter: ListFilter,
        keep: impl Fn(&IndexRow) -> bool,
    ) -> Result<Vec<String>, StoreError> {
        let mut ids = Vec::new();
        let mut offset = 0;
        filter.limit = Some(PAGE);
        loop {
            let store = self.store.clone();
            filter.offset = Some(offset);
            let page = filter.clone();
            let rows = tokio::task::spawn_blocking(move || store.list(&page))
                .await
                .map_err(|_| StoreError::Closed)??;
            let n = rows.len();
            ids.extend(rows.into_iter().filter(|r| keep(r)).map(|r| r.id));
            if n < PAGE as usize {
                return Ok(ids);
            }
            offset += PAGE;
        }
    }

    /// Grades `ids` one at a time (the rule set from what each was last graded with, the time
    /// from `now`), writing their index rows in batches with a pause between batches.
    async fn regrade_ids(
        &self,
        ids: &[String],
        rules: impl Fn(Option<&RuleSetId>) -> Option<Arc<RuleSet>>,
        now: impl Fn() -> Timestamp,
    ) -> Result<usize, StoreError> {
        let mut graded = 0;
        for chunk in ids.chunks(BATCH) {
            let mut ops = Vec::with_capacity(chunk.len());
            for id in chunk {
                let (shared, cached) = self.cache.get(id);
                let mut entry = shared.lock().await;
                if self.ensure_current(id, &mut entry, false).await.is_err()
                    || entry.state.is_empty()
                {
                    continue;
                }
                let rule_set = rules(entry.graded_with.as_ref());
                let mut opts = ValidateOptions::new(now());
                opts.local_rules = rule_set.as_deref();
                let assessed = entry.state.assessed(&opts);
                entry.graded_with.clone_from(&assessed.rules);
                let now = crate::clock::now_ms();
                let mut row = entry
                    .state
                    .lend_json(|json| IndexRow::build(id, json, &assessed.assessment, now));
                row.based_on = Some(entry.based_on());
                ops.push(WriteOp::Index(Box::new(row)));
                graded += 1;
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
                answer(self.store.submit(ops)).await?;
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

/// Grades the open records of the dated forms again each time the day turns in China, and once
/// at start (a server that was down at midnight); looks at the clock every minute. Rows already
/// made today are left alone, so several nodes (or a restart) do not grade a record twice a
/// day.
pub async fn follow_calendar(engine: Arc<Engine>) {
    let mut done = None;
    loop {
        let now = crate::clock::now();
        let day = now.date_naive();
        if done != Some(day) {
            match engine.regrade_dated(now).await {
                Ok(n) => {
                    if n > 0 {
                        tracing::info!(%day, graded = n, "re-graded records whose grade moves with the day");
                    }
                    done = Some(day);
                }
                Err(e) => {
                    tracing::error!(error = %e, "daily re-grade failed (tried again in a minute)")
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(60)).await;
    }
}

#[cfg(test)]
mod tests {
    //! The daily re-grade over a real SQLite store: an inspection's rectification deadline
    //! passing raises its listed grade with nothing edited.
    use abjuan_shared::doc::{DossierDocs, Volume};
    use abjuan_shared::sync::phone;
    use automerge::ActorId;
    use chrono::Days;

    use super::super::{Access, Engine, Limits};
    use crate::store::sqlite::SqliteStore;
    use crate::store::ListFilter;
    use crate::sync::wire::{Bytes, DocRequest, SyncRequest};

    const ID: &str = "0194a002-0000-7000-8000-0000000000d1";

    /// The rectifying internet café of the fixtures, inspected two days ago, its open hazard
    /// due tomorrow.
    fn inspection(today: chrono::NaiveDate) -> String {
        let text = include_str!(
            "../../../../shared/fixtures/site_inspection/valid/rectifying-internet-cafe.json"
        );
        let mut v: serde_json::Value = serde_json::from_str(text).expect("fixture");
        let day = |d: chrono::NaiveDate| serde_json::json!(d.to_string());
        let (before, yesterday, tomorrow) = (
            today - Days::new(2),
            today - Days::new(1),
            today + Days::new(1),
        );
        v["id"] = ID.into();
        v["header"]["inspectedAt"] = format!("{before}T10:00:00+08:00").into();
        v["hazards"][0]["deadline"] = day(tomorrow);
        v["hazards"][1]["deadline"] = day(yesterday);
        v["hazards"][1]["reinspectedOn"] = day(yesterday);
        v.to_string()
    }

    fn level(e: &Engine) -> String {
        let rows = e.store.list(&ListFilter::default()).expect("list");
        assert_eq!(rows.len(), 1);
        rows[0].level.clone()
    }

    #[tokio::test]
    async fn a_deadline_passing_raises_the_listed_grade_with_nothing_edited() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = SqliteStore::open(dir.path()).expect("store");
        let e = Engine::new(std::sync::Arc::new(store), 64 << 20, Limits::default());
        let now = crate::clock::now();
        let docs =
            DossierDocs::create_record(&inspection(now.date_naive()), &ActorId::random(), now)
                .expect("create");
        let docs_req = [Volume::A, Volume::B].map(|volume| DocRequest {
            dossier: ID.into(),
            volume: volume.as_str().into(),
            heads: vec![],
            changes: phone::outgoing(docs.doc(volume), &[])
                .into_iter()
                .map(Bytes)
                .collect(),
            sync: None,
        });
        let reply = e
            .sync(
                &SyncRequest {
                    docs: docs_req.into(),
                },
                "phone",
                Access::Open,
            )
            .await
            .expect("sync");
        assert!(reply.docs.iter().all(|d| d.ok), "{reply:?}");
        assert_eq!(reply.dossiers[ID]["report"]["valid"], true, "{reply:?}");
        // Today: one hazard still open, not yet due.
        assert_eq!(level(&e), "yellow");
        // Graded today already: the day's pass leaves it alone.
        assert_eq!(e.regrade_dated(now).await.expect("regrade"), 0);
        assert_eq!(level(&e), "yellow");
        // Three days on, the deadline has passed: orange, with nothing edited.
        let later = now + Days::new(3);
        assert_eq!(e.regrade_dated(later).await.expect("regrade"), 1);
        assert_eq!(level(&e), "orange");
    }
}
