//! Tests of the SQLite account store (a temporary directory each).

use super::*;

const DAY: i64 = 24 * 3600 * 1000;

fn store() -> (tempfile::TempDir, SqliteAccounts) {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = SqliteAccounts::open(dir.path(), HashCost::for_tests()).expect("open");
    (dir, s)
}

fn seed(s: &SqliteAccounts) {
    s.add_bureau(&Bureau {
        id: "yongji".into(),
        name: "永济市公安局".into(),
    })
    .expect("bureau");
    for (id, name) in [("puzhou", "蒲州派出所"), ("kaizhang", "开张派出所")] {
        s.add_station(&Station {
            id: id.into(),
            bureau: "yongji".into(),
            name: name.into(),
        })
        .expect("station");
    }
    s.add_person(
        &Person {
            id: "wang".into(),
            name: "王警官".into(),
            role: Role::Officer,
            station: Some("puzhou".into()),
            bureau: "yongji".into(),
            disabled: false,
        },
        1,
    )
    .expect("person");
}

fn enrolled(s: &SqliteAccounts, person: &str) -> DeviceCredential {
    let code = s.issue_enrolment(person, 1000, DAY).expect("issue");
    s.enrol(&code.code, "手机", 2000).expect("enrol")
}

#[test]
fn an_enrolment_code_is_exchanged_once_for_a_working_credential() {
    let (_d, s) = store();
    assert!(s.is_empty().expect("empty"));
    seed(&s);
    assert!(!s.is_empty().expect("not empty"));
    let code = s.issue_enrolment("wang", 1000, DAY).expect("issue");
    assert!(code.code.starts_with("abje_"));
    let cred = s.enrol(&code.code, "手机", 2000).expect("enrol");
    assert!(cred.token.starts_with("abjd_"));
    assert!(matches!(
        s.enrol(&code.code, "again", 3000),
        Err(AuthError::InvalidEnrolment)
    ));
    let caller = s.authenticate(&cred.token, 3000).expect("authenticates");
    assert_eq!(caller.person, "wang");
    assert_eq!(caller.role, Role::Officer);
    assert_eq!(caller.station.as_deref(), Some("puzhou"));
    assert_eq!(caller.device, cred.device.id);
    // Twice: the second time from the in-memory fingerprint.
    assert!(s.authenticate(&cred.token, 3000).is_ok());
    // Nothing secret is stored in clear.
    let bytes = std::fs::read(s.path()).expect("db file");
    let secret_part = cred.token.rsplit('_').next().expect("secret");
    assert!(!String::from_utf8_lossy(&bytes).contains(secret_part));
}

#[test]
fn expired_unknown_and_malformed_codes_fail_alike() {
    let (_d, s) = store();
    seed(&s);
    let code = s.issue_enrolment("wang", 1000, 10).expect("issue");
    assert!(matches!(
        s.enrol(&code.code, "x", 2000),
        Err(AuthError::InvalidEnrolment)
    ));
    let fresh = s.issue_enrolment("wang", 1000, DAY).expect("issue");
    let mut wrong = fresh.code.clone();
    wrong.pop();
    wrong.push(if fresh.code.ends_with('A') { 'B' } else { 'A' });
    for bad in [wrong.as_str(), "abje_0000000000000000_AAAA", "", "garbage"] {
        assert!(matches!(
            s.enrol(bad, "x", 2000),
            Err(AuthError::InvalidEnrolment)
        ));
    }
    assert!(s.enrol(&fresh.code, "x", 2000).is_ok());
    assert!(matches!(
        s.issue_enrolment("nobody", 1, DAY),
        Err(AuthError::NotFound("person"))
    ));
}

#[test]
fn wrong_secrets_and_revoked_devices_are_refused() {
    let (_d, s) = store();
    seed(&s);
    let cred = enrolled(&s, "wang");
    let (prefix, _) = cred.token.rsplit_once('_').expect("token");
    let forged = format!("{prefix}_{}", "A".repeat(43));
    assert!(matches!(
        s.authenticate(&forged, 1),
        Err(AuthError::InvalidCredential)
    ));
    for bad in ["", "Bearer", "abjd_zz_zz", &cred.token[..20]] {
        assert!(matches!(
            s.authenticate(bad, 1),
            Err(AuthError::InvalidCredential)
        ));
    }
    assert!(s.authenticate(&cred.token, 1).is_ok());
    let revoked = s.revoke_device(&cred.device.id, 5).expect("revoke");
    assert_eq!(revoked.revoked_at, Some(5));
    assert!(matches!(
        s.authenticate(&cred.token, 6),
        Err(AuthError::Revoked)
    ));
    // A wrong secret for a revoked device still says only "invalid".
    assert!(matches!(
        s.authenticate(&forged, 6),
        Err(AuthError::InvalidCredential)
    ));
    assert!(matches!(
        s.revoke_device("nope", 1),
        Err(AuthError::NotFound("device"))
    ));
}

#[test]
fn revocation_by_another_process_is_seen_on_the_next_call() {
    let (dir, s) = store();
    seed(&s);
    let cred = enrolled(&s, "wang");
    assert!(s.authenticate(&cred.token, 1).is_ok());
    let admin = SqliteAccounts::open(dir.path(), HashCost::for_tests()).expect("second handle");
    admin.revoke_device(&cred.device.id, 2).expect("revoke");
    assert!(matches!(
        s.authenticate(&cred.token, 3),
        Err(AuthError::Revoked)
    ));
}

