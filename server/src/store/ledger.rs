//! What the dossier index keeps for the station's ledger (台账), beside the list columns of
//! [`super::IndexRow`]: the ledger's short texts (measures, result, follow-ups), the closing
//! date, the assigned officers and the parties' names, already masked (张*国). Derived from the
//! dossier's JSON on every write, so a 10,000-row ledger reads one table and loads no document.
//!
//! Personal data: no ID number and no phone number is ever kept here. Names are masked before
//! they are stored, and the free texts are scrubbed of long digit runs (an ID number or a phone
//! typed into a note). `parties` comes from volume B: the ledger leaves it empty for a caller
//! who may not read volume B.

use abjuan_shared::model::{
    ContactMethod, Labelled, PerformanceStatus, ReferralTarget, SessionOutcome,
};
use serde_json::Value;

/// Version of the derivation below; rows written by an older one are rebuilt at start.
pub const LEDGER_VERSION: i64 = 1;

/// The ledger's part of a dossier's index row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerFields {
    /// Source code (`call_110`, ...).
    pub source: String,
    /// Parties' masked names, `、`-joined (volume B).
    pub parties: String,
    /// 简要情况: the summary with the names of the parties and their relations masked and
    /// long digit runs scrubbed.
    pub summary: String,
    /// 化解措施: sessions held and how, agreement reached.
    pub measures: String,
    /// 化解结果: agreement and its performance, referral, failure, closing note.
    pub result: String,
    /// 结案日期 (`YYYY-MM-DD`), once closed.
    pub closed_on: Option<String>,
    /// 回访情况: follow-ups made, the last one, whether it flared up again; else the plan.
    pub follow_ups: String,
    /// Officers assigned (account ids or badge numbers).
    pub officers: Vec<String>,
    /// Year of the dossier number (the report's year).
    pub year: i64,
}

fn text<'a>(json: &'a Value, pointer: &str) -> &'a str {
    json.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn list<'a>(json: &'a Value, pointer: &str) -> &'a [Value] {
    json.pointer(pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn label<L: Labelled>(code: &str) -> String {
    L::from_code(code).map_or_else(|| code.to_owned(), |v| v.label_zh().to_owned())
}

/// A name with all but its first and last characters masked (张*国, 欧**娜); a two-character
/// name keeps its first (李*), a one-character name shows none.
#[must_use]
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_owned(),
        2 => format!("{}*", chars[0]),
        n => {
            let mut out = String::new();
            out.push(chars[0]);
            out.extend(std::iter::repeat_n('*', n - 2));
            out.push(chars[n - 1]);
            out
        }
    }
}

/// `text` with every run of seven or more digits (an ID number with its final X, a phone, a
/// landline with its hyphen) replaced by `[已隐去]`.
#[must_use]
pub fn scrub(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // A run of digits, possibly split by single hyphens or spaces.
        let mut end = i;
        let mut digits = 0;
        let mut j = i;
        while j < chars.len() {
            if chars[j].is_ascii_digit() {
                digits += 1;
                end = j + 1;
            } else if !(matches!(chars[j], '-' | ' ')
                && chars.get(j + 1).is_some_and(char::is_ascii_digit))
            {
                break;
            }
            j += 1;
        }
        if digits == 17 && chars.get(end).is_some_and(|c| matches!(c, 'X' | 'x')) {
            end += 1;
            digits += 1;
        }
        if digits >= 7 {
            out.push_str("[已隐去]");
        } else {
            out.extend(&chars[i..end]);
        }
        i = end;
    }
    out
}

