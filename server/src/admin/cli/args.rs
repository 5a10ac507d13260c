//! The command line of `abjuan admin`: its arguments and subcommands (clap).

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `abjuan admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// Data directory (`accounts.sqlite3`, which also holds the rule sets, and
    /// `audit.sqlite3` live here).
    #[arg(long, env = "ABJUAN_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Work on this PostgreSQL database instead (the one the nodes of `abjuan serve
    /// --database-url` share).
    #[arg(long, env = "ABJUAN_DATABASE_URL")]
    pub database_url: Option<String>,
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
    /// A bureau's warning rule sets (the "N" of 3+N): add, list, show, retire versions.
    #[command(subcommand)]
    Rules(super::rules::RulesCommand),
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
