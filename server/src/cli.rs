//! The `abjuan` command line: `serve`, `init`, `validate FILE`, `demo-sync`, and `admin …`
//! (accounts, devices, shares, audit: [`crate::admin::cli`]). Every option of `serve` can also
//! come from an environment variable (`ABJUAN_*`).

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::admin::Admin;
use crate::auth::gate::Limits as GateLimits;
use crate::auth::{Gate, HashCost};
use crate::backend::{admin_stores, dossier_store, Place};
use crate::http::{routes, AppState};
use crate::rules::RuleBook;
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
    /// Create (or migrate) the data directory and its databases (or the PostgreSQL
    /// database of `--database-url`), then exit.
    Init {
        /// Data directory.
        #[arg(long, env = "ABJUAN_DATA_DIR", default_value = "./data")]
        data_dir: PathBuf,
        /// Keep everything in this PostgreSQL database instead
        /// (`postgres://user@host:port/dbname`).
        #[arg(long, env = "ABJUAN_DATABASE_URL")]
        database_url: Option<String>,
    },
    /// Validate a dossier JSON file: prints the report; exit code 1 when invalid.
    Validate {
        /// The dossier JSON file (`-` for standard input).
        file: PathBuf,
        /// Message language: zh or en.
        #[arg(long, default_value = "zh")]
        lang: String,
        /// Grade (and validate) with this rule-set file too (`{"rules": [...]}`, as
        /// `abjuan admin rules add` takes it): try a bureau's rules before publishing them.
        #[arg(long)]
        rules: Option<PathBuf>,
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
        /// Device credential (`abjd_…`); none needed while the server is in demo mode.
        #[arg(long, env = "ABJUAN_TOKEN")]
        token: Option<String>,
        /// Station code of the demo dossier (the demo page starts in the same station).
        #[arg(long, default_value = crate::client::DEMO_STATION)]
        station: String,
    },
    /// Accounts, devices, shares and the audit log (works while the server runs).
    Admin(crate::admin::cli::AdminArgs),
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
    /// Keep everything in this PostgreSQL database instead of the data directory
    /// (`postgres://user[:password]@host[:port]/dbname`): several nodes may share it.
    #[arg(long, env = "ABJUAN_DATABASE_URL")]
    pub database_url: Option<String>,
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
    /// TLS certificate chain (PEM); with `--tls-key`, the server speaks HTTPS only.
    #[arg(long, env = "ABJUAN_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "ABJUAN_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Allow plain HTTP on a non-loopback address (behind a TLS-terminating proxy).
    #[arg(long, env = "ABJUAN_ALLOW_PLAIN_HTTP")]
    pub allow_plain_http: bool,
    /// Requests a device may burst.
    #[arg(long, env = "ABJUAN_RATE_BURST", default_value_t = 600)]
    pub rate_burst: u32,
    /// Requests per second a device may sustain.
    #[arg(long, env = "ABJUAN_RATE_PER_SECOND", default_value_t = 20.0)]
    pub rate_per_second: f64,
    /// Failed credentials or enrolment codes one address may burst before it must wait (a
    /// contract test's probes of bad credentials come from one address).
    #[arg(long, env = "ABJUAN_AUTH_FAILURE_BURST", default_value_t = 20)]
    pub auth_failure_burst: u32,
    /// Never enter open demo mode, even with no accounts yet.
    #[arg(long, env = "ABJUAN_NO_DEMO")]
    pub no_demo: bool,
    /// An origin (`https://host[:port]`) whose pages may call the server from a browser
    /// (CORS, for embedding the form); repeatable, or comma-separated in the environment.
    /// None by default.
    #[arg(
        long = "allow-origin",
        value_name = "ORIGIN",
        env = "ABJUAN_ALLOW_ORIGIN",
        value_delimiter = ','
    )]
    pub allow_origin: Vec<String>,
    /// Attachments: size and daily limits, how long unreferenced ones are kept.
    #[command(flatten)]
    pub blobs: crate::blobs::BlobArgs,
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
        Command::Init {
            data_dir,
            database_url,
        } => init(&data_dir, database_url.as_deref()),
        Command::Validate { file, lang, rules } => validate(&file, &lang, rules.as_deref()),
        Command::DemoSync {
            url,
            device,
            token,
            station,
        } => demo_sync(&url, &device, token.as_deref(), &station),
        Command::Admin(args) => crate::admin::cli::run(args),
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
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(crate::tls::load_config(cert, key)?),
        _ => None,
    };
    if tls.is_none() && !crate::tls::plain_http_allowed(&args.listen, args.allow_plain_http) {
        return Err(format!(
            "refusing plain HTTP on {} (not loopback): give --tls-cert and --tls-key, or \
             --allow-plain-http behind a TLS-terminating proxy",
            args.listen
        ));
    }
    let cors = crate::http::cors::AllowedOrigins::parse(&args.allow_origin)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    runtime.block_on(async move {
        // Opened inside the runtime: a PostgreSQL store's writer and listener run on it.
        let place = Place::new(&args.data_dir, args.database_url.as_deref())?;
        let store = dossier_store(&place).await?;
        let (accounts, audit, rule_store) = admin_stores(&place, HashCost::default())?;
        let demo_allowed = !args.no_demo && args.listen.ip().is_loopback();
        let no_accounts = accounts.is_empty().map_err(|e| format!("accounts: {e}"))?;
        let rules = Arc::new(RuleBook::load(rule_store).map_err(|e| format!("rules: {e}"))?);
        let admin = Arc::new(
            Admin::new(accounts.clone(), audit.clone(), rules.store().clone())
                .with_book(rules.clone()),
        );
        let gate = Arc::new(Gate::new(
            accounts,
            audit,
            GateLimits {
                burst: args.rate_burst,
                per_second: args.rate_per_second,
                failures_burst: args.auth_failure_burst,
                ..GateLimits::default()
            },
            demo_allowed,
        ));
        let limits = Limits {
            max_doc_bytes: args.max_doc_mb * 1024 * 1024,
            compact_after: args.compact_after.max(1),
            ..Limits::default()
        };
        // Attachment bytes: files under the data directory in the SQLite mode; rows of chunks
        // in the shared database in the PostgreSQL mode, so every node sees every blob (the
        // references that decide who may read them are in the dossier store either way).
        let blob_store: Arc<dyn crate::blobs::BlobStore> = match &place {
            Place::Dir(_) => Arc::new(
                crate::blobs::FsBlobStore::open(&args.data_dir)
                    .map_err(|e| format!("attachments: {e}"))?,
            ),
            Place::Postgres(db) => Arc::new(
                crate::blobs::PgBlobStore::open(db.clone())
                    .map_err(|e| format!("attachments: {e}"))?,
            ),
        };
        let blobs = Arc::new(crate::blobs::Blobs::new(
            blob_store,
            store.clone(),
            crate::blobs::Limits::from(&args.blobs),
        ));
        let engine = Arc::new(
            Engine::new(store, args.cache_mb * 1024 * 1024, limits).with_rules(rules.clone()),
        );
        let state = AppState {
            engine,
            max_body_bytes: args.max_body_mb * 1024 * 1024,
            timeout: Duration::from_secs(args.timeout_secs.max(1)),
            web_dir: args.web_dir.clone(),
            pkg_dir: args.pkg_dir.clone(),
            gate,
            admin,
            rules: rules.clone(),
            cors,
            blobs,
        };
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        println!("listening on {scheme}://{addr}");
        let _ = std::io::stdout().flush();
        if no_accounts && demo_allowed {
            eprintln!(
                "abjuan: no accounts yet: DEMO MODE. Requests from this machine without a \
                 credential act as a demo station chief of every station. Create accounts \
                 (`abjuan admin bureau add …`, see server/SECURITY.md) to end demo mode."
            );
        } else if no_accounts {
            eprintln!(
                "abjuan: no accounts yet: every protected request will be refused; create them \
                 with `abjuan admin …`"
            );
        }
        if state.engine.store.shared() {
            // Several nodes: index rows made from less than everything stored are made again,
            // and other nodes' notices bring cached dossiers up to date early.
            tokio::spawn(crate::sync::engine::follow_reindex(
                state.engine.clone(),
                state.gate.clone(),
            ));
            tokio::spawn(crate::sync::engine::follow_notices(state.engine.clone()));
        }
        tracing::info!(%addr, data = %place.describe(), "serving");
        // Rule sets published with `abjuan admin rules` from another process arrive within a
        // second (the admin API's own changes at once).
        tokio::spawn(rules.clone().follow(Duration::from_secs(1)));
        // A new current rule set re-grades the bureau's stored dossiers in the background.
        tokio::spawn(crate::sync::engine::follow_rules(
            state.engine.clone(),
            state.gate.clone(),
            rules,
        ));
        // Each day, records whose grade moves with the day alone (an inspection's deadline).
        tokio::spawn(crate::sync::engine::follow_calendar(state.engine.clone()));
        // The ledger columns of dossiers stored before them (or by an older derivation).
        let (engine, gate) = (state.engine.clone(), state.gate.clone());
        tokio::spawn(async move {
            let n = crate::report::backfill::run(engine, gate).await;
            if n > 0 {
                tracing::info!(dossiers = n, "ledger columns rebuilt");
            }
        });
        // Attachments no dossier references, after the grace period.
        tokio::spawn(crate::blobs::sweep::run(state.blobs.clone()));
        if !state.cors.is_empty() {
            tracing::info!(origins = ?state.cors.list(), "CORS: these origins may call the API");
        }
        let engine = state.engine.clone();
        crate::tls::serve(
            warp::service(routes(state)),
            listener,
            tls,
            shutdown_signal(),
        )
        .await;
        // Told to stop, with every request answered: the change tails of the dossiers cached
        // here folded into snapshots, so the next start loads them without replaying changes.
        // Bounded twice: between dossiers by the deadline, and as a whole, so that a store
        // that stopped answering (a database gone first) cannot hold the exit.
        let deadline = std::time::Instant::now() + FOLD_AT_STOP_FOR;
        let fold = engine.compact_tails(FOLD_AT_STOP_TAIL, deadline);
        let folded = tokio::time::timeout(FOLD_AT_STOP_FOR + Duration::from_secs(2), fold).await;
        tracing::info!(documents = folded.unwrap_or_default(), "stopped");
        Ok(())
    })
}

