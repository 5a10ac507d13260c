//! Several server nodes on one PostgreSQL database (`ABJUAN_TEST_POSTGRES`), for the
//! multi-node tests: start, SIGKILL and restart nodes, run `abjuan admin` on the shared
//! database, and kill the nodes' LISTEN connections from the database side.

use std::path::PathBuf;
use std::process::Command;

use crate::{binary, database_url, Server};

/// Nodes sharing one database.
#[derive(Debug)]
pub struct Cluster {
    dir: tempfile::TempDir,
    /// The shared database's URL.
    pub database: String,
    nodes: Vec<Option<Server>>,
    extra: Vec<String>,
}

impl Cluster {
    /// Starts `n` nodes with the extra `serve` flags on a fresh database.
    ///
    /// # Panics
    /// Without `ABJUAN_TEST_POSTGRES`, or when a node does not start.
    #[must_use]
    pub fn start(n: usize, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let database = database_url(dir.path());
        let mut cluster = Self {
            dir,
            database,
            nodes: Vec::new(),
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
        };
        for i in 0..n {
            cluster.nodes.push(None);
            cluster.restart(i);
        }
        cluster
    }

    fn node_dir(&self, i: usize) -> PathBuf {
        self.dir.path().join(format!("node-{i}"))
    }

    /// Node `i`'s URL (`None` while it is down).
    #[must_use]
    pub fn url(&self, i: usize) -> Option<String> {
        self.nodes.get(i)?.as_ref().map(|s| s.url.clone())
    }

    /// Node `i`'s process id (0 while it is down).
    #[must_use]
    pub fn pid(&self, i: usize) -> u32 {
        self.nodes
            .get(i)
            .and_then(Option::as_ref)
            .map_or(0, Server::pid)
    }

    /// SIGKILLs node `i`.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut s) = self.nodes[i].take() {
            s.kill();
        }
    }

    /// (Re)starts node `i` (a new port).
    pub fn restart(&mut self, i: usize) {
        self.kill(i);
        let extra: Vec<&str> = self.extra.iter().map(String::as_str).collect();
        self.nodes[i] = Some(Server::start_on(&self.node_dir(i), &self.database, &extra));
    }

    /// Runs `abjuan admin ARGS…` on the shared database; returns its standard output.
    ///
    /// # Panics
    /// When the command fails.
    #[must_use]
    pub fn admin(&self, args: &[&str]) -> String {
        let out = Command::new(binary())
            .arg("admin")
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(["--database-url", &self.database])
            .args(args)
            .env("ABJUAN_LOG", "warn")
            .output()
            .expect("run abjuan admin");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "abjuan admin {args:?} failed: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Ends every node's LISTEN connection from the database side (`pg_terminate_backend`),
    /// as a restarted pooler or a network cut would; returns how many were ended.
    ///
    /// # Panics
    /// When the database cannot be reached.
    #[must_use]
    pub fn terminate_listeners(&self) -> u64 {
        let db = abjuan_server::store::postgres::Db::open(&self.database).expect("db");
        db.block(async {
            let c = db.pooled().await.expect("connection");
            let rows = c
                .query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                     WHERE datname = current_database() AND query LIKE 'LISTEN%'
                       AND pid <> pg_backend_pid()",
                    &[],
                )
                .await
                .expect("terminate");
            rows.len() as u64
        })
    }
}
