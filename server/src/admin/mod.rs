//! Administration: ONE service ([`Admin`]) for every administrative operation (bureaus,
//! stations, people and roles, enrolment codes and devices, shares, the audit log, the
//! bureaus' warning rule sets), called by
//! both faces: the `abjuan admin` command ([`cli`]: an operator at the server's files, any
//! bureau) and the admin API under `/v1/admin/` ([`routes`]: a bureau supervisor, their own
//! bureau only). The service checks the right (the policy's [`Action::Administer`], or
//! [`Action::Share`] for a dossier), confines an API caller to their bureau (a person, device
//! or station of another bureau is answered as one that does not exist), performs the change
//! and records it in the audit log: the audit events of administration are built here and
//! nowhere else. Methods block (SQLite): call them from a blocking thread in async code.

use std::sync::Arc;

use abjuan_shared::access::{allowed, bureau_relation, Action, Role};
use abjuan_shared::warning::RulesError;
use serde_json::json;

use crate::audit::{AuditError, AuditEvent, AuditKind, AuditLog};
use crate::auth::{AccountStore, AuthError, Caller, Person};
use crate::rules::{RuleBook, RuleStore, RuleStoreError};

mod accounts;
mod audit;
pub mod cli;
pub mod routes;
mod rules;

use crate::clock::now_ms;
pub use accounts::NewPerson;
pub use rules::{ListedRuleSet, Retired};

/// Who the audit log names for changes made with `abjuan admin`.
pub const CLI_OPERATOR: &str = "admin-cli";

/// Who performs an operation.
#[derive(Debug, Clone, Copy)]
pub enum Operator<'a> {
    /// An operator at the server's files (`abjuan admin`): every bureau; recorded as
    /// [`CLI_OPERATOR`].
    Cli,
    /// An authenticated caller of the admin API: their own bureau, when the policy lets them
    /// administer it; recorded as their person and device.
    Caller(&'a Caller),
}

impl<'a> Operator<'a> {
    /// The bureau the operator is confined to (`None`: every bureau).
    #[must_use]
    pub fn scope(&self) -> Option<&'a str> {
        match self {
            Operator::Cli => None,
            Operator::Caller(c) => Some(&c.bureau),
        }
    }

    /// Who did it, as the audit log names them.
    fn stamp(&self, event: AuditEvent) -> AuditEvent {
        match self {
            Operator::Cli => event.by(CLI_OPERATOR, None),
            Operator::Caller(c) => event.by(&c.person, Some(&c.device)),
        }
    }
}

/// Why an administrative operation failed. [`AdminError::code`] is the stable code (the same
/// row of `crate::error`'s table the API answers with).
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The caller's role may not do this (recorded as `access_denied`).
    #[error("your role may not do this")]
    Forbidden,
    /// The account store refused or failed.
    #[error("{0}")]
    Account(#[from] AuthError),
    /// The audit log failed (the operation is not confirmed).
    #[error("the audit log failed: {0}")]
    Audit(#[from] AuditError),
    /// A rule set did not pass the checks.
    #[error("{0}")]
    Rules(RulesError),
    /// The rule store refused or failed.
    #[error("{0}")]
    RuleStore(RuleStoreError),
}

impl AdminError {
    /// A stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            AdminError::Forbidden => "forbidden",
            AdminError::Account(e) => e.code(),
            AdminError::Audit(_) => "storage",
            AdminError::Rules(e) => e.code(),
            AdminError::RuleStore(e) => e.code(),
        }
    }

    /// What exactly is wrong, for the one who made the mistake: why a rule set was refused
    /// (its own text, safe to show its author). `None` for every other error.
    #[must_use]
    pub fn detail(&self) -> Option<String> {
        match self {
            AdminError::Rules(e) => Some(e.to_string()),
            _ => None,
        }
    }
}

/// The admin service over the account store, the audit log and the rule store.
pub struct Admin {
    accounts: Arc<dyn AccountStore>,
    audit: Arc<AuditLog>,
    rules: Arc<dyn RuleStore>,
    book: Option<Arc<RuleBook>>,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin").finish_non_exhaustive()
    }
}

/// A role by its code, or `invalid_argument` naming the codes.
pub fn parse_role(code: &str) -> Result<Role, AdminError> {
    Role::from_code(code).ok_or(AdminError::Account(AuthError::Invalid(
        "role: one of officer, auxiliary, station_chief, bureau_supervisor, partner_mediator",
    )))
}

impl Admin {
    /// The service over `accounts`, `audit` and `rules`.
    #[must_use]
    pub fn new(
        accounts: Arc<dyn AccountStore>,
        audit: Arc<AuditLog>,
        rules: Arc<dyn RuleStore>,
    ) -> Self {
        Self {
            accounts,
            audit,
            rules,
            book: None,
        }
    }

    /// The same service, refreshing the server's rule `book` after every rule-set change (so
    /// the new current version is used at once, and the book's subscribers hear of it).
    #[must_use]
    pub fn with_book(mut self, book: Arc<RuleBook>) -> Self {
        self.book = Some(book);
        self
    }

    /// Appends `event`, done by `op`. A failure is the operation's failure: an administrative
    /// change that cannot be recorded is not confirmed.
    fn record(&self, op: Operator<'_>, event: AuditEvent) -> Result<(), AdminError> {
        let event = op.stamp(event);
        self.audit.append(&event, now_ms()).map_err(|e| {
            tracing::error!(error = %e, kind = event.kind.code(), "audit append failed");
            AdminError::Audit(e)
        })?;
        Ok(())
    }

    /// Records that `caller` was refused `what` on `subject`.
    fn denied(&self, caller: &Caller, subject: &str, what: &str) {
        let event = AuditEvent::new(AuditKind::AccessDenied)
            .by(&caller.person, Some(&caller.device))
            .bureau(&caller.bureau)
            .subject(subject)
            .detail(json!({ "action": what, "role": caller.role.code() }));
        if let Err(e) = self.audit.append(&event, now_ms()) {
            tracing::error!(error = %e, "audit append failed");
        }
    }

    /// Whether `op` may administer `bureau` (`None`: the caller's own). The command line
    /// always may; an API caller when the policy gives their role [`Action::Administer`] over
    /// it (never in open demo mode). A refusal is recorded.
    fn authorise(
        &self,
        op: Operator<'_>,
        bureau: Option<&str>,
        what: &str,
    ) -> Result<(), AdminError> {
        let Operator::Caller(c) = op else {
            return Ok(());
        };
        let relation = bureau_relation(&c.bureau, bureau.unwrap_or(&c.bureau));
        if !c.demo && allowed(c.role, relation, Action::Administer) {
            Ok(())
        } else {
            self.denied(c, "admin", what);
            Err(AdminError::Forbidden)
        }
    }

    /// The person `id`, when `op` may see them (an API caller: people of their bureau only;
    /// anyone else is answered as not existing).
    fn person_in_scope(&self, op: Operator<'_>, id: &str) -> Result<Person, AdminError> {
        match self.accounts.person(id)? {
            Some(p) if op.scope().is_none_or(|b| b == p.bureau) => Ok(p),
            _ => Err(AuthError::NotFound("person").into()),
        }
    }
}
