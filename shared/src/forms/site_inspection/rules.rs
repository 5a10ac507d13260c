//! The inspection's cross-field rules. Which apply at which status:
//!
//! | rule | draft (inspecting, rectifying) | closing (closed) |
//! | --- | --- | --- |
//! | formats, lengths, place type, ID numbers, duplicate ids, time order (not in the future, deadlines and re-inspections not before the inspection, campaign from ≤ to) | error | error |
//! | a rectified hazard has a re-inspection date and result, and its re-inspection did not fail | error | error |
//! | outcome consistent with the hazards: 合格 with an unrectified hazard, 限期整改 with none, 移交 without a target | error | error |
//! | inspection within the campaign period | warning | warning |
//! | a hazard not rectified has a deadline; the team has a 民警; checks recorded; each hazard described | warning | error |
//! | an outcome is given; 限期整改 hazards are all rectified | — | error |

use std::collections::{HashMap, HashSet};

use chrono::Duration;
use serde_json::Value;

use super::enums::{HazardStatus, InspectionStatus, MemberRole, OutcomeResult, ReinspectionResult};
use super::model::{is_place_type, Inspection};
use crate::model::{Labelled, Timestamp};
use crate::validate::{id_number, Code, Collector, Severity, Stage, ValidateOptions};

/// Clock skew tolerated between a phone and "now" before a time counts as in the future.
const SKEW: Duration = Duration::minutes(10);

/// The stage a status is judged at.
#[must_use]
pub fn stage(status: InspectionStatus) -> Stage {
    if status == InspectionStatus::Closed {
        Stage::Closing
    } else {
        Stage::Draft
    }
}

pub(crate) fn run(r: &Inspection, opts: &ValidateOptions<'_>, out: &mut Collector) {
    let stage = stage(r.header.status);
    if !is_place_type(&r.place.kind) {
        // Structural (the schema's pattern says the same); checked here because the Rust field
        // is not named as in JSON.
        out.error("/place/type", Code::PlaceTypeUnknown);
    }
    time_order(r, opts.now, out);
    hazards(r, out);
    outcome(r, out);
    persons(r, opts.now, out);
    duplicate_ids(r, out);
    completeness(r, stage, out);
}

fn time_order(r: &Inspection, now: Timestamp, out: &mut Collector) {
    let latest = now + SKEW;
    let today = latest.date_naive();
    let inspected = r.header.inspected_at;
    let day = inspected.date_naive();
    if inspected > latest {
        out.error("/header/inspectedAt", Code::InFuture);
    }
    let c = &r.campaign;
    if c.from > c.to {
        out.error("/campaign/to", Code::CampaignPeriodOrder);
    } else if day < c.from || day > c.to {
        out.push(
            "/header/inspectedAt",
            Code::OutsideCampaign,
            Severity::Warning,
        );
    }
    for (i, h) in r.hazards.iter().enumerate() {
        if h.deadline.is_some_and(|d| d < day) {
            out.error(
                format!("/hazards/{i}/deadline"),
                Code::DeadlineBeforeInspection,
            );
        }
        if let Some(on) = h.reinspected_on {
            let path = format!("/hazards/{i}/reinspectedOn");
            if on > today {
                out.error(path, Code::InFuture);
            } else if on < day {
                out.error(path, Code::ReinspectionBeforeInspection);
            }
        }
    }
    for (i, a) in r.attachments.iter().enumerate() {
        if a.taken_at > latest {
            out.error(format!("/attachments/{i}/takenAt"), Code::InFuture);
        }
    }
}

fn hazards(r: &Inspection, out: &mut Collector) {
    for (i, h) in r.hazards.iter().enumerate() {
        if h.status != HazardStatus::Rectified {
            continue;
        }
        if h.reinspected_on.is_none() {
            out.error(
                format!("/hazards/{i}/reinspectedOn"),
                Code::ReinspectionRequired,
            );
        }
        match h.reinspection_result {
            None => {
                out.error(
                    format!("/hazards/{i}/reinspectionResult"),
                    Code::ReinspectionRequired,
                );
            }
            Some(ReinspectionResult::Failed) => {
                out.error(
                    format!("/hazards/{i}/status"),
                    Code::RectifiedButReinspectionFailed,
                );
            }
            Some(ReinspectionResult::Passed) => {}
        }
    }
}

