//! The validation report: a list of `{path, code, severity, params, message}`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Code;
use crate::Locale;

/// How much an issue matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Must be fixed: the dossier is invalid.
    Error,
    /// Worth fixing now, required before closing.
    Warning,
}

/// Which rule set applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Registered or mediating: still being filled in; completeness rules are warnings.
    Draft,
    /// Any closing status: completeness rules are errors.
    Closing,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    /// JSON pointer (RFC 6901) to the field, `""` for the whole dossier.
    pub path: String,
    /// Stable code (see [`Code`]).
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// Values for the message (never a volume-B value).
    pub params: Map<String, Value>,
    /// Human-readable message in the requested language.
    pub message: String,
}

/// The result of validating one dossier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// No issue of severity error.
    pub valid: bool,
    /// Which rule set applied.
    pub stage: Stage,
    /// Findings, ordered by path then code.
    pub issues: Vec<Issue>,
}

impl Report {
    /// Issues of one code.
    pub fn with_code(&self, code: Code) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(move |i| i.code == code)
    }

    /// `(path, code)` pairs, handy in tests and logs.
    #[must_use]
    pub fn codes(&self) -> Vec<(String, &'static str)> {
        self.issues
            .iter()
            .map(|i| (i.path.clone(), i.code.as_str()))
            .collect()
    }
}

/// Collects issues while the rules run, then renders them in one locale.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    raw: Vec<(String, Code, Severity, Map<String, Value>)>,
}

impl Collector {
    pub(crate) fn error(&mut self, path: impl Into<String>, code: Code) -> &mut Map<String, Value> {
        self.push(path, code, Severity::Error)
    }

    pub(crate) fn push(
        &mut self,
        path: impl Into<String>,
        code: Code,
        severity: Severity,
    ) -> &mut Map<String, Value> {
        self.raw.push((path.into(), code, severity, Map::new()));
        &mut self.raw.last_mut().expect("just pushed").3
    }

    pub(crate) fn finish(mut self, stage: Stage, locale: Locale) -> Report {
        self.raw
            .sort_by(|a, b| (a.0.as_str(), a.1, a.2).cmp(&(b.0.as_str(), b.1, b.2)));
        self.raw.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        let issues: Vec<Issue> = self
            .raw
            .into_iter()
            .map(|(path, code, severity, params)| Issue {
                message: render(code.template(locale), &params),
                path,
                code,
                severity,
                params,
            })
            .collect();
        Report {
            valid: issues.iter().all(|i| i.severity != Severity::Error),
            stage,
            issues,
        }
    }
}

/// Fills `{name}` placeholders from `params`; unknown placeholders stay as they are.
fn render(template: &str, params: &Map<String, Value>) -> String {
    if !template.contains('{') {
        return template.to_owned();
    }
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match params.get(name) {
                    Some(Value::String(s)) => out.push_str(s),
                    Some(v) => out.push_str(&v.to_string()),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}
