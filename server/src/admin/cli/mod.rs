//! `abjuan admin …`: the command-line face of the admin service ([`super::Admin`]) for an
//! operator at the server's files: accounts, devices, shares, the audit log and the warning
//! rule sets ([`rules`]) of every bureau, straight on the data directory's files (safe while the server runs: SQLite WAL, the
//! server re-reads devices on every request). Every change is recorded by the service as done
//! by `admin-cli`. A refusal prints `abjuan admin: CODE: message` (the codes of the API's error
//! table) and exits with 2.

use std::io::Write as _;
use std::path::Path;

use super::{Admin, AdminError, NewPerson, Operator};
use crate::audit::AuditFilter;
use crate::auth::{Bureau, HashCost, Station};
use crate::backend::{admin_stores, Place};

mod args;
pub mod rules;
#[cfg(test)]
mod tests;

pub use args::{
    AdminArgs, AdminCommand, AuditCommand, BureauCommand, DeviceCommand, PersonCommand, ShareArgs,
    StationCommand,
};
pub use rules::RulesCommand;

const CLI: Operator<'static> = Operator::Cli;

/// Why `abjuan admin` failed: a refusal of the service (with its code) or a local problem
/// (a file that cannot be opened or written).
#[derive(Debug)]
enum Failure {
    Refused(AdminError),
    Local(String),
}

impl From<AdminError> for Failure {
    fn from(e: AdminError) -> Self {
        Failure::Refused(e)
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Refused(e) => write!(f, "{}: {e}", e.code()),
            Failure::Local(text) => f.write_str(text),
        }
    }
}

fn print_json(v: &impl serde::Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(v).map_err(|e| Failure::Local(e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// Runs `abjuan admin`; returns the exit code.
pub fn run(args: AdminArgs) -> i32 {
    match open(&args.data_dir, args.database_url.as_deref())
        .and_then(|admin| run_inner(&admin, args.command))
    {
        Ok(code) => code,
        Err(e) => {
            eprintln!("abjuan admin: {e}");
            2
        }
    }
}

/// The service over the data directory's (or the PostgreSQL database's) account store,
/// audit log and rule sets.
fn open(dir: &Path, database_url: Option<&str>) -> Result<Admin, Failure> {
    let place = Place::new(dir, database_url).map_err(Failure::Local)?;
    let (accounts, audit, rules) = admin_stores(&place, HashCost::default())
        .map_err(|e| Failure::Local(format!("cannot open {}: {e}", place.describe())))?;
    Ok(Admin::new(accounts, audit, rules))
}

#[allow(clippy::too_many_lines)]
fn run_inner(admin: &Admin, command: AdminCommand) -> Result<i32, Failure> {
    match command {
        AdminCommand::Bureau(BureauCommand::Add { id, name }) => {
            admin.add_bureau(
                CLI,
                &Bureau {
                    id: id.clone(),
                    name,
                },
            )?;
            println!("added bureau {id}");
        }
        AdminCommand::Bureau(BureauCommand::List) => print_json(&admin.bureaus(CLI)?)?,
        AdminCommand::Station(StationCommand::Add { id, name, bureau }) => {
            admin.add_station(
                CLI,
                &Station {
                    id: id.clone(),
                    bureau: bureau.clone(),
                    name,
                },
            )?;
            println!("added station {id} to bureau {bureau}");
        }
        AdminCommand::Station(StationCommand::List { bureau }) => {
            print_json(&admin.stations(CLI, bureau.as_deref())?)?;
        }
        AdminCommand::Person(PersonCommand::Add {
            id,
            name,
            role,
            station,
            bureau,
        }) => {
            let person = admin.add_person(
                CLI,
                NewPerson {
                    id,
                    name,
                    role,
                    station,
                    bureau,
                },
            )?;
            println!(
                "added {} {} ({})",
                person.role.code(),
                person.id,
                person.name
            );
        }
        AdminCommand::Person(PersonCommand::List { bureau }) => {
            print_json(&admin.people(CLI, bureau.as_deref())?)?;
        }
        AdminCommand::Person(PersonCommand::Role { id, role, station }) => {
            let (_, role) = admin.set_role(CLI, &id, &role, station.as_deref())?;
            println!("{id} is now {}", role.code());
        }
        AdminCommand::Person(PersonCommand::Disable { id }) => {
            admin.set_disabled(CLI, &id, true)?;
            println!("disabled {id}");
        }
        AdminCommand::Person(PersonCommand::Enable { id }) => {
            admin.set_disabled(CLI, &id, false)?;
            println!("enabled {id}");
        }
        AdminCommand::Device(DeviceCommand::Enrol { person, ttl_hours }) => {
            let ttl = i64::from(ttl_hours.max(1)) * 3_600_000;
            let code = admin.issue_enrolment(CLI, &person, ttl)?;
            let until = chrono::DateTime::from_timestamp_millis(code.expires_at)
                .map(|t| t.to_rfc3339())
                .unwrap_or_default();
            println!("one-time enrolment code for {person}, valid until {until}:");
            println!("{}", code.code);
        }
        AdminCommand::Device(DeviceCommand::Redeem { code, label }) => {
            let cred = admin.redeem(&code, &label)?;
            println!(
                "device {} enrolled for {}; its credential (shown once, keep it secret):",
                cred.device.id, cred.device.person
            );
            println!("{}", cred.token);
        }
        AdminCommand::Device(DeviceCommand::Revoke { device }) => {
            let d = admin.revoke_device(CLI, &device)?;
            println!("revoked device {device} of {}", d.person);
        }
        AdminCommand::Device(DeviceCommand::List { person }) => {
            print_json(&admin.devices(CLI, person.as_deref())?)?;
        }
        AdminCommand::Share(ShareArgs { dossier, person }) => {
            admin.share(CLI, &dossier, &person, None)?;
            println!("shared {dossier} with {person}");
        }
        AdminCommand::Unshare(ShareArgs { dossier, person }) => {
            let had = admin.unshare(&dossier, &person)?;
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
            let rows = admin.audit_rows(
                CLI,
                AuditFilter {
                    bureau,
                    after,
                    limit: Some(limit),
                },
            )?;
            for r in rows {
                let line = serde_json::to_string(&r).map_err(|e| Failure::Local(e.to_string()))?;
                println!("{line}");
            }
        }
        AdminCommand::Audit(AuditCommand::Export { bureau, out }) => {
            let n = match &out {
                Some(path) => {
                    let file = std::fs::File::create(path).map_err(|e| {
                        Failure::Local(format!("cannot create {}: {e}", path.display()))
                    })?;
                    let mut f = std::io::BufWriter::new(file);
                    let n = admin.export_audit(CLI, bureau.as_deref(), &mut f)?;
                    f.flush().map_err(|e| Failure::Local(e.to_string()))?;
                    n
                }
                None => {
                    admin.export_audit(CLI, bureau.as_deref(), &mut std::io::stdout().lock())?
                }
            };
            if let Some(path) = out {
                eprintln!("exported {n} rows to {}", path.display());
            }
        }
        AdminCommand::Rules(command) => return rules::run(admin, command),
        AdminCommand::Audit(AuditCommand::Verify) => {
            let check = admin.verify_audit(CLI)?;
            print_json(&check)?;
            return Ok(i32::from(check.broken_at.is_some()));
        }
    }
    Ok(0)
}
