//! Helpers for the end-to-end tests in `tests/tests/`: start the real `abjuan` binary on a
//! free port with its own data directory, and stop it (gracefully or with SIGKILL); set up
//! accounts and devices ([`accounts`]); publish bureau rule sets ([`rules`]).
//!
//! With `ABJUAN_TEST_STORE=postgres` (and `ABJUAN_TEST_POSTGRES=postgres://user@host:port`, a
//! server `scripts/postgres.sh` started), every server and admin command of a test runs on a
//! PostgreSQL database of its own (one per data directory, made on first use) instead of the
//! data directory's SQLite files: the same tests, the other store.
//!
//! The binary is built once per test process with `cargo build -p abjuan-server --bin abjuan`
//! into the same target directory as the tests (a no-op when it is up to date), so
//! `cargo test --workspace` works from a clean clone.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub use abjuan_server::client::{sample_dossier, ClientError, Phone, Transport};

pub mod accounts;
pub mod attachments;
pub mod edits;
pub mod nodes;
pub mod raw;
pub mod rules;
pub use accounts::{
    add_bureau, add_person, add_puzhou, add_station, admin, device_of, enrol, enrolment_code,
    last_line, phone, redeem, Unit, BUREAU, STATION,
};

/// What `cargo test` tells a test process about its crate, by prefix; none of it is meant for
/// a nested cargo.
const CRATE_VARS: &[&str] = &["CARGO_PKG_", "CARGO_BIN_EXE_"];
/// The same, whole names.
const CRATE_VARS_EXACT: &[&str] = &[
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_MANIFEST_LINKS",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_TMPDIR",
    "CARGO_RUSTC_CURRENT_DIR",
    "OUT_DIR",
];

/// The `abjuan` binary, built when needed.
///
/// # Panics
/// When the binary cannot be built.
pub fn binary() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // Tests run from target/<profile>/deps/<test binary>.
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>")
            .to_path_buf();
        let target_dir = profile_dir.parent().expect("target dir").to_path_buf();
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        // Without the variables `cargo test` sets for this test process: ring's build script
        // watches some of them (`rerun-if-env-changed=CARGO_PKG_NAME`, …), so with them this
        // build and the next top-level one would each rebuild ring, rustls and the server.
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if CRATE_VARS_EXACT.contains(&k.as_ref()) || CRATE_VARS.iter().any(|p| k.starts_with(p))
            {
                cmd.env_remove(&key);
            }
        }
        cmd.args(["build", "--quiet", "-p", "abjuan-server", "--bin", "abjuan"])
            .arg("--target-dir")
            .arg(&target_dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if release {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build");
        assert!(status.success(), "cargo build of abjuan failed");
        profile_dir.join("abjuan")
    })
    .clone()
}

/// The PostgreSQL server of the tests (`ABJUAN_TEST_POSTGRES`), without a database name.
#[must_use]
pub fn postgres_server() -> Option<String> {
    std::env::var("ABJUAN_TEST_POSTGRES")
        .ok()
        .map(|u| u.trim_end_matches('/').to_owned())
        .filter(|u| !u.is_empty())
}

/// Whether the end-to-end tests run on PostgreSQL (`ABJUAN_TEST_STORE=postgres`).
///
/// # Panics
/// When asked for PostgreSQL without `ABJUAN_TEST_POSTGRES`.
#[must_use]
pub fn on_postgres() -> bool {
    let wanted = std::env::var("ABJUAN_TEST_STORE").is_ok_and(|s| s == "postgres");
    assert!(
        !wanted || postgres_server().is_some(),
        "ABJUAN_TEST_STORE=postgres needs ABJUAN_TEST_POSTGRES (scripts/postgres.sh start DIR)"
    );
    wanted
}

/// The database URL of a data directory on the tests' PostgreSQL server (made when missing):
/// one database per data directory, so every test keeps its own.
///
/// # Panics
/// Without `ABJUAN_TEST_POSTGRES`, or when the database cannot be made.
#[must_use]
pub fn database_url(data_dir: &Path) -> String {
    let server = postgres_server().expect("ABJUAN_TEST_POSTGRES");
    // FNV-1a of the path: a short, stable database name.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data_dir.as_os_str().as_encoded_bytes() {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    let name = format!("e2e_{h:016x}");
    abjuan_server::store::postgres::create_database(&format!("{server}/postgres"), &name)
        .unwrap_or_else(|e| panic!("cannot make database {name}: {e}"));
    format!("{server}/{name}")
}

/// The flags that put a command on the tests' store: `--database-url …` on PostgreSQL,
/// nothing on SQLite (the data directory is always given too).
#[must_use]
pub fn store_flags(data_dir: &Path) -> Vec<String> {
    if on_postgres() {
        vec!["--database-url".into(), database_url(data_dir)]
    } else {
        Vec::new()
    }
}

/// A running `abjuan serve`.
#[derive(Debug)]
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The data directory.
    pub data_dir: PathBuf,
    /// Credential used by [`Server::transport`] and [`Server::get`] (none: demo mode).
    pub token: Option<String>,
}

impl Server {
    /// Starts the server on a free port with `data_dir` and extra flags.
    ///
    /// # Panics
    /// When it does not start within 20 seconds.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Self {
        Self::start_with_env(data_dir, extra, &[])
    }

    /// [`Server::start`] with extra environment variables.
    ///
    /// # Panics
    /// When it does not start within 20 seconds.
    pub fn start_with_env(data_dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        Self::spawn(data_dir, &store_flags(data_dir), extra, env)
    }

    /// Starts a node on the PostgreSQL database `database_url` (several may share it).
    ///
    /// # Panics
    /// When it does not start within 20 seconds.
    pub fn start_on(data_dir: &Path, database_url: &str, extra: &[&str]) -> Self {
        Self::spawn(
            data_dir,
            &["--database-url".to_owned(), database_url.to_owned()],
            extra,
            &[],
        )
    }

    fn spawn(data_dir: &Path, store: &[String], extra: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(binary())
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(store)
            .args(extra)
            .envs(env.iter().copied())
            .env("ABJUAN_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn abjuan");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("server printed its address");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Self {
            child: Some(child),
            url,
            data_dir: data_dir.to_path_buf(),
            token: None,
        }
    }

    /// The process id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// SIGKILL, no warning.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait; returns whether it exited successfully within `within`.
    pub fn terminate(&mut self, within: Duration) -> bool {
        let Some(mut c) = self.child.take() else {
            return false;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = c.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = c.kill();
        let _ = c.wait();
        false
    }

    /// A transport to this server.
    #[must_use]
    pub fn transport(&self) -> Transport {
        let t = Transport::new(&self.url);
        match &self.token {
            Some(token) => t.with_token(token),
            None => t,
        }
    }

    /// `GET path` as JSON, expecting 200.
    ///
    /// # Panics
    /// On any other status.
    #[must_use]
    pub fn get(&self, path: &str) -> serde_json::Value {
        let (status, v) = self.transport().get_json(path).expect("GET");
        assert_eq!(status, 200, "GET {path}: {v}");
        v
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A new dossier id.
#[must_use]
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
