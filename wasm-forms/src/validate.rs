//! Validation, grading and the schema: `validateDossier`, `validateField`, `grade`,
//! `dossierSchema`. The same `shared` code the server runs, so the phone and the server never
//! disagree.

use abjuan_shared::forms;
use abjuan_shared::model::Timestamp;
use abjuan_shared::validate::{Issue, Severity, Stage, MAX_INPUT_BYTES};
use abjuan_shared::{Grade, Locale, Report, RuleSet, ValidateOptions};
use serde_json::Value;
use validator::Validate;
use wasm_bindgen::prelude::*;

use crate::js;
use crate::options::{parse_rules, Options};
use crate::BindError;

/// The report for record JSON text, by the form its `formType` names (the AB dossier when
/// absent).
#[must_use]
pub fn report(json: &str, opts: &Options) -> Report {
    forms::check_text(json, &opts.validate_options()).report
}

/// Whether the text names the AB dossier (or no form, which is the dossier).
fn is_dossier(json: &str) -> bool {
    forms::of_text(json).is_ok_and(|f| f.code() == abjuan_shared::model::FORM_TYPE)
}

/// The structural part of the report only: the rules the exported JSON Schema also expresses
/// (types, required fields, enum values, lengths, ranges, formats). The happy path parses and
/// runs the field validators without the cross-field rules; any finding is taken from the full
/// report, so the issues are exactly its structural ones.
#[must_use]
pub fn structure_report(json: &str, opts: &Options) -> Report {
    if json.len() <= MAX_INPUT_BYTES && is_dossier(json) {
        if let Ok(dossier) = abjuan_shared::parse_dossier(json) {
            if dossier.validate().is_ok() {
                let status = opts.status.unwrap_or(dossier.header.status);
                let stage = if status.is_closing() {
                    Stage::Closing
                } else {
                    Stage::Draft
                };
                return Report {
                    valid: true,
                    stage,
                    issues: Vec::new(),
                };
            }
        }
    }
    let mut full = report(json, opts);
    full.issues.retain(|i| i.code.is_structural());
    full.valid = full.issues.iter().all(|i| i.severity != Severity::Error);
    full
}

/// The issues at `path` (or under it) once the field at `path` holds `value` (`None`
/// removes it). `path` is a JSON pointer; its parent must exist.
pub fn field_issues(
    path: &str,
    value: Option<Value>,
    dossier_json: &str,
    opts: &Options,
) -> Result<Vec<Issue>, BindError> {
    let mut dossier: Value = serde_json::from_str(dossier_json)
        .map_err(|_| BindError::new("invalid_json", "the dossier is not valid JSON"))?;
    set_at(&mut dossier, path, value)?;
    // Back to text, so the one text parser of `validate_json` serves (a second, Value-based
    // deserializer of the whole model would add ~100 KB to the validator-only .wasm).
    let report = report(&dossier.to_string(), opts);
    let under = format!("{path}/");
    Ok(report
        .issues
        .into_iter()
        .filter(|i| path.is_empty() || i.path == path || i.path.starts_with(&under))
        .collect())
}

/// Sets (or, with `None`, removes) the member at a JSON pointer.
fn set_at(doc: &mut Value, path: &str, value: Option<Value>) -> Result<(), BindError> {
    let unknown = || {
        BindError::new(
            "unknown_path",
            format!("no place for {path:?} in the dossier"),
        )
    };
    if path.is_empty() {
        *doc = value.unwrap_or(Value::Null);
        return Ok(());
    }
    let (parent, key) = path.rsplit_once('/').ok_or_else(unknown)?;
    let key = key.replace("~1", "/").replace("~0", "~");
    match (doc.pointer_mut(parent).ok_or_else(unknown)?, value) {
        (Value::Object(m), Some(v)) => {
            m.insert(key, v);
        }
        (Value::Object(m), None) => {
            m.shift_remove(&key);
        }
        (Value::Array(items), v) => {
            let at = if key == "-" {
                items.len()
            } else {
                key.parse().map_err(|_| unknown())?
            };
            match v {
                Some(v) if at < items.len() => items[at] = v,
                Some(v) if at == items.len() => items.push(v),
                None if at < items.len() => {
                    items.remove(at);
                }
                _ => return Err(unknown()),
            }
        }
        _ => return Err(unknown()),
    }
    Ok(())
}

