//! The bureau supervisor's admin API under `/v1/admin/`: people, roles, enrolment codes,
//! devices, revocation, the audit log and its export, limited to the supervisor's own bureau.

use std::sync::Arc;

use abjuan_shared::access::{allowed, bureau_relation, Action, Role};
use serde::Deserialize;
use serde_json::json;
use warp::{Filter, Rejection, Reply};

use super::{
    account_reply, authenticated, blocking, deny_reply, now_ms, person_json, with_gate, BODY_LIMIT,
    ENROLMENT_TTL_MS,
};
use crate::audit::{AuditEvent, AuditFilter, AuditKind};
use crate::auth::{AuthError, Caller, Deny, Gate, Person};

/// Body of `POST /v1/admin/people`.
#[derive(Debug, Deserialize)]
pub struct NewPerson {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role code.
    pub role: String,
    /// Station (of the supervisor's bureau).
    #[serde(default)]
    pub station: Option<String>,
}

/// Body of `POST /v1/admin/people/{id}/role`.
#[derive(Debug, Deserialize)]
pub struct RoleChange {
    /// Role code.
    pub role: String,
    /// Station afterwards.
    #[serde(default)]
    pub station: Option<String>,
}

/// The caller may administer their own bureau (the policy's [`Action::Administer`]: its
/// bureau supervisor), or 403 (recorded). Never in open demo mode.
fn supervisor(gate: &Gate, caller: &Caller, what: &str) -> Result<(), Deny> {
    let relation = bureau_relation(&caller.bureau, &caller.bureau);
    if !caller.demo && allowed(caller.role, relation, Action::Administer) {
        Ok(())
    } else {
        gate.denied(caller, "admin", what);
        Err(Deny::Forbidden)
    }
}

/// Why an admin call failed.
#[derive(Debug)]
enum AdminFail {
    Deny(Deny),
    Account(AuthError),
}

impl AdminFail {
    fn reply(&self) -> warp::reply::Response {
        match self {
            AdminFail::Deny(d) => deny_reply(*d),
            AdminFail::Account(e) => account_reply(e),
        }
    }
}

/// The person, when they are of the caller's bureau.
fn bureau_person(gate: &Gate, caller: &Caller, id: &str) -> Result<Person, AuthError> {
    match gate.accounts.person(id)? {
        Some(p) if p.bureau == caller.bureau => Ok(p),
        _ => Err(AuthError::NotFound("person")),
    }
}

#[derive(Debug, Deserialize)]
struct DevicesQuery {
    person: Option<String>,
}

