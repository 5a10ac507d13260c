//! Cross-field rules: ID numbers against sex and birth date, time order, status rules,
//! cross-volume references, categories, completeness.
//!
//! Which rules apply at which status (also in the README):
//!
//! | rule | draft (registered, mediating) | closing (all other statuses) |
//! | --- | --- | --- |
//! | formats, lengths, ID numbers, phones, time order, references, categories, attachments | error | error |
//! | red/orange dossier has a follow-up plan | error | error |
//! | status needs agreement/note, follow-up, referral target, closure | — | error |
//! | volume B: at least one party; each party's ID number and phone | warning | error |
//! | legal education recorded | warning | error |
//! | at least one mediation session | warning (mediating only) | warning |

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use serde_json::Value;

use super::report::{Collector, Severity, Stage};
use super::{id_number, Code, ValidateOptions};
use crate::model::{Attachment, Dossier, Labelled, Status, Timestamp, VolumeB, WarningLevel};
use crate::Locale;

/// Clock skew tolerated between a phone and "now" before a time counts as in the future.
const SKEW: Duration = Duration::minutes(10);

pub(crate) fn run(
    d: &Dossier,
    status: Status,
    level: WarningLevel,
    opts: &ValidateOptions<'_>,
    out: &mut Collector,
) {
    let stage = if status.is_closing() {
        Stage::Closing
    } else {
        Stage::Draft
    };
    category(d, opts, out);
    time_order(d, opts.now, out);
    if let Some(b) = &d.volume_b {
        parties(b, opts.now.date_naive(), out);
        references(d, b, out);
    }
    status_rules(d, status, out);
    completeness(d, status, stage, opts.locale, out);
    if level >= WarningLevel::Orange && d.header.follow_up_plan.is_none() {
        out.error("/header/followUpPlan", Code::FollowUpPlanRequired)
            .insert(
                "level".into(),
                Value::from(opts.locale.pick(level.label_zh(), level.label_en())),
            );
    }
}

fn category(d: &Dossier, opts: &ValidateOptions<'_>, out: &mut Collector) {
    let code = &d.header.category;
    if crate::model::category::is_valid_code(code) && opts.catalog().get(code).is_none() {
        out.error("/header/category", Code::CategoryUnknown)
            .insert("value".into(), Value::from(code.as_str()));
    }
}

fn time_order(d: &Dossier, now: Timestamp, out: &mut Collector) {
    let latest = now + SKEW;
    let reported = d.header.reported_at;
    let mut not_future = |path: String, at: Timestamp| {
        if at > latest {
            out.error(path, Code::InFuture);
            return false;
        }
        true
    };
    let mut before_report = Vec::new();
    not_future("/header/reportedAt".into(), reported);
    for (i, s) in d.volume_a.sessions.iter().enumerate() {
        let path = format!("/volumeA/sessions/{i}/at");
        if not_future(path.clone(), s.at) && s.at < reported {
            before_report.push(path);
        }
    }
    for (i, f) in d.volume_a.follow_ups.iter().enumerate() {
        let path = format!("/volumeA/followUps/{i}/at");
        if not_future(path.clone(), f.at) && f.at < reported {
            before_report.push(path);
        }
    }
    if let Some(c) = &d.volume_a.closure {
        let path = "/volumeA/closure/at".to_owned();
        if not_future(path.clone(), c.at) && c.at < reported {
            before_report.push(path);
        }
    }
    if let Some(b) = &d.volume_b {
        for (i, e) in b.legal_education.iter().enumerate() {
            not_future(format!("/volumeB/legalEducation/{i}/at"), e.at);
        }
    }
    for (base, list) in attachment_lists(d) {
        for (i, a) in list.iter().enumerate() {
            not_future(format!("{base}/{i}/takenAt"), a.taken_at);
        }
    }
    let today = latest.date_naive();
    if let Some(a) = &d.volume_a.agreement {
        if a.signed_on > today {
            out.error("/volumeA/agreement/signedOn", Code::InFuture);
        } else if a.signed_on < reported.date_naive() {
            out.error("/volumeA/agreement/signedOn", Code::BeforeReport);
        }
        if a.performance_deadline.is_some_and(|dl| dl < a.signed_on) {
            out.error(
                "/volumeA/agreement/performanceDeadline",
                Code::DeadlineBeforeSigning,
            );
        }
        for (i, f) in d.volume_a.follow_ups.iter().enumerate() {
            if f.at.date_naive() < a.signed_on {
                out.error(format!("/volumeA/followUps/{i}/at"), Code::BeforeAgreement);
            }
        }
    }
    for path in before_report {
        out.error(path, Code::BeforeReport);
    }
}

