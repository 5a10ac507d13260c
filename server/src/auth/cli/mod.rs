//! `abjuan admin …`: accounts, devices, shares and the audit log, straight on the data
//! directory's files (safe while the server runs: SQLite WAL, the server re-reads devices on
//! every request). Every change is written to the audit log as done by `admin-cli`.

use std::io::Write as _;
use std::path::Path;

use abjuan_shared::access::Role;
use serde_json::json;

use super::{AccountStore, Bureau, HashCost, Person, Share, SqliteAccounts, Station};
use crate::audit::{AuditEvent, AuditFilter, AuditKind, AuditLog};

mod args;
#[cfg(test)]
mod tests;

pub use args::{
    AdminArgs, AdminCommand, AuditCommand, BureauCommand, DeviceCommand, PersonCommand, ShareArgs,
    StationCommand,
};

/// Who the audit log names for changes made with this command.
pub const ADMIN_ACTOR: &str = "admin-cli";

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn role(code: &str) -> Result<Role, String> {
    Role::from_code(code).ok_or_else(|| {
        format!(
            "unknown role {code:?}; one of {}",
            Role::ALL.map(Role::code).join(", ")
        )
    })
}

fn print_json(v: &impl serde::Serialize) -> Result<(), String> {
    let text = serde_json::to_string_pretty(v).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}

struct Admin {
    accounts: SqliteAccounts,
    audit: AuditLog,
}

impl Admin {
    fn record(&self, event: AuditEvent) -> Result<(), String> {
        self.audit
            .append(&event.by(ADMIN_ACTOR, None), now_ms())
            .map(|_| ())
            .map_err(|e| format!("audit log: {e}"))
    }

    fn bureau_of(&self, person: &str) -> Option<String> {
        self.accounts
            .person(person)
            .ok()
            .flatten()
            .map(|p| p.bureau)
    }
}

/// Runs `abjuan admin`; returns the exit code.
pub fn run(args: AdminArgs) -> i32 {
    match run_inner(&args.data_dir, args.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("abjuan admin: {e}");
            2
        }
    }
}

fn open(dir: &Path) -> Result<Admin, String> {
    Ok(Admin {
        accounts: SqliteAccounts::open(dir, HashCost::default()).map_err(|e| e.to_string())?,
        audit: AuditLog::open(dir).map_err(|e| e.to_string())?,
    })
}

