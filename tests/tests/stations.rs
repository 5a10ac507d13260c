//! `GET /v1/stations` over the real server: in demo mode the stations the stored dossiers carry
//! (and the demo station `abjuan demo-sync` writes to, by name); with accounts, each caller's
//! stations by name with the count of dossiers they may list, agreeing with `/v1/dossiers`.

use std::process::Command;

use abjuan_e2e::{
    add_bureau, add_person, add_puzhou, add_station, admin, binary, enrol, new_id, phone,
    sample_dossier, Phone, Server, Unit, BUREAU, STATION,
};
use serde_json::{json, Value};

/// `(code, name, dossiers)` of each listed station.
fn listed(stations: &Value) -> Vec<(String, String, u64)> {
    stations["stations"]
        .as_array()
        .expect("stations array")
        .iter()
        .map(|s| {
            (
                s["code"].as_str().expect("code").to_owned(),
                s["name"].as_str().expect("name").to_owned(),
                s["dossiers"].as_u64().expect("dossiers"),
            )
        })
        .collect()
}

fn row(code: &str, name: &str, n: u64) -> (String, String, u64) {
    (code.to_owned(), name.to_owned(), n)
}

#[test]
fn demo_mode_lists_what_the_dossiers_carry_and_names_the_demo_station() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path(), &[]);
    // A fresh server offers the demo station, empty, so the page has one to start in.
    assert_eq!(
        listed(&server.get("/v1/stations")),
        vec![row(STATION, "蒲州派出所", 0)]
    );

    let demo = Command::new(binary())
        .args(["demo-sync", "--url", &server.url])
        .output()
        .expect("demo-sync");
    assert!(
        demo.status.success(),
        "{}",
        String::from_utf8_lossy(&demo.stderr)
    );
    let mut p = Phone::new(&server.url, "second-phone");
    for (station, summary) in [("test-dongcheng", "东城纠纷"), (STATION, "楼道堆物")] {
        p.create(&sample_dossier(&new_id(), station, "neighbour", summary))
            .expect("create");
    }
    let out = p.sync_all().expect("sync");
    assert!(out.errors.is_empty(), "{:?}", out.errors);

    let stations = server.get("/v1/stations");
    assert_eq!(
        listed(&stations),
        vec![
            row("test-dongcheng", "test-dongcheng", 1),
            row(STATION, "蒲州派出所", 2),
        ]
    );
    assert_eq!(stations["stations"][1]["bureau"], Value::Null);
    // demo-sync's dossier is one of the two the station lists.
    let puzhou = server.get(&format!("/v1/dossiers?station={STATION}"));
    assert_eq!(puzhou["dossiers"].as_array().map(Vec::len), Some(2));
}

#[test]
fn with_accounts_each_caller_sees_their_stations_by_name_with_what_they_may_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    add_puzhou(d);
    add_station(d, "yongji-kaizhang", "开张派出所", BUREAU);
    add_bureau(d, "ruicheng", "芮城县公安局");
    add_station(d, "ruicheng-gucheng", "古城派出所", "ruicheng");
    add_person(d, "wang", "王警官", "officer", Unit::Station(STATION));
    add_person(
        d,
        "kz",
        "开张民警",
        "officer",
        Unit::Station("yongji-kaizhang"),
    );
    add_person(
        d,
        "rc",
        "芮城民警",
        "officer",
        Unit::Station("ruicheng-gucheng"),
    );
    add_person(d, "sup", "督察", "bureau_supervisor", Unit::Bureau(BUREAU));
    add_person(
        d,
        "zheng",
        "郑调解员",
        "partner_mediator",
        Unit::Bureau(BUREAU),
    );
    let tokens: Vec<(&str, String)> = ["wang", "kz", "rc", "sup", "zheng"]
        .into_iter()
        .map(|p| (p, enrol(d, p)))
        .collect();
    let token = |who: &str| {
        tokens
            .iter()
            .find(|(p, _)| *p == who)
            .map(|(_, t)| t.clone())
            .expect("token")
    };
    let mut server = Server::start(d, &[]);

    let mut shared = String::new();
    for (who, station, n) in [
        ("wang", STATION, 2),
        ("kz", "yongji-kaizhang", 3),
        ("rc", "ruicheng-gucheng", 1),
    ] {
        let mut p = phone(&server, who, &token(who));
        for i in 0..n {
            let id = new_id();
            p.create(&sample_dossier(
                &id,
                station,
                "neighbour",
                &format!("纠纷{i}"),
            ))
            .expect("create");
            if who == "kz" && i == 0 {
                shared.clone_from(&id);
            }
        }
        let out = p.sync_all().expect("sync");
        assert!(out.errors.is_empty(), "{who}: {:?}", out.errors);
    }
    admin(d, &["share", &shared, "zheng"]);

    let (status, body) = server
        .transport()
        .get_json("/v1/stations")
        .expect("no credential");
    assert_eq!(status, 401, "accounts exist: no demo mode: {body}");

    for (who, expected) in [
        ("wang", vec![row(STATION, "蒲州派出所", 2)]),
        ("rc", vec![row("ruicheng-gucheng", "古城派出所", 1)]),
        (
            "sup",
            vec![
                row("yongji-kaizhang", "开张派出所", 3),
                row(STATION, "蒲州派出所", 2),
            ],
        ),
        // One of 开张's three dossiers is shared with the mediator: only that one counts.
        ("zheng", vec![row("yongji-kaizhang", "开张派出所", 1)]),
    ] {
        server.token = Some(token(who));
        let stations = server.get("/v1/stations");
        assert_eq!(listed(&stations), expected, "{who}");
        assert!(
            stations["stations"]
                .as_array()
                .expect("array")
                .iter()
                .all(|s| s["bureau"] == json!(s["code"].as_str().unwrap_or("").split('-').next())),
            "{who}: {stations}"
        );
        // The counts are what the caller's dossier list holds.
        let total: u64 = listed(&stations).iter().map(|r| r.2).sum();
        let list = server.get("/v1/dossiers");
        assert_eq!(
            list["dossiers"].as_array().map(Vec::len),
            Some(usize::try_from(total).expect("small")),
            "{who}"
        );
    }
}
