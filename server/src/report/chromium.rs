//! Printing a page to PDF with Debian's Chromium, driven over the DevTools protocol on a pipe
//! (`--remote-debugging-pipe`: fds 3 and 4 of the child, NUL-separated JSON; no port another
//! local user could connect to). The page says when it is ready (`data-printed` on its root
//! element, set once Paged.js has laid out every page), so the PDF is taken exactly then, never
//! halfway through.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use command_fds::{CommandFdExt, FdMapping};
use serde_json::{json, Value};

/// Why Chromium made no PDF (logged; clients see `print_failed` or `print_unavailable`).
#[derive(Debug, thiserror::Error)]
pub enum ChromiumError {
    /// It did not start.
    #[error("chromium did not start: {0}")]
    Start(String),
    /// The protocol broke (it exited, or answered nonsense).
    #[error("devtools: {0}")]
    Protocol(String),
    /// The page reported an error.
    #[error("page: {0}")]
    Page(String),
    /// Past the deadline.
    #[error("took longer than {0:?}")]
    Timeout(Duration),
}

struct Devtools {
    to: std::io::PipeWriter,
    from: BufReader<std::io::PipeReader>,
    next: u64,
}

impl Devtools {
    /// Sends a command (to `session`, when given) and waits for its answer.
    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, ChromiumError> {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = msg.to_string().into_bytes();
        bytes.push(0);
        self.to
            .write_all(&bytes)
            .map_err(|e| ChromiumError::Protocol(e.to_string()))?;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let n = self
                .from
                .read_until(0, &mut buf)
                .map_err(|e| ChromiumError::Protocol(e.to_string()))?;
            if n == 0 {
                return Err(ChromiumError::Protocol("chromium closed the pipe".into()));
            }
            if buf.last() == Some(&0) {
                buf.pop();
            }
            let Ok(reply) = serde_json::from_slice::<Value>(&buf) else {
                continue;
            };
            if reply["id"].as_u64() != Some(id) {
                continue; // an event, or an answer to nothing we wait for
            }
            if let Some(e) = reply.get("error") {
                return Err(ChromiumError::Protocol(format!("{method}: {e}")));
            }
            return Ok(reply["result"].clone());
        }
    }
}

/// Waits until the page's root element carries `data-printed` (or `data-print-error`).
const WAIT_READY: &str = "new Promise((resolve, reject) => { (function check() { \
    const d = document.documentElement?.dataset ?? {}; \
    if (d.printError) reject(new Error(d.printError)); \
    else if (d.printed) resolve(d.printed); \
    else setTimeout(check, 50); })(); })";

/// Prints `page` (a file) to PDF with `chromium`, waiting at most `limit`.
pub fn print(
    chromium: &Path,
    profile: &Path,
    page: &Path,
    limit: Duration,
) -> Result<Vec<u8>, ChromiumError> {
    let (child_in, to) = std::io::pipe().map_err(|e| ChromiumError::Start(e.to_string()))?;
    let (from, child_out) = std::io::pipe().map_err(|e| ChromiumError::Start(e.to_string()))?;
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-sync",
        "--disable-component-update",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--remote-debugging-pipe",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    cmd.fd_mappings(vec![
        FdMapping {
            parent_fd: OwnedFd::from(child_in),
            child_fd: 3,
        },
        FdMapping {
            parent_fd: OwnedFd::from(child_out),
            child_fd: 4,
        },
    ])
    .map_err(|e| ChromiumError::Start(e.to_string()))?;
    let child = cmd
        .spawn()
        .map_err(|e| ChromiumError::Start(e.to_string()))?;
    // The command keeps the child's ends open in this process: drop them, so a dead Chromium
    // ends our reads.
    drop(cmd);
    let child = Arc::new(Mutex::new(child));
    let watchdog = {
        let child = child.clone();
        let deadline = Instant::now() + limit;
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = done.clone();
        std::thread::spawn(move || {
            while Instant::now() < deadline {
                if flag.load(std::sync::atomic::Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            if let Ok(mut c) = child.lock() {
                let _ = c.kill();
            }
        });
        done
    };
    let started = Instant::now();
    let mut tools = Devtools {
        to,
        from: BufReader::new(from),
        next: 0,
    };
    let result = drive(&mut tools, page);
    watchdog.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = tools.call(None, "Browser.close", json!({}));
    drop(tools);
    finish(&child);
    match result {
        Err(ChromiumError::Protocol(_)) if started.elapsed() >= limit => {
            Err(ChromiumError::Timeout(limit))
        }
        other => other,
    }
}

fn finish(child: &Arc<Mutex<Child>>) {
    if let Ok(mut c) = child.lock() {
        for _ in 0..50 {
            if matches!(c.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = c.kill();
        let _ = c.wait();
    }
}

fn drive(tools: &mut Devtools, page: &Path) -> Result<Vec<u8>, ChromiumError> {
    let target = tools.call(None, "Target.createTarget", json!({ "url": "about:blank" }))?;
    let target_id = target["targetId"].as_str().unwrap_or_default().to_owned();
    let attached = tools.call(
        None,
        "Target.attachToTarget",
        json!({ "targetId": target_id, "flatten": true }),
    )?;
    let session = attached["sessionId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let s = Some(session.as_str());
    tools.call(s, "Page.enable", json!({}))?;
    tools.call(
        s,
        "Page.navigate",
        json!({ "url": format!("file://{}", page.display()) }),
    )?;
    // The navigation may still be replacing about:blank: ask again until the page answers.
    let mut ready = None;
    for _ in 0..100 {
        let r = tools.call(
            s,
            "Runtime.evaluate",
            json!({ "expression": WAIT_READY, "awaitPromise": true, "returnByValue": true }),
        );
        match r {
            Ok(v) if v.get("exceptionDetails").is_some() => {
                let text = v["exceptionDetails"]["exception"]["description"]
                    .as_str()
                    .unwrap_or("exception")
                    .to_owned();
                if text.contains("destroyed") {
                    continue;
                }
                return Err(ChromiumError::Page(text));
            }
            Ok(v) => {
                ready = Some(v);
                break;
            }
            Err(ChromiumError::Protocol(e)) if e.contains("destroyed") => {}
            Err(e) => return Err(e),
        }
    }
    if ready.is_none() {
        return Err(ChromiumError::Protocol(
            "the page never became ready".into(),
        ));
    }
    let pdf = tools.call(
        s,
        "Page.printToPDF",
        json!({ "preferCSSPageSize": true, "printBackground": true,
                "displayHeaderFooter": false, "transferMode": "ReturnAsBase64" }),
    )?;
    base64::engine::general_purpose::STANDARD
        .decode(pdf["data"].as_str().unwrap_or_default())
        .map_err(|e| ChromiumError::Protocol(e.to_string()))
}
