//! The connection to PostgreSQL that every store of a node shares ([`Db`]): the parsed
//! `--database-url`, a small pool (deadpool-postgres) for reads and the blocking stores
//! (accounts, rule sets, audit log), dedicated connections for the writer and the listener,
//! and the bridge from a blocking caller (`spawn_blocking`, the `abjuan admin` command) to the
//! async client. Which errors are worth a retry is decided here too.

use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::{Client, Config, NoTls};

use crate::store::StoreError;

/// Connections in the pool of one process.
const POOL_SIZE: usize = 16;

/// A node's way to its PostgreSQL database.
pub struct Db {
    config: Config,
    pool: Pool,
    /// A runtime of our own when opened outside one (the command line).
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("hosts", &self.config.get_hosts().len())
            .field("dbname", &self.config.get_dbname())
            .finish_non_exhaustive()
    }
}

/// The text of a PostgreSQL error for the log: SQLSTATE and message, or what went wrong on
/// the way.
#[must_use]
pub fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

/// Whether trying the same transaction again may succeed: a lost connection (the outcome of
/// a COMMIT it was waiting for is unknown; every write is safe to repeat), a deadlock or a
/// serialisation failure, a unique key taken by a concurrent transaction, a server shutting
/// down.
#[must_use]
pub fn retryable(e: &tokio_postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.as_db_error() {
        Some(db) => matches!(
            db.code().code(),
            "40001" | "40P01" | "23505" | "55P03" | "57P01" | "57P02" | "57P03" | "08006" | "08003"
        ),
        // Not an answer of the server: IO on the way.
        None => e.code().is_none(),
    }
}

impl Db {
    /// Parses `url` (`postgres://user[:password]@host[:port]/dbname[?options]`) and makes the
    /// pool; no connection is made yet. Outside a tokio runtime, the `Db` brings its own.
    pub fn open(url: &str) -> Result<Arc<Self>, StoreError> {
        let mut config =
            Config::from_str(url).map_err(|e| StoreError::Other(format!("--database-url: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("abjuan");
        let runtime = match tokio::runtime::Handle::try_current() {
            Ok(_) => None,
            Err(_) => Some(
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| StoreError::Other(e.to_string()))?,
            ),
        };
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(15)))
            .build()
            .map_err(|e| StoreError::Other(e.to_string()))?;
        Ok(Arc::new(Self {
            config,
            pool,
            runtime,
        }))
    }

    /// A pooled connection.
    pub async fn pooled(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Backend(e) => StoreError::from(e),
            other => StoreError::Database(other.to_string()),
        })
    }

    /// A connection of its own (the writer's, the listener's), its IO driven by a task of the
    /// current runtime; the receiver yields what the server sends unasked (notifications).
    pub async fn dedicated(
        &self,
    ) -> Result<
        (
            Client,
            tokio::sync::mpsc::UnboundedReceiver<tokio_postgres::AsyncMessage>,
        ),
        tokio_postgres::Error,
    > {
        let (client, mut connection) = self.config.connect(NoTls).await?;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(m) = futures_util::StreamExt::next(&mut messages).await {
                match m {
                    Ok(m) => {
                        let _ = tx.send(m);
                    }
                    Err(e) => {
                        tracing::debug!(error = %describe(&e), "dedicated connection ended");
                        break;
                    }
                }
            }
        });
        Ok((client, rx))
    }

    /// Runs `f` to completion for a blocking caller: a thread of `spawn_blocking`, a worker of
    /// the multi-threaded runtime (in place), or the command line (our own runtime).
    pub fn block<F: Future>(&self, f: F) -> F::Output {
        if let Some(rt) = &self.runtime {
            return rt.block_on(f);
        }
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => tokio::task::block_in_place(move || handle.block_on(f)),
            Err(_) => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map(|rt| rt.block_on(f))
                .unwrap_or_else(|e| panic!("no runtime for a PostgreSQL call: {e}")),
        }
    }
}