/// The warning grade of dossier JSON text, with a bureau's rule set when given (the grade
/// names it). A dossier that does not parse cannot be graded: `invalid_dossier`, naming the
/// first problem.
pub fn grade(json: &str, rules: Option<&RuleSet>) -> Result<Grade, BindError> {
    let parsed = if is_dossier(json) {
        abjuan_shared::parse_dossier(json)
            .ok()
            .map(|dossier| abjuan_shared::grade(&dossier, rules))
    } else {
        let mut opts = ValidateOptions::new(Timestamp::default());
        opts.local_rules = rules;
        forms::check_text(json, &opts).grade
    };
    match parsed {
        Some(grade) => Ok(grade),
        None => {
            let opts = ValidateOptions::new(Timestamp::default()).locale(Locale::En);
            let report = forms::check_text(json, &opts).report;
            let first = report
                .issues
                .first()
                .map_or_else(String::new, |i| format!(": {} at {:?}", i.message, i.path));
            Err(BindError::new(
                "invalid_dossier",
                format!("the dossier cannot be graded{first}"),
            ))
        }
    }
}

/// The JSON Schema with UI hints, titles in the language of `locale` (default Chinese): the
/// committed schema file of that language, parsed.
#[must_use]
pub fn schema(locale: Option<&str>) -> Value {
    abjuan_shared::schema::dossier_schema(locale.map_or(Locale::Zh, Locale::from_tag))
}

/// The JSON Schema of the form `form_type` names, titles in `locale`; `unknown_form_type`
/// when no registered form has that code.
pub fn form_schema(form_type: &str, locale: Option<&str>) -> Result<Value, BindError> {
    let form = forms::by_code(form_type).ok_or_else(|| {
        BindError::new(
            "unknown_form_type",
            format!("no registered form is called {form_type:?}"),
        )
    })?;
    Ok(form.schema(locale.map_or(Locale::Zh, Locale::from_tag)))
}

fn options(opts: Option<&JsValue>) -> Result<Options, BindError> {
    let text = opts.map(js::stringify).transpose()?.flatten();
    Options::from_json(text.as_deref(), js::now)
}

/// `validateDossier(json, opts?)`: the validation report. (TypeScript: [`crate::types`].)
#[wasm_bindgen(js_name = validateDossier, skip_typescript)]
pub fn validate_dossier_js(
    #[wasm_bindgen(unchecked_param_type = "string | Dossier")] json: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "ValidateOptions")] opts: Option<js_sys::Object>,
) -> Result<JsValue, JsValue> {
    let json = js::required_json(json, "the dossier")?;
    let opts = options(opts.as_deref())?;
    Ok(js::to_js(&report(&json, &opts))?)
}

/// `validateDossierJson(json, opts?)`: the same report as JSON text, exactly as the server
/// writes it (byte-identical to a native report; no `JSON.parse` on the way out).
#[wasm_bindgen(js_name = validateDossierJson, skip_typescript)]
pub fn validate_dossier_json_js(
    json: &JsValue,
    opts: Option<js_sys::Object>,
) -> Result<String, JsValue> {
    let json = js::required_json(json, "the dossier")?;
    let opts = options(opts.as_deref())?;
    serde_json::to_string(&report(&json, &opts))
        .map_err(|_| BindError::new("internal", "the report cannot be written as JSON").into())
}

/// `validateStructure(json, opts?)`: the structural part of the report only (what a JSON
/// Schema validator would check), for pages that check structure as the user types.
#[wasm_bindgen(js_name = validateStructure, skip_typescript)]
pub fn validate_structure_js(
    json: &JsValue,
    opts: Option<js_sys::Object>,
) -> Result<JsValue, JsValue> {
    let json = js::required_json(json, "the dossier")?;
    let opts = options(opts.as_deref())?;
    Ok(js::to_js(&structure_report(&json, &opts))?)
}

