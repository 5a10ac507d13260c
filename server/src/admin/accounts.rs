//! The account operations of the admin service: bureaus, stations, people and roles,
//! enrolment codes, devices, and dossier shares, each checked, confined and audited.

use abjuan_shared::access::{allowed, Action, Relation, Role};
use serde_json::json;

use super::{now_ms, parse_role, Admin, AdminError, Operator, CLI_OPERATOR};
use crate::audit::{AuditEvent, AuditKind};
use crate::auth::{
    AuthError, Bureau, Device, DeviceCredential, EnrolmentCode, Person, Share, Station,
};

/// A person to add.
#[derive(Debug, Clone)]
pub struct NewPerson {
    /// Id (a-z 0-9 - _ .).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// Their station (optional for supervisors and mediators).
    pub station: Option<String>,
    /// Their bureau; when omitted, the API caller's own, else the station's.
    pub bureau: Option<String>,
}

impl Admin {
    /// Adds a bureau.
    pub fn add_bureau(&self, op: Operator<'_>, bureau: &Bureau) -> Result<(), AdminError> {
        self.authorise(op, Some(&bureau.id), "add_bureau")?;
        self.accounts.add_bureau(bureau)?;
        self.record(
            op,
            AuditEvent::new(AuditKind::BureauAdded)
                .bureau(&bureau.id)
                .subject(&bureau.id),
        )
    }

    /// The bureaus `op` may see.
    pub fn bureaus(&self, op: Operator<'_>) -> Result<Vec<Bureau>, AdminError> {
        self.authorise(op, None, "list_bureaus")?;
        let mut all = self.accounts.bureaus()?;
        all.retain(|b| op.scope().is_none_or(|own| own == b.id));
        Ok(all)
    }

    /// Adds a station to a bureau.
    pub fn add_station(&self, op: Operator<'_>, station: &Station) -> Result<(), AdminError> {
        self.authorise(op, Some(&station.bureau), "add_station")?;
        self.accounts.add_station(station)?;
        self.record(
            op,
            AuditEvent::new(AuditKind::StationAdded)
                .bureau(&station.bureau)
                .subject(&station.id),
        )
    }

    /// The stations of `bureau` (`None`: the API caller's own bureau, or every bureau).
    pub fn stations(
        &self,
        op: Operator<'_>,
        bureau: Option<&str>,
    ) -> Result<Vec<Station>, AdminError> {
        self.authorise(op, bureau, "list_stations")?;
        Ok(self.accounts.stations(bureau.or(op.scope()))?)
    }

    /// Adds a person; returns them as stored.
    pub fn add_person(&self, op: Operator<'_>, new: NewPerson) -> Result<Person, AdminError> {
        let bureau = match (new.bureau, op.scope()) {
            (Some(b), _) => b,
            (None, Some(own)) => own.to_owned(),
            (None, None) => match &new.station {
                Some(s) => {
                    self.accounts
                        .station(s)?
                        .ok_or(AuthError::NotFound("station"))?
                        .bureau
                }
                None => return Err(AuthError::Invalid("give a station or a bureau").into()),
            },
        };
        self.authorise(op, Some(&bureau), "add_person")?;
        let role = parse_role(&new.role)?;
        let person = Person {
            id: new.id,
            name: new.name,
            role,
            station: new.station,
            bureau,
            disabled: false,
        };
        self.accounts.add_person(&person, now_ms())?;
        self.record(
            op,
            AuditEvent::new(AuditKind::PersonAdded)
                .bureau(&person.bureau)
                .subject(&person.id)
                .detail(json!({"role": role.code(), "station": person.station})),
        )?;
        Ok(person)
    }

    /// The people of `bureau` (`None`: the API caller's own bureau, or every bureau).
    pub fn people(
        &self,
        op: Operator<'_>,
        bureau: Option<&str>,
    ) -> Result<Vec<Person>, AdminError> {
        self.authorise(op, bureau, "list_people")?;
        Ok(self.accounts.people(bureau.or(op.scope()))?)
    }

    /// Changes a person's role and station; returns the person as they were before and the
    /// new role.
    pub fn set_role(
        &self,
        op: Operator<'_>,
        id: &str,
        role: &str,
        station: Option<&str>,
    ) -> Result<(Person, Role), AdminError> {
        self.authorise(op, None, "change_role")?;
        let role = parse_role(role)?;
        self.person_in_scope(op, id)?;
        let before = self.accounts.set_role(id, role, station)?;
        self.record(
            op,
            AuditEvent::new(AuditKind::RoleChanged)
                .bureau(&before.bureau)
                .subject(id)
                .detail(json!({
                    "from": {"role": before.role.code(), "station": before.station},
                    "to": {"role": role.code(), "station": station},
                })),
        )?;
        Ok((before, role))
    }

    /// Disables a person (every device of theirs fails at once) or enables them again.
    pub fn set_disabled(
        &self,
        op: Operator<'_>,
        id: &str,
        disabled: bool,
    ) -> Result<(), AdminError> {
        self.authorise(op, None, "disable_person")?;
        let person = self.person_in_scope(op, id)?;
        self.accounts.set_disabled(id, disabled)?;
        self.record(
            op,
            AuditEvent::new(AuditKind::PersonDisabled)
                .bureau(&person.bureau)
                .subject(id)
                .detail(json!({ "disabled": disabled })),
        )
    }

