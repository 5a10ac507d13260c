//! The site inspection's campaign statistics (`GET /v1/inspections/stats`): places inspected
//! by type, hazards found, rectified and overdue, per station and team. Read from the facts
//! the index keeps beside each inspection's row (`form_facts`, written by the form's
//! `abjuan_shared::forms::Form::facts`), so no document is loaded; aggregated by the form's
//! own code in `shared`.

use super::figures::{Frame, Sql};
use crate::store::StoreError;

/// The form whose records these statistics count.
pub const FORM: &str = "site_inspection/v1";

/// The statement selecting the facts of the inspections in `frame` (the caller's reach, a
/// station, months of the inspection).
#[must_use]
pub fn facts_sql(frame: &Frame) -> Sql {
    let mut sql = Sql {
        text: String::new(),
        args: Vec::new(),
    };
    let mut mark = |v: &str| {
        sql.args.push(v.to_owned());
        format!("?{}", sql.args.len())
    };
    let mut conds = vec![format!("d.form_type = {}", mark(FORM))];
    conds.push("d.form_facts IS NOT NULL".to_owned());
    if !frame.reach.all {
        let reach =
            super::figures::reach_condition(&frame.reach.stations, &frame.reach.ids, |v| mark(v));
        conds.push(reach);
    }
    for (expr, val) in [
        ("d.station = ", &frame.station),
        ("d.month >= ", &frame.from),
        ("d.month <= ", &frame.to),
    ] {
        if let Some(v) = val {
            let m = mark(v);
            conds.push(format!("{expr}{m}"));
        }
    }
    sql.text = format!(
        "SELECT d.form_facts FROM dossiers d WHERE {} ORDER BY d.reported_at, d.id",
        conds.join(" AND ")
    );
    sql
}

/// The facts of the inspections in `frame`, as stored (JSON text each).
pub fn facts(store: &dyn crate::store::Store, frame: &Frame) -> Result<Vec<String>, StoreError> {
    store.form_facts(&facts_sql(frame))
}