/// `validateField(path, value, dossier, opts?)`: the issues at `path` (or under it) once it
/// holds `value` (`undefined` removes the field).
#[wasm_bindgen(js_name = validateField, skip_typescript)]
pub fn validate_field_js(
    path: &str,
    value: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | Dossier")] dossier: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "ValidateOptions")] opts: Option<js_sys::Object>,
) -> Result<JsValue, JsValue> {
    let value = match js::stringify(value)? {
        Some(text) => Some(
            serde_json::from_str(&text)
                .map_err(|_| BindError::new("invalid_json", "the value is not JSON"))?,
        ),
        None => None,
    };
    let dossier = js::required_json(dossier, "the dossier")?;
    let opts = options(opts.as_deref())?;
    Ok(js::to_js(&field_issues(path, value, &dossier, &opts)?)?)
}

/// `grade(json, localRules?)`: the warning level, the rules that fired and the rule set used
/// (`localRules`: a rule set as `GET /v1/rules` gives it, or bare local rules).
#[wasm_bindgen(js_name = grade, skip_typescript)]
pub fn grade_js(
    #[wasm_bindgen(unchecked_param_type = "string | Dossier")] json: &JsValue,
    #[wasm_bindgen(js_name = localRules, unchecked_param_type = "LocalRules | string")]
    local_rules: Option<js_sys::Object>,
) -> Result<JsValue, JsValue> {
    let json = js::required_json(json, "the dossier")?;
    let rules = match local_rules
        .as_deref()
        .map(js::json_text)
        .transpose()?
        .flatten()
    {
        Some(text) => Some(parse_rules(&Value::String(text))?),
        None => None,
    };
    Ok(js::to_js(&grade(&json, rules.as_ref())?)?)
}

/// `dossierSchema(locale?)`: JSON Schema (draft 2020-12) with UI hints. `JSON.parse` of the
/// committed schema text built into `shared`: no Rust-side parse and re-serialisation.
#[wasm_bindgen(js_name = dossierSchema, unchecked_return_type = "JsonSchema")]
pub fn dossier_schema_js(locale: Option<String>) -> Result<JsValue, JsValue> {
    let locale = locale.as_deref().map_or(Locale::Zh, Locale::from_tag);
    Ok(js::parse(&abjuan_shared::schema::dossier_schema_text(
        locale,
    ))?)
}

/// `formSchema(formType, locale?)`: the JSON Schema with UI hints of any registered form
/// (`ab_dossier/v1`, `site_inspection/v1`), for a renderer that draws the form from it.
#[wasm_bindgen(js_name = formSchema, unchecked_return_type = "JsonSchema")]
pub fn form_schema_js(
    #[wasm_bindgen(js_name = formType)] form_type: &str,
    locale: Option<String>,
) -> Result<JsValue, JsValue> {
    Ok(js::parse(
        &form_schema(form_type, locale.as_deref())?.to_string(),
    )?)
}

