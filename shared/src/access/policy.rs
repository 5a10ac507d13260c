//! The access matrix (see the README's security section for the same table in words): every
//! right the server checks, dossier rights and the bureau-level ones (sharing a dossier,
//! administering a bureau), is one [`Action`] answered by [`allowed`].

use serde::{Deserialize, Serialize};

use crate::model::Status;

/// A person's role (see DOMAIN.md "Who uses it").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 社区民警.
    Officer,
    /// 辅警: as an officer, but may not close or delete.
    Auxiliary,
    /// 派出所所长: the whole station; closes, archives, resolves conflicts.
    StationChief,
    /// 县局/治安大队: reads every station of the bureau; statistics; warnings.
    BureauSupervisor,
    /// 网格员/人民调解员/村(居)委会/司法所: volume A of dossiers shared with them, never volume B.
    PartnerMediator,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 5] = [
        Role::Officer,
        Role::Auxiliary,
        Role::StationChief,
        Role::BureauSupervisor,
        Role::PartnerMediator,
    ];

    /// Stable code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Auxiliary => "auxiliary",
            Role::StationChief => "station_chief",
            Role::BureauSupervisor => "bureau_supervisor",
            Role::PartnerMediator => "partner_mediator",
        }
    }

    /// The role with this code.
    #[must_use]
    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Whether this role may ever see volume B.
    #[must_use]
    pub fn sees_volume_b(self) -> bool {
        self != Role::PartnerMediator
    }
}

/// How the person relates to a dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// The dossier belongs to the person's station.
    OwnStation,
    /// Another station of the person's bureau, not shared with them.
    OtherStation,
    /// Explicitly shared with the person (any station).
    Shared,
    /// Another bureau altogether.
    OtherBureau,
}

/// What the person wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read header and volume A (JSON, history, conflicts, sync down).
    ReadA,
    /// Change header and volume A (sync up).
    WriteA,
    /// Read volume B.
    ReadB,
    /// Change volume B.
    WriteB,
    /// Move the dossier to a closing status (resolved, referred, failed, archived).
    Close,
    /// Resolve edit conflicts on behalf of others.
    ResolveConflicts,
    /// Station or bureau statistics and the warning feed.
    Statistics,
    /// Share the dossier with another person (a partner mediator, an officer of another
    /// station): an officer or the chief of the dossier's own station.
    Share,
    /// Administer a bureau: its stations, people, roles, devices, audit log and warning rule
    /// sets. The relation is to the bureau ([`bureau_relation`]): its bureau supervisor only.
    Administer,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 9] = [
        Action::ReadA,
        Action::WriteA,
        Action::ReadB,
        Action::WriteB,
        Action::Close,
        Action::ResolveConflicts,
        Action::Statistics,
        Action::Share,
        Action::Administer,
    ];
}

/// The relation of a person of bureau `own` to bureau `target`, for bureau-level actions
/// ([`Action::Administer`]): [`Relation::OwnStation`] for their own bureau, else
/// [`Relation::OtherBureau`].
#[must_use]
pub fn bureau_relation(own: &str, target: &str) -> Relation {
    if own == target {
        Relation::OwnStation
    } else {
        Relation::OtherBureau
    }
}

/// Whether `role`, related to a dossier by `relation`, may do `action`.
#[must_use]
pub fn allowed(role: Role, relation: Relation, action: Action) -> bool {
    use Action::{Administer, Close, ReadA, ReadB, Share, Statistics, WriteA, WriteB};
    use Relation::{OtherBureau, OtherStation, OwnStation, Shared};
    match (role, relation) {
        (_, OtherBureau) => false,
        (Role::Officer, OwnStation) => {
            matches!(action, ReadA | WriteA | ReadB | WriteB | Close | Share)
        }
        (Role::Officer, Shared) => matches!(action, ReadA | WriteA | ReadB | WriteB | Close),
        (Role::Auxiliary, OwnStation | Shared) => matches!(action, ReadA | WriteA | ReadB | WriteB),
        (Role::StationChief, OwnStation) => action != Administer,
        (Role::StationChief, Shared) => matches!(action, ReadA | WriteA | ReadB | WriteB | Close),
        (Role::BureauSupervisor, OwnStation | OtherStation) => {
            matches!(action, ReadA | ReadB | Statistics | Administer)
        }
        (Role::BureauSupervisor, Shared) => matches!(action, ReadA | ReadB | Statistics),
        (Role::PartnerMediator, Shared) => matches!(action, ReadA | WriteA),
        (
            Role::Officer | Role::Auxiliary | Role::StationChief | Role::PartnerMediator,
            OtherStation,
        )
        | (Role::PartnerMediator, OwnStation) => false,
    }
}

