//! A caller's rights as a plain value: who they are, which stations belong to their bureau,
//! which dossiers are shared with them and which device owns each actor id they write with.
//! The server looks it up once per request, before it touches any dossier; from then on every
//! decision ([`Rights::relation`], [`Rights::may_sync`], [`Rights::may_keep`]) is a pure
//! function of this value and of the dossier's own facts ([`DossierFacts`]), the same on the
//! server and on a phone that wants to know what it may do.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{allowed, closing_needs, Action, Relation, Role};
use crate::doc::{DossierFacts, Volume};
use crate::model::Status;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The person's id.
    pub person: String,
    /// Their role.
    pub role: Role,
    /// Their station, if attached to one.
    pub station: Option<String>,
    /// Their bureau.
    pub bureau: String,
    /// The device the request came from.
    pub device: String,
    /// Open demo mode: every dossier counts as the caller's own station and actor ids are
    /// not bound to devices.
    pub demo: bool,
}

/// The rights of one caller for one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rights {
    /// Who is asking.
    pub subject: Subject,
    /// The stations of the caller's bureau.
    pub bureau_stations: BTreeSet<String>,
    /// The dossiers (of this request) shared with the caller.
    pub shared: BTreeSet<String>,
    /// The device each known actor id is bound to (the actor ids of this request).
    pub actor_devices: BTreeMap<String, String>,
}

/// Why a document of a sync request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The caller may not exchange this document (or not change it).
    Forbidden,
    /// The dossier exists but the caller may not see it at all: answered as a dossier the
    /// server has never seen, so ids cannot be probed.
    Hidden,
    /// A change carries an actor id bound to another device.
    ForeignActor,
    /// A move to a closing status without the right to close.
    CloseForbidden,
    /// Volume B of a dossier whose volume A the server has not got.
    NoVolumeA,
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
        }
    }

    /// Whether the audit log records it as an access denial (else as refused changes).
    #[must_use]
    pub fn is_denial(self) -> bool {
        matches!(
            self,
            Refusal::Forbidden | Refusal::Hidden | Refusal::NoVolumeA
        )
    }
}

/// What a caller may do to one dossier, as a phone shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct May {
    /// Change the header and volume A.
    pub write_a: bool,
    /// Change volume B.
    pub write_b: bool,
    /// Move it to a closing status.
    pub close: bool,
    /// Settle edit conflicts for everyone.
    pub resolve_conflicts: bool,
}

/// The relation of `subject` to a dossier of `station` (whose bureau is `station_bureau`, when
/// the station is known), `shared` saying whether the dossier is shared with them. The
/// strongest relation wins: own station (unless the role reads nothing there and the dossier
/// is shared), then shared, then another station of the bureau.
#[must_use]
pub fn relation(
    subject: &Subject,
    station: Option<&str>,
    station_bureau: Option<&str>,
    shared: bool,
) -> Relation {
    if subject.demo {
        return Relation::OwnStation;
    }
    match station {
        // A mediator attached to a station still reads only what is shared with them.
        Some(s)
            if !s.is_empty()
                && subject.station.as_deref() == Some(s)
                && (!shared || allowed(subject.role, Relation::OwnStation, Action::ReadA)) =>
        {
            Relation::OwnStation
        }
        _ if shared => Relation::Shared,
        Some(_) if station_bureau == Some(subject.bureau.as_str()) => Relation::OtherStation,
        _ => Relation::OtherBureau,
    }
}

impl Rights {
    /// The rights of the open demo caller on `device`: every dossier is its own station's,
    /// actor ids are not checked.
    #[must_use]
    pub fn demo(device: &str) -> Self {
        Self {
            subject: Subject {
                person: "demo".into(),
                role: Role::StationChief,
                station: None,
                bureau: "demo".into(),
                device: device.to_owned(),
                demo: true,
            },
            bureau_stations: BTreeSet::new(),
            shared: BTreeSet::new(),
            actor_devices: BTreeMap::new(),
        }
    }

    /// The caller's relation to dossier `dossier` of `station` (`None` or empty: not known).
    #[must_use]
    pub fn relation(&self, dossier: &str, station: Option<&str>) -> Relation {
        let station = station.filter(|s| !s.is_empty());
        let bureau = station
            .filter(|s| self.bureau_stations.contains(*s))
            .map(|_| self.subject.bureau.as_str());
        relation(
            &self.subject,
            station,
            bureau,
            self.shared.contains(dossier),
        )
    }

