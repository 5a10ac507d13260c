//! Tests of `abjuan admin` on a temporary data directory.

use super::*;
use crate::audit::{AuditKind, AuditLog};

fn admin(dir: &Path, command: AdminCommand) -> i32 {
    run(AdminArgs {
        data_dir: dir.to_path_buf(),
        database_url: None,
        command,
    })
}

#[test]
fn accounts_are_built_and_audited_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    assert_eq!(
        admin(
            d,
            AdminCommand::Bureau(BureauCommand::Add {
                id: "yongji".into(),
                name: "永济市公安局".into()
            })
        ),
        0
    );
    assert_eq!(
        admin(
            d,
            AdminCommand::Station(StationCommand::Add {
                id: "puzhou".into(),
                name: "蒲州派出所".into(),
                bureau: "yongji".into()
            })
        ),
        0
    );
    assert_eq!(
        admin(
            d,
            AdminCommand::Person(PersonCommand::Add {
                id: "wang".into(),
                name: "王".into(),
                role: "officer".into(),
                station: Some("puzhou".into()),
                bureau: None
            })
        ),
        0
    );
    assert_eq!(
        admin(
            d,
            AdminCommand::Person(PersonCommand::Add {
                id: "x".into(),
                name: "X".into(),
                role: "sheriff".into(),
                station: Some("puzhou".into()),
                bureau: None
            })
        ),
        2,
        "unknown role"
    );
    assert_eq!(
        admin(
            d,
            AdminCommand::Person(PersonCommand::Role {
                id: "wang".into(),
                role: "station_chief".into(),
                station: Some("puzhou".into())
            })
        ),
        0
    );
    assert_eq!(admin(d, AdminCommand::Audit(AuditCommand::Verify)), 0);
    let log = AuditLog::open(d).expect("audit");
    let kinds: Vec<AuditKind> = log
        .read(&AuditFilter::default())
        .expect("read")
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            AuditKind::BureauAdded,
            AuditKind::StationAdded,
            AuditKind::PersonAdded,
            AuditKind::RoleChanged
        ]
    );
}

#[test]
fn rule_sets_are_versioned_checked_and_audited_from_the_command_line() {
    use crate::rules::{RuleStore, SqliteRuleStore};
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let bureau = AdminCommand::Bureau(BureauCommand::Add {
        id: "yongji".into(),
        name: "永济市公安局".into(),
    });
    assert_eq!(admin(d, bureau), 0);
    let file = |name: &str, text: &str| {
        let path = d.join(name);
        std::fs::write(&path, text).expect("write");
        path
    };
    let good = file(
        "good.json",
        r#"{"rules": [{"id": "yongji.debt", "level": "orange",
            "reason": {"zh": "债务", "en": "Debt"},
            "when": {"path": "/header/category", "op": "eq", "value": "debt"}}]}"#,
    );
    let bad = file(
        "bad.json",
        r#"{"rules": [{"id": "yongji.debt", "level": "orange",
            "reason": {"zh": "债务", "en": "Debt"},
            "when": {"path": "header/category", "op": "eq", "value": "debt"}}]}"#,
    );
    let add = |bureau: &str, file: &Path| {
        admin(
            d,
            AdminCommand::Rules(RulesCommand::Add {
                bureau: bureau.into(),
                file: file.to_path_buf(),
                note: Some("第3号通知".into()),
            }),
        )
    };
    assert_eq!(add("yongji", &good), 0);
    assert_eq!(add("yongji", &good), 0);
    assert_eq!(add("yongji", &bad), 2, "refused: not a JSON pointer");
    assert_eq!(add("nowhere", &good), 2, "no such bureau");
    assert_eq!(add("yongji", &d.join("missing.json")), 2, "no such file");
    let retire = |version| {
        admin(
            d,
            AdminCommand::Rules(RulesCommand::Retire {
                bureau: "yongji".into(),
                version,
            }),
        )
    };
    assert_eq!(retire(2), 0);
    assert_eq!(retire(2), 2, "retired already");
    assert_eq!(retire(5), 2, "no such version");
    let show = |version| {
        admin(
            d,
            AdminCommand::Rules(RulesCommand::Show {
                bureau: "yongji".into(),
                version,
            }),
        )
    };
    assert_eq!(show(None), 0, "the current version");
    assert_eq!(show(Some(2)), 0, "a retired one still shows");
    assert_eq!(show(Some(9)), 2);
    let list = AdminCommand::Rules(RulesCommand::List { bureau: None });
    assert_eq!(admin(d, list), 0);

    let store = SqliteRuleStore::open(d).expect("rule store");
    assert_eq!(
        store.current_versions().expect("current"),
        vec![("yongji".to_owned(), 1)],
        "version 2 retired: version 1 is current again"
    );
    let stored = store.list(None).expect("list");
    assert_eq!(stored.len(), 2, "the refused set was not stored");
    assert_eq!(stored[0].added_by, "admin-cli");
    assert_eq!(stored[0].note.as_deref(), Some("第3号通知"));
    let rows = AuditLog::open(d)
        .expect("audit")
        .read(&AuditFilter::default())
        .expect("read");
    let kinds: Vec<AuditKind> = rows.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        vec![
            AuditKind::BureauAdded,
            AuditKind::RuleSetAdded,
            AuditKind::RuleSetAdded,
            AuditKind::RuleSetRefused,
            AuditKind::RuleSetRetired,
        ]
    );
    assert_eq!(rows[3].detail["code"], "rules_bad_path");
    assert_eq!(rows[4].person.as_deref(), Some("admin-cli"));
}
