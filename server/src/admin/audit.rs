//! The audit-log operations of the admin service: reading rows, exporting them (itself
//! recorded), verifying the hash chain. An API caller reads their bureau's rows only.

use std::io::Write;

use serde_json::json;

use super::{Admin, AdminError, Operator};
use crate::audit::{AuditEvent, AuditFilter, AuditKind, AuditRecord, ChainCheck};

impl Admin {
    /// Rows matching `filter`, oldest first (an API caller: their bureau's only).
    pub fn audit_rows(
        &self,
        op: Operator<'_>,
        mut filter: AuditFilter,
    ) -> Result<Vec<AuditRecord>, AdminError> {
        self.authorise(op, None, "read_audit")?;
        if let Some(own) = op.scope() {
            filter.bureau = Some(own.to_owned());
        }
        Ok(self.audit.read(&filter)?)
    }

    /// Writes every row of `bureau` (`None`: the API caller's own, or every row) to `out` as
    /// JSON lines; the export is itself recorded. Returns how many rows.
    pub fn export_audit(
        &self,
        op: Operator<'_>,
        bureau: Option<&str>,
        out: &mut dyn Write,
    ) -> Result<u64, AdminError> {
        self.authorise(op, bureau, "export_audit")?;
        let bureau = bureau.or(op.scope()).map(str::to_owned);
        let filter = AuditFilter {
            bureau: bureau.clone(),
            ..AuditFilter::default()
        };
        let n = self.audit.export_jsonl(&filter, out)?;
        let mut event =
            AuditEvent::new(AuditKind::Export).detail(json!({"what": "audit", "rows": n}));
        if let Some(b) = &bureau {
            event = event.bureau(b);
        }
        self.record(op, event)?;
        Ok(n)
    }

    /// Recomputes the whole hash chain.
    pub fn verify_audit(&self, op: Operator<'_>) -> Result<ChainCheck, AdminError> {
        self.authorise(op, None, "verify_audit")?;
        Ok(self.audit.verify()?)
    }
}