    /// Whether the caller, related to a dossier by `relation`, may do `action`.
    #[must_use]
    pub fn may(&self, relation: Relation, action: Action) -> bool {
        allowed(self.subject.role, relation, action)
    }

    /// What the caller may do to an existing dossier (by its facts).
    #[must_use]
    pub fn may_summary(&self, dossier: &str, facts: &DossierFacts) -> May {
        let rel = self.relation(dossier, facts.station.as_deref());
        May {
            write_a: self.may(rel, Action::WriteA),
            write_b: self.may(rel, Action::WriteB),
            close: self.may(rel, Action::Close),
            resolve_conflicts: self.may(rel, Action::ResolveConflicts),
        }
    }

    /// Whether the caller may read a volume of the dossier as it is (`false` when it does not
    /// exist).
    #[must_use]
    pub fn sees(&self, dossier: &str, facts: &DossierFacts, volume: Volume) -> bool {
        facts.exists
            && self.may(
                self.relation(dossier, facts.station.as_deref()),
                match volume {
                    Volume::A => Action::ReadA,
                    Volume::B => Action::ReadB,
                },
            )
    }

    /// Whether the caller may read an attachment's bytes, given where it is referenced:
    /// `holders` are `(dossier, its station, the volume the reference stands in)`. Readable
    /// when the caller may read that volume of some dossier that references it: a reference in
    /// volume B opens the bytes to whoever reads volume B, never to a partner mediator, however
    /// many volume-A readers the dossier has.
    #[must_use]
    pub fn may_read_attachment<'a>(
        &self,
        holders: impl IntoIterator<Item = (&'a str, Option<&'a str>, Volume)>,
    ) -> bool {
        holders.into_iter().any(|(dossier, station, volume)| {
            let facts = DossierFacts {
                exists: true,
                station: station.map(str::to_owned),
                status: None,
                form: String::new(),
            };
            self.sees(dossier, &facts, volume)
        })
    }

    /// May the caller exchange this document at all (before anything is applied)? A dossier
    /// that does not exist yet may be created (checked after applying by [`Self::may_keep`]);
    /// volume B needs volume A first. A dossier the caller may not see at all is answered as
    /// if it did not exist: volume A is [`Refusal::Hidden`] (synced against an empty document),
    /// volume B gets the refusal of a dossier that does not exist.
    pub fn may_sync(
        &self,
        dossier: &str,
        volume: Volume,
        facts: &DossierFacts,
    ) -> Result<(), Refusal> {
        let unseen = |volume| match volume {
            Volume::A => Ok(()),
            Volume::B if self.subject.role.sees_volume_b() => Err(Refusal::NoVolumeA),
            Volume::B => Err(Refusal::Forbidden),
        };
        if !facts.exists {
            return unseen(volume);
        }
        let rel = self.relation(dossier, facts.station.as_deref());
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

    /// Whether every actor id is bound to the caller's device (always, in demo mode).
    #[must_use]
    pub fn owns_actors<'a>(&self, mut actors: impl Iterator<Item = &'a str>) -> bool {
        self.subject.demo || actors.all(|a| self.actor_devices.get(a) == Some(&self.subject.device))
    }

    /// May new changes by `actors` be kept, taking the dossier from `before` to `after` (the
    /// facts of document A; for volume B, `after` is `before`)? Checks authorship, the write
    /// right before and after (a dossier cannot be moved to a station the caller may not
    /// write), and the close right.
    pub fn may_keep<'a>(
        &self,
        dossier: &str,
        volume: Volume,
        before: &DossierFacts,
        after: &DossierFacts,
        actors: impl Iterator<Item = &'a str>,
    ) -> Result<(), Refusal> {
        if !self.owns_actors(actors) {
            return Err(Refusal::ForeignActor);
        }
        match volume {
            Volume::A => {
                // A record keeps its form: an inspection turned into a dossier would read its
                // 已结案 as no status at all (and so close without the close right).
                if before.exists && before.form != after.form {
                    return Err(Refusal::Forbidden);
                }
                let rel_after = self.relation(dossier, after.station.as_deref());
                if !self.may(rel_after, Action::WriteA) {
                    return Err(Refusal::Forbidden);
                }
                let mut rel_before = rel_after;
                if before.exists && before.station != after.station {
                    rel_before = self.relation(dossier, before.station.as_deref());
                    if !self.may(rel_before, Action::WriteA) {
                        return Err(Refusal::Forbidden);
                    }
                }
                let from = if before.exists {
                    before.status.unwrap_or(Status::Registered)
                } else {
                    Status::Registered
                };
                let to = after.status.unwrap_or(from);
                if let Some(needed) = closing_needs(from, to) {
                    if !self.may(rel_before, needed) || !self.may(rel_after, needed) {
                        return Err(Refusal::CloseForbidden);
                    }
                }
                Ok(())
            }
            Volume::B => {
                if !before.exists {
                    return Err(Refusal::NoVolumeA);
                }
                if self.may(
                    self.relation(dossier, before.station.as_deref()),
                    Action::WriteB,
                ) {
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
    use super::*;

    const ID: &str = "0193f0a0-0000-7000-8000-000000000001";

    fn rights(role: Role, station: Option<&str>) -> Rights {
        Rights {
            subject: Subject {
                person: "p".into(),
                role,
                station: station.map(str::to_owned),
                bureau: "yongji".into(),
                device: "dev-1".into(),
                demo: false,
            },
            bureau_stations: ["puzhou", "kaizhang"].map(str::to_owned).into(),
            shared: BTreeSet::new(),
            actor_devices: [("aa".to_owned(), "dev-1".to_owned())].into(),
        }
    }

    fn facts(station: &str, status: Status) -> DossierFacts {
        DossierFacts {
            exists: true,
            station: Some(station.into()),
            status: Some(status),
            form: "ab_dossier/v1".into(),
        }
    }

    #[test]
    fn own_station_beats_shared_beats_other_station() {
        let mut r = rights(Role::Officer, Some("puzhou"));
        assert_eq!(r.relation(ID, Some("puzhou")), Relation::OwnStation);
        assert_eq!(r.relation(ID, Some("kaizhang")), Relation::OtherStation);
        assert_eq!(r.relation(ID, Some("ruicheng")), Relation::OtherBureau);
        assert_eq!(r.relation(ID, None), Relation::OtherBureau);
        r.shared.insert(ID.into());
        assert_eq!(r.relation(ID, Some("kaizhang")), Relation::Shared);
        assert_eq!(r.relation(ID, Some("")), Relation::Shared);
        let mut m = rights(Role::PartnerMediator, Some("puzhou"));
        assert_eq!(m.relation(ID, Some("puzhou")), Relation::OwnStation);
        m.shared.insert(ID.into());
        assert_eq!(m.relation(ID, Some("puzhou")), Relation::Shared);
    }

    #[test]
    fn creating_needs_the_write_right_and_hidden_dossiers_look_absent() {
        let r = rights(Role::Officer, Some("puzhou"));
        let none = DossierFacts::default();
        let own = facts("puzhou", Status::Registered);
        let other = facts("kaizhang", Status::Registered);
        assert_eq!(r.may_sync(ID, Volume::A, &none), Ok(()));
        assert_eq!(r.may_sync(ID, Volume::B, &none), Err(Refusal::NoVolumeA));
        assert_eq!(r.may_sync(ID, Volume::A, &other), Err(Refusal::Hidden));
        assert_eq!(r.may_sync(ID, Volume::B, &other), Err(Refusal::NoVolumeA));
        let mine = ["aa"].into_iter();
        assert_eq!(r.may_keep(ID, Volume::A, &none, &own, mine), Ok(()));
        let mine = ["aa"].into_iter();
        assert_eq!(
            r.may_keep(ID, Volume::A, &none, &other, mine),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            r.may_keep(ID, Volume::A, &none, &own, ["bb"].into_iter()),
            Err(Refusal::ForeignActor)
        );
    }

    #[test]
    fn closing_needs_the_close_right_and_mediators_never_get_b() {
        let aux = rights(Role::Auxiliary, Some("puzhou"));
        let before = facts("puzhou", Status::Mediating);
        let after = facts("puzhou", Status::Failed);
        assert_eq!(
            aux.may_keep(ID, Volume::A, &before, &after, ["aa"].into_iter()),
            Err(Refusal::CloseForbidden)
        );
        let officer = rights(Role::Officer, Some("puzhou"));
        assert_eq!(
            officer.may_keep(ID, Volume::A, &before, &after, ["aa"].into_iter()),
            Ok(())
        );
        let mut m = rights(Role::PartnerMediator, None);
        m.shared.insert(ID.into());
        assert_eq!(m.may_sync(ID, Volume::A, &before), Ok(()));
        assert_eq!(m.may_sync(ID, Volume::B, &before), Err(Refusal::Forbidden));
        assert!(!m.sees(ID, &before, Volume::B));
        assert!(m.sees(ID, &before, Volume::A));
        let may = m.may_summary(ID, &before);
        assert!(may.write_a && !may.write_b && !may.close && !may.resolve_conflicts);
    }

    #[test]
    fn closing_or_reopening_an_inspection_needs_the_close_right() {
        let facts = |status: &str| {
            let json = serde_json::json!({
                "formType": "site_inspection/v1",
                "header": {"station": "puzhou", "status": status},
            });
            DossierFacts::from_json(true, &json)
        };
        let (inspecting, rectifying, closed) =
            (facts("inspecting"), facts("rectifying"), facts("closed"));
        let aux = rights(Role::Auxiliary, Some("puzhou"));
        let officer = rights(Role::Officer, Some("puzhou"));
        let keep = |r: &Rights, before: &DossierFacts, after: &DossierFacts| {
            r.may_keep(ID, Volume::A, before, after, ["aa"].into_iter())
        };
        // Anyone of the team moves a record on to rectification follow-up.
        assert_eq!(keep(&aux, &inspecting, &rectifying), Ok(()));
        // Closing it, or opening a closed one again: officers, not auxiliaries.
        for (before, after) in [
            (&rectifying, &closed),
            (&inspecting, &closed),
            (&closed, &rectifying),
        ] {
            assert_eq!(keep(&aux, before, after), Err(Refusal::CloseForbidden));
            assert_eq!(keep(&officer, before, after), Ok(()));
        }
        // Nor by turning it into a dossier first (its 已结案 would then be no status at all).
        let as_dossier = DossierFacts::from_json(
            true,
            &serde_json::json!({"header": {"station": "puzhou", "status": "closed"}}),
        );
        assert_eq!(
            keep(&officer, &rectifying, &as_dossier),
            Err(Refusal::Forbidden)
        );
        // A record created already closed is a closing too.
        assert_eq!(
            keep(&aux, &DossierFacts::default(), &closed),
            Err(Refusal::CloseForbidden)
        );
    }

    #[test]
    fn attachments_are_read_through_the_volume_that_references_them() {
        let officer = rights(Role::Officer, Some("puzhou"));
        let mut mediator = rights(Role::PartnerMediator, None);
        mediator.shared.insert(ID.into());
        let supervisor = rights(Role::BureauSupervisor, None);
        let in_a = [(ID, Some("puzhou"), Volume::A)];
        let in_b = [(ID, Some("puzhou"), Volume::B)];
        assert!(officer.may_read_attachment(in_a));
        assert!(officer.may_read_attachment(in_b));
        assert!(mediator.may_read_attachment(in_a));
        assert!(
            !mediator.may_read_attachment(in_b),
            "an ID-card copy in volume B never reaches a partner mediator"
        );
        assert!(supervisor.may_read_attachment(in_b));
        let elsewhere = [(ID, Some("ruicheng"), Volume::A)];
        assert!(!officer.may_read_attachment(elsewhere));
        assert!(!officer.may_read_attachment([]));
        // Referenced in both volumes (the same photo): the mediator reads it through volume A.
        assert!(mediator.may_read_attachment([in_b[0], in_a[0]]));
    }

    #[test]
    fn demo_callers_own_every_station_and_every_actor() {
        let d = Rights::demo("phone");
        assert_eq!(d.relation(ID, Some("anywhere")), Relation::OwnStation);
        assert!(d.owns_actors(["zz"].into_iter()));
    }
}
