//! Generates the inspection's JSON Schema from the Rust types (feature `schema-gen`), with the
//! same UI hints as the dossier's (`x-ui`, `x-enum-labels`, `x-personal`). Its output is what
//! `shared/schema/site_inspection.*.json` hold; the golden test `tests/tests/schema_golden.rs`
//! checks they agree and rewrites them on request.

use serde_json::{json, Value};

use super::enums::{
    CheckItem, CheckResult, HazardCategory, HazardSeverity, HazardStatus, InspectionReferral,
    InspectionStatus, MemberRole, OutcomeResult, PersonReason, PlaceType, PublicityKind,
    ReinspectionResult,
};
use super::hints;
use super::model::Inspection;
use crate::model::Sex;
use crate::schema::generate::{annotate, enum_labels};
use crate::Locale;

fn labelled_enums() -> Vec<(&'static str, (Vec<Value>, Value))> {
    vec![
        ("InspectionStatus", enum_labels::<InspectionStatus>()),
        ("MemberRole", enum_labels::<MemberRole>()),
        ("CheckItem", enum_labels::<CheckItem>()),
        ("CheckResult", enum_labels::<CheckResult>()),
        ("HazardCategory", enum_labels::<HazardCategory>()),
        ("HazardSeverity", enum_labels::<HazardSeverity>()),
        ("HazardStatus", enum_labels::<HazardStatus>()),
        ("ReinspectionResult", enum_labels::<ReinspectionResult>()),
        ("PublicityKind", enum_labels::<PublicityKind>()),
        ("OutcomeResult", enum_labels::<OutcomeResult>()),
        ("InspectionReferral", enum_labels::<InspectionReferral>()),
        ("PersonReason", enum_labels::<PersonReason>()),
        ("Sex", enum_labels::<Sex>()),
    ]
}

/// Generates the inspection's JSON Schema with UI hints, titles in `locale`: what
/// [`super::schema`] returns from the committed file, made afresh.
#[must_use]
pub fn generate(locale: Locale) -> Value {
    let mut schema = schemars::schema_for!(Inspection).to_value();
    let Some(root) = schema.as_object_mut() else {
        return schema;
    };
    root.insert(
        "$id".into(),
        Value::from("https://abjuan.example/schema/site_inspection/v1"),
    );
    if let Some(Value::Object(defs)) = root.get_mut("$defs") {
        for (name, (codes, labels)) in labelled_enums() {
            defs.insert(
                name.into(),
                json!({"type": "string", "enum": codes, "x-enum-labels": labels}),
            );
        }
        // The place type is open (a bureau's `local_` codes): a pattern, not an enum, with
        // the built-in codes' labels for the picker.
        if let Some(Value::Object(kind)) = defs
            .get_mut("Place")
            .and_then(|p| p.get_mut("properties"))
            .and_then(|p| p.get_mut("type"))
        {
            kind.insert("x-enum-labels".into(), enum_labels::<PlaceType>().1);
        }
        for (name, zh, en, fields) in hints::TYPES {
            if let Some(Value::Object(def)) = defs.get_mut(*name) {
                annotate(def, zh, en, fields, locale);
            }
        }
        if let Some(Value::Object(b)) = defs.get_mut("VolumeB") {
            b.insert("x-personal".into(), Value::Bool(true));
        }
    }
    if let Some((_, zh, en, fields)) = hints::TYPES.iter().find(|t| t.0 == "Inspection") {
        annotate(root, zh, en, fields, locale);
    }
    schema
}