#[test]
fn disabling_a_person_stops_every_device_and_new_enrolments() {
    let (_d, s) = store();
    seed(&s);
    let cred = enrolled(&s, "wang");
    let code = s.issue_enrolment("wang", 1000, DAY).expect("issue");
    s.set_disabled("wang", true).expect("disable");
    assert!(matches!(
        s.authenticate(&cred.token, 1),
        Err(AuthError::Revoked)
    ));
    assert!(s.enrol(&code.code, "x", 2000).is_err());
    assert!(s.issue_enrolment("wang", 1, DAY).is_err());
    s.set_disabled("wang", false).expect("enable");
    assert!(s.authenticate(&cred.token, 1).is_ok());
}

#[test]
fn an_actor_id_belongs_to_one_device() {
    let (_d, s) = store();
    seed(&s);
    let one = enrolled(&s, "wang");
    let two = enrolled(&s, "wang");
    let actor = "0a1b2c3d4e5f60718293a4b5c6d7e8f9".to_owned();
    assert_eq!(
        s.register_actor(&one.device.id, &actor, 1).expect("claim"),
        ActorClaim::Registered
    );
    assert_eq!(
        s.register_actor(&one.device.id, &actor, 2).expect("again"),
        ActorClaim::AlreadyOwned
    );
    assert!(matches!(
        s.register_actor(&two.device.id, &actor, 3),
        Err(AuthError::ActorTaken)
    ));
    assert!(matches!(
        s.register_actor(&two.device.id, "XYZ", 3),
        Err(AuthError::Invalid(_))
    ));
    let owners = s
        .actor_owners(&[actor.clone(), "ffff".into()])
        .expect("owners");
    assert_eq!(owners.len(), 1);
    assert_eq!(owners[&actor].device, one.device.id);
    assert_eq!(owners[&actor].name, "王警官");
    let by_device = s
        .device_owners(std::slice::from_ref(&two.device.id))
        .expect("devices");
    assert_eq!(by_device[&two.device.id].person, "wang");
    s.revoke_device(&two.device.id, 4).expect("revoke");
    assert!(matches!(
        s.register_actor(&two.device.id, "abcd", 5),
        Err(AuthError::Revoked)
    ));
}

#[test]
fn people_are_placed_in_their_own_bureau_and_roles_change() {
    let (_d, s) = store();
    seed(&s);
    s.add_bureau(&Bureau {
        id: "ruicheng".into(),
        name: "芮城县公安局".into(),
    })
    .expect("bureau");
    let stranger = Person {
        id: "li".into(),
        name: "李".into(),
        role: Role::Officer,
        station: Some("puzhou".into()),
        bureau: "ruicheng".into(),
        disabled: false,
    };
    assert!(matches!(
        s.add_person(&stranger, 1),
        Err(AuthError::Invalid(_))
    ));
    assert!(matches!(
        s.add_station(&Station {
            id: "x".into(),
            bureau: "none".into(),
            name: "x".into()
        }),
        Err(AuthError::NotFound("bureau"))
    ));
    assert!(matches!(
        s.add_bureau(&Bureau {
            id: "yongji".into(),
            name: "dup".into()
        }),
        Err(AuthError::Exists("bureau"))
    ));
    assert!(matches!(
        s.add_bureau(&Bureau {
            id: "Bad Id".into(),
            name: "x".into()
        }),
        Err(AuthError::Invalid(_))
    ));
    let before = s
        .set_role("wang", Role::StationChief, Some("kaizhang"))
        .expect("promote");
    assert_eq!(before.role, Role::Officer);
    let after = s.person("wang").expect("read").expect("exists");
    assert_eq!(after.role, Role::StationChief);
    assert_eq!(after.station.as_deref(), Some("kaizhang"));
    assert_eq!(s.people(Some("yongji")).expect("people").len(), 1);
    assert!(s.people(Some("ruicheng")).expect("people").is_empty());
    assert_eq!(s.stations(Some("yongji")).expect("stations").len(), 2);
    assert_eq!(s.bureaus().expect("bureaus").len(), 2);
}

#[test]
fn shares_are_idempotent_and_withdrawable() {
    let (_d, s) = store();
    seed(&s);
    let dossier = "0193f0a0-0000-7000-8000-000000000001";
    let share = Share {
        dossier: dossier.into(),
        person: "wang".into(),
        by: "chief".into(),
        at: 1,
    };
    s.share(&share).expect("share");
    s.share(&share).expect("again");
    assert!(s.is_shared(dossier, "wang").expect("shared"));
    assert_eq!(
        s.shared_with("wang").expect("list"),
        vec![dossier.to_owned()]
    );
    assert_eq!(s.shares_of(dossier).expect("of").len(), 1);
    assert!(s.unshare(dossier, "wang").expect("unshare"));
    assert!(!s.unshare(dossier, "wang").expect("unshare again"));
    assert!(!s.is_shared(dossier, "wang").expect("not shared"));
    assert!(matches!(
        s.share(&Share {
            dossier: "not-a-uuid".into(),
            ..share.clone()
        }),
        Err(AuthError::Invalid(_))
    ));
    assert!(matches!(
        s.share(&Share {
            person: "nobody".into(),
            ..share
        }),
        Err(AuthError::NotFound("person"))
    ));
}
