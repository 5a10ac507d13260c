//! The `abjuan` command line: `serve`, `init`, `validate FILE`, `demo-sync`. Every option of
//! `serve` can also come from an environment variable (`ABJUAN_*`).

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::http::{routes, AppState};
use crate::store::sqlite::SqliteStore;
use crate::sync::{Engine, Limits};

/// abjuan (AB卷): the offline-first sync server for dispute-resolution dossiers.
#[derive(Debug, Parser)]
#[command(name = "abjuan", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the sync server (prints `listening on http://HOST:PORT` once ready).
    Serve(ServeArgs),
    /// Create (or migrate) the data directory and its database, then exit.
    Init {
        /// Data directory.
        #[arg(long, env = "ABJUAN_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
    },
    /// Validate a dossier JSON file: prints the report; exit code 1 when invalid.
    Validate {
        /// The dossier JSON file (`-` for standard input).
        file: PathBuf,
        /// Message language: zh or en.
        #[arg(long, default_value = "zh")]
        lang: String,
    },
    /// Create a dossier offline as a simulated phone, sync it to a running server, and print
    /// what the server answered (a first sync to copy).
    DemoSync {
        /// The server.
        #[arg(long, env = "ABJUAN_URL", default_value = "http://127.0.0.1:8080")]
        url: String,
        /// Device id to send.
        #[arg(long, default_value = "demo-phone")]
        device: String,
    },
}

/// Options of `serve`.
#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "ABJUAN_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Data directory (the SQLite file `abjuan.db` lives here; created when missing).
    #[arg(long, env = "ABJUAN_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Directory served at /web/ (the web form).
    #[arg(long, env = "ABJUAN_WEB_DIR", default_value = "wasm-forms/web")]
    pub web_dir: PathBuf,
    /// Directory served at /pkg/ (the wasm-bindgen output).
    #[arg(long, env = "ABJUAN_PKG_DIR", default_value = "wasm-forms/pkg-web")]
    pub pkg_dir: PathBuf,
    /// Memory budget of the document cache, in MiB.
    #[arg(long, env = "ABJUAN_CACHE_MB", default_value_t = 256)]
    pub cache_mb: usize,
    /// Largest request body, in MiB (before and after decompression).
    #[arg(long, env = "ABJUAN_MAX_BODY_MB", default_value_t = 16)]
    pub max_body_mb: usize,
    /// Largest stored size of one document, in MiB.
    #[arg(long, env = "ABJUAN_MAX_DOC_MB", default_value_t = 16)]
    pub max_doc_mb: usize,
    /// Request timeout, in seconds.
    #[arg(long, env = "ABJUAN_TIMEOUT_SECS", default_value_t = 30)]
    pub timeout_secs: u64,
    /// Compact a document into a snapshot after this many stored changes.
    #[arg(long, env = "ABJUAN_COMPACT_AFTER", default_value_t = 200)]
    pub compact_after: usize,
}

/// Runs the command line; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Serve(args) => match serve(&args) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("abjuan: {e}");
                2
            }
        },
        Command::Init { data_dir } => match SqliteStore::open(&data_dir) {
            Ok(_) => {
                println!("initialised {}", data_dir.join("abjuan.db").display());
                0
            }
            Err(e) => {
                eprintln!("abjuan: cannot initialise {}: {e}", data_dir.display());
                2
            }
        },
        Command::Validate { file, lang } => validate(&file, &lang),
        Command::DemoSync { url, device } => demo_sync(&url, &device),
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ABJUAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,warp=warn,hyper=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn serve(args: &ServeArgs) -> Result<(), String> {
    init_tracing();
    let store = SqliteStore::open(&args.data_dir).map_err(|e| format!("store: {e}"))?;
    let limits = Limits {
        max_doc_bytes: args.max_doc_mb * 1024 * 1024,
        compact_after: args.compact_after.max(1),
        ..Limits::default()
    };
    let engine = Arc::new(Engine::new(
        Arc::new(store),
        args.cache_mb * 1024 * 1024,
        limits,
    ));
    let state = AppState {
        engine,
        max_body_bytes: args.max_body_mb * 1024 * 1024,
        timeout: Duration::from_secs(args.timeout_secs.max(1)),
        web_dir: args.web_dir.clone(),
        pkg_dir: args.pkg_dir.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        println!("listening on http://{addr}");
        let _ = std::io::stdout().flush();
        tracing::info!(%addr, data_dir = %args.data_dir.display(), "serving");
        warp::serve(routes(state))
            .incoming(listener)
            .graceful(shutdown_signal())
            .run()
            .await;
        tracing::info!("stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("shutting down: finishing requests in flight");
}

fn validate(file: &std::path::Path, lang: &str) -> i32 {
    let text = if file.as_os_str() == "-" {
        let mut s = String::new();
        match std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
            Ok(_) => s,
            Err(e) => {
                eprintln!("abjuan: cannot read standard input: {e}");
                return 2;
            }
        }
    } else {
        match std::fs::read_to_string(file) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("abjuan: cannot read {}: {e}", file.display());
                return 2;
            }
        }
    };
    let locale = if lang == "en" {
        abjuan_shared::Locale::En
    } else {
        abjuan_shared::Locale::Zh
    };
    let opts =
        abjuan_shared::ValidateOptions::new(chrono::Utc::now().fixed_offset()).locale(locale);
    let (report, dossier) = abjuan_shared::validate_json(&text, &opts);
    let grade = dossier.as_ref().map(|d| abjuan_shared::grade(d, None));
    let out = serde_json::json!({ "report": report, "grade": grade });
    println!(
        "{}",
        serde_json::to_string_pretty(&out).unwrap_or_else(|_| "{}".into())
    );
    i32::from(!report.valid)
}

fn demo_sync(url: &str, device: &str) -> i32 {
    let mut phone = crate::client::Phone::new(url, device);
    let id = uuid::Uuid::now_v7().to_string();
    let dossier = crate::client::sample_dossier(
        &id,
        "yongji-puzhou",
        "neighbour",
        "邻里因楼道堆放杂物发生口角。",
    );
    if let Err(e) = phone.create(&dossier) {
        eprintln!("abjuan: {e}");
        return 2;
    }
    println!("created dossier {id} offline on phone {device}");
    match phone.sync(std::slice::from_ref(&id)) {
        Ok(out) => {
            println!(
                "synced in {} round trip(s): the server took {} new change(s)",
                out.round_trips, out.applied
            );
            if let Some(reply) = out.last {
                if let Some(d) = reply.dossiers.get(&id) {
                    println!(
                        "server's view: valid={} level={}",
                        d.pointer("/report/valid")
                            .unwrap_or(&serde_json::Value::Null),
                        d.pointer("/grade/level")
                            .unwrap_or(&serde_json::Value::Null)
                    );
                }
            }
            println!("read it back: curl {url}/v1/dossiers/{id}");
            i32::from(!out.errors.is_empty())
        }
        Err(e) => {
            eprintln!("abjuan: sync failed: {e}");
            2
        }
    }
}
