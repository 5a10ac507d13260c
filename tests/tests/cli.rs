//! The `abjuan` command line: help, init, validate (exit code 1 when invalid), demo-sync.

use std::process::Command;

use abjuan_e2e::{binary, Server};

fn fixture(rel: &str) -> String {
    format!("{}/../shared/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn help_init_validate_and_demo_sync() {
    let help = Command::new(binary()).arg("--help").output().expect("help");
    let text = String::from_utf8_lossy(&help.stdout);
    for word in ["serve", "init", "validate", "demo-sync"] {
        assert!(text.contains(word), "--help lists {word}: {text}");
    }
    let serve_help = Command::new(binary())
        .args(["serve", "--help"])
        .output()
        .expect("help");
    let text = String::from_utf8_lossy(&serve_help.stdout);
    for flag in [
        "--listen",
        "--data-dir",
        "--web-dir",
        "--pkg-dir",
        "ABJUAN_LISTEN",
    ] {
        assert!(text.contains(flag), "serve --help lists {flag}");
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let init = Command::new(binary())
        .args(["init", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("init");
    assert!(init.status.success());
    assert!(dir.path().join("abjuan.db").exists());

    let valid = Command::new(binary())
        .args(["validate", &fixture("valid/draft-neighbour.json")])
        .output()
        .expect("validate");
    assert_eq!(valid.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&valid.stdout).expect("json report");
    assert_eq!(report["report"]["valid"], true);
    let invalid = Command::new(binary())
        .args([
            "validate",
            "--lang",
            "en",
            &fixture("invalid/sex-mismatch.json"),
        ])
        .output()
        .expect("validate");
    assert_eq!(invalid.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&invalid.stdout).expect("json report");
    assert_eq!(report["report"]["valid"], false);

    let server = Server::start(dir.path(), &[]);
    let demo = Command::new(binary())
        .args(["demo-sync", "--url", &server.url])
        .output()
        .expect("demo-sync");
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let out = String::from_utf8_lossy(&demo.stdout);
    assert!(out.contains("synced in 1 round trip"), "{out}");
    assert_eq!(
        server.get("/v1/dossiers")["dossiers"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}