fn outcome(r: &Inspection, out: &mut Collector) {
    let Some(o) = &r.outcome else {
        if r.header.status == InspectionStatus::Closed {
            out.error("/outcome", Code::OutcomeRequired);
        }
        return;
    };
    let open = r
        .hazards
        .iter()
        .any(|h| h.status != HazardStatus::Rectified);
    match o.result {
        OutcomeResult::Passed if open => {
            out.error("/outcome/result", Code::PassedWithOpenHazard);
        }
        OutcomeResult::Rectify if r.hazards.is_empty() => {
            out.error("/outcome/result", Code::RectifyWithoutHazard);
        }
        OutcomeResult::Rectify if r.header.status == InspectionStatus::Closed => {
            for (i, h) in r.hazards.iter().enumerate() {
                if h.status != HazardStatus::Rectified {
                    out.error(format!("/hazards/{i}/status"), Code::ClosedWithOpenHazard);
                }
            }
        }
        OutcomeResult::Referred if o.referral_target.is_none() => {
            out.error("/outcome/referralTarget", Code::ReferredNeedsTarget);
        }
        _ => {}
    }
}

/// ID numbers as in the dossier: shape, region and checksum come from the field validator;
/// here what needs the clock or the rest of the person.
fn persons(r: &Inspection, now: Timestamp, out: &mut Collector) {
    let today = now.date_naive();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, p) in r.volume_b.persons.iter().enumerate() {
        let Some(number) = p.id_number.as_deref() else {
            continue;
        };
        let path = format!("/volumeB/persons/{i}");
        if let Some(&other) = seen.get(number) {
            out.error(format!("{path}/idNumber"), Code::DuplicateIdNumber)
                .insert("other".into(), Value::from(other + 1));
        } else {
            seen.insert(number, i);
        }
        match id_number::parse(number, Some(today)) {
            Ok(info) => {
                if p.sex.is_some_and(|s| s != info.sex) {
                    out.error(format!("{path}/sex"), Code::SexMismatch)
                        .insert("expected".into(), Value::from(info.sex.code()));
                }
            }
            Err(Code::IdNumberBirthDate) => {
                out.error(format!("{path}/idNumber"), Code::IdNumberBirthDate);
            }
            Err(_) => {}
        }
    }
}

fn duplicate_ids(r: &Inspection, out: &mut Collector) {
    let lists: [(&str, Vec<&str>); 6] = [
        (
            "/team/members",
            r.team.members.iter().map(|m| m.id.as_str()).collect(),
        ),
        ("/checks", r.checks.iter().map(|c| c.id.as_str()).collect()),
        (
            "/hazards",
            r.hazards.iter().map(|h| h.id.as_str()).collect(),
        ),
        (
            "/publicity",
            r.publicity.iter().map(|p| p.id.as_str()).collect(),
        ),
        (
            "/attachments",
            r.attachments.iter().map(|a| a.id.as_str()).collect(),
        ),
        (
            "/volumeB/persons",
            r.volume_b.persons.iter().map(|p| p.id.as_str()).collect(),
        ),
    ];
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

fn completeness(r: &Inspection, stage: Stage, out: &mut Collector) {
    let severity = match stage {
        Stage::Draft => Severity::Warning,
        Stage::Closing => Severity::Error,
    };
    if !r.team.members.iter().any(|m| m.role == MemberRole::Officer) {
        out.push("/team/members", Code::TeamNeedsOfficer, severity);
    }
    if r.checks.is_empty() {
        out.push("/checks", Code::ChecksMissing, severity);
    }
    for (i, h) in r.hazards.iter().enumerate() {
        if h.description.trim().is_empty() {
            out.push(
                format!("/hazards/{i}/description"),
                Code::HazardDescriptionMissing,
                severity,
            );
        }
        if h.status != HazardStatus::Rectified && h.deadline.is_none() {
            out.push(
                format!("/hazards/{i}/deadline"),
                Code::DeadlineRequired,
                severity,
            );
        }
    }
}
