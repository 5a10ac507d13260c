//! proptest strategies that generate dossiers: mostly plausible values, with a share of
//! values that break field rules (lengths, formats, ranges), so that the validators have
//! something to find.

use abjuan_shared::model::*;
use chrono::{Duration, NaiveDate, TimeZone};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

pub fn labelled<T: Labelled + std::fmt::Debug>() -> impl Strategy<Value = T> {
    select(T::ALL)
}

pub fn uuid() -> impl Strategy<Value = String> {
    prop_oneof![
        9 => any::<u64>().prop_map(|n| format!("0193f0a0-0000-7000-8000-{:012x}", n & 0xffff_ffff_ffff)),
        1 => "[a-z0-9-]{0,40}",
    ]
}

pub fn text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-z 调解双方当事人民警]{0,40}",
        1 => Just(String::new()),
        1 => Just("字".repeat(max + 1)),
        1 => Just("字".repeat(max)),
    ]
}

pub fn opt<S: Strategy>(s: S) -> impl Strategy<Value = Option<S::Value>> {
    prop::option::weighted(0.7, s)
}

pub fn timestamp() -> impl Strategy<Value = Timestamp> {
    (0i64..400 * 24 * 60).prop_map(|minutes| {
        let tz = chrono::FixedOffset::east_opt(8 * 3600)
            .unwrap_or(chrono::FixedOffset::east_opt(0).expect("utc"));
        tz.with_ymd_and_hms(2024, 6, 1, 0, 0, 0)
            .single()
            .expect("valid")
            + Duration::minutes(minutes)
    })
}

pub fn date() -> impl Strategy<Value = Date> {
    (0i64..30_000)
        .prop_map(|d| NaiveDate::from_ymd_opt(1940, 1, 1).expect("valid") + Duration::days(d))
}

pub fn id_number() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (date(), 0u32..1000).prop_map(|(d, seq)| {
            let first17 = format!("140881{}{:03}", d.format("%Y%m%d"), seq);
            let mut arr = [0u8; 17];
            arr.copy_from_slice(first17.as_bytes());
            let check = abjuan_shared::validate::id_number::check_char(&arr);
            format!("{first17}{}", check as char)
        }),
        1 => "[0-9]{17}[0-9Xx]",
        1 => "[0-9X]{0,20}",
    ]
}

pub fn phone() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "1[3-9][0-9]{9}",
        2 => "0[0-9]{2,3}-?[2-9][0-9]{6,7}",
        1 => "[0-9+-]{0,14}",
    ]
}

prop_compose! {
    /// An attachment reference: mostly well formed, sometimes a bad hash, an unknown type or a
    /// size out of bounds.
    pub fn attachment()(id in uuid(),
                        sha256 in prop_oneof![8 => "[0-9a-f]{64}", 1 => "[0-9a-fA-F]{60,66}"],
                        media_type in select(&["image/jpeg", "image/jpeg", "image/png", "application/pdf", "image/gif"][..]),
                        size in prop_oneof![8 => 1u64..=MAX_ATTACHMENT_BYTES, 1 => Just(0u64), 1 => Just(MAX_ATTACHMENT_BYTES + 1)],
                        caption in opt(text(200)), taken_at in timestamp(), by in text(64)) -> Attachment {
        Attachment { id, sha256, media_type: media_type.to_owned(), size, caption, taken_at, by }
    }
}

prop_compose! {
    pub fn party()(id in uuid(), name in text(50), sex in opt(labelled::<Sex>()), id_number in opt(id_number()),
                   birth_date in opt(date()), mobile in opt(phone()), current_address in opt(text(200)),
                   side in labelled::<Side>(), flags in any::<[bool; 12]>(),
                   attachments in vec(attachment(), 0..2)) -> Party {
        Party { id, name, sex, id_number, birth_date, mobile, household_address: None, current_address,
            workplace: None, occupation: None, side, attachments,
            vulnerable: Vulnerability { minor: flags[0], elderly: flags[1], disabled: flags[2], pregnant: flags[3] },
            risk: RiskFactors { violence_history: flags[4], weapons: flags[5], threatens_revenge: flags[6],
                threatens_self_harm: flags[7], alcohol: flags[8], mental_illness: flags[9],
                repeated_petitioning: flags[10], extreme_statements: flags[11] } }
    }
}

prop_compose! {
    pub fn session()(id in uuid(), at in timestamp(), method in labelled::<ContactMethod>(),
                     mediators in vec((text(50), labelled::<MediatorRole>()), 0..3),
                     attendees in vec(uuid(), 0..3), narrative in text(20000),
                     outcome in opt(labelled::<SessionOutcome>())) -> MediationSession {
        MediationSession { id, at, place: None, method,
            mediators: mediators.into_iter().map(|(name, role)| Mediator { name, role, account: None }).collect(),
            attendees, narrative, outcome, next_step: None }
    }
}

prop_compose! {
    pub fn follow_up()(id in uuid(), at in timestamp(), by in text(50), method in labelled::<ContactMethod>(),
                       notes in text(5000), flared_up in any::<bool>()) -> FollowUp {
        FollowUp { id, at, by, method, parties_said: String::new(), flared_up, notes }
    }
}

prop_compose! {
    pub fn header()(station in "[a-z-]{1,20}", category in select(&["marriage", "debt", "neighbour", "gambling", "Bad!"][..]),
                    source in labelled::<Source>(), reported_at in timestamp(), summary in text(2000),
                    status in labelled::<Status>(), prior_calls in 0u32..1200, people_involved in 0u32..20,
                    amount in opt(0u64..300_000), flags in any::<[bool; 3]>(),
                    lat in -100.0f64..100.0, plan in opt((date(), text(1000)))) -> Header {
        Header { station, incident_number: None, category: category.to_owned(), source, reported_at,
            place: Place { address: None, gps: Some(Gps { lat, lon: 110.0 }) }, summary, status,
            assigned_officers: vec![], facts: IncidentFacts { prior_calls, people_involved, amount_yuan: amount,
                injury_occurred: flags[0], group_confrontation: flags[1], escalating: flags[2] },
            follow_up_plan: plan.map(|(due, note)| FollowUpPlan { due, note }), warning_raise: None }
    }
}

prop_compose! {
    pub fn dossier()(id in uuid(), header in header(), sessions in vec(session(), 0..4),
                     follow_ups in vec(follow_up(), 0..3), parties in opt(vec(party(), 0..4)),
                     attachments in vec(attachment(), 0..3)) -> Dossier {
        Dossier { id, form_type: FORM_TYPE.to_owned(), header,
            volume_a: VolumeA { sessions, agreement: None, follow_ups, closure: None, attachments },
            volume_b: parties.map(|parties| VolumeB { parties, relations: vec![], legal_education: vec![] }) }
    }
}