fn parties(b: &VolumeB, today: NaiveDate, out: &mut Collector) {
    let mut seen_numbers: HashMap<&str, usize> = HashMap::new();
    for (i, p) in b.parties.iter().enumerate() {
        let Some(number) = p.id_number.as_deref() else {
            continue;
        };
        if let Some(&other) = seen_numbers.get(number) {
            out.error(
                format!("/volumeB/parties/{i}/idNumber"),
                Code::DuplicateIdNumber,
            )
            .insert("other".into(), Value::from(other + 1));
        } else {
            seen_numbers.insert(number, i);
        }
        // Shape, region and checksum are reported by the field validator; here only what
        // needs the clock or the rest of the party.
        match id_number::parse(number, Some(today)) {
            Ok(info) => {
                if p.sex.is_some_and(|s| s != info.sex) {
                    out.error(format!("/volumeB/parties/{i}/sex"), Code::SexMismatch)
                        .insert("expected".into(), Value::from(info.sex.code()));
                }
                if p.birth_date.is_some_and(|d| d != info.birth_date) {
                    out.error(
                        format!("/volumeB/parties/{i}/birthDate"),
                        Code::BirthDateMismatch,
                    )
                    .insert("expected".into(), Value::from(info.birth_date.to_string()));
                }
            }
            Err(Code::IdNumberBirthDate) => {
                out.error(
                    format!("/volumeB/parties/{i}/idNumber"),
                    Code::IdNumberBirthDate,
                );
            }
            Err(_) => {}
        }
        if p.birth_date.is_some_and(|d| d > today) {
            out.error(format!("/volumeB/parties/{i}/birthDate"), Code::InFuture);
        }
    }
}

fn references(d: &Dossier, b: &VolumeB, out: &mut Collector) {
    let party_ids: HashSet<&str> = b.parties.iter().map(|p| p.id.as_str()).collect();
    let mut check = |path: String, ids: &[String]| {
        for (j, id) in ids.iter().enumerate() {
            if !party_ids.contains(id.as_str()) {
                out.error(format!("{path}/{j}"), Code::UnknownParty);
            }
        }
    };
    for (i, s) in d.volume_a.sessions.iter().enumerate() {
        check(format!("/volumeA/sessions/{i}/attendees"), &s.attendees);
    }
    if let Some(a) = &d.volume_a.agreement {
        check("/volumeA/agreement/signatories".into(), &a.signatories);
    }
    for (i, e) in b.legal_education.iter().enumerate() {
        check(
            format!("/volumeB/legalEducation/{i}/partyIds"),
            &e.party_ids,
        );
    }
    for (i, r) in b.relations.iter().enumerate() {
        if !party_ids.contains(r.party_id.as_str()) {
            out.error(
                format!("/volumeB/relations/{i}/partyId"),
                Code::UnknownParty,
            );
        }
    }
    let mut lists: Vec<(String, Vec<&str>)> = attachment_lists(d)
        .into_iter()
        .map(|(base, list)| (base, list.iter().map(|a| a.id.as_str()).collect()))
        .collect();
    let entities: [(&str, Vec<&str>); 5] = [
        (
            "/volumeA/sessions",
            d.volume_a.sessions.iter().map(|s| s.id.as_str()).collect(),
        ),
        (
            "/volumeA/followUps",
            d.volume_a
                .follow_ups
                .iter()
                .map(|f| f.id.as_str())
                .collect(),
        ),
        (
            "/volumeB/parties",
            b.parties.iter().map(|p| p.id.as_str()).collect(),
        ),
        (
            "/volumeB/relations",
            b.relations.iter().map(|r| r.id.as_str()).collect(),
        ),
        (
            "/volumeB/legalEducation",
            b.legal_education.iter().map(|e| e.id.as_str()).collect(),
        ),
    ];
    lists.extend(entities.map(|(base, ids)| (base.to_owned(), ids)));
    for (base, ids) in lists {
        let mut seen = HashSet::new();
        for (i, id) in ids.into_iter().enumerate() {
            if !seen.insert(id) {
                out.error(format!("{base}/{i}/id"), Code::DuplicateId)
                    .insert("value".into(), Value::from(id));
            }
        }
    }
}

