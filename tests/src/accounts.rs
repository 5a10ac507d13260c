//! Account bootstrapping for the end-to-end tests: bureaus, stations and people added with the
//! admin command before the server starts, credentials redeemed over HTTP, and phones that
//! carry a credential.

use std::path::Path;
use std::process::Command;

use crate::{binary, Phone, Server, Transport};

/// The bureau most tests use: 永济市公安局.
pub const BUREAU: &str = "yongji";
/// The station most tests use: 蒲州派出所, of [`BUREAU`].
pub const STATION: &str = "yongji-puzhou";

/// Runs `abjuan admin --data-dir DATA_DIR ARGS…` and returns its standard output.
///
/// # Panics
/// When the command fails.
pub fn admin(data_dir: &Path, args: &[&str]) -> String {
    let out = Command::new(binary())
        .arg("admin")
        .arg("--data-dir")
        .arg(data_dir)
        .args(crate::store_flags(data_dir))
        .args(args)
        .env("ABJUAN_LOG", "warn")
        .output()
        .expect("run abjuan admin");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "abjuan admin {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The last non-empty line of a command's output (where codes and credentials are printed).
#[must_use]
pub fn last_line(out: &str) -> String {
    out.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Prints a one-time enrolment code for `person` with the admin command.
#[must_use]
pub fn enrolment_code(data_dir: &Path, person: &str) -> String {
    last_line(&admin(data_dir, &["device", "enrol", person]))
}

/// Enrols a new device for `person` (code, then redeemed); returns its credential.
#[must_use]
pub fn enrol(data_dir: &Path, person: &str) -> String {
    let code = enrolment_code(data_dir, person);
    last_line(&admin(
        data_dir,
        &["device", "redeem", &code, "--label", "test phone"],
    ))
}

/// The device id of a credential (`abjd_<id>_<secret>`).
#[must_use]
pub fn device_of(token: &str) -> String {
    token.split('_').nth(1).unwrap_or_default().to_owned()
}

/// Adds a bureau with `abjuan admin bureau add`.
pub fn add_bureau(data_dir: &Path, id: &str, name: &str) {
    admin(data_dir, &["bureau", "add", id, name]);
}

/// Adds a station of `bureau` with `abjuan admin station add`.
pub fn add_station(data_dir: &Path, id: &str, name: &str, bureau: &str) {
    admin(data_dir, &["station", "add", id, name, "--bureau", bureau]);
}

/// Adds [`BUREAU`] (永济市公安局) and its [`STATION`] (蒲州派出所).
pub fn add_puzhou(data_dir: &Path) {
    add_bureau(data_dir, BUREAU, "永济市公安局");
    add_station(data_dir, STATION, "蒲州派出所", BUREAU);
}

/// Where a person belongs: officers, auxiliaries and chiefs to a station, supervisors and
/// partner mediators to a bureau.
#[derive(Debug, Clone, Copy)]
pub enum Unit<'a> {
    /// `--station ID`.
    Station(&'a str),
    /// `--bureau ID`.
    Bureau(&'a str),
}

/// Adds a person with `abjuan admin person add ID --name NAME --role ROLE (--station|--bureau) UNIT`.
pub fn add_person(data_dir: &Path, id: &str, name: &str, role: &str, unit: Unit<'_>) {
    let (flag, unit) = match unit {
        Unit::Station(s) => ("--station", s),
        Unit::Bureau(b) => ("--bureau", b),
    };
    admin(
        data_dir,
        &[
            "person", "add", id, "--name", name, "--role", role, flag, unit,
        ],
    );
}

/// Redeems an enrolment `code` with `POST /v1/enrol`, expecting 200; returns the credential
/// and the response body.
///
/// # Panics
/// When the request fails or is refused.
pub fn redeem(transport: &Transport, code: &str, label: &str) -> (String, String) {
    let (s, body) = transport
        .post_json(
            "/v1/enrol",
            &serde_json::json!({"code": code, "label": label}),
        )
        .expect("enrol");
    assert_eq!(s, 200, "{body}");
    let token = serde_json::from_str::<serde_json::Value>(&body).expect("json")["token"]
        .as_str()
        .expect("token")
        .to_owned();
    (token, body)
}

/// A phone called `device` whose requests to `server` carry `token`.
#[must_use]
pub fn phone(server: &Server, device: &str, token: &str) -> Phone {
    let mut phone = Phone::new(&server.url, device);
    phone.transport = phone.transport.with_token(token);
    phone
}
