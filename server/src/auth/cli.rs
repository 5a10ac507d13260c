//! `abjuan admin …`: accounts, devices, shares and the audit log, straight on the data
//! directory's files (safe while the server runs: SQLite WAL, the server re-reads devices on
//! every request). Every change is written to the audit log as done by `admin-cli`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use abjuan_shared::access::Role;
use clap::{Args, Subcommand};
use serde_json::json;

use super::{AccountStore, Bureau, HashCost, Person, Share, SqliteAccounts, Station};
use crate::audit::{AuditEvent, AuditFilter, AuditKind, AuditLog};

/// Who the audit log names for changes made with this command.
pub const ADMIN_ACTOR: &str = "admin-cli";

/// `abjuan admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// Data directory (`accounts.sqlite3` and `audit.sqlite3` live here).
    #[arg(long, env = "ABJUAN_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// The admin subcommands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Bureaus (县局).
    #[command(subcommand)]
    Bureau(BureauCommand),
    /// Stations (派出所).
    #[command(subcommand)]
    Station(StationCommand),
    /// People and their roles.
    #[command(subcommand)]
    Person(PersonCommand),
    /// Devices: enrolment codes, revocation.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Share a dossier with a person (a partner mediator, an officer of another station).
    Share(ShareArgs),
    /// Withdraw a share.
    Unshare(ShareArgs),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
}

/// `abjuan admin bureau`.
#[derive(Debug, Subcommand)]
pub enum BureauCommand {
    /// Add a bureau.
    Add {
        /// Code (a-z 0-9 - _ .), e.g. `yongji`.
        id: String,
        /// Name, e.g. 永济市公安局.
        name: String,
    },
    /// List bureaus (JSON).
    List,
}

/// `abjuan admin station`.
#[derive(Debug, Subcommand)]
pub enum StationCommand {
    /// Add a station; its code is what dossiers carry in `header.station`.
    Add {
        /// Code, e.g. `yongji-puzhou`.
        id: String,
        /// Name, e.g. 蒲州派出所.
        name: String,
        /// The bureau.
        #[arg(long)]
        bureau: String,
    },
    /// List stations (JSON).
    List {
        /// Only this bureau's.
        #[arg(long)]
        bureau: Option<String>,
    },
}

/// `abjuan admin person`.
#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Add a person.
    Add {
        /// Id (a-z 0-9 - _ .), e.g. `wang.wei`.
        id: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// officer, auxiliary, station_chief, bureau_supervisor or partner_mediator.
        #[arg(long)]
        role: String,
        /// Their station (optional for supervisors and mediators).
        #[arg(long)]
        station: Option<String>,
        /// Their bureau (defaults to the station's).
        #[arg(long)]
        bureau: Option<String>,
    },
    /// List people (JSON).
    List {
        /// Only this bureau's.
        #[arg(long)]
        bureau: Option<String>,
    },
    /// Change a person's role (and station).
    Role {
        /// The person.
        id: String,
        /// The new role.
        role: String,
        /// The station afterwards (none when omitted).
        #[arg(long)]
        station: Option<String>,
    },
    /// Disable a person: every device of theirs stops working at once.
    Disable {
        /// The person.
        id: String,
    },
    /// Re-enable a person.
    Enable {
        /// The person.
        id: String,
    },
}

/// `abjuan admin device`.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Print a one-time enrolment code for a person's new phone (`POST /v1/enrol`).
    Enrol {
        /// The person.
        person: String,
        /// Hours the code stays valid.
        #[arg(long, default_value_t = 72)]
        ttl_hours: u32,
    },
    /// Exchange an enrolment code for a device credential here (scripts, test rigs, browsers
    /// enrolled by hand); prints the credential once.
    Redeem {
        /// The `abje_…` code.
        code: String,
        /// What to call the device.
        #[arg(long, default_value = "device")]
        label: String,
    },
    /// Revoke a device: its next request fails.
    Revoke {
        /// The device id (the 16 hex digits after `abjd_`).
        device: String,
    },
    /// List devices (JSON).
    List {
        /// Only this person's.
        #[arg(long)]
        person: Option<String>,
    },
}

/// Arguments of `share` and `unshare`.
#[derive(Debug, Args)]
pub struct ShareArgs {
    /// The dossier id.
    pub dossier: String,
    /// The person.
    pub person: String,
}

/// `abjuan admin audit`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Print rows (JSON lines).
    Show {
        /// Only this bureau's.
        #[arg(long)]
        bureau: Option<String>,
        /// Only rows after this sequence number.
        #[arg(long)]
        after: Option<i64>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Export every row as JSON lines (to a file or standard output).
    Export {
        /// Only this bureau's.
        #[arg(long)]
        bureau: Option<String>,
        /// The file to write (standard output when omitted).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Recompute the hash chain; exit code 1 when it is broken.
    Verify,
}

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
