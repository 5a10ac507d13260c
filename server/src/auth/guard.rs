//! Authorization of one document in a sync batch, for one caller: may they exchange it at all
//! (read), and may the changes they upload be kept (authorship, write rights before and after,
//! the close right for a move to a closing status). The engine applies uploads to a fork and
//! asks here before keeping the fork, so a refused upload leaves nothing behind.

use abjuan_shared::access::{allowed, closing_needs, Action, Relation};
use abjuan_shared::doc::{DossierDocs, Volume};
use abjuan_shared::model::{Labelled, Status};
use automerge::{Automerge, Change, ReadDoc};

use super::{Caller, Gate};

/// Why a document of a batch was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The caller may not exchange this document (or not change it).
    Forbidden,
    /// The dossier exists but the caller may not see it at all: the engine answers as for a
    /// dossier the server has never seen, so ids cannot be probed.
    Hidden,
    /// A change carries an actor id registered to another device.
    ForeignActor,
    /// A move to a closing status without the right to close.
    CloseForbidden,
    /// Volume B of a dossier whose volume A the server has not got.
    NoVolumeA,
    /// The account store failed.
    Storage,
}

impl Refusal {
    /// A short reason for the audit log.
    #[must_use]
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Forbidden => "forbidden",
            Refusal::Hidden => "hidden",
            Refusal::ForeignActor => "actor_not_registered",
            Refusal::CloseForbidden => "close_forbidden",
            Refusal::NoVolumeA => "no_volume_a",
            Refusal::Storage => "storage",
        }
    }
}

fn header_text(a: &Automerge, key: &str) -> Option<String> {
    let (header, id) = a.get(automerge::ROOT, "header").ok()??;
    if !matches!(header, automerge::Value::Object(automerge::ObjType::Map)) {
        return None;
    }
    let (value, obj) = a.get(&id, key).ok()??;
    abjuan_shared::doc::read::string_value(a, &value, &obj)
}

/// `header.station` of document A, if set.
#[must_use]
pub fn header_station(a: &Automerge) -> Option<String> {
    header_text(a, "station").filter(|s| !s.is_empty())
}

/// `header.status` of document A, if set and known.
#[must_use]
pub fn header_status(a: &Automerge) -> Option<Status> {
    header_text(a, "status").and_then(|s| Status::from_code(&s))
}

/// Whether document A holds anything.
#[must_use]
pub fn exists(docs: &DossierDocs) -> bool {
    !docs.a.get_heads().is_empty()
}

/// The checks for one caller.
#[derive(Debug, Clone, Copy)]
pub struct SyncGuard<'a> {
    /// The gate.
    pub gate: &'a Gate,
    /// The caller.
    pub caller: &'a Caller,
}