/// At most `n` characters of `s`, with `…` when cut.
#[must_use]
pub fn excerpt(s: &str, n: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= n {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(n).collect();
    out.push('…');
    out
}

fn measures(json: &Value) -> String {
    let sessions = list(json, "/volumeA/sessions");
    let mut parts = Vec::new();
    if !sessions.is_empty() {
        let mut methods: Vec<String> = Vec::new();
        for s in sessions {
            let m = label::<ContactMethod>(text(s, "/method"));
            if !m.is_empty() && !methods.contains(&m) {
                methods.push(m);
            }
        }
        parts.push(format!(
            "调解{}次（{}）",
            sessions.len(),
            methods.join("、")
        ));
    }
    if json.pointer("/volumeA/agreement").is_some() {
        parts.push("签订调解协议".to_owned());
    }
    if json.pointer("/header/followUpPlan/due").is_some() {
        parts.push("制定回访计划".to_owned());
    }
    parts.join("；")
}

/// `text` with every name in `names` masked (longest first, so 欧阳娜娜 wins over 欧阳) and
/// long digit runs scrubbed.
fn masked(text: &str, names: &[String]) -> String {
    let mut out = text.to_owned();
    for name in names {
        if name.chars().count() >= 2 {
            out = out.replace(name.as_str(), &mask_name(name));
        }
    }
    scrub(&out)
}

fn result(json: &Value) -> String {
    let mut parts = Vec::new();
    if json.pointer("/volumeA/agreement").is_some() {
        let perf = text(json, "/volumeA/agreement/performanceStatus");
        parts.push(format!("达成协议（{}）", label::<PerformanceStatus>(perf)));
    } else if let Some(last) = list(json, "/volumeA/sessions").last() {
        let outcome = text(last, "/outcome");
        if !outcome.is_empty() {
            parts.push(label::<SessionOutcome>(outcome));
        }
    }
    let target = text(json, "/volumeA/closure/referralTarget");
    if !target.is_empty() {
        parts.push(format!("移交{}", label::<ReferralTarget>(target)));
    }
    if text(json, "/header/status") == "failed" {
        parts.push("化解失败".to_owned());
    }
    let note = text(json, "/volumeA/closure/note");
    if !note.is_empty() {
        parts.push(excerpt(note, 60));
    }
    parts.join("；")
}

fn follow_ups(json: &Value) -> String {
    let visits = list(json, "/volumeA/followUps");
    if let Some(last) = visits.iter().max_by_key(|f| text(f, "/at")) {
        let on = text(last, "/at").get(..10).unwrap_or_default();
        let method = label::<ContactMethod>(text(last, "/method"));
        let flared = visits
            .iter()
            .any(|f| f.pointer("/flaredUp").and_then(Value::as_bool) == Some(true));
        let state = if flared { "有反复" } else { "未反复" };
        return format!("回访{}次，最近{on}（{method}），{state}", visits.len());
    }
    let due = text(json, "/header/followUpPlan/due");
    if due.is_empty() {
        String::new()
    } else {
        format!("计划{due}回访")
    }
}

impl LedgerFields {
    /// The ledger fields of a dossier from its JSON (both volumes); works on malformed
    /// dossiers too, reading what can be read.
    #[must_use]
    pub fn build(json: &Value) -> Self {
        let status = text(json, "/header/status");
        let closing = !matches!(status, "" | "registered" | "mediating");
        let closed_on = text(json, "/volumeA/closure/at")
            .get(..10)
            .filter(|_| closing)
            .map(str::to_owned);
        let mut names: Vec<String> = ["/volumeB/parties", "/volumeB/relations"]
            .iter()
            .flat_map(|p| list(json, p))
            .map(|p| text(p, "/name").trim().to_owned())
            .filter(|n| !n.is_empty())
            .collect();
        names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
        let parties = list(json, "/volumeB/parties")
            .iter()
            .map(|p| mask_name(text(p, "/name")))
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join("、");
        let officers = list(json, "/header/assignedOfficers")
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        Self {
            source: text(json, "/header/source").to_owned(),
            parties,
            summary: excerpt(&masked(text(json, "/header/summary"), &names), 200),
            measures: measures(json),
            result: masked(&result(json), &names),
            closed_on,
            follow_ups: follow_ups(json),
            officers,
            year: text(json, "/header/reportedAt")
                .get(..4)
                .and_then(|y| y.parse().ok())
                .unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_masked() {
        assert_eq!(mask_name("张建国"), "张*国");
        assert_eq!(mask_name("李秀"), "李*");
        assert_eq!(mask_name("欧阳娜娜"), "欧**娜");
        assert_eq!(mask_name("王"), "*");
        assert_eq!(mask_name(" "), "");
    }

    #[test]
    fn id_numbers_and_phones_are_scrubbed_from_free_text() {
        assert_eq!(
            scrub("男方身份证14088119850101123X，电话13912345678。"),
            "男方身份证[已隐去]，电话[已隐去]。"
        );
        assert_eq!(scrub("座机0359-8123456"), "座机[已隐去]");
        assert_eq!(scrub("欠款50000元，2025年3月"), "欠款50000元，2025年3月");
        assert_eq!(scrub("3号楼2单元X室"), "3号楼2单元X室");
    }

    #[test]
    fn fields_come_from_both_volumes() {
        let json: Value = serde_json::from_str(include_str!(
            "../../../shared/fixtures/valid/follow-up-marriage.json"
        ))
        .expect("fixture");
        let f = LedgerFields::build(&json);
        assert_eq!(f.source, "call_110");
        assert!(f.parties.contains("张*国"), "{}", f.parties);
        assert!(!f.parties.contains("建"));
        assert!(
            f.summary.contains("张*国") && !f.summary.contains("张建国"),
            "{}",
            f.summary
        );
        assert!(f.measures.starts_with("调解"), "{}", f.measures);
        assert!(f.result.contains("达成协议"), "{}", f.result);
        assert!(f.follow_ups.starts_with("回访"), "{}", f.follow_ups);
        assert_eq!(f.officers, vec!["officer-wang", "officer-liu"]);
        assert_eq!(f.year, 2025);
        let text = format!("{f:?}");
        for p in list(&json, "/volumeB/parties") {
            for key in ["/idNumber", "/mobile"] {
                let v = text_of(p, key);
                assert!(v.is_empty() || !text.contains(v), "{key} leaked");
            }
        }
    }

    fn text_of<'a>(v: &'a Value, p: &str) -> &'a str {
        text(v, p)
    }
}
