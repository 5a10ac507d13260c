//! Generates the dossier's JSON Schema from the Rust types (feature `schema-gen`): `schemars`
//! derives the structure (reading the same `validator` attributes the Rust validator uses) and
//! this module adds the UI hints. Its output is what `shared/schema/*.json` hold; the golden test
//! `tests/tests/schema_golden.rs` checks they agree and rewrites them on request.

use serde_json::{json, Map, Value};

use crate::model::{self, Dossier, Labelled};
use crate::Locale;

use super::hints;

pub(crate) fn enum_labels<T: Labelled>() -> (Vec<Value>, Value) {
    let codes = T::ALL.iter().map(|v| Value::from(v.code())).collect();
    let labels: Map<String, Value> = T::ALL
        .iter()
        .map(|v| {
            (
                v.code().to_owned(),
                json!({"zh": v.label_zh(), "en": v.label_en()}),
            )
        })
        .collect();
    (codes, Value::Object(labels))
}

fn labelled_enums() -> Vec<(&'static str, (Vec<Value>, Value))> {
    vec![
        ("Source", enum_labels::<model::Source>()),
        ("Status", enum_labels::<model::Status>()),
        ("ContactMethod", enum_labels::<model::ContactMethod>()),
        ("SessionOutcome", enum_labels::<model::SessionOutcome>()),
        ("MediatorRole", enum_labels::<model::MediatorRole>()),
        (
            "PerformanceStatus",
            enum_labels::<model::PerformanceStatus>(),
        ),
        ("ReferralTarget", enum_labels::<model::ReferralTarget>()),
        ("Sex", enum_labels::<model::Sex>()),
        ("Side", enum_labels::<model::Side>()),
        ("RelationKind", enum_labels::<model::RelationKind>()),
        ("LegalTopic", enum_labels::<model::LegalTopic>()),
        ("WarningLevel", enum_labels::<model::WarningLevel>()),
    ]
}

/// Generates the dossier's JSON Schema with UI hints, titles in `locale`: what
/// [`super::dossier_schema`] returns from the committed file, made afresh.
#[must_use]
pub fn generate(locale: Locale) -> Value {
    let mut schema = schemars::schema_for!(Dossier).to_value();
    let Some(root) = schema.as_object_mut() else {
        return schema;
    };
    root.insert(
        "$id".into(),
        Value::from("https://abjuan.example/schema/ab_dossier/v1"),
    );
    if let Some(Value::Object(defs)) = root.get_mut("$defs") {
        for (name, (codes, labels)) in labelled_enums() {
            defs.insert(
                name.into(),
                json!({"type": "string", "enum": codes, "x-enum-labels": labels}),
            );
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
    if let Some((_, zh, en, fields)) = hints::TYPES.iter().find(|t| t.0 == "Dossier") {
        annotate(root, zh, en, fields, locale);
    }
    schema
}

pub(crate) fn annotate(
    def: &mut Map<String, Value>,
    zh: &str,
    en: &str,
    fields: &[hints::FieldHint],
    locale: Locale,
) {
    def.insert("title".into(), Value::from(locale.pick(zh, en)));
    def.insert("x-ui".into(), json!({"label": {"zh": zh, "en": en}}));
    let Some(Value::Object(props)) = def.get_mut("properties") else {
        return;
    };
    for (order, (prop, zh, en, widget)) in fields.iter().enumerate() {
        if let Some(Value::Object(p)) = props.get_mut(*prop) {
            p.insert("title".into(), Value::from(locale.pick(zh, en)));
            p.insert(
                "x-ui".into(),
                json!({"label": {"zh": zh, "en": en}, "widget": widget, "order": order}),
            );
        }
    }
}
