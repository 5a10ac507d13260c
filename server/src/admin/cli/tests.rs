//! Tests of `abjuan admin` on a temporary data directory.

use super::*;
use crate::audit::AuditKind;

fn admin(dir: &Path, command: AdminCommand) -> i32 {
    run(AdminArgs {
        data_dir: dir.to_path_buf(),
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