/// The extra right a status change needs, beyond [`Action::WriteA`].
#[must_use]
pub fn closing_needs(from: Status, to: Status) -> Option<Action> {
    (from != to && to.is_closing() && to != Status::FollowUp
        || from == Status::Archived && to != from)
        .then_some(Action::Close)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mediators_never_touch_volume_b_and_only_shared_dossiers() {
        for relation in [
            Relation::OwnStation,
            Relation::OtherStation,
            Relation::Shared,
            Relation::OtherBureau,
        ] {
            assert!(!allowed(Role::PartnerMediator, relation, Action::ReadB));
            assert!(!allowed(Role::PartnerMediator, relation, Action::WriteB));
        }
        assert!(allowed(
            Role::PartnerMediator,
            Relation::Shared,
            Action::WriteA
        ));
        assert!(!allowed(
            Role::PartnerMediator,
            Relation::OwnStation,
            Action::ReadA
        ));
    }

    #[test]
    fn auxiliaries_may_not_close_chiefs_may_supervisors_only_read() {
        assert!(!allowed(
            Role::Auxiliary,
            Relation::OwnStation,
            Action::Close
        ));
        assert!(allowed(Role::Officer, Relation::OwnStation, Action::Close));
        assert!(allowed(
            Role::StationChief,
            Relation::OwnStation,
            Action::ResolveConflicts
        ));
        assert!(!allowed(
            Role::Officer,
            Relation::OwnStation,
            Action::ResolveConflicts
        ));
        assert!(allowed(
            Role::BureauSupervisor,
            Relation::OtherStation,
            Action::ReadB
        ));
        assert!(!allowed(
            Role::BureauSupervisor,
            Relation::OwnStation,
            Action::WriteA
        ));
        assert!(!allowed(
            Role::StationChief,
            Relation::OtherStation,
            Action::ReadA
        ));
    }

    /// The whole matrix: for each role and relation, exactly the actions allowed.
    #[test]
    fn the_whole_matrix() {
        use Action::{
            Administer, Close, ReadA, ReadB, ResolveConflicts, Share, Statistics, WriteA, WriteB,
        };
        use Relation::{OtherBureau, OtherStation, OwnStation, Shared};
        use Role::{Auxiliary, BureauSupervisor, Officer, PartnerMediator, StationChief};
        let edit: &[Action] = &[ReadA, WriteA, ReadB, WriteB];
        let table: &[(Role, Relation, &[Action])] = &[
            (
                Officer,
                OwnStation,
                &[ReadA, WriteA, ReadB, WriteB, Close, Share],
            ),
            (Officer, Shared, &[ReadA, WriteA, ReadB, WriteB, Close]),
            (Officer, OtherStation, &[]),
            (Auxiliary, OwnStation, edit),
            (Auxiliary, Shared, edit),
            (Auxiliary, OtherStation, &[]),
            (
                StationChief,
                OwnStation,
                &[
                    ReadA,
                    WriteA,
                    ReadB,
                    WriteB,
                    Close,
                    ResolveConflicts,
                    Statistics,
                    Share,
                ],
            ),
            (StationChief, Shared, &[ReadA, WriteA, ReadB, WriteB, Close]),
            (StationChief, OtherStation, &[]),
            (
                BureauSupervisor,
                OwnStation,
                &[ReadA, ReadB, Statistics, Administer],
            ),
            (
                BureauSupervisor,
                OtherStation,
                &[ReadA, ReadB, Statistics, Administer],
            ),
            (BureauSupervisor, Shared, &[ReadA, ReadB, Statistics]),
            (PartnerMediator, OwnStation, &[]),
            (PartnerMediator, OtherStation, &[]),
            (PartnerMediator, Shared, &[ReadA, WriteA]),
        ];
        for role in Role::ALL {
            for relation in [OwnStation, OtherStation, Shared, OtherBureau] {
                let expected = table
                    .iter()
                    .find(|(r, rel, _)| *r == role && *rel == relation)
                    .map_or(&[][..], |(_, _, actions)| *actions);
                for action in Action::ALL {
                    assert_eq!(
                        allowed(role, relation, action),
                        expected.contains(&action),
                        "{role:?} {relation:?} {action:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn bureau_rights_are_judged_against_the_bureau() {
        assert_eq!(bureau_relation("yongji", "yongji"), Relation::OwnStation);
        assert_eq!(bureau_relation("yongji", "ruicheng"), Relation::OtherBureau);
        let administers = |role| {
            allowed(
                role,
                bureau_relation("yongji", "yongji"),
                Action::Administer,
            )
        };
        assert!(administers(Role::BureauSupervisor));
        assert!(!administers(Role::StationChief));
        assert!(!allowed(
            Role::BureauSupervisor,
            bureau_relation("yongji", "ruicheng"),
            Action::Administer
        ));
    }

    #[test]
    fn closing_statuses_need_the_close_right() {
        assert_eq!(
            closing_needs(Status::Mediating, Status::Resolved),
            Some(Action::Close)
        );
        assert_eq!(
            closing_needs(Status::Resolved, Status::Archived),
            Some(Action::Close)
        );
        assert_eq!(closing_needs(Status::Resolved, Status::FollowUp), None);
        assert_eq!(closing_needs(Status::Registered, Status::Mediating), None);
        assert_eq!(
            closing_needs(Status::Archived, Status::Mediating),
            Some(Action::Close)
        );
    }
}
