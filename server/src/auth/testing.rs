//! Set-up shared by the unit tests of the gate, the sync guard, the account routes and the
//! admin service: a gate over fresh stores in a temporary directory, the admin service over
//! the same stores, bureau `yongji` with its stations, and people with an enrolled device.

use std::sync::Arc;

use abjuan_shared::access::Role;

use super::gate::Limits;
use super::{Bureau, DeviceCredential, Gate, HashCost, Person, SqliteAccounts, Station};
use crate::audit::AuditLog;

/// A gate over fresh account and audit stores (test hashing cost, default limits); `demo`:
/// open demo mode is allowed.
pub(crate) fn gate(demo: bool) -> (tempfile::TempDir, Gate) {
    let dir = tempfile::tempdir().expect("tempdir");
    let accounts = SqliteAccounts::open(dir.path(), HashCost::for_tests()).expect("accounts");
    let audit = AuditLog::open(dir.path()).expect("audit");
    let g = Gate::new(Arc::new(accounts), Arc::new(audit), Limits::default(), demo);
    (dir, g)
}

/// The rule book over the rule store in `dir` (the account database of [`gate`]'s stores).
pub(crate) fn book(dir: &std::path::Path) -> Arc<crate::rules::RuleBook> {
    let store = crate::rules::SqliteRuleStore::open(dir).expect("rule store");
    Arc::new(crate::rules::RuleBook::load(Arc::new(store)).expect("rule book"))
}

/// The admin service over the gate's stores, refreshing `book`.
pub(crate) fn admin(g: &Gate, book: &Arc<crate::rules::RuleBook>) -> Arc<crate::admin::Admin> {
    Arc::new(
        crate::admin::Admin::new(g.accounts.clone(), g.audit.clone(), book.store().clone())
            .with_book(book.clone()),
    )
}

/// Adds bureau `yongji` (永济) and its `stations`, as (id, name).
pub(crate) fn add_units(g: &Gate, stations: &[(&str, &str)]) {
    g.accounts
        .add_bureau(&Bureau {
            id: "yongji".into(),
            name: "永济".into(),
        })
        .expect("bureau");
    for (id, name) in stations {
        g.accounts
            .add_station(&Station {
                id: (*id).into(),
                bureau: "yongji".into(),
                name: (*name).into(),
            })
            .expect("station");
    }
}

/// Adds a person of bureau `yongji`, named by their id, with `role` at `station`.
pub(crate) fn add_person(g: &Gate, id: &str, role: Role, station: Option<&str>) -> Person {
    let p = Person {
        id: id.into(),
        name: id.into(),
        role,
        station: station.map(Into::into),
        bureau: "yongji".into(),
        disabled: false,
    };
    g.accounts.add_person(&p, 1).expect("person");
    p
}

/// Enrols a device for `person` at `now_ms`: a code valid for a minute, redeemed at once.
pub(crate) fn enrol(g: &Gate, person: &str, now_ms: i64) -> DeviceCredential {
    let code = g
        .accounts
        .issue_enrolment(person, now_ms, 60_000)
        .expect("code");
    g.accounts
        .enrol(&code.code, "phone", now_ms)
        .expect("enrol")
}
