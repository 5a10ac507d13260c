//! The caller's rights for one request as a plain value ([`Rights`], decided by the pure policy
//! in `abjuan_shared::access`), looked up once before any dossier is locked: the stations of the
//! caller's bureau, the request's dossiers shared with them, and the device that owns each
//! actor id the request writes with (unclaimed ones are bound to the caller's device first).
//! Refusals are written to the audit log after the request's changes are committed.

use std::collections::{BTreeMap, BTreeSet};

use abjuan_shared::access::{Rights, Subject};
use abjuan_shared::doc::Volume;
use abjuan_shared::sync::AuditNote;

use super::{AuthError, Caller, Gate};

/// Who the caller is, as the policy sees them.
#[must_use]
pub fn subject(caller: &Caller) -> Subject {
    Subject {
        person: caller.person.clone(),
        role: caller.role,
        station: caller.station.clone(),
        bureau: caller.bureau.clone(),
        device: caller.device.clone(),
        demo: caller.demo,
    }
}

/// The caller's rights over `dossiers`, with `actors` (hex actor ids their changes carry)
/// bound: each unclaimed one to the caller's device (recorded in the audit log), each claimed
/// one named by its device. Blocking (account store queries): call from a blocking thread.
pub fn rights(
    gate: &Gate,
    caller: &Caller,
    dossiers: &[&str],
    actors: &[String],
) -> Result<Rights, AuthError> {
    if caller.demo {
        return Ok(Rights::demo(&caller.device));
    }
    let bureau_stations: BTreeSet<String> = gate
        .accounts
        .stations(Some(&caller.bureau))?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let mut shared = BTreeSet::new();
    if !dossiers.is_empty() {
        let all: BTreeSet<String> = gate
            .accounts
            .shared_with(&caller.person)?
            .into_iter()
            .collect();
        shared = dossiers
            .iter()
            .filter(|d| all.contains(**d))
            .map(|d| (*d).to_owned())
            .collect();
    }
    let mut actor_devices = BTreeMap::new();
    if !actors.is_empty() {
        // Binds the unclaimed ones; a failure here only leaves an actor unbound (refused).
        let _ = gate.check_authorship(caller, actors);
        for (actor, owner) in gate.actor_owners(actors) {
            actor_devices.insert(actor, owner.device);
        }
    }
    Ok(Rights {
        subject: subject(caller),
        bureau_stations,
        shared,
        actor_devices,
    })
}

/// Writes the refusals of a request to the audit log. Blocking.
pub fn record(gate: &Gate, caller: &Caller, notes: &[(String, AuditNote)]) {
    for (dossier, note) in notes {
        if note.denied {
            let what = match note.volume {
                Volume::A => "sync_a",
                Volume::B => "sync_b",
            };
            gate.denied(caller, dossier, what);
        } else {
            gate.refused(caller, dossier, note.volume.as_str(), note.refusal.reason());
        }
    }
}

#[cfg(test)]
mod tests {
    use abjuan_shared::access::{Refusal, Role};
    use abjuan_shared::doc::DossierFacts;
    use abjuan_shared::model::Status;

    use super::*;
    use crate::auth::testing::{self, add_person, add_units, enrol};
    use crate::auth::Share;

    const ID: &str = "0193f0a0-0000-7000-8000-000000000001";

    fn person(g: &Gate, id: &str, role: Role) -> Caller {
        let p = add_person(g, id, role, Some("puzhou"));
        let cred = enrol(g, id, 1);
        Caller::new(&p, &cred.device.id)
    }

    #[test]
    fn rights_name_the_bureau_stations_the_shares_and_the_actor_owners() {
        let (_d, g) = testing::gate(false);
        add_units(&g, &[("puzhou", "puzhou"), ("kaizhang", "kaizhang")]);
        let wang = person(&g, "wang", Role::Officer);
        let li = person(&g, "li", Role::Officer);
        let zhao = person(&g, "zhao", Role::PartnerMediator);
        g.accounts
            .share(&Share {
                dossier: ID.into(),
                person: "zhao".into(),
                by: "wang".into(),
                at: 1,
            })
            .expect("share");
        let mine = vec!["aa11".to_owned()];
        let r = rights(&g, &wang, &[ID], &mine).expect("rights");
        assert!(r.bureau_stations.contains("kaizhang"));
        assert!(r.owns_actors(mine.iter().map(String::as_str)));
        // Li writes with Wang's actor id: it stays Wang's.
        let r = rights(&g, &li, &[ID], &mine).expect("rights");
        assert!(!r.owns_actors(mine.iter().map(String::as_str)));
        let own = DossierFacts {
            exists: true,
            station: Some("puzhou".into()),
            status: Some(Status::Mediating),
            form: "ab_dossier/v1".into(),
        };
        let closed = DossierFacts {
            status: Some(Status::Failed),
            ..own.clone()
        };
        assert_eq!(
            r.may_keep(ID, Volume::A, &own, &closed, std::iter::empty()),
            Ok(())
        );
        let m = rights(&g, &zhao, &[ID], &[]).expect("rights");
        assert_eq!(m.may_sync(ID, Volume::A, &own), Ok(()));
        assert_eq!(m.may_sync(ID, Volume::B, &own), Err(Refusal::Forbidden));
        let other =
            rights(&g, &zhao, &["0193f0a0-0000-7000-8000-000000000002"], &[]).expect("rights");
        assert_eq!(
            other.may_sync("0193f0a0-0000-7000-8000-000000000002", Volume::A, &own),
            Err(Refusal::Hidden)
        );
    }
}
