//! How a caller relates to a dossier (the input [`abjuan_shared::access::allowed`] needs): by
//! the dossier's station against the caller's station and bureau, and the dossier's shares.

use abjuan_shared::access::{allowed, Action, Relation};

use super::Caller;

/// The relation of `caller` to a dossier of `station` (whose bureau is `station_bureau`, when
/// the station is known), `shared` saying whether the dossier is shared with the caller.
/// The strongest relation wins: own station (unless the role reads nothing there and the
/// dossier is shared), then shared, then another station of the bureau.
#[must_use]
pub fn relation(
    caller: &Caller,
    station: Option<&str>,
    station_bureau: Option<&str>,
    shared: bool,
) -> Relation {
    if caller.demo {
        return Relation::OwnStation;
    }
    match station {
        // A mediator attached to a station still reads only what is shared with them.
        Some(s)
            if !s.is_empty()
                && caller.station.as_deref() == Some(s)
                && (!shared || allowed(caller.role, Relation::OwnStation, Action::ReadA)) =>
        {
            Relation::OwnStation
        }
        _ if shared => Relation::Shared,
        Some(_) if station_bureau == Some(caller.bureau.as_str()) => Relation::OtherStation,
        _ => Relation::OtherBureau,
    }
}

/// Whether `caller` may do `action` on a dossier they relate to by `relation`.
#[must_use]
pub fn may(caller: &Caller, relation: Relation, action: Action) -> bool {
    allowed(caller.role, relation, action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use abjuan_shared::access::Role;

    fn caller(role: Role, station: Option<&str>) -> Caller {
        Caller {
            person: "p".into(),
            name: "张三".into(),
            role,
            station: station.map(str::to_owned),
            bureau: "yongji".into(),
            device: "d".into(),
            demo: false,
        }
    }

    #[test]
    fn own_station_beats_shared_beats_other_station() {
        let c = caller(Role::Officer, Some("puzhou"));
        let own = Some("puzhou");
        let other = Some("kaizhang");
        let bureau = Some("yongji");
        assert_eq!(relation(&c, own, bureau, true), Relation::OwnStation);
        assert_eq!(relation(&c, other, bureau, true), Relation::Shared);
        assert_eq!(relation(&c, other, bureau, false), Relation::OtherStation);
        assert_eq!(
            relation(&c, other, Some("ruicheng"), false),
            Relation::OtherBureau
        );
        assert_eq!(relation(&c, None, None, false), Relation::OtherBureau);
        assert_eq!(relation(&c, Some(""), None, true), Relation::Shared);
        let m = caller(Role::PartnerMediator, Some("puzhou"));
        assert_eq!(relation(&m, own, bureau, false), Relation::OwnStation);
        assert_eq!(relation(&m, own, bureau, true), Relation::Shared);
        let s = caller(Role::BureauSupervisor, None);
        assert_eq!(relation(&s, other, bureau, false), Relation::OtherStation);
        assert!(may(&s, Relation::OtherStation, Action::ReadB));
        assert!(!may(&s, Relation::OtherStation, Action::WriteA));
    }
}
