//! The AB dossier (`ab_dossier/v1`) as a registered form: the model in [`crate::model`], the
//! rules in [`crate::validate`], the grade in [`crate::warning`], the schema in
//! [`crate::schema`] and the shape in [`crate::doc::shape`].

use serde_json::Value;

use super::{Checked, Form, Listing};
use crate::doc::shape::{self, Shape};
use crate::model::{Labelled, Status, FORM_TYPE};
use crate::validate::ValidateOptions;
use crate::Locale;

/// The AB dossier form.
#[derive(Debug, Clone, Copy)]
pub struct AbDossier;

fn text(json: &Value, pointer: &str) -> String {
    json.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

impl Form for AbDossier {
    fn code(&self) -> &'static str {
        FORM_TYPE
    }

    fn lifecycle(&self, status: &str) -> Option<crate::model::Status> {
        <crate::model::Status as crate::model::Labelled>::from_code(status)
    }

    fn label(&self, locale: Locale) -> &'static str {
        locale.pick("矛盾纠纷化解AB卷", "AB dossier (dispute resolution)")
    }

    fn check(&self, json: &str, opts: &ValidateOptions<'_>) -> Checked {
        graded(crate::validate_json(json, opts), opts)
    }

    fn check_value(&self, json: &Value, opts: &ValidateOptions<'_>) -> Checked {
        graded(crate::validate::validate_value(json, opts), opts)
    }

    fn normalize(&self, json: &str) -> Result<Value, serde_json::Error> {
        serde_json::to_value(crate::parse_dossier(json)?)
    }

    fn schema(&self, locale: Locale) -> Value {
        crate::schema::dossier_schema(locale)
    }

    fn shape(&self) -> &'static Shape {
        &shape::AB_DOSSIER
    }

    fn listing(&self, json: &Value) -> Listing {
        let status_code = text(json, "/header/status");
        let status = Status::from_code(&status_code);
        let referral = json.pointer("/volumeA/closure/referralTarget").is_some();
        let outcome = match status {
            Some(Status::Resolved | Status::FollowUp) => "resolved",
            Some(Status::Referred) => "referred",
            Some(Status::Failed) => "failed",
            Some(Status::Archived) if referral => "referred",
            Some(Status::Archived) => {
                if json.pointer("/volumeA/agreement").is_some()
                    || json.pointer("/volumeA/closure/note").is_some()
                {
                    "resolved"
                } else {
                    "failed"
                }
            }
            _ => "",
        };
        Listing {
            station: text(json, "/header/station"),
            open: status.is_none_or(Status::is_open),
            status: status_code,
            category: text(json, "/header/category"),
            summary: text(json, "/header/summary"),
            at: text(json, "/header/reportedAt"),
            due: json
                .pointer("/header/followUpPlan/due")
                .and_then(Value::as_str)
                .map(str::to_owned),
            outcome: outcome.to_owned(),
        }
    }
}

/// A validation's outcome with the grade of the dossier when it parsed.
fn graded(
    (report, dossier): (crate::Report, Option<crate::Dossier>),
    opts: &ValidateOptions<'_>,
) -> Checked {
    let grade = dossier
        .as_ref()
        .map(|d| crate::warning::grade(d, opts.local_rules));
    Checked {
        report,
        grade,
        dossier,
    }
}