    /// Issues a one-time enrolment code for a person's new phone, valid for `ttl_ms`.
    pub fn issue_enrolment(
        &self,
        op: Operator<'_>,
        person: &str,
        ttl_ms: i64,
    ) -> Result<EnrolmentCode, AdminError> {
        self.authorise(op, None, "issue_enrolment")?;
        let p = self.person_in_scope(op, person)?;
        let code = self.accounts.issue_enrolment(person, now_ms(), ttl_ms)?;
        self.record(
            op,
            AuditEvent::new(AuditKind::EnrolmentIssued)
                .bureau(&p.bureau)
                .subject(person),
        )?;
        Ok(code)
    }

    /// Exchanges an enrolment code for a device credential at the command line (scripts, test
    /// rigs, browsers enrolled by hand). Phones redeem theirs at `POST /v1/enrol`.
    pub fn redeem(&self, code: &str, label: &str) -> Result<DeviceCredential, AdminError> {
        let cred = self.accounts.enrol(code, label, now_ms())?;
        let bureau = self.bureau_of(&cred.device.person);
        self.record(
            Operator::Cli,
            AuditEvent::new(AuditKind::DeviceEnrolled)
                .bureau(&bureau)
                .subject(&cred.device.id)
                .detail(json!({"person": cred.device.person, "label": cred.device.label})),
        )?;
        Ok(cred)
    }

    /// Revokes a device: its next request fails. Returns it.
    pub fn revoke_device(&self, op: Operator<'_>, id: &str) -> Result<Device, AdminError> {
        self.authorise(op, None, "revoke_device")?;
        let device = self
            .accounts
            .device(id)?
            .ok_or(AuthError::NotFound("device"))?;
        let person = self.person_in_scope(op, &device.person)?;
        let d = self.accounts.revoke_device(id, now_ms())?;
        self.record(
            op,
            AuditEvent::new(AuditKind::DeviceRevoked)
                .bureau(&person.bureau)
                .subject(id)
                .detail(json!({ "person": d.person })),
        )?;
        Ok(d)
    }

    /// The devices of `person` (`None`: of every person `op` may see).
    pub fn devices(
        &self,
        op: Operator<'_>,
        person: Option<&str>,
    ) -> Result<Vec<Device>, AdminError> {
        self.authorise(op, None, "list_devices")?;
        if let Some(p) = person {
            let p = self.person_in_scope(op, p)?;
            return Ok(self.accounts.devices(Some(&p.id))?);
        }
        let Some(bureau) = op.scope() else {
            return Ok(self.accounts.devices(None)?);
        };
        let mut out = Vec::new();
        for p in self.accounts.people(Some(bureau))? {
            out.extend(self.accounts.devices(Some(&p.id))?);
        }
        Ok(out)
    }

    /// Shares a dossier with a person. An API caller needs [`Action::Share`] on the dossier,
    /// judged by `relation` (their relation to it, which the dossier route works out from the
    /// dossier's station; the command line passes none), and shares within their bureau only
    /// (open demo mode: any person). A refusal is recorded.
    pub fn share(
        &self,
        op: Operator<'_>,
        dossier: &str,
        person: &str,
        relation: Option<Relation>,
    ) -> Result<Share, AdminError> {
        let by = match op {
            Operator::Cli => CLI_OPERATOR.to_owned(),
            Operator::Caller(c) => {
                let relation = relation.unwrap_or(Relation::OtherBureau);
                if !allowed(c.role, relation, Action::Share) {
                    self.denied(c, dossier, "share");
                    return Err(AdminError::Forbidden);
                }
                c.person.clone()
            }
        };
        let target = match (op, self.accounts.person(person)?) {
            (Operator::Caller(c), Some(p)) if c.demo || p.bureau == c.bureau => p,
            (Operator::Cli, Some(p)) => p,
            _ => return Err(AuthError::NotFound("person").into()),
        };
        let share = Share {
            dossier: dossier.to_owned(),
            person: target.id.clone(),
            by,
            at: now_ms(),
        };
        self.accounts.share(&share)?;
        let bureau = match op {
            Operator::Caller(c) => c.bureau.clone(),
            Operator::Cli => target.bureau,
        };
        self.record(
            op,
            AuditEvent::new(AuditKind::ShareAdded)
                .bureau(&bureau)
                .subject(dossier)
                .detail(json!({ "person": target.id })),
        )?;
        Ok(share)
    }

    /// Withdraws a share (the command line); returns whether there was one.
    pub fn unshare(&self, dossier: &str, person: &str) -> Result<bool, AdminError> {
        let had = self.accounts.unshare(dossier, person)?;
        self.record(
            Operator::Cli,
            AuditEvent::new(AuditKind::ShareRemoved)
                .bureau(&self.bureau_of(person))
                .subject(dossier)
                .detail(json!({ "person": person })),
        )?;
        Ok(had)
    }

    /// The shares of a dossier.
    pub fn shares_of(&self, dossier: &str) -> Result<Vec<Share>, AdminError> {
        Ok(self.accounts.shares_of(dossier)?)
    }

    /// The bureau of a person, or "" when unknown (for the audit row).
    fn bureau_of(&self, person: &str) -> String {
        self.accounts
            .person(person)
            .ok()
            .flatten()
            .map(|p| p.bureau)
            .unwrap_or_default()
    }
}
