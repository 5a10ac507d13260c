//! Realistic dossiers for seeding a demo, the station-output tests and benchmarks: every field
//! of both volumes filled (parties with valid ID numbers and phones, relations, legal
//! education, sessions, agreement, follow-ups, closure), varied by a number so that a set of
//! them spreads over categories, sources, months, statuses and warning levels. Deterministic:
//! dossier `n` is always the same (apart from its id).

use abjuan_shared::model::Dossier;
use serde_json::{json, Value};

const SURNAMES: &[&str] = &["张", "李", "王", "赵", "刘", "陈", "杨", "欧阳", "孙", "周"];
const GIVEN: &[&str] = &[
    "建国", "秀英", "桂兰", "志强", "玉梅", "伟", "丽华", "娜娜", "海涛", "春燕",
];
const CATEGORIES: &[&str] = &[
    "marriage",
    "neighbour",
    "debt",
    "romance",
    "land",
    "wages",
    "marriage",
    "neighbour",
    "property",
    "traffic",
    "debt",
    "other",
];
const SOURCES: &[&str] = &[
    "call_110",
    "walk_in",
    "grid_worker",
    "screening",
    "transfer",
];
const METHODS: &[&str] = &["on_site", "home_visit", "phone", "joint", "video"];

/// A resident ID number of 永济市 (140881) with a valid GB 11643-1999 check character.
#[must_use]
pub fn id_number(birth: &str, seq: u32, male: bool) -> String {
    let seq = seq % 500 * 2 + u32::from(male);
    let first = format!("140881{}{seq:03}", birth.replace('-', ""));
    let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first
        .bytes()
        .zip(weights)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first}{check}")
}

/// The UUID of entity `k` of dossier `n` (stable, well-formed).
fn uid(n: u32, k: u32) -> String {
    format!(
        "0193f0a0-{:04x}-7000-8000-{:012x}",
        n % 0xffff,
        u64::from(n) << 16 | u64::from(k)
    )
}

/// A person's name from two numbers.
#[must_use]
pub fn name(a: u32, b: u32) -> String {
    format!(
        "{}{}",
        SURNAMES[a as usize % SURNAMES.len()],
        GIVEN[b as usize % GIVEN.len()]
    )
}