/// Every list of attachment references with its JSON pointer (the places of
/// [`crate::attachment::LISTS`]).
fn attachment_lists(d: &Dossier) -> Vec<(String, &[Attachment])> {
    let mut out = vec![(
        "/volumeA/attachments".to_owned(),
        &d.volume_a.attachments[..],
    )];
    if let Some(a) = &d.volume_a.agreement {
        out.push((
            "/volumeA/agreement/attachments".to_owned(),
            &a.attachments[..],
        ));
    }
    if let Some(b) = &d.volume_b {
        for (i, p) in b.parties.iter().enumerate() {
            out.push((
                format!("/volumeB/parties/{i}/attachments"),
                &p.attachments[..],
            ));
        }
    }
    out
}

fn status_rules(d: &Dossier, status: Status, out: &mut Collector) {
    let a = &d.volume_a;
    let note = a.closure.as_ref().and_then(|c| c.note.as_deref());
    match status {
        Status::Resolved | Status::FollowUp if a.agreement.is_none() && note.is_none() => {
            out.error("/volumeA/agreement", Code::ResolvedNeedsAgreementOrNote);
        }
        Status::Archived if a.follow_ups.is_empty() => {
            out.error("/volumeA/followUps", Code::ArchivedNeedsFollowUp);
        }
        Status::Referred => match &a.closure {
            None => {
                out.error("/volumeA/closure", Code::ClosureRequired);
            }
            Some(c) if c.referral_target.is_none() => {
                out.error("/volumeA/closure/referralTarget", Code::ReferredNeedsTarget);
            }
            Some(_) => {}
        },
        Status::Failed if note.is_none() => {
            out.error("/volumeA/closure/note", Code::FailedNeedsNote);
        }
        _ => {}
    }
}

fn completeness(d: &Dossier, status: Status, stage: Stage, locale: Locale, out: &mut Collector) {
    let severity = match stage {
        Stage::Draft => Severity::Warning,
        Stage::Closing => Severity::Error,
    };
    let sessions_expected =
        status == Status::Mediating || (stage == Stage::Closing && status != Status::Referred);
    if sessions_expected && d.volume_a.sessions.is_empty() {
        out.push(
            "/volumeA/sessions",
            Code::SessionsMissing,
            Severity::Warning,
        );
    }
    let Some(b) = &d.volume_b else {
        return;
    };
    if b.parties.is_empty() {
        out.push("/volumeB/parties", Code::PartiesMissing, severity);
    }
    for (i, p) in b.parties.iter().enumerate() {
        let missing = [
            (
                "idNumber",
                locale.pick("身份证号", "ID number"),
                p.id_number.is_none(),
            ),
            (
                "mobile",
                locale.pick("联系电话", "phone number"),
                p.mobile.is_none(),
            ),
        ];
        for (field, label, is_missing) in missing {
            if is_missing {
                out.push(
                    format!("/volumeB/parties/{i}/{field}"),
                    Code::PartyDataMissing,
                    severity,
                )
                .insert("field".into(), Value::from(label));
            }
        }
    }
    if b.legal_education.is_empty() {
        out.push(
            "/volumeB/legalEducation",
            Code::LegalEducationMissing,
            severity,
        );
    }
}

/// Whether a dossier with `report`'s issues is missing required volume-B data (for the
/// station statistics).
#[must_use]
pub fn missing_volume_b_data(report: &super::Report) -> bool {
    report.issues.iter().any(|i| {
        matches!(
            i.code,
            Code::PartiesMissing | Code::PartyDataMissing | Code::LegalEducationMissing
        )
    })
}