fn init(data_dir: &std::path::Path, database_url: Option<&str>) -> i32 {
    let opened = Place::new(data_dir, database_url).and_then(|place| {
        if let Place::Dir(dir) = &place {
            crate::store::sqlite::SqliteStore::open(dir).map_err(|e| format!("store: {e}"))?;
        }
        admin_stores(&place, HashCost::default())?;
        Ok(place)
    });
    match opened {
        Ok(Place::Dir(dir)) => {
            println!("initialised {}", dir.join("abjuan.db").display());
            0
        }
        Ok(place) => {
            println!("initialised {}", place.describe());
            0
        }
        Err(e) => {
            eprintln!("abjuan: cannot initialise: {e}");
            2
        }
    }
}

/// When stopping, documents with at least this many changes after their snapshot are
/// compacted ([`crate::sync::engine::Engine::compact_tails`])...
const FOLD_AT_STOP_TAIL: usize = 8;
/// ...for at most this long (a supervisor's stop timeout is commonly 30 s or more).
const FOLD_AT_STOP_FOR: Duration = Duration::from_secs(10);

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

fn validate(file: &std::path::Path, lang: &str, rules: Option<&std::path::Path>) -> i32 {
    let rule_set = match rules.map(std::fs::read_to_string).transpose() {
        Ok(text) => match text
            .as_deref()
            .map(abjuan_shared::RuleSet::from_json)
            .transpose()
        {
            Ok(set) => set,
            Err(e) => {
                eprintln!("abjuan: {}: {e}", e.code());
                return 2;
            }
        },
        Err(e) => {
            eprintln!("abjuan: cannot read the rules: {e}");
            return 2;
        }
    };
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
    let opts = abjuan_shared::ValidateOptions {
        local_rules: rule_set.as_ref(),
        ..abjuan_shared::ValidateOptions::new(crate::clock::now()).locale(locale)
    };
    // Any registered form: the file's `formType` picks the rules (an AB dossier when absent).
    let abjuan_shared::forms::Checked { report, grade, .. } =
        abjuan_shared::forms::check_text(&text, &opts);
    let out = serde_json::json!({ "report": report, "grade": grade });
    println!(
        "{}",
        serde_json::to_string_pretty(&out).unwrap_or_else(|_| "{}".into())
    );
    i32::from(!report.valid)
}

fn demo_sync(url: &str, device: &str, token: Option<&str>, station: &str) -> i32 {
    let mut phone = crate::client::Phone::new(url, device);
    if let Some(t) = token {
        phone.transport = phone.transport.clone().with_token(t);
    }
    let id = uuid::Uuid::now_v7().to_string();
    let dossier =
        crate::client::sample_dossier(&id, station, "neighbour", "邻里因楼道堆放杂物发生口角。");
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
            let auth = if token.is_some() {
                " -H \"Authorization: Bearer $ABJUAN_TOKEN\""
            } else {
                ""
            };
            println!("read it back: curl{auth} {url}/v1/dossiers/{id}");
            i32::from(!out.errors.is_empty())
        }
        Err(e) => {
            eprintln!("abjuan: sync failed: {e}");
            2
        }
    }
}