#[allow(clippy::too_many_lines)]
fn run_inner(dir: &Path, command: AdminCommand) -> Result<i32, String> {
    let admin = open(dir)?;
    let a = &admin.accounts;
    let err = |e: super::AuthError| e.to_string();
    match command {
        AdminCommand::Bureau(BureauCommand::Add { id, name }) => {
            a.add_bureau(&Bureau {
                id: id.clone(),
                name,
            })
            .map_err(err)?;
            admin.record(
                AuditEvent::new(AuditKind::BureauAdded)
                    .bureau(&id)
                    .subject(&id),
            )?;
            println!("added bureau {id}");
        }
        AdminCommand::Bureau(BureauCommand::List) => print_json(&a.bureaus().map_err(err)?)?,
        AdminCommand::Station(StationCommand::Add { id, name, bureau }) => {
            a.add_station(&Station {
                id: id.clone(),
                bureau: bureau.clone(),
                name,
            })
            .map_err(err)?;
            admin.record(
                AuditEvent::new(AuditKind::StationAdded)
                    .bureau(&bureau)
                    .subject(&id),
            )?;
            println!("added station {id} to bureau {bureau}");
        }
        AdminCommand::Station(StationCommand::List { bureau }) => {
            print_json(&a.stations(bureau.as_deref()).map_err(err)?)?;
        }
        AdminCommand::Person(PersonCommand::Add {
            id,
            name,
            role: r,
            station,
            bureau,
        }) => {
            let role = role(&r)?;
            let bureau = match (bureau, &station) {
                (Some(b), _) => b,
                (None, Some(s)) => {
                    a.station(s)
                        .map_err(err)?
                        .ok_or_else(|| format!("no such station {s}"))?
                        .bureau
                }
                (None, None) => return Err("give --station or --bureau".into()),
            };
            let person = Person {
                id: id.clone(),
                name,
                role,
                station,
                bureau: bureau.clone(),
                disabled: false,
            };
            a.add_person(&person, now_ms()).map_err(err)?;
            admin.record(
                AuditEvent::new(AuditKind::PersonAdded)
                    .bureau(&bureau)
                    .subject(&id)
                    .detail(json!({"role": role.code(), "station": person.station})),
            )?;
            println!("added {} {id} ({})", role.code(), person.name);
        }
        AdminCommand::Person(PersonCommand::List { bureau }) => {
            print_json(&a.people(bureau.as_deref()).map_err(err)?)?;
        }
        AdminCommand::Person(PersonCommand::Role {
            id,
            role: r,
            station,
        }) => {
            let role = role(&r)?;
            let before = a.set_role(&id, role, station.as_deref()).map_err(err)?;
            admin.record(
                AuditEvent::new(AuditKind::RoleChanged)
                    .bureau(&before.bureau)
                    .subject(&id)
                    .detail(json!({
                        "from": {"role": before.role.code(), "station": before.station},
                        "to": {"role": role.code(), "station": station},
                    })),
            )?;
            println!("{id} is now {}", role.code());
        }
        AdminCommand::Person(PersonCommand::Disable { id }) => {
            a.set_disabled(&id, true).map_err(err)?;
            admin.record(
                AuditEvent::new(AuditKind::PersonDisabled)
                    .bureau(&admin.bureau_of(&id).unwrap_or_default())
                    .subject(&id)
                    .detail(json!({"disabled": true})),
            )?;
            println!("disabled {id}");
        }
        AdminCommand::Person(PersonCommand::Enable { id }) => {
            a.set_disabled(&id, false).map_err(err)?;
            admin.record(
                AuditEvent::new(AuditKind::PersonDisabled)
                    .bureau(&admin.bureau_of(&id).unwrap_or_default())
                    .subject(&id)
                    .detail(json!({"disabled": false})),
            )?;
            println!("enabled {id}");
        }
        AdminCommand::Device(DeviceCommand::Enrol { person, ttl_hours }) => {
            let ttl = i64::from(ttl_hours.max(1)) * 3_600_000;
            let code = a.issue_enrolment(&person, now_ms(), ttl).map_err(err)?;
            admin.record(
                AuditEvent::new(AuditKind::EnrolmentIssued)
                    .bureau(&admin.bureau_of(&person).unwrap_or_default())
                    .subject(&person),
            )?;
            let until = chrono::DateTime::from_timestamp_millis(code.expires_at)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default();
            println!("one-time enrolment code for {person}, valid until {until}:");
            println!("{}", code.code);
        }
        AdminCommand::Device(DeviceCommand::Redeem { code, label }) => {
            let cred = a.enrol(&code, &label, now_ms()).map_err(err)?;
            admin.record(
                AuditEvent::new(AuditKind::DeviceEnrolled)
                    .bureau(&admin.bureau_of(&cred.device.person).unwrap_or_default())
                    .subject(&cred.device.id)
                    .detail(json!({"person": cred.device.person, "label": cred.device.label})),
            )?;
            println!(
                "device {} enrolled for {}; its credential (shown once, keep it secret):",
                cred.device.id, cred.device.person
            );
            println!("{}", cred.token);
        }
        AdminCommand::Device(DeviceCommand::Revoke { device }) => {
            let d = a.revoke_device(&device, now_ms()).map_err(err)?;
            admin.record(
                AuditEvent::new(AuditKind::DeviceRevoked)
                    .bureau(&admin.bureau_of(&d.person).unwrap_or_default())
                    .subject(&device)
                    .detail(json!({"person": d.person})),
            )?;
            println!("revoked device {device} of {}", d.person);
        }
        AdminCommand::Device(DeviceCommand::List { person }) => {
            print_json(&a.devices(person.as_deref()).map_err(err)?)?;
        }
        AdminCommand::Share(ShareArgs { dossier, person }) => {
            a.share(&Share {
                dossier: dossier.clone(),
                person: person.clone(),
                by: ADMIN_ACTOR.into(),
                at: now_ms(),
            })
            .map_err(err)?;
            admin.record(
                AuditEvent::new(AuditKind::ShareAdded)
                    .bureau(&admin.bureau_of(&person).unwrap_or_default())
                    .subject(&dossier)
                    .detail(json!({"person": person})),
            )?;
            println!("shared {dossier} with {person}");
        }
        AdminCommand::Unshare(ShareArgs { dossier, person }) => {
            let had = a.unshare(&dossier, &person).map_err(err)?;
            admin.record(
                AuditEvent::new(AuditKind::ShareRemoved)
                    .bureau(&admin.bureau_of(&person).unwrap_or_default())
                    .subject(&dossier)
                    .detail(json!({"person": person})),
            )?;
            println!(
                "{}",
                if had {
                    "share withdrawn"
                } else {
                    "there was no such share"
                }
            );
        }
        AdminCommand::Audit(AuditCommand::Show {
            bureau,
            after,
            limit,
        }) => {
            let rows = admin
                .audit
                .read(&AuditFilter {
                    bureau,
                    after,
                    limit: Some(limit),
                })
                .map_err(|e| e.to_string())?;
            for r in rows {
                println!("{}", serde_json::to_string(&r).map_err(|e| e.to_string())?);
            }
        }
        AdminCommand::Audit(AuditCommand::Export { bureau, out }) => {
            let filter = AuditFilter {
                bureau: bureau.clone(),
                ..AuditFilter::default()
            };
            let n = match &out {
                Some(path) => {
                    let mut f = std::io::BufWriter::new(
                        std::fs::File::create(path)
                            .map_err(|e| format!("cannot create {}: {e}", path.display()))?,
                    );
                    let n = admin
                        .audit
                        .export_jsonl(&filter, &mut f)
                        .map_err(|e| e.to_string())?;
                    f.flush().map_err(|e| e.to_string())?;
                    n
                }
                None => admin
                    .audit
                    .export_jsonl(&filter, &mut std::io::stdout().lock())
                    .map_err(|e| e.to_string())?,
            };
            let mut event = AuditEvent::new(AuditKind::Export).detail(json!({"rows": n}));
            if let Some(b) = &bureau {
                event = event.bureau(b);
            }
            admin.record(event)?;
            if let Some(path) = out {
                eprintln!("exported {n} rows to {}", path.display());
            }
        }
        AdminCommand::Audit(AuditCommand::Verify) => {
            let check = admin.audit.verify().map_err(|e| e.to_string())?;
            print_json(&check)?;
            return Ok(i32::from(check.broken_at.is_some()));
        }
    }
    Ok(0)
}
