//! `abjuan-server`: the sync server for AB dossiers. warp HTTP ([`http`]), the sync engine
//! ([`sync`]), the bounded document cache ([`cache`]), storage behind a trait ([`store`]), the
//! error-code table ([`error`]), accounts and access ([`auth`]), administration ([`admin`]: one
//! service behind `abjuan admin` and the admin API), bureau warning rule sets ([`rules`]), the
//! audit log ([`audit`]), attachment bytes ([`blobs`]), the station's outputs (figures, ledger, print: [`report`]),
//! metrics, the command line ([`cli`]), serving with or without TLS ([`tls`]) and a phone-side
//! client ([`client`]) used by `abjuan demo-sync`, the load program and the end-to-end tests.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod backend;
pub mod blobs;
pub mod cache;
pub mod cli;
pub mod client;
pub mod clock;
pub mod error;
pub mod http;
pub mod local_server;
pub mod metrics;
pub mod report;
pub mod rules;
pub mod store;
pub mod sync;
pub mod tls;