/// `forms()`: the registered form types, `[{code, label: {zh, en}}]`, for a "new record"
/// choice.
#[wasm_bindgen(js_name = forms, unchecked_return_type = "FormInfo[]")]
pub fn forms_js() -> Result<JsValue, JsValue> {
    Ok(js::parse(&forms::catalogue().to_string())?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/../shared/fixtures/valid/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(path).unwrap()
    }

    fn opts(json: &str) -> Options {
        let now = || Timestamp::parse_from_rfc3339("2025-06-01T12:00:00+08:00").unwrap();
        Options::from_json(Some(json), now).unwrap()
    }

    #[test]
    fn valid_fixture_is_valid() {
        let r = report(&fixture("follow-up-marriage.json"), &opts("{}"));
        assert!(r.valid, "{:?}", r.codes());
    }

    fn all_fixture_inputs() -> Vec<String> {
        let dir = format!("{}/../shared/fixtures", env!("CARGO_MANIFEST_DIR"));
        let mut out = Vec::new();
        for sub in ["valid", "invalid"] {
            for entry in std::fs::read_dir(format!("{dir}/{sub}")).unwrap() {
                let v: Value =
                    serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap())
                        .unwrap();
                let Some(base) = v["base"].as_str() else {
                    out.push(v.to_string());
                    continue;
                };
                // Invalid fixtures: apply the patch's replace/add ops on objects, enough for a
                // structural/full comparison (remove ops drop the member).
                let mut doc: Value = serde_json::from_str(&fixture(base)).unwrap();
                for op in v["patch"].as_array().unwrap() {
                    let path = op["path"].as_str().unwrap();
                    let (parent, key) = path.rsplit_once('/').unwrap();
                    match doc.pointer_mut(parent) {
                        Some(Value::Object(m)) if op["op"] == "remove" => {
                            m.shift_remove(key);
                        }
                        Some(Value::Object(m)) => {
                            m.insert(key.to_owned(), op["value"].clone());
                        }
                        Some(Value::Array(a)) => {
                            if let Ok(i) = key.parse::<usize>() {
                                if op["op"] == "remove" && i < a.len() {
                                    a.remove(i);
                                } else if op["op"] == "replace" && i < a.len() {
                                    a[i] = op["value"].clone();
                                } else if i <= a.len() {
                                    a.insert(i, op["value"].clone());
                                }
                            }
                        }
                        _ => {}
                    }
                }
                out.push(doc.to_string());
            }
        }
        out
    }

    #[test]
    fn structure_report_is_the_structural_part_of_the_full_one() {
        let o = opts("{}");
        let inputs = all_fixture_inputs();
        assert!(inputs.len() >= 40);
        for input in inputs.iter().map(String::as_str).chain(["{", "[]", "{}"]) {
            let mut full = report(input, &o);
            full.issues.retain(|i| i.code.is_structural());
            full.valid = full.issues.iter().all(|i| i.severity != Severity::Error);
            assert_eq!(structure_report(input, &o), full, "{input}");
        }
    }

    #[test]
    fn field_check_sees_only_its_field() {
        let d = fixture("follow-up-marriage.json");
        let issues = field_issues(
            "/volumeB/parties/0/mobile",
            Some(Value::from("123")),
            &d,
            &opts("{}"),
        )
        .unwrap();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].code.as_str(), "phone_format");
        assert!(issues[0].message.contains("电话"), "{}", issues[0].message);
        let none = field_issues("/header/station", None, &d, &opts("{}")).unwrap();
        assert!(
            none.iter().any(|i| i.code.as_str() == "required"),
            "{none:?}"
        );
    }

    #[test]
    fn field_check_refuses_unknown_places() {
        let d = fixture("draft-neighbour.json");
        let e = field_issues("/nowhere/x", Some(Value::Null), &d, &opts("{}")).unwrap_err();
        assert_eq!(e.code, "unknown_path");
        assert_eq!(
            field_issues("/x", None, "{", &opts("{}")).unwrap_err().code,
            "invalid_json"
        );
    }

    #[test]
    fn grades_and_refuses_garbage() {
        let g = grade(&fixture("follow-up-marriage.json"), None).unwrap();
        assert!(!g.fired.is_empty());
        assert_eq!(grade("{}", None).unwrap_err().code, "invalid_dossier");
    }

    #[test]
    fn a_rule_set_changes_the_grade_and_is_named() {
        let d = fixture("draft-neighbour.json");
        let core = grade(&d, None).unwrap();
        assert!(core.rule_set.is_none());
        let set = crate::options::parse_rules(&serde_json::json!({
            "bureau": "yongji", "version": 2,
            "rules": [{"id": "yongji.neighbour", "level": "orange",
                       "reason": {"zh": "邻里纠纷", "en": "Neighbours"},
                       "when": {"path": "/header/category", "op": "eq", "value": "neighbour"}}]
        }))
        .unwrap();
        let g = grade(&d, Some(&set)).unwrap();
        assert_eq!(g.level, abjuan_shared::WarningLevel::Orange);
        assert!(g.fired.iter().any(|f| f.id == "yongji.neighbour"));
        assert_eq!(
            g.rule_set.map(|r| (r.bureau, r.version)),
            Some(("yongji".into(), 2))
        );
    }

    #[test]
    fn schema_has_titles_in_both_languages() {
        assert_eq!(schema(None)["title"], "矛盾纠纷警情化解AB卷");
        assert_ne!(schema(Some("en"))["title"], schema(None)["title"]);
    }
}
