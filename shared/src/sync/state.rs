//! [`DossierState`]: a dossier as a sync peer (the server, a phone) holds it between requests:
//! its two documents, each document's JSON view and conflicts ([`DocView`]), whether each
//! history is still one chain, what the store holds of it, and the last assessment.
//!
//! Changes from a peer are applied in place when their operations show beforehand that every
//! check would pass ([`DossierState::plan_in_place`], [`DossierState::apply_in_place`]): the
//! common case, an edit that leaves the id and the header's station and status alone.
//! Anything else is tried on a copy ([`DossierState::try_changes`],
//! [`DossierState::try_message`]) and only a copy that passes every check is kept
//! ([`DossierState::commit`]). Either way the views are then brought up to date from the new
//! changes' operations instead of reading the dossier again.

use std::sync::Arc;

use automerge::{Automerge, Change, ChangeHash, ReadDoc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::in_place::{Guarded, InPlace};
use super::touch::Ops;
use super::trial::Trial;
use super::view::DocView;
use crate::doc::{
    assess_json, guarded, Assessment, Conflict, DocError, DossierDocs, DossierFacts, Volume,
};
use crate::warning::{RuleSet, RuleSetId};
use crate::ValidateOptions;

/// What the store holds of one document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stored {
    /// Bytes: the snapshot plus the changes after it.
    pub bytes: usize,
    /// Changes stored after the snapshot.
    pub since_snapshot: usize,
    /// Whether there is a snapshot (with the view beside it).
    pub snapshot: bool,
}

/// A change new to a document, to store: its hash and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChange {
    /// The change hash.
    pub hash: [u8; 32],
    /// The change as bytes.
    pub bytes: Vec<u8>,
}

/// The assessment of the dossier as it is.
#[derive(Debug)]
pub struct Assessed {
    /// Report, grade and conflicts.
    pub assessment: Assessment,
    /// The rule set that graded it (none: core rules only).
    pub rules: Option<RuleSetId>,
    /// The day and language it was made for: a deadline passing or a party coming of age
    /// changes an assessment with nothing edited, and its messages are in one language.
    pub made_for: (chrono::NaiveDate, crate::Locale),
}

/// What is stored beside a document's snapshot so that loading it does not read the whole
/// document again: its view and whether its history is one chain, at the snapshot's heads.
#[derive(Debug, Serialize, Deserialize)]
struct Derived {
    heads: Vec<String>,
    linear: bool,
    view: DocView,
}

/// A dossier as a sync peer holds it.
#[derive(Debug, Clone)]
pub struct DossierState {
    docs: DossierDocs,
    views: [DocView; 2],
    linear: [bool; 2],
    /// What the store holds of each document (A, B).
    pub stored: [Stored; 2],
    assessed: Option<Arc<Assessed>>,
    /// What the in-place check reads in each document, kept between in-place applies (which
    /// cannot change it) and forgotten when a document changes any other way.
    guards: [Option<Guarded>; 2],
}

