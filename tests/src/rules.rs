//! Bureau rule sets for the end-to-end tests, through the real faces: publish and retire
//! versions with `abjuan admin rules` (works while the server runs; the server picks the change
//! up within a second) or the admin API, and wait until a server names a version in
//! `GET /v1/me`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::{admin, binary, Server};

/// A local rule for the tests: orange when the dossier's category is `category`, id
/// `{bureau}.{category}` (reason in both languages). Give its JSON to [`add_rules`].
#[must_use]
pub fn category_rule(bureau: &str, category: &str, level: &str) -> serde_json::Value {
    serde_json::json!({
        "id": format!("{bureau}.{category}"),
        "level": level,
        "reason": {"zh": format!("{category}类纠纷（本局规则）"), "en": format!("A {category} dispute (bureau rule)")},
        "when": {"path": "/header/category", "op": "eq", "value": category},
    })
}

/// The JSON text of a rule set made of `rules`.
#[must_use]
pub fn rule_set_json(rules: &[serde_json::Value]) -> String {
    serde_json::json!({ "rules": rules }).to_string()
}

/// Publishes `rules_json` as `bureau`'s next rule-set version with
/// `abjuan admin --data-dir DATA_DIR rules add BUREAU FILE`; returns the version (now current).
///
/// # Panics
/// When the command fails.
#[must_use]
pub fn add_rules(data_dir: &Path, bureau: &str, rules_json: &str) -> u32 {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), rules_json).expect("write rules");
    let path = file.path().to_string_lossy().into_owned();
    admin(data_dir, &["rules", "add", bureau, &path, "--note", "e2e"]);
    current_version(data_dir, bureau).expect("a current version after adding one")
}

/// Tries `abjuan admin rules add` with `rules_json`, expecting a refusal: returns the exit
/// code and standard error (`abjuan admin: CODE: why`).
#[must_use]
pub fn add_rules_refused(data_dir: &Path, bureau: &str, rules_json: &str) -> (i32, String) {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), rules_json).expect("write rules");
    let out = Command::new(binary())
        .arg("admin")
        .arg("--data-dir")
        .arg(data_dir)
        .args(crate::store_flags(data_dir))
        .args(["rules", "add", bureau])
        .arg(file.path())
        .output()
        .expect("run abjuan admin");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Retires `version` of `bureau`'s rule set with `abjuan admin rules retire`.
pub fn retire_rules(data_dir: &Path, bureau: &str, version: u32) {
    admin(data_dir, &["rules", "retire", bureau, &version.to_string()]);
}

/// `bureau`'s current rule-set version, read with `abjuan admin rules list` (`None`: core
/// rules only).
#[must_use]
pub fn current_version(data_dir: &Path, bureau: &str) -> Option<u32> {
    let out = admin(data_dir, &["rules", "list", "--bureau", bureau]);
    let list: serde_json::Value = serde_json::from_str(&out).expect("rules list is JSON");
    list.as_array()?
        .iter()
        .find(|v| v["current"] == true)
        .and_then(|v| v["version"].as_u64())
        .and_then(|v| u32::try_from(v).ok())
}

/// Waits (at most 10 s) until `server`'s `GET /v1/me`, asked with `token`, names `version` of
/// the caller's bureau's rule set (`None`: none). The server reads versions published from
/// another process within a second.
///
/// # Panics
/// When it does not within 10 s.
pub fn wait_for_rule_set(server: &Server, token: &str, version: Option<u32>) {
    let transport = server.transport().with_token(token);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, me) = transport.get_json("/v1/me").expect("GET /v1/me");
        assert_eq!(status, 200, "{me}");
        let seen = me["ruleSet"]["version"]
            .as_u64()
            .and_then(|v| u32::try_from(v).ok());
        if seen == version {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the server still names {seen:?}, not {version:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
