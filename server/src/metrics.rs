//! Prometheus metrics, kept by hand (a few atomics): sync requests, documents and changes
//! applied, errors by code, and a latency histogram of sync requests.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0,
];

/// The server's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    sync_requests: AtomicU64,
    sync_errors: AtomicU64,
    docs_synced: AtomicU64,
    changes_applied: AtomicU64,
    fallbacks: AtomicU64,
    latency_buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_us: AtomicU64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    catch_ups: AtomicU64,
    caught_up_changes: AtomicU64,
}

impl Metrics {
    /// Counts one sync request and its latency.
    pub fn sync_done(&self, took: Duration, ok: bool) {
        self.sync_requests.fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.sync_errors.fetch_add(1, Ordering::Relaxed);
        }
        let secs = took.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.latency_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_us.fetch_add(
            u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Counts synced documents and applied changes.
    pub fn docs(&self, docs: u64, changes: u64, fallbacks: u64) {
        self.docs_synced.fetch_add(docs, Ordering::Relaxed);
        self.changes_applied.fetch_add(changes, Ordering::Relaxed);
        self.fallbacks.fetch_add(fallbacks, Ordering::Relaxed);
    }

    /// Counts a document cache lookup.
    pub fn cache(&self, hit: bool) {
        if hit {
            self.cache_hits.fetch_add(1, Ordering::Relaxed);
        } else {
            self.cache_misses.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts a cached dossier brought up to date with what another node stored: `changes`
    /// applied (0: loaded again after another node's compaction).
    pub fn caught_up(&self, changes: usize) {
        self.catch_ups.fetch_add(1, Ordering::Relaxed);
        self.caught_up_changes
            .fetch_add(changes as u64, Ordering::Relaxed);
    }

    /// The Prometheus text exposition. `gauges` are extra `(name, help, value)` lines.
    #[must_use]
    pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
        let mut out = String::new();
        let counter = |out: &mut String, name: &str, help: &str, v: &AtomicU64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            let _ = writeln!(out, "{name} {}", v.load(Ordering::Relaxed));
        };
        counter(
            &mut out,
            "abjuan_sync_requests_total",
            "Sync requests answered.",
            &self.sync_requests,
        );
        counter(
            &mut out,
            "abjuan_sync_errors_total",
            "Sync requests answered with an error.",
            &self.sync_errors,
        );
        counter(
            &mut out,
            "abjuan_sync_docs_total",
            "Documents synced.",
            &self.docs_synced,
        );
        counter(
            &mut out,
            "abjuan_changes_applied_total",
            "Changes new to the server, applied and stored.",
            &self.changes_applied,
        );
        counter(
            &mut out,
            "abjuan_sync_fallbacks_total",
            "Documents synced with the generic sync protocol.",
            &self.fallbacks,
        );
        counter(
            &mut out,
            "abjuan_catch_ups_total",
            "Cached dossiers brought up to date with what another node stored.",
            &self.catch_ups,
        );
        counter(
            &mut out,
            "abjuan_caught_up_changes_total",
            "Changes another node stored, applied to this node's cached dossiers.",
            &self.caught_up_changes,
        );
        counter(
            &mut out,
            "abjuan_doc_cache_hits_total",
            "Document cache hits.",
            &self.cache_hits,
        );
        counter(
            &mut out,
            "abjuan_doc_cache_misses_total",
            "Document cache misses (loads from the store).",
            &self.cache_misses,
        );
        let name = "abjuan_sync_request_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Sync request latency.\n# TYPE {name} histogram"
        );
        for (i, bound) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "{name}_bucket{{le=\"{bound}\"}} {}",
                self.latency_buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        #[allow(clippy::cast_precision_loss)]
        let sum = self.latency_sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
        for (name, help, v) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        out
    }
}