impl Default for DossierState {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether a chain that ended at `before` still is one after `new` (given in causal order by
/// their dependencies).
pub(crate) fn still_linear<'a>(
    before: &[ChangeHash],
    new: impl IntoIterator<Item = (ChangeHash, &'a [ChangeHash])>,
) -> bool {
    let mut head = before.to_vec();
    for (hash, deps) in new {
        if deps != head.as_slice() {
            return false;
        }
        head = vec![hash];
    }
    true
}

/// Whether a document's whole history is one chain.
fn is_linear(doc: &Automerge) -> bool {
    let metas = doc.get_changes_meta(&[]);
    still_linear(&[], metas.iter().map(|m| (m.hash, m.deps.as_slice())))
}

impl DossierState {
    /// A dossier this peer has never seen: two empty documents.
    #[must_use]
    pub fn new() -> Self {
        Self {
            docs: DossierDocs {
                a: Automerge::new(),
                b: Automerge::new(),
            },
            views: [DocView::default(), DocView::default()],
            linear: [true, true],
            stored: [Stored::default(); 2],
            assessed: None,
            guards: [None, None],
        }
    }

    /// The state of documents loaded some other way (reads both whole).
    pub fn from_docs(docs: DossierDocs) -> Result<Self, DocError> {
        let linear = [is_linear(&docs.a), is_linear(&docs.b)];
        let views = [
            DocView::read(&docs.a, Volume::A, !linear[0])?,
            DocView::read(&docs.b, Volume::B, !linear[1])?,
        ];
        Ok(Self {
            docs,
            views,
            linear,
            stored: [Stored::default(); 2],
            assessed: None,
            guards: [None, None],
        })
    }

    /// Loads one document as stored: its snapshot (with the view stored beside it, used when
    /// it was taken at the snapshot's heads), then the changes after it, applied like any
    /// others and read into the view by what they touched.
    pub fn restore(
        &mut self,
        volume: Volume,
        snapshot: Option<&[u8]>,
        derived: Option<&[u8]>,
        changes: &[Vec<u8>],
    ) -> Result<(), DocError> {
        let vi = volume.index();
        let mut doc = match snapshot {
            Some(s) => guarded(|| Ok(Automerge::load(s)?))?,
            None => Automerge::new(),
        };
        let heads: Vec<String> = doc.get_heads().iter().map(ToString::to_string).collect();
        let kept = derived
            .and_then(|d| serde_json::from_slice::<Derived>(d).ok())
            .filter(|d| d.heads == heads);
        let (mut view, mut linear) = match kept {
            Some(d) => (d.view, d.linear),
            None if snapshot.is_none() => (DocView::default(), true),
            None => {
                let linear = is_linear(&doc);
                (DocView::read(&doc, volume, !linear)?, linear)
            }
        };
        if !changes.is_empty() {
            let parsed = crate::doc::sync::parse_changes(changes)?;
            let before = doc.get_heads();
            guarded(|| Ok(doc.apply_changes(parsed.iter().cloned())?))?;
            let metas = doc.get_changes_meta(&before);
            linear = linear && still_linear(&before, metas.iter().map(|m| (m.hash, &m.deps[..])));
            view.update(&doc, volume, &parsed, !linear)?;
        }
        self.stored[vi] = Stored {
            bytes: snapshot.map_or(0, <[u8]>::len) + changes.iter().map(Vec::len).sum::<usize>(),
            since_snapshot: changes.len(),
            snapshot: snapshot.is_some(),
        };
        *self.docs.doc_mut(volume) = doc;
        self.views[vi] = view;
        self.linear[vi] = linear;
        self.assessed = None;
        self.guards[vi] = None;
        Ok(())
    }

    /// Both documents.
    #[must_use]
    pub fn docs(&self) -> &DossierDocs {
        &self.docs
    }

    /// One document.
    #[must_use]
    pub fn doc(&self, volume: Volume) -> &Automerge {
        self.docs.doc(volume)
    }

    /// One document's JSON view.
    #[must_use]
    pub fn view(&self, volume: Volume) -> &DocView {
        &self.views[volume.index()]
    }

    /// Whether a document's history is one chain (then it has no conflicts).
    #[must_use]
    pub fn linear(&self, volume: Volume) -> bool {
        self.linear[volume.index()]
    }

    /// Whether the dossier exists here (document A holds anything).
    #[must_use]
    pub fn exists(&self) -> bool {
        !self.docs.a.get_heads().is_empty()
    }

    /// Whether either document holds anything.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.docs.a.get_heads().is_empty() && self.docs.b.get_heads().is_empty()
    }

    /// The facts rights depend on (read from document A's view).
    #[must_use]
    pub fn facts(&self) -> DossierFacts {
        DossierFacts::from_json(self.exists(), self.views[0].json())
    }

    /// Tries `changes` on a copy of one document of dossier `dossier` ([`Trial::changes`]).
    pub fn try_changes(
        &self,
        volume: Volume,
        dossier: &str,
        changes: Vec<Change>,
    ) -> Result<Trial, DocError> {
        Trial::changes(self.docs.doc(volume), volume, dossier, changes)
    }

    /// Tries a generic sync message on a copy of one document ([`Trial::message`]).
    pub fn try_message(
        &self,
        volume: Volume,
        dossier: &str,
        state: &mut automerge::sync::State,
        message: &[u8],
    ) -> Result<Trial, DocError> {
        Trial::message(self.docs.doc(volume), volume, dossier, state, message)
    }

    /// Keeps a trial: the document becomes the copy, the view follows its changes. Returns the
    /// new changes as raw bytes (hash, bytes), the ones `sent` had taken from there (as they
    /// came, not encoded again).
    pub fn commit(&mut self, trial: Trial, sent: &[Change]) -> Result<Vec<NewChange>, DocError> {
        let volume = trial.volume();
        let (doc, before) = trial.into_parts();
        let old = std::mem::replace(self.docs.doc_mut(volume), doc);
        self.guards[volume.index()] = None;
        let kept = self.absorb(volume, &before, sent, None);
        if kept.is_err() {
            *self.docs.doc_mut(volume) = old;
        }
        kept
    }

    /// Whether `changes` may be applied to one document in place, without the copy a trial
    /// makes, and what is known of them then (see [`InPlace`]).
    #[must_use]
    pub fn plan_in_place(
        &mut self,
        volume: Volume,
        dossier: &str,
        changes: &[Change],
    ) -> Option<InPlace> {
        let known = &mut self.guards[volume.index()];
        super::in_place::plan(self.docs.doc(volume), volume, dossier, changes, known)
    }

    /// Applies changes [`Self::plan_in_place`] cleared (`plan`), once the rights are vetted,
    /// and brings the view up to date. An error leaves this state in doubt: load it again.
    pub fn apply_in_place(
        &mut self,
        volume: Volume,
        plan: InPlace,
        changes: &[Change],
    ) -> Result<Vec<NewChange>, DocError> {
        if plan.actors.is_empty() {
            return Ok(Vec::new());
        }
        let doc = self.docs.doc_mut(volume);
        let before = doc.get_heads();
        guarded(|| Ok(doc.apply_changes(changes.iter().cloned())?))?;
        self.absorb(volume, &before, changes, Some(&plan.ops))
    }

    /// After the changes since `before` entered one document: whether its history is still
    /// one chain, its view brought up to date from their operations (`ops`, decoded here when
    /// not given), what the store is to hold.
    fn absorb(
        &mut self,
        volume: Volume,
        before: &[ChangeHash],
        sent: &[Change],
        ops: Option<&Ops>,
    ) -> Result<Vec<NewChange>, DocError> {
        let vi = volume.index();
        let doc = self.docs.doc(volume);
        let metas = doc.get_changes_meta(before);
        if metas.is_empty() {
            return Ok(Vec::new());
        }
        let linear =
            self.linear[vi] && still_linear(before, metas.iter().map(|m| (m.hash, &m.deps[..])));
        let sent: std::collections::HashMap<ChangeHash, &Change> =
            sent.iter().map(|c| (c.hash(), c)).collect();
        // The changes a peer sent are stored as they came (compressing each again would cost
        // more than the bytes it saves); those read out of the document, compressed.
        let mut new = Vec::with_capacity(metas.len());
        let mut read_out = Vec::new();
        for m in &metas {
            new.push(NewChange {
                hash: m.hash.0,
                bytes: match sent.get(&m.hash) {
                    Some(c) => c.raw_bytes().to_vec(),
                    None => {
                        let mut c = doc.get_change_by_hash(&m.hash).ok_or(DocError::Corrupt)?;
                        let bytes = c.bytes().into_owned();
                        read_out.push(c);
                        bytes
                    }
                },
            });
        }
        drop(metas);
        let mut view = std::mem::take(&mut self.views[vi]);
        let updated = match ops {
            // The operations given are those of the changes `sent` brought, all applied.
            Some(ops) if read_out.is_empty() => view.update_from(doc, volume, Some(ops), !linear),
            _ => {
                // In the document's order: each sent one, else the next one read out. (Owned,
                // as every other caller passes them: one instantiation of the generic update
                // and its decoder, which the WASM package pays for in size.)
                let mut read = read_out.into_iter();
                let all: Option<Vec<Change>> = new
                    .iter()
                    .map(|c| match sent.get(&ChangeHash(c.hash)) {
                        Some(sent) => Some((*sent).clone()),
                        None => read.next(),
                    })
                    .collect();
                match all {
                    Some(all) => view.update(doc, volume, &all, !linear),
                    None => Err(DocError::Corrupt),
                }
            }
        };
        self.views[vi] = view;
        updated?;
        self.linear[vi] = linear;
        let added: usize = new.iter().map(|c| c.bytes.len()).sum();
        self.stored[vi].bytes += added;
        self.stored[vi].since_snapshot += new.len();
        self.assessed = None;
        Ok(new)
    }

    /// Runs a local edit (a phone's own change through [`DossierDocs`]) and brings the views
    /// of the documents it changed up to date.
    pub fn edit<T>(
        &mut self,
        f: impl FnOnce(&mut DossierDocs) -> Result<T, DocError>,
    ) -> Result<T, DocError> {
        let before = [self.docs.a.get_heads(), self.docs.b.get_heads()];
        let out = f(&mut self.docs)?;
        for volume in [Volume::A, Volume::B] {
            let vi = volume.index();
            let doc = self.docs.doc(volume);
            if doc.get_heads() == before[vi] {
                continue;
            }
            let new = doc.get_changes(&before[vi]);
            self.linear[vi] = self.linear[vi]
                && still_linear(&before[vi], new.iter().map(|c| (c.hash(), c.deps())));
            self.guards[vi] = None;
            self.views[vi].update(doc, volume, &new, !self.linear[vi])?;
            self.assessed = None;
        }
        Ok(out)
    }

    /// The stored form of one document, when its changes are due to be folded into a
    /// snapshot: `compact_after` of them since the last, or any when there is none yet (so a
    /// cold load of a young dossier restores its view instead of reading its first change,
    /// which holds all of it). See [`Self::snapshot`].
    pub fn compaction(
        &mut self,
        volume: Volume,
        compact_after: usize,
    ) -> Option<(Vec<u8>, Vec<u8>)> {
        let stored = self.stored[volume.index()];
        let due = stored.since_snapshot >= compact_after.max(1)
            || (!stored.snapshot && stored.since_snapshot > 0);
        if !due {
            return None;
        }
        self.snapshot(volume)
    }

    /// One document as a snapshot, with what goes beside it (its view, so that loading it does
    /// not read it again). Resets the stored counters as if it were stored.
    pub fn snapshot(&mut self, volume: Volume) -> Option<(Vec<u8>, Vec<u8>)> {
        let vi = volume.index();
        let doc = self.docs.doc(volume);
        let snapshot = doc.save();
        let derived = serde_json::to_vec(&Derived {
            heads: doc.get_heads().iter().map(ToString::to_string).collect(),
            linear: self.linear[vi],
            view: self.views[vi].clone(),
        })
        .ok()?;
        self.stored[vi] = Stored {
            bytes: snapshot.len(),
            since_snapshot: 0,
            snapshot: true,
        };
        Some((snapshot, derived))
    }

    /// The dossier as JSON: document A's root plus `volumeB` from document B (as
    /// [`DossierDocs::to_json`] reads it, from the views).
    #[must_use]
    pub fn json(&self) -> Value {
        let mut json = self.views[0].json().clone();
        if let (Value::Object(root), Some(vb)) = (&mut json, self.views[1].json().get("volumeB")) {
            root.insert("volumeB".into(), vb.clone());
        }
        json
    }

    /// Runs `f` on the dossier as JSON ([`Self::json`]) without copying it: document B's
    /// `volumeB` is lent to document A's view for the call and put back afterwards (also when
    /// `f` panics), both views then exactly as they were.
    pub fn lend_json<T>(&mut self, f: impl FnOnce(&Value) -> T) -> T {
        let [a, b] = &mut self.views;
        let (Value::Object(root), Some(slot)) = (a.json_mut(), b.json_mut().get_mut("volumeB"))
        else {
            return f(a.json());
        };
        let lent = std::mem::take(slot);
        let own = root.insert("volumeB".into(), lent);
        let a = &self.views[0];
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(a.json())));
        let [a, b] = &mut self.views;
        if let (Value::Object(root), Some(slot)) = (a.json_mut(), b.json_mut().get_mut("volumeB")) {
            // A's own `volumeB` (a client may write one there) back in its place, or the lent
            // one removed: it was inserted last, so removing it leaves the order as it was.
            let lent = match own {
                Some(own) => root.insert("volumeB".into(), own),
                None => root.remove("volumeB"),
            };
            *slot = lent.unwrap_or_default();
        }
        out.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    }

    /// Every field with concurrent values, document A's first.
    #[must_use]
    pub fn conflicts(&self) -> Vec<Conflict> {
        self.views[0]
            .conflicts()
            .chain(self.views[1].conflicts())
            .cloned()
            .collect()
    }

    /// The assessment with these options (made afresh; see [`Self::assessed`] for the kept
    /// one).
    #[must_use]
    pub fn assess(&self, opts: &ValidateOptions<'_>) -> Assessment {
        assess_json(&self.json(), self.conflicts(), opts)
    }

    /// The dossier's assessment, made again only after a change or when graded by another
    /// rule set (`opts.local_rules`) than the kept one.
    pub fn assessed(&mut self, opts: &ValidateOptions<'_>) -> Arc<Assessed> {
        let rules = opts.local_rules.map(RuleSet::id);
        let made_for = (opts.now.date_naive(), opts.locale);
        if let Some(a) = &self.assessed {
            if a.rules == rules && a.made_for == made_for {
                return a.clone();
            }
        }
        let conflicts = self.conflicts();
        let assessed = Arc::new(Assessed {
            assessment: self.lend_json(|json| assess_json(json, conflicts, opts)),
            rules,
            made_for,
        });
        self.assessed = Some(assessed.clone());
        assessed
    }
}
