//! The rule book: every bureau's current rule set in memory. [`RuleBook::current`] is a read
//! lock and a map lookup, no IO, so it can be asked on the sync path inside a dossier's lock.
//! [`RuleBook::refresh`] re-reads which version is current for each bureau (one small query)
//! and loads what changed; the admin service calls it after every change it makes, and
//! [`RuleBook::follow`] calls it every second, so versions published with `abjuan admin` from
//! another process arrive without a restart. Subscribers ([`RuleBook::subscribe`], a tokio
//! watch channel: the latest [`Currents`], never a backlog) learn that a bureau's current
//! version changed, for example to re-grade its stored dossiers.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use abjuan_shared::warning::RuleSet;
use tokio::sync::watch;

use super::{RuleStore, RuleStoreError};

/// The current version of every bureau's rule set (bureaus without one are absent), and a
/// counter that grows with every change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Currents {
    /// Bureau → current version.
    pub versions: BTreeMap<String, u32>,
    /// How many refreshes changed something since the book was loaded.
    pub generation: u64,
}

impl Currents {
    /// The bureaus whose current version differs between `earlier` and `self`.
    #[must_use]
    pub fn changed_since(&self, earlier: &Currents) -> Vec<CurrentChange> {
        let mut out = Vec::new();
        for (bureau, &to) in &self.versions {
            let from = earlier.versions.get(bureau).copied();
            if from != Some(to) {
                out.push(CurrentChange {
                    bureau: bureau.clone(),
                    from,
                    to: Some(to),
                });
            }
        }
        for (bureau, &from) in &earlier.versions {
            if !self.versions.contains_key(bureau) {
                out.push(CurrentChange {
                    bureau: bureau.clone(),
                    from: Some(from),
                    to: None,
                });
            }
        }
        out.sort_by(|a, b| a.bureau.cmp(&b.bureau));
        out
    }
}

/// A bureau whose current rule set changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentChange {
    /// The bureau.
    pub bureau: String,
    /// The version that was current (`None`: core rules only).
    pub from: Option<u32>,
    /// The version current now (`None`: core rules only).
    pub to: Option<u32>,
}

/// Every bureau's current rule set, in memory.
pub struct RuleBook {
    store: Arc<dyn RuleStore>,
    current: RwLock<HashMap<String, Arc<RuleSet>>>,
    refreshing: Mutex<()>,
    changes: watch::Sender<Currents>,
}

impl std::fmt::Debug for RuleBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleBook")
            .field("currents", &*self.changes.borrow())
            .finish_non_exhaustive()
    }
}

impl RuleBook {
    /// A book over `store`, loaded with every bureau's current rule set (blocking).
    pub fn load(store: Arc<dyn RuleStore>) -> Result<Self, RuleStoreError> {
        let book = Self {
            store,
            current: RwLock::new(HashMap::new()),
            refreshing: Mutex::new(()),
            changes: watch::Sender::new(Currents::default()),
        };
        book.refresh()?;
        Ok(book)
    }

    /// The store behind the book.
    #[must_use]
    pub fn store(&self) -> &Arc<dyn RuleStore> {
        &self.store
    }

    /// `bureau`'s current rule set (`None`: core rules only). No IO.
    #[must_use]
    pub fn current(&self, bureau: &str) -> Option<Arc<RuleSet>> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(bureau)
            .cloned()
    }

    /// `bureau`'s current version. No IO.
    #[must_use]
    pub fn version(&self, bureau: &str) -> Option<u32> {
        self.current(bureau).map(|s| s.version())
    }

    /// The current versions now, and every later change (the latest state, coalesced).
    #[must_use]
    pub fn subscribe(&self) -> watch::Receiver<Currents> {
        self.changes.subscribe()
    }

    /// Re-reads which version is current for each bureau and loads the ones that changed
    /// (blocking); tells subscribers when anything did. Returns what changed.
    pub fn refresh(&self) -> Result<Vec<CurrentChange>, RuleStoreError> {
        let _one_at_a_time = self
            .refreshing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let wanted = self.store.current_versions()?;
        let before = self.changes.borrow().clone();
        let mut loaded = HashMap::new();
        for (bureau, version) in &wanted {
            if before.versions.get(bureau) == Some(version) {
                continue;
            }
            let record = self
                .store
                .get(bureau, *version)?
                .ok_or(RuleStoreError::NotFound)?;
            loaded.insert(bureau.clone(), record.set);
        }
        let now = Currents {
            versions: wanted.into_iter().collect(),
            generation: before.generation + 1,
        };
        let changes = now.changed_since(&before);
        if changes.is_empty() {
            return Ok(changes);
        }
        {
            let mut map = self.current.write().unwrap_or_else(PoisonError::into_inner);
            map.retain(|bureau, _| now.versions.contains_key(bureau));
            map.extend(loaded);
        }
        for c in &changes {
            tracing::info!(bureau = %c.bureau, from = ?c.from, to = ?c.to, "current rule set changed");
        }
        self.changes.send_replace(now);
        Ok(changes)
    }

    /// Refreshes every `every` until the process ends (run it as a tokio task). A failed
    /// refresh is logged; the book keeps what it had.
    pub async fn follow(self: Arc<Self>, every: Duration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let book = self.clone();
            match tokio::task::spawn_blocking(move || book.refresh()).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "rule book refresh failed"),
                Err(e) => tracing::error!(error = %e, "rule book refresh panicked"),
            }
        }
    }
}
