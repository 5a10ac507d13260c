//! [`LocalServer`]: an `abjuan serve` process the load programs (`abjuan-load`,
//! `abjuan-report`, `abjuan-blob-load`) start for themselves: the `abjuan` binary beside the
//! running one, on a loopback port the system picks, over a fresh data directory. Dropping it
//! stops the process (SIGTERM, so it shuts down as an operator's would) and removes the
//! directory.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A running server process and its data directory.
#[derive(Debug)]
pub struct LocalServer {
    /// The process.
    pub child: Child,
    /// Its data directory (removed on drop).
    pub dir: PathBuf,
    /// Its base URL, `http://127.0.0.1:PORT`.
    pub url: String,
}

impl LocalServer {
    /// Starts `abjuan serve --listen 127.0.0.1:0 --data-dir <temp>/<name>-<pid> <extra…>` and
    /// waits for its "listening on" line.
    ///
    /// # Errors
    /// When the binary cannot be started or exits before listening.
    pub fn start(name: &str, extra: &[&str]) -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let bin = exe.with_file_name("abjuan");
        let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
        let mut child = Command::new(&bin)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .arg("--data-dir")
            .arg(&dir)
            .env("ABJUAN_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .map(str::to_owned)
            .unwrap_or_default();
        // Built before the check, so a server that did not start is still stopped and its
        // directory removed.
        let server = Self { child, dir, url };
        if server.url.is_empty() {
            return Err("server did not start".into());
        }
        Ok(server)
    }

    /// The process id (for RSS and CPU readings from `/proc`).
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