impl SyncGuard<'_> {
    fn relation(&self, dossier: &str, station: Option<&str>) -> Result<Relation, Refusal> {
        self.gate
            .relation(self.caller, dossier, station)
            .map_err(|e| {
                tracing::error!(error = %e, "relation lookup failed");
                Refusal::Storage
            })
    }

    fn may(&self, relation: Relation, action: Action) -> bool {
        allowed(self.caller.role, relation, action)
    }

    /// The caller's relation to the dossier as it is now (by its station), if it exists and
    /// the lookup worked.
    fn relation_now(&self, dossier: &str, docs: &DossierDocs) -> Option<Relation> {
        if !exists(docs) {
            return None;
        }
        self.relation(dossier, header_station(&docs.a).as_deref())
            .ok()
    }

    /// Whether the caller may see volume B of the dossier as it is now.
    pub fn sees_b(&self, dossier: &str, docs: &DossierDocs) -> bool {
        self.relation_now(dossier, docs)
            .is_some_and(|r| self.may(r, Action::ReadB))
    }

    /// Whether the caller may see volume A of the dossier as it is now.
    pub fn sees_a(&self, dossier: &str, docs: &DossierDocs) -> bool {
        self.relation_now(dossier, docs)
            .is_some_and(|r| self.may(r, Action::ReadA))
    }

    /// May the caller exchange this document at all (before anything is applied)? A dossier
    /// the server has not got yet may be created (checked after applying); volume B needs
    /// volume A first. A dossier the caller may not see at all is answered as if it did not
    /// exist: volume A is [`Refusal::Hidden`] (the engine syncs it against an empty
    /// document), volume B gets the refusal of a dossier the server has never seen.
    pub fn may_sync(
        &self,
        dossier: &str,
        volume: Volume,
        docs: &DossierDocs,
    ) -> Result<(), Refusal> {
        let unseen = |volume| match volume {
            Volume::A => Ok(()),
            Volume::B if self.caller.role.sees_volume_b() => Err(Refusal::NoVolumeA),
            Volume::B => Err(Refusal::Forbidden),
        };
        if !exists(docs) {
            return unseen(volume);
        }
        let rel = self.relation(dossier, header_station(&docs.a).as_deref())?;
        if !self.may(rel, Action::ReadA) {
            return match volume {
                Volume::A => Err(Refusal::Hidden),
                Volume::B => unseen(volume),
            };
        }
        let action = match volume {
            Volume::A => Action::ReadA,
            Volume::B => Action::ReadB,
        };
        if self.may(rel, action) {
            Ok(())
        } else {
            Err(Refusal::Forbidden)
        }
    }

    /// Records a refusal in the audit log.
    pub fn record(&self, dossier: &str, volume: Volume, refusal: Refusal) {
        match refusal {
            Refusal::Storage => {}
            Refusal::Forbidden | Refusal::Hidden | Refusal::NoVolumeA => self.gate.denied(
                self.caller,
                dossier,
                match volume {
                    Volume::A => "sync_a",
                    Volume::B => "sync_b",
                },
            ),
            Refusal::ForeignActor | Refusal::CloseForbidden => {
                self.gate
                    .refused(self.caller, dossier, volume.as_str(), refusal.reason());
            }
        }
    }

    /// The per-dossier assessment (`{report, grade, conflicts, may}`) as the caller may see
    /// it (none when they may not read the dossier), conflicting values named by person.
    /// `may` says what the caller may do to this dossier (`writeA`, `writeB`, `close`,
    /// `resolveConflicts`), so a phone can offer only that: a change the server would refuse
    /// strands the phone's later changes behind it.
    pub fn assessment(
        &self,
        dossier: &str,
        docs: &DossierDocs,
        assessment: &serde_json::Value,
    ) -> Option<serde_json::Value> {
        let rel = self.relation_now(dossier, docs)?;
        if !self.may(rel, Action::ReadA) {
            return None;
        }
        let mut v = super::views::assessment_for(assessment, self.may(rel, Action::ReadB));
        if let Some(c) = v.get_mut("conflicts") {
            let owners = self.gate.actor_owners(&super::views::conflict_actors(c));
            super::views::name_conflict_authors(c, &owners, true);
        }
        if let Some(entry) = v.as_object_mut() {
            entry.insert(
                "may".into(),
                serde_json::json!({
                    "writeA": self.may(rel, Action::WriteA),
                    "writeB": self.may(rel, Action::WriteB),
                    "close": self.may(rel, Action::Close),
                    "resolveConflicts": self.may(rel, Action::ResolveConflicts),
                }),
            );
        }
        Some(v)
    }

    /// May the new changes (applied to `trial`, the fork of `volume`) be kept? `before` is the
    /// dossier as stored. Checks authorship, the write right on the dossier before and after
    /// (a dossier cannot be moved to a station the caller may not write), and the close right.
    pub fn may_keep(
        &self,
        dossier: &str,
        volume: Volume,
        before: &DossierDocs,
        trial: &Automerge,
        new_changes: &[Change],
    ) -> Result<(), Refusal> {
        if new_changes.is_empty() {
            return Ok(());
        }
        let mut actors: Vec<String> = new_changes
            .iter()
            .map(|c| c.actor_id().to_hex_string())
            .collect();
        actors.sort();
        actors.dedup();
        if self.gate.check_authorship(self.caller, &actors).is_err() {
            return Err(Refusal::ForeignActor);
        }
        match volume {
            Volume::A => {
                let station_after = header_station(trial);
                let rel_after = self.relation(dossier, station_after.as_deref())?;
                if !self.may(rel_after, Action::WriteA) {
                    return Err(Refusal::Forbidden);
                }
                let mut rel_before = rel_after;
                if exists(before) {
                    let station_before = header_station(&before.a);
                    if station_before != station_after {
                        rel_before = self.relation(dossier, station_before.as_deref())?;
                        if !self.may(rel_before, Action::WriteA) {
                            return Err(Refusal::Forbidden);
                        }
                    }
                }
                let from = if exists(before) {
                    header_status(&before.a).unwrap_or(Status::Registered)
                } else {
                    Status::Registered
                };
                let to = header_status(trial).unwrap_or(from);
                if let Some(needed) = closing_needs(from, to) {
                    if !self.may(rel_before, needed) || !self.may(rel_after, needed) {
                        return Err(Refusal::CloseForbidden);
                    }
                }
                Ok(())
            }
            Volume::B => {
                if !exists(before) {
                    return Err(Refusal::NoVolumeA);
                }
                let rel = self.relation(dossier, header_station(&before.a).as_deref())?;
                if self.may(rel, Action::WriteB) {
                    Ok(())
                } else {
                    Err(Refusal::Forbidden)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use abjuan_shared::access::Role;
    use automerge::ActorId;

    use super::*;
    use crate::auth::testing::{self, add_person, add_units, enrol};
    use crate::auth::Share;
    use crate::client::{now, sample_dossier};

    const ID: &str = "0193f0a0-0000-7000-8000-000000000001";

    fn gate() -> (tempfile::TempDir, Gate) {
        let (dir, g) = testing::gate(false);
        add_units(&g, &[("puzhou", "puzhou"), ("kaizhang", "kaizhang")]);
        (dir, g)
    }

    fn person(g: &Gate, id: &str, role: Role) -> Caller {
        let p = add_person(g, id, role, Some("puzhou"));
        let cred = enrol(g, id, 1);
        Caller::new(&p, &cred.device.id)
    }

    fn new_changes(docs: &DossierDocs, volume: Volume) -> Vec<Change> {
        docs.doc(volume).get_changes(&[])
    }

    #[test]
    fn creating_a_dossier_needs_the_write_right_on_its_station() {
        let (_d, g) = gate();
        let officer = person(&g, "wang", Role::Officer);
        let guard = SyncGuard {
            gate: &g,
            caller: &officer,
        };
        let empty = DossierDocs {
            a: Automerge::new(),
            b: Automerge::new(),
        };
        let actor = ActorId::random();
        let own = DossierDocs::create(
            &sample_dossier(ID, "puzhou", "neighbour", "x"),
            &actor,
            now(),
        )
        .expect("create");
        assert_eq!(guard.may_sync(ID, Volume::A, &empty), Ok(()));
        assert_eq!(
            guard.may_keep(ID, Volume::A, &empty, &own.a, &new_changes(&own, Volume::A)),
            Ok(())
        );
        let other = ActorId::random();
        let elsewhere = DossierDocs::create(
            &sample_dossier(ID, "kaizhang", "neighbour", "x"),
            &other,
            now(),
        )
        .expect("create");
        assert_eq!(
            guard.may_keep(
                ID,
                Volume::A,
                &empty,
                &elsewhere.a,
                &new_changes(&elsewhere, Volume::A)
            ),
            Err(Refusal::Forbidden)
        );
        // Another station's dossier looks like one the server has never seen.
        assert_eq!(
            guard.may_sync(ID, Volume::A, &elsewhere),
            Err(Refusal::Hidden)
        );
        assert_eq!(
            guard.may_sync(ID, Volume::B, &elsewhere),
            Err(Refusal::NoVolumeA)
        );
        assert_eq!(
            guard.may_sync(ID, Volume::B, &empty),
            Err(Refusal::NoVolumeA)
        );
        assert!(guard.sees_b(ID, &own));
        assert!(!guard.sees_b(ID, &elsewhere));
    }

    #[test]
    fn a_foreign_actor_is_refused() {
        let (_d, g) = gate();
        let wang = person(&g, "wang", Role::Officer);
        let li = person(&g, "li", Role::Officer);
        let actor = ActorId::random();
        let docs = DossierDocs::create(
            &sample_dossier(ID, "puzhou", "neighbour", "x"),
            &actor,
            now(),
        )
        .expect("create");
        let empty = DossierDocs {
            a: Automerge::new(),
            b: Automerge::new(),
        };
        let changes = new_changes(&docs, Volume::A);
        let wang_guard = SyncGuard {
            gate: &g,
            caller: &wang,
        };
        assert_eq!(
            wang_guard.may_keep(ID, Volume::A, &empty, &docs.a, &changes),
            Ok(())
        );
        let li_guard = SyncGuard {
            gate: &g,
            caller: &li,
        };
        assert_eq!(
            li_guard.may_keep(ID, Volume::A, &empty, &docs.a, &changes),
            Err(Refusal::ForeignActor)
        );
    }

    #[test]
    fn closing_needs_the_close_right_and_mediators_never_get_b() {
        let (_d, g) = gate();
        let aux = person(&g, "aux", Role::Auxiliary);
        let mediator = person(&g, "zhao", Role::PartnerMediator);
        g.accounts
            .share(&Share {
                dossier: ID.into(),
                person: "zhao".into(),
                by: "x".into(),
                at: 1,
            })
            .expect("share");
        let actor = ActorId::random();
        let before = DossierDocs::create(
            &sample_dossier(ID, "puzhou", "neighbour", "x"),
            &actor,
            now(),
        )
        .expect("create");
        let mut after = DossierDocs {
            a: before.a.clone(),
            b: before.b.clone(),
        };
        let heads = before.a.get_heads();
        after
            .change_status(Status::Mediating, &actor, now())
            .expect("mediating");
        after
            .change_status(Status::Failed, &actor, now())
            .expect("failed");
        let changes: Vec<Change> = after.a.get_changes(&heads);
        let aux_guard = SyncGuard {
            gate: &g,
            caller: &aux,
        };
        // The auxiliary may not close, whoever wrote the changes.
        g.accounts
            .register_actor(&aux.device, &actor.to_hex_string(), 1)
            .expect("claim");
        assert_eq!(
            aux_guard.may_keep(ID, Volume::A, &before, &after.a, &changes),
            Err(Refusal::CloseForbidden)
        );
        let m = SyncGuard {
            gate: &g,
            caller: &mediator,
        };
        assert_eq!(m.may_sync(ID, Volume::A, &before), Ok(()));
        assert_eq!(m.may_sync(ID, Volume::B, &before), Err(Refusal::Forbidden));
        assert!(!m.sees_b(ID, &before));
        assert!(m.sees_a(ID, &before));
    }
}
