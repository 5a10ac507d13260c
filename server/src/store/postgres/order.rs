//! Reads that see this node's earlier writes. Loads and catch-up reads run on pooled
//! connections beside the writer (they need not wait behind unrelated commits), but a read of
//! a dossier must see every write of it this node submitted before: a load must hold them, and
//! a catch-up that answers "nothing after your mark" must not miss a write still queued. So
//! every submitted batch gets a ticket (in the order it is queued), each dossier remembers the
//! ticket of its last batch, the writer publishes the last ticket it answered, and a read waits
//! until that covers its dossiers' tickets, usually at once (the previous request of a phone
//! was answered after its commit).

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::{mpsc, watch};

use super::writer::Msg;

/// Dossiers whose tickets are kept before the done ones are forgotten.
const KEEP: usize = 10_000;

/// The tickets of a node's writes.
#[derive(Debug)]
pub(super) struct Order {
    /// The next ticket and every dossier's last one (one lock: tickets are queued in order).
    queue: Mutex<(u64, HashMap<String, u64>)>,
    done: watch::Receiver<u64>,
}

impl Order {
    /// Tickets for a writer that publishes on `done`.
    pub(super) fn new(done: watch::Receiver<u64>) -> Self {
        Self {
            queue: Mutex::new((0, HashMap::new())),
            done,
        }
    }

    /// Queues `ops` to the writer with the next ticket.
    pub(super) fn send(
        &self,
        tx: &mpsc::UnboundedSender<Msg>,
        ops: Vec<crate::store::WriteOp>,
        reply: tokio::sync::oneshot::Sender<
            Result<crate::store::Written, crate::store::StoreError>,
        >,
    ) {
        let mut q = self
            .queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        q.0 += 1;
        let ticket = q.0;
        if q.1.len() > KEEP {
            let done = *self.done.borrow();
            q.1.retain(|_, t| *t > done);
        }
        for op in &ops {
            if let Some(d) = super::writer::op_dossier(op) {
                q.1.insert(d.to_owned(), ticket);
            }
        }
        // Fails only when the writer has gone; the caller's receiver then reports it closed.
        let _ = tx.send(Msg { ops, reply, ticket });
    }

    /// Waits until every write of `dossiers` queued so far has been answered.
    pub(super) async fn settled(&self, dossiers: impl Iterator<Item = &str>) {
        let needed = {
            let q = self
                .queue
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            dossiers.filter_map(|d| q.1.get(d)).copied().max()
        };
        if let Some(needed) = needed {
            let mut done = self.done.clone();
            let _ = done.wait_for(|d| *d >= needed).await;
        }
    }
}
