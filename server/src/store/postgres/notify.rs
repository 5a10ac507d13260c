//! The listener: a dedicated connection (never a pooled one: a pooler in transaction mode
//! would silently drop the LISTEN) that hears the other nodes' `NOTIFY abjuan_dossiers` and
//! passes the dossier ids on. Notifications sent while it is disconnected are lost, which is
//! why they are only hints: it reconnects with a growing pause and goes on.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;
use tokio_postgres::AsyncMessage;

use super::db::{describe, Db};
use super::sql::CHANNEL;

/// Listens for as long as the process runs.
pub(super) async fn run(db: Arc<Db>, node: String, out: broadcast::Sender<String>) {
    let mut pause = Duration::from_millis(100);
    loop {
        match db.dedicated().await {
            Ok((client, mut messages)) => {
                if let Err(e) = client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
                    tracing::warn!(error = %describe(&e), "listener: LISTEN failed");
                } else {
                    tracing::debug!("listener: listening");
                    pause = Duration::from_millis(100);
                    while let Some(m) = messages.recv().await {
                        let AsyncMessage::Notification(n) = m else {
                            continue;
                        };
                        let Some((from, ids)) = n.payload().split_once(':') else {
                            continue;
                        };
                        if from == node {
                            continue;
                        }
                        for id in ids.split(',').filter(|s| !s.is_empty()) {
                            let _ = out.send(id.to_owned());
                        }
                    }
                    tracing::warn!("listener: connection lost; notifications meanwhile are lost");
                }
            }
            Err(e) => tracing::warn!(error = %describe(&e), "listener: cannot connect"),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}
