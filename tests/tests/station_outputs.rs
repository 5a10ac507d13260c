//! The station's outputs against a real server with accounts: the figures (counted once on
//! the server) agree with the dossiers synced and with `/v1/stats`, and each opens exactly the
//! dossiers behind it; only chiefs and supervisors see figures; the ledger (CSV and xlsx)
//! follows the caller's rights, masks names, never carries an ID number or a phone, gives a
//! partner mediator nothing of volume B, and is audited; the print data of a mediator has no
//! volume B; without Chromium or a CJK font the PDF route answers a clear error.

use std::collections::BTreeSet;
use std::time::Duration;

use abjuan_e2e::{
    add_bureau, add_person, add_station, admin, enrol, new_id, phone, Server, Transport, Unit,
};
use abjuan_server::report::sample;
use abjuan_shared::model::{Status, WarningLevel};
use abjuan_shared::Dossier;
use serde_json::{json, Value};

const PUZHOU: &str = "yongji-puzhou";
const CHENGXI: &str = "yongji-chengxi";

fn setup(d: &std::path::Path) {
    add_bureau(d, "yongji", "永济市公安局");
    add_station(d, PUZHOU, "蒲州派出所", "yongji");
    add_station(d, CHENGXI, "城西派出所", "yongji");
    add_person(d, "wang", "王警官", "officer", Unit::Station(PUZHOU));
    add_person(d, "chen", "陈警官", "officer", Unit::Station(CHENGXI));
    add_person(d, "chief", "李所长", "station_chief", Unit::Station(PUZHOU));
    add_person(
        d,
        "sup",
        "督察员",
        "bureau_supervisor",
        Unit::Bureau("yongji"),
    );
    add_person(
        d,
        "zhao",
        "赵调解员",
        "partner_mediator",
        Unit::Bureau("yongji"),
    );
}