#[allow(clippy::too_many_lines)]
pub(super) fn admin_routes(
    gate: Arc<Gate>,
) -> impl Filter<Extract = (warp::reply::Response,), Error = Rejection> + Clone {
    let base = warp::path("v1")
        .and(warp::path("admin"))
        .and(authenticated(gate.clone()))
        .and(with_gate(gate));
    let stations = base
        .clone()
        .and(warp::path!("stations"))
        .and(warp::get())
        .and_then(|c: Caller, g: Arc<Gate>| async move {
            Ok::<_, Rejection>(
                admin_call(g, c, "list_stations", |g, c| {
                    Ok(json!({ "stations": g.accounts.stations(Some(&c.bureau))? }))
                })
                .await,
            )
        });
    let people = base
        .clone()
        .and(warp::path!("people"))
        .and(warp::get())
        .and_then(|c: Caller, g: Arc<Gate>| async move {
            Ok::<_, Rejection>(
                admin_call(g, c, "list_people", |g, c| {
                    let people: Vec<_> = g
                        .accounts
                        .people(Some(&c.bureau))?
                        .iter()
                        .map(person_json)
                        .collect();
                    Ok(json!({ "people": people }))
                })
                .await,
            )
        });
    let add_person = base
        .clone()
        .and(warp::path!("people"))
        .and(warp::post())
        .and(warp::body::content_length_limit(BODY_LIMIT))
        .and(warp::body::json::<NewPerson>())
        .and_then(|c: Caller, g: Arc<Gate>, req: NewPerson| async move {
            Ok::<_, Rejection>(
                admin_call(g, c, "add_person", move |g, c| {
                    let role = Role::from_code(&req.role).ok_or(AuthError::Invalid("role"))?;
                    let p = Person {
                        id: req.id,
                        name: req.name,
                        role,
                        station: req.station,
                        bureau: c.bureau.clone(),
                        disabled: false,
                    };
                    g.accounts.add_person(&p, now_ms())?;
                    g.record(
                        AuditEvent::new(AuditKind::PersonAdded)
                            .by(&c.person, Some(&c.device))
                            .bureau(&c.bureau)
                            .subject(&p.id)
                            .detail(json!({"role": role.code(), "station": p.station})),
                    );
                    Ok(person_json(&p))
                })
                .await,
            )
        });
    let role = base
        .clone()
        .and(warp::path!("people" / String / "role"))
        .and(warp::post())
        .and(warp::body::content_length_limit(BODY_LIMIT))
        .and(warp::body::json::<RoleChange>())
        .and_then(
            |c: Caller, g: Arc<Gate>, id: String, req: RoleChange| async move {
                Ok::<_, Rejection>(
                    admin_call(g, c, "change_role", move |g, c| {
                        let role = Role::from_code(&req.role).ok_or(AuthError::Invalid("role"))?;
                        bureau_person(g, c, &id)?;
                        let before = g.accounts.set_role(&id, role, req.station.as_deref())?;
                        g.record(
                            AuditEvent::new(AuditKind::RoleChanged)
                                .by(&c.person, Some(&c.device))
                                .bureau(&c.bureau)
                                .subject(&id)
                                .detail(json!({
                                    "from": {"role": before.role.code(), "station": before.station},
                                    "to": {"role": role.code(), "station": req.station},
                                })),
                        );
                        Ok(json!({ "id": id, "role": role.code(), "station": req.station }))
                    })
                    .await,
                )
            },
        );
    let enrolment = base
        .clone()
        .and(warp::path!("people" / String / "enrolment"))
        .and(warp::post())
        .and_then(|c: Caller, g: Arc<Gate>, id: String| async move {
            Ok::<_, Rejection>(
                admin_call(g, c, "issue_enrolment", move |g, c| {
                    bureau_person(g, c, &id)?;
                    let code = g
                        .accounts
                        .issue_enrolment(&id, now_ms(), ENROLMENT_TTL_MS)?;
                    g.record(
                        AuditEvent::new(AuditKind::EnrolmentIssued)
                            .by(&c.person, Some(&c.device))
                            .bureau(&c.bureau)
                            .subject(&id),
                    );
                    Ok(json!({ "person": id, "code": code.code, "expiresAt": code.expires_at }))
                })
                .await,
            )
        });
    let devices = base
        .clone()
        .and(warp::path!("devices"))
        .and(warp::get())
        .and(warp::query::<DevicesQuery>())
        .and_then(|c: Caller, g: Arc<Gate>, q: DevicesQuery| async move {
            Ok::<_, Rejection>(
                admin_call(g, c, "list_devices", move |g, c| {
                    let people: Vec<String> = match q.person {
                        Some(p) => vec![bureau_person(g, c, &p)?.id],
                        None => g
                            .accounts
                            .people(Some(&c.bureau))?
                            .into_iter()
                            .map(|p| p.id)
                            .collect(),
                    };
                    let mut out = Vec::new();
                    for p in people {
                        out.extend(g.accounts.devices(Some(&p))?);
                    }
                    Ok(json!({ "devices": out }))
                })
                .await,
            )
        });
    let revoke = base
        .clone()
        .and(warp::path!("devices" / String / "revoke"))
        .and(warp::post())
        .and_then(|c: Caller, g: Arc<Gate>, id: String| async move {
            Ok::<_, Rejection>(
                admin_call(g, c, "revoke_device", move |g, c| {
                    let device = g
                        .accounts
                        .device(&id)?
                        .ok_or(AuthError::NotFound("device"))?;
                    bureau_person(g, c, &device.person)?;
                    let d = g.accounts.revoke_device(&id, now_ms())?;
                    g.record(
                        AuditEvent::new(AuditKind::DeviceRevoked)
                            .by(&c.person, Some(&c.device))
                            .bureau(&c.bureau)
                            .subject(&id)
                            .detail(json!({"person": d.person})),
                    );
                    Ok(json!({ "device": d }))
                })
                .await,
            )
        });
    let audit = base
        .clone()
        .and(warp::path!("audit"))
        .and(warp::get())
        .and(warp::query::<AuditFilter>())
        .and_then(|c: Caller, g: Arc<Gate>, mut f: AuditFilter| async move {
            Ok::<_, Rejection>(
                admin_call(g, c, "read_audit", move |g, c| {
                    f.bureau = Some(c.bureau.clone());
                    let rows = g
                        .audit
                        .read(&f)
                        .map_err(|e| AuthError::Storage(e.to_string()))?;
                    Ok(json!({ "rows": rows }))
                })
                .await,
            )
        });
    let verify = base
        .clone()
        .and(warp::path!("audit" / "verify"))
        .and(warp::get())
        .and_then(|c: Caller, g: Arc<Gate>| async move {
            Ok::<_, Rejection>(
                admin_call(g, c, "verify_audit", |g, _| {
                    let check = g
                        .audit
                        .verify()
                        .map_err(|e| AuthError::Storage(e.to_string()))?;
                    Ok(json!(check))
                })
                .await,
            )
        });
    let export = base
        .and(warp::path!("audit" / "export"))
        .and(warp::get())
        .and_then(
            |c: Caller, g: Arc<Gate>| async move { Ok::<_, Rejection>(export_audit(g, c).await) },
        );
    stations
        .or(people)
        .unify()
        .or(add_person)
        .unify()
        .or(role)
        .unify()
        .or(enrolment)
        .unify()
        .or(devices)
        .unify()
        .or(revoke)
        .unify()
        .or(verify)
        .unify()
        .or(audit)
        .unify()
        .or(export)
        .unify()
}