/// Dossier `n` of station `station`, reported in `month` (`YYYY-MM`), with `sessions`
/// mediation sessions; `id` its dossier id.
#[must_use]
#[allow(clippy::too_many_lines)]
pub fn dossier(id: &str, n: u32, station: &str, month: &str, sessions: u32) -> Dossier {
    let day = n % 20 + 1;
    let reported = format!("{month}-{day:02}T09:{:02}:00+08:00", n % 60);
    let at = |d: u32, h: u32| format!("{month}-{:02}T{h:02}:00:00+08:00", (day + d).min(28));
    let on = |d: u32| format!("{month}-{:02}", (day + d).min(28));
    let kind = n % 20; // 0–3 open, 4–5 referred/failed, rest resolved/archived
    let level = n % 10; // 0 red, 1 orange, 2–3 yellow, rest blue
    let parties: Vec<Value> = (0..2)
        .map(|k| {
            let male = (n + k).is_multiple_of(2);
            let birth = format!(
                "19{}-0{}-1{}",
                60 + (n + k) % 30,
                1 + (n + k) % 9,
                (n + k) % 9
            );
            json!({
                "id": uid(n, 100 + k),
                "name": name(n + k, n * 3 + k),
                "sex": if male { "male" } else { "female" },
                "idNumber": id_number(&birth, n * 2 + k, male),
                "birthDate": birth,
                "mobile": format!("139{:08}", n * 10 + k),
                "householdAddress": "山西省永济市城西街道",
                "currentAddress": format!("永济市城西街道{}号楼{}单元", n % 30 + 1, k + 1),
                "occupation": "务农",
                "side": if k == 0 { "applicant" } else { "respondent" },
                "risk": {
                    "threatensRevenge": level == 0 && k == 1,
                    "alcohol": k == 1 && (2..4).contains(&level),
                },
            })
        })
        .collect();
    let party_ids: Vec<String> = (0..2).map(|k| uid(n, 100 + k)).collect();
    let narrative = "民警到达现场后，先将双方当事人分开安抚情绪，分别听取了双方的陈述。民警结合《民法典》\
        相关规定向双方释法说理，并邀请村委会调解员共同参与，引导双方换位思考。经过耐心细致的工作，\
        双方情绪逐渐平稳，同意继续协商，并约定在此期间互不打扰。民警告知双方如再发生冲突应立即拨打110。";
    let sessions: Vec<Value> = (0..sessions)
        .map(|s| {
            json!({
                "id": uid(n, 200 + s),
                "at": at(s / 3, 10 + s % 3 * 2),
                "place": "派出所调解室",
                "method": METHODS[((n + s) as usize) % METHODS.len()],
                "mediators": [
                    { "name": "王警官", "role": "officer", "account": "officer-wang" },
                    { "name": "赵主任", "role": "village_committee" }
                ],
                "attendees": party_ids,
                "narrative": narrative.repeat(2),
                "outcome": if s + 1 == sessions { "agreed" } else { "partial" },
                "nextStep": "继续跟进协议履行情况",
            })
        })
        .collect();
    let resolved = kind >= 6;
    let status = match kind {
        0 | 1 => "registered",
        2 | 3 => "mediating",
        4 => "referred",
        5 => "failed",
        6..=9 => "follow_up",
        10..=13 => "resolved",
        _ => "archived",
    };
    let mut volume_a = json!({ "sessions": sessions, "followUps": [] });
    if resolved {
        volume_a["agreement"] = json!({
            "terms": "一、双方自愿达成和解；二、被申请方于约定期限内赔偿申请方损失；三、双方今后互不干扰，和睦相处。",
            "signedOn": on(4),
            "signatories": party_ids,
            "performanceDeadline": on(6),
            "performanceStatus": if status == "archived" { "performed" } else { "performing" },
        });
    }
    if matches!(status, "follow_up" | "archived") {
        volume_a["followUps"] = json!([{
            "id": uid(n, 300),
            "at": at(6, 15),
            "by": "officer-wang",
            "method": "phone",
            "partiesSaid": "双方表示协议已在履行，关系缓和。",
            "flaredUp": false,
            "notes": "继续关注。"
        }]);
    }
    if kind >= 4 {
        let mut closure = json!({ "at": at(7, 17), "note": "经调解，纠纷已妥善处理。" });
        if status == "referred" {
            closure["referralTarget"] = json!("court");
        }
        volume_a["closure"] = closure;
    }
    let mut header = json!({
        "station": station,
        "incidentNumber": format!("J1408812025{n:08}"),
        "category": CATEGORIES[n as usize % CATEGORIES.len()],
        "source": SOURCES[n as usize % SOURCES.len()],
        "reportedAt": reported,
        "place": { "address": format!("永济市城西街道某小区{}号楼", n % 30 + 1) },
        "summary": format!("{}与{}因琐事发生纠纷，多次争吵，经民警上门了解情况后受理。", name(n, n * 3), name(n + 1, n * 3 + 1)),
        "status": status,
        "assignedOfficers": [if n.is_multiple_of(3) { "officer-liu" } else { "officer-wang" }],
        "facts": {
            "priorCalls": if (2..4).contains(&level) { 2 } else { 0 },
            "peopleInvolved": 2,
            "amountYuan": if level == 1 { 150_000 } else { 8_000 },
        },
    });
    if level < 2 || n.is_multiple_of(4) {
        header["followUpPlan"] = json!({ "due": on(10), "note": "每月电话回访一次" });
    }
    let value = json!({
        "id": id,
        "header": header,
        "volumeA": volume_a,
        "volumeB": {
            "parties": parties,
            "relations": [{
                "id": uid(n, 400), "partyId": party_ids[0], "name": name(n + 5, n + 7),
                "relation": "sibling", "phone": format!("138{:08}", n), "canHelp": true
            }],
            "legalEducation": [{
                "id": uid(n, 500), "at": at(0, 11), "topics": ["civil_code_marriage", "public_security_penalties"],
                "materials": ["《民法典》宣传册"], "by": "officer-wang", "partyIds": party_ids
            }],
        },
    });
    // The literal above matches the model; a failure is a bug in this function.
    serde_json::from_value(value).expect("sample dossier matches the model")
}

#[cfg(test)]
mod tests {
    use super::*;
    use abjuan_shared::{validate_dossier, ValidateOptions};

    #[test]
    fn samples_are_valid_and_varied() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00+08:00").expect("t");
        let opts = ValidateOptions::new(now);
        let mut levels = std::collections::BTreeSet::new();
        for n in 0..40 {
            let id = format!("0193f0a0-0000-7000-8000-{n:012}");
            let d = dossier(&id, n, "yongji-puzhou", "2025-03", 3 + n % 8);
            let report = validate_dossier(&d, &opts);
            assert!(report.valid, "dossier {n}: {:?}", report.issues);
            levels.insert(abjuan_shared::grade(&d, None).level);
        }
        assert_eq!(levels.len(), 4, "all four levels occur");
    }
}