fn get(t: &Transport, path: &str) -> (u16, Value) {
    let (s, body) = t.get_text(path).expect("get");
    (s, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn bytes(t: &Transport, path: &str) -> (u16, String, Vec<u8>) {
    t.get_bytes(path, Duration::from_secs(60)).expect("get")
}

/// What the figures must say about `set`, counted here from the dossiers themselves.
struct Expect {
    opened: u64,
    resolved: u64,
    closed: u64,
    open: u64,
    red_orange: BTreeSet<String>,
}

fn expect(set: &[Dossier]) -> Expect {
    let mut e = Expect {
        opened: 0,
        resolved: 0,
        closed: 0,
        open: 0,
        red_orange: BTreeSet::new(),
    };
    for d in set {
        e.opened += 1;
        let s = d.header.status;
        let resolved = match s {
            Status::Resolved | Status::FollowUp => true,
            Status::Archived => d.volume_a.agreement.is_some(),
            _ => false,
        };
        if resolved {
            e.resolved += 1;
        }
        if s.is_closing() && s != Status::FollowUp || resolved {
            e.closed += 1;
        }
        if s.is_open() {
            e.open += 1;
            let level = abjuan_shared::grade(d, None).level;
            if matches!(level, WarningLevel::Red | WarningLevel::Orange) {
                e.red_orange.insert(d.id.clone());
            }
        }
    }
    e
}

#[test]
#[allow(clippy::too_many_lines)]
fn figures_ledger_and_print_follow_the_definitions_and_the_rights() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    setup(d);
    let tokens: Vec<String> = ["wang", "chen", "chief", "sup", "zhao"]
        .iter()
        .map(|p| enrol(d, p))
        .collect();
    let [wang, chen, chief, sup, zhao] = tokens.as_slice() else {
        unreachable!()
    };
    let server = Server::start(d, &[]);

    // 24 dossiers of 蒲州 by 王警官, 6 of 城西 by 陈警官, spread over 2025.
    let mut puzhou = Vec::new();
    let mut p = phone(&server, "wang-phone", wang);
    for n in 0..24 {
        let dossier = sample::dossier(&new_id(), n, PUZHOU, &format!("2025-{:02}", n % 12 + 1), 2);
        p.create(&dossier).expect("create");
        puzhou.push(dossier);
    }
    let ids: Vec<String> = puzhou.iter().map(|x| x.id.clone()).collect();
    assert!(p.sync(&ids).expect("sync").errors.is_empty());
    let mut c = phone(&server, "chen-phone", chen);
    let mut chengxi = Vec::new();
    for n in 100..106 {
        let dossier = sample::dossier(&new_id(), n, CHENGXI, "2025-06", 1);
        c.create(&dossier).expect("create");
        chengxi.push(dossier);
    }
    let cids: Vec<String> = chengxi.iter().map(|x| x.id.clone()).collect();
    assert!(c.sync(&cids).expect("sync").errors.is_empty());
    // One 蒲州 dossier is shared with the partner mediator.
    let shared = &puzhou[7];
    let (s, body) = p
        .transport
        .post_json(
            &format!("/v1/dossiers/{}/shares", shared.id),
            &json!({"person": "zhao"}),
        )
        .expect("share");
    assert_eq!(s, 200, "{body}");

    let as_ = |token: &str| Transport::new(&server.url).with_token(token);
    let (t_wang, t_chief, t_sup, t_zhao) = (as_(wang), as_(chief), as_(sup), as_(zhao));

    // Figures: the chief's own station, counted as the dossiers say.
    let want = expect(&puzhou);
    let (s, f) = get(&t_chief, "/v1/figures");
    assert_eq!(s, 200, "{f}");
    let totals = &f["totals"];
    assert_eq!(totals["opened"], json!(want.opened));
    assert_eq!(totals["resolved"], json!(want.resolved));
    assert_eq!(totals["closed"], json!(want.closed));
    assert_eq!(totals["open"], json!(want.open));
    assert_eq!(
        totals["abDossiers"],
        json!(want.opened),
        "every sample has a complete volume B"
    );
    assert_eq!(totals["openRedOrange"], json!(want.red_orange.len()));
    #[allow(clippy::cast_precision_loss)]
    let rate = want.resolved as f64 / want.closed as f64;
    assert!((totals["resolutionRate"].as_f64().expect("rate") - rate).abs() < 1e-9);
    let focus: Vec<&str> = f["categories"].as_array().expect("categories")[..4]
        .iter()
        .map(|c| c["code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(focus, ["marriage", "romance", "neighbour", "debt"]);
    let trend_sum: u64 = f["trend"]
        .as_array()
        .expect("trend")
        .iter()
        .map(|m| m["opened"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(trend_sum, want.opened);
    // The same definition behind /v1/stats.
    let (s, stats) = get(&t_chief, "/v1/stats");
    assert_eq!(s, 200);
    let sum = |k: &str| -> u64 {
        stats["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r[k].as_u64().unwrap_or(0))
            .sum()
    };
    assert_eq!(sum("opened"), want.opened);
    assert_eq!(sum("resolved"), want.resolved);
    assert_eq!(sum("openRedOrange"), want.red_orange.len() as u64);
    // Each figure opens exactly the dossiers behind it.
    let (_, list) = get(&t_chief, "/v1/figures/dossiers?figure=openRedOrange");
    let listed: BTreeSet<String> = list["dossiers"]
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(listed, want.red_orange);
    let (_, list) = get(
        &t_chief,
        "/v1/figures/dossiers?figure=opened&category=marriage",
    );
    let n = puzhou
        .iter()
        .filter(|x| x.header.category == "marriage")
        .count();
    assert_eq!(list["dossiers"].as_array().expect("list").len(), n);
    let officers: u64 = f["officers"]
        .as_array()
        .expect("officers")
        .iter()
        .map(|o| o["open"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(officers, want.open, "every sample has one assigned officer");

    // The supervisor sees the bureau, per station; an officer and a mediator see no figures.
    let (s, fb) = get(&t_sup, "/v1/figures");
    assert_eq!(s, 200);
    assert_eq!(fb["totals"]["opened"], json!(30));
    assert_eq!(fb["stations"].as_array().expect("stations").len(), 2);
    let (s, one) = get(
        &t_sup,
        &format!("/v1/figures?station={CHENGXI}&from=2025-06&to=2025-06"),
    );
    assert_eq!(s, 200);
    assert_eq!(one["totals"]["opened"], json!(6));
    assert_eq!(
        get(&t_chief, &format!("/v1/figures?station={CHENGXI}")).0,
        403
    );
    assert_eq!(get(&t_wang, "/v1/figures").0, 403);
    assert_eq!(get(&t_zhao, "/v1/figures").0, 403);
    assert_eq!(get(&t_chief, "/v1/figures?from=2025-13-01").0, 400);

    // The ledger as the officer: the own station's rows, masked, no ID number, no phone.
    let (s, ctype, csv) = bytes(&t_wang, "/v1/ledger.csv");
    assert_eq!(s, 200);
    assert!(ctype.starts_with("text/csv"), "{ctype}");
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
    let text = String::from_utf8(csv).expect("utf-8");
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 25, "header + 24 rows");
    assert!(lines[0].ends_with("序号,卷宗号,登记时间,来源,纠纷类型,当事人,简要情况,预警等级,化解措施,化解结果,是否化解,结案日期,回访情况,责任民警"));
    assert!(text.contains("（2025）蒲州调字第1号"), "dossier numbers");
    for x in &puzhou {
        for party in &x.volume_b.as_ref().expect("b").parties {
            assert!(
                !text.contains(party.id_number.as_deref().unwrap_or("-")),
                "ID number"
            );
            assert!(
                !text.contains(party.mobile.as_deref().unwrap_or("-")),
                "phone"
            );
            assert!(text.contains(&abjuan_server::store::ledger::mask_name(&party.name)));
        }
    }
    let full = &shared.volume_b.as_ref().expect("b").parties[0].name;
    assert!(
        !text.contains(&format!(",{full}")) && !text.contains(&format!("{full}、")),
        "unmasked name"
    );
    assert!(!text.contains("城西"), "another station's rows");

    // As the partner mediator: the one shared dossier, without anything of volume B.
    let (s, _, csv) = bytes(&t_zhao, "/v1/ledger.csv");
    assert_eq!(s, 200);
    let text = String::from_utf8(csv).expect("utf-8");
    assert_eq!(text.trim_end().split("\r\n").count(), 2, "{text}");
    let row: Vec<&str> = text
        .trim_end()
        .split("\r\n")
        .nth(1)
        .expect("row")
        .split(',')
        .collect();
    assert_eq!(row[5], "—", "no parties for a mediator: {text}");
    let b = shared.volume_b.as_ref().expect("b");
    for secret in [
        full.as_str(),
        b.parties[0].id_number.as_deref().expect("id"),
        b.parties[0].mobile.as_deref().expect("mobile"),
        b.parties[1].current_address.as_deref().expect("address"),
        b.relations[0].phone.as_deref().expect("phone"),
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }

    // The workbook (its content is read by openpyxl in tests/browser/station-outputs.test.js).
    let (s, ctype, xlsx) = bytes(&t_sup, "/v1/ledger.xlsx?from=2025-01&to=2025-12");
    assert_eq!(s, 200);
    assert!(ctype.contains("spreadsheetml"), "{ctype}");
    assert!(xlsx.starts_with(b"PK"), "a zip");

    // Every export is in the audit log, with who and how many rows.
    let audit = admin(d, &["audit", "export"]);
    let exports: Vec<Value> = audit
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|r| r["kind"] == "export")
        .collect();
    assert!(
        exports
            .iter()
            .any(|r| r.to_string().contains("ledger.csv") && r.to_string().contains("\"wang\"")),
        "{exports:?}"
    );
    assert!(exports
        .iter()
        .any(|r| r.to_string().contains("ledger.xlsx") && r.to_string().contains("\"sup\"")));

    // Print data: the officer's has volume B, the mediator's none.
    let id_number = shared.volume_b.as_ref().expect("b").parties[0]
        .id_number
        .clone()
        .expect("id number");
    let (s, data) = get(&t_wang, &format!("/v1/print/data?ids={}", shared.id));
    assert_eq!(s, 200);
    assert!(data.to_string().contains(&id_number));
    assert_eq!(data["items"][0]["volumeB"], json!(true));
    let (s, data) = get(&t_zhao, &format!("/v1/print/data?ids={}", shared.id));
    assert_eq!(s, 200);
    let body = data.to_string();
    let b = shared.volume_b.as_ref().expect("b");
    for secret in [
        id_number.as_str(),
        b.parties[0].mobile.as_deref().expect("mobile"),
        b.parties[1].current_address.as_deref().expect("address"),
    ] {
        assert!(!body.contains(secret), "volume B leaked: {secret}");
    }
    assert!(data["items"][0]["dossier"].get("volumeB").is_none());
    assert_eq!(data["items"][0]["volumeB"], json!(false));
    // Another station's dossier is not printed for the mediator (as if it did not exist).
    assert_eq!(
        get(&t_zhao, &format!("/v1/print/data?ids={}", puzhou[0].id)).0,
        404
    );
    // A month's archive batch: the dossiers closed in that month, of the caller's stations.
    let (s, data) = get(&t_chief, "/v1/print/data?closed=2025-03");
    assert_eq!(s, 200);
    let closed_in_march = puzhou
        .iter()
        .filter(|x| {
            x.header.status.is_closing()
                && x.volume_a
                    .closure
                    .as_ref()
                    .is_some_and(|c| c.at.to_rfc3339().starts_with("2025-03"))
        })
        .count();
    assert_eq!(
        data["items"].as_array().expect("items").len(),
        closed_in_march
    );
}

#[test]
fn without_chromium_or_a_cjk_font_the_pdf_route_says_so() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty_fonts = dir.path().join("fonts.conf");
    std::fs::write(
        &empty_fonts,
        "<?xml version=\"1.0\"?><fontconfig></fontconfig>",
    )
    .expect("conf");
    let data = dir.path().join("data");
    let server =
        Server::start_with_env(&data, &[], &[("ABJUAN_CHROMIUM", "/nonexistent/chromium")]);
    let id = new_id();
    let mut p = abjuan_e2e::Phone::new(&server.url, "demo");
    p.create(&sample::dossier(&id, 3, PUZHOU, "2025-03", 1))
        .expect("create");
    assert!(p.sync_all().expect("sync").errors.is_empty());
    let t = server.transport();
    let (s, body) = get(&t, &format!("/v1/print.pdf?ids={id}"));
    assert_eq!(
        (s, body["code"].as_str()),
        (503, Some("print_unavailable")),
        "{body}"
    );
    drop(server);
    let server = Server::start_with_env(
        &data,
        &[],
        &[
            ("ABJUAN_CHROMIUM", "/bin/true"),
            ("FONTCONFIG_FILE", empty_fonts.to_str().expect("path")),
        ],
    );
    let (s, body) = get(&server.transport(), &format!("/v1/print.pdf?ids={id}"));
    assert_eq!(
        (s, body["code"].as_str()),
        (503, Some("print_no_cjk_font")),
        "{body}"
    );
}