async fn admin_call(
    gate: Arc<Gate>,
    caller: Caller,
    what: &'static str,
    f: impl FnOnce(&Gate, &Caller) -> Result<serde_json::Value, AuthError> + Send + 'static,
) -> warp::reply::Response {
    let result = blocking(move || {
        supervisor(&gate, &caller, what).map_err(AdminFail::Deny)?;
        f(&gate, &caller).map_err(AdminFail::Account)
    })
    .await;
    match result {
        Ok(Ok(v)) => warp::reply::json(&v).into_response(),
        Ok(Err(fail)) => fail.reply(),
        Err(d) => deny_reply(d),
    }
}

async fn export_audit(gate: Arc<Gate>, caller: Caller) -> warp::reply::Response {
    let result = blocking(move || {
        supervisor(&gate, &caller, "export_audit")?;
        let mut out = Vec::new();
        let filter = AuditFilter {
            bureau: Some(caller.bureau.clone()),
            ..AuditFilter::default()
        };
        let n = gate.audit.export_jsonl(&filter, &mut out).map_err(|e| {
            tracing::error!(error = %e, "audit export failed");
            Deny::Storage
        })?;
        gate.record(
            AuditEvent::new(AuditKind::Export)
                .by(&caller.person, Some(&caller.device))
                .bureau(&caller.bureau)
                .detail(json!({"what": "audit", "rows": n})),
        );
        Ok(out)
    })
    .await;
    match result.and_then(|r| r) {
        Ok(body) => {
            warp::reply::with_header(body, "content-type", "application/x-ndjson").into_response()
        }
        Err(d) => deny_reply(d),
    }
}
