//! The gate every request passes: who is calling (bearer credential → device → person, or the
//! open demo caller), rate limits, the caller's relation to a dossier, which stations and
//! dossiers they may list, authorship of uploaded changes, and recording what was refused in
//! the audit log. Blocking store calls are short SQLite queries on local files.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use abjuan_shared::access::{allowed, Action, Relation, Role};
use serde_json::json;

use super::{relation, AccountStore, ActorClaim, AuthError, Caller, Owner, RateLimiter};
use crate::audit::{AuditEvent, AuditKind, AuditLog};
use crate::clock::now_ms;

/// Why a request was turned away before reaching its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deny {
    /// No credential, or not a valid one (401).
    Unauthorized,
    /// Authenticated, but not allowed (403).
    Forbidden,
    /// Too many requests; retry after the duration (429).
    RateLimited(Duration),
    /// The account store failed (503).
    Storage,
}

/// Rate-limit settings.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Requests a device may burst.
    pub burst: u32,
    /// Requests per second a device may sustain.
    pub per_second: f64,
    /// Failed credentials or enrolment codes an address may burst.
    pub failures_burst: u32,
    /// Failures per second an address is allowed afterwards.
    pub failures_per_second: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            burst: 600,
            per_second: 20.0,
            failures_burst: 20,
            failures_per_second: 0.2,
        }
    }
}

/// What a caller may list: whole stations, plus single dossiers shared with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Every station (open demo mode).
    pub all: bool,
    /// Stations whose dossiers the caller may read (volume A at least).
    pub stations: Vec<String>,
    /// Dossiers shared with the caller.
    pub shared: Vec<String>,
    /// Stations whose statistics the caller may read.
    pub stats_stations: Vec<String>,
}

/// The gate.
pub struct Gate {
    /// The accounts.
    pub accounts: Arc<dyn AccountStore>,
    /// The audit log.
    pub audit: Arc<AuditLog>,
    devices: RateLimiter,
    failures: RateLimiter,
    /// Open demo mode may apply (the server listens on loopback and allowed it).
    demo_allowed: bool,
    /// Accounts exist, so demo mode is over for good.
    accounts_exist: AtomicBool,
    owners: Mutex<HashMap<String, Owner>>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate")
            .field("demo_allowed", &self.demo_allowed)
            .finish_non_exhaustive()
    }
}

/// The bearer token of an `Authorization` header value.
#[must_use]
pub fn bearer(header: Option<&str>) -> Option<&str> {
    let h = header?.trim();
    let (scheme, token) = h.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl Gate {
    /// A gate over `accounts` and `audit`. `demo_allowed`: requests without a credential from
    /// loopback act as the demo caller while no person exists.
    #[must_use]
    pub fn new(
        accounts: Arc<dyn AccountStore>,
        audit: Arc<AuditLog>,
        limits: Limits,
        demo_allowed: bool,
    ) -> Self {
        Self {
            accounts,
            audit,
            devices: RateLimiter::new(limits.burst, limits.per_second),
            failures: RateLimiter::new(limits.failures_burst, limits.failures_per_second),
            demo_allowed,
            accounts_exist: AtomicBool::new(false),
            owners: Mutex::new(HashMap::new()),
        }
    }

    /// Records an event; a failure to record is logged (the request goes on).
    pub fn record(&self, event: AuditEvent) {
        if let Err(e) = self.audit.append(&event, now_ms()) {
            tracing::error!(error = %e, kind = event.kind.code(), "audit append failed");
        }
    }

    /// Whether open demo mode is in force now.
    pub fn demo_mode(&self) -> bool {
        if !self.demo_allowed || self.accounts_exist.load(Ordering::Relaxed) {
            return false;
        }
        match self.accounts.is_empty() {
            Ok(true) => true,
            Ok(false) => {
                self.accounts_exist.store(true, Ordering::Relaxed);
                false
            }
            Err(_) => false,
        }
    }

    fn failure_key(addr: Option<SocketAddr>) -> String {
        addr.map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
    }

    /// Counts a failed credential or code from `addr`; `Err` when the address is over its limit.
    pub fn count_failure(&self, addr: Option<SocketAddr>) -> Result<(), Deny> {
        self.failures
            .check(&Self::failure_key(addr), Instant::now())
            .map_err(Deny::RateLimited)
    }

    /// Whether `addr` may try a credential or code now.
    #[must_use]
    pub fn may_try(&self, addr: Option<SocketAddr>) -> bool {
        self.failures
            .has_token(&Self::failure_key(addr), Instant::now())
    }

    /// The caller behind an `Authorization` header from `addr`. `client` names the demo
    /// caller's device (open demo mode only).
    pub fn authenticate(
        &self,
        authorization: Option<&str>,
        addr: Option<SocketAddr>,
        client: &str,
    ) -> Result<Caller, Deny> {
        let Some(token) = bearer(authorization) else {
            let loopback = addr.is_none_or(|a| a.ip().is_loopback());
            if authorization.is_none() && loopback && self.demo_mode() {
                return Ok(Caller::demo(client));
            }
            return Err(Deny::Unauthorized);
        };
        if !self.may_try(addr) {
            return Err(Deny::RateLimited(Duration::from_secs(5)));
        }
        match self.accounts.authenticate(token, now_ms()) {
            Ok(caller) => {
                self.devices
                    .check(&caller.device, Instant::now())
                    .map_err(Deny::RateLimited)?;
                Ok(caller)
            }
            Err(e @ (AuthError::InvalidCredential | AuthError::Revoked)) => {
                let device = token.split('_').nth(1).filter(|d| d.len() == 16);
                let mut event = AuditEvent::new(AuditKind::AuthRefused).detail(json!({
                    "reason": if matches!(e, AuthError::Revoked) { "revoked" } else { "invalid" },
                    "from": addr.map(|a| a.ip().to_string()),
                }));
                if let (AuthError::Revoked, Some(d)) = (&e, device) {
                    if let Ok(Some(dev)) = self.accounts.device(d) {
                        event = event.subject(d);
                        if let Ok(Some(p)) = self.accounts.person(&dev.person) {
                            event = event.by(&p.id, Some(d)).bureau(&p.bureau);
                        }
                    }
                }
                self.record(event);
                self.count_failure(addr)?;
                Err(Deny::Unauthorized)
            }
            Err(e) => {
                tracing::error!(error = %e, "authentication failed");
                Err(Deny::Storage)
            }
        }
    }

    /// The caller's relation to a dossier of `station` (`None` or empty: not known yet).
    pub fn relation(
        &self,
        caller: &Caller,
        dossier: &str,
        station: Option<&str>,
    ) -> Result<Relation, AuthError> {
        if caller.demo {
            return Ok(Relation::OwnStation);
        }
        let station = station.filter(|s| !s.is_empty());
        let shared = self.accounts.is_shared(dossier, &caller.person)?;
        let bureau = match station {
            Some(s) => self.accounts.station(s)?.map(|st| st.bureau),
            None => None,
        };
        Ok(relation(caller, station, bureau.as_deref(), shared))
    }

    /// Whether the caller may do `action` on the dossier.
    pub fn may(
        &self,
        caller: &Caller,
        dossier: &str,
        station: Option<&str>,
        action: Action,
    ) -> Result<bool, AuthError> {
        Ok(allowed(
            caller.role,
            self.relation(caller, dossier, station)?,
            action,
        ))
    }

    /// What the caller may list and count.
    pub fn scope(&self, caller: &Caller) -> Result<Scope, AuthError> {
        if caller.demo {
            return Ok(Scope {
                all: true,
                stations: Vec::new(),
                shared: Vec::new(),
                stats_stations: Vec::new(),
            });
        }
        let mut stations = Vec::new();
        let mut stats_stations = Vec::new();
        for st in self.accounts.stations(Some(&caller.bureau))? {
            let rel = relation(caller, Some(&st.id), Some(&st.bureau), false);
            if allowed(caller.role, rel, Action::ReadA) {
                stations.push(st.id.clone());
            }
            if allowed(caller.role, rel, Action::Statistics) {
                stats_stations.push(st.id);
            }
        }
        let shared = if allowed(caller.role, Relation::Shared, Action::ReadA) {
            self.accounts.shared_with(&caller.person)?
        } else {
            Vec::new()
        };
        Ok(Scope {
            all: false,
            stations,
            shared,
            stats_stations,
        })
    }

    /// The owners of actor ids (cached: an actor id never changes device).
    pub fn actor_owners(&self, actors: &[String]) -> HashMap<String, Owner> {
        let mut out = HashMap::new();
        let mut missing = Vec::new();
        if let Ok(cache) = self.owners.lock() {
            for a in actors {
                match cache.get(a) {
                    Some(o) => {
                        out.insert(a.clone(), o.clone());
                    }
                    None => missing.push(a.clone()),
                }
            }
        }
        if !missing.is_empty() {
            match self.accounts.actor_owners(&missing) {
                Ok(found) => {
                    if let Ok(mut cache) = self.owners.lock() {
                        if cache.len() > 100_000 {
                            cache.clear();
                        }
                        for (a, o) in &found {
                            cache.insert(a.clone(), o.clone());
                        }
                    }
                    out.extend(found);
                }
                Err(e) => tracing::error!(error = %e, "actor owners lookup failed"),
            }
        }
        out
    }

    /// Checks that every actor id is the caller's device's, binding the ones no device has
    /// claimed yet to it. `Err(actor)` names the first actor id that belongs to another device.
    pub fn check_authorship(&self, caller: &Caller, actors: &[String]) -> Result<(), String> {
        if caller.demo {
            return Ok(());
        }
        let owners = self.actor_owners(actors);
        for actor in actors {
            match owners.get(actor) {
                Some(o) if o.device == caller.device => {}
                Some(_) => return Err(actor.clone()),
                None => match self
                    .accounts
                    .register_actor(&caller.device, actor, now_ms())
                {
                    Ok(ActorClaim::Registered) => self.record(
                        AuditEvent::new(AuditKind::ActorRegistered)
                            .by(&caller.person, Some(&caller.device))
                            .bureau(&caller.bureau)
                            .subject(actor),
                    ),
                    Ok(ActorClaim::AlreadyOwned) => {}
                    Err(_) => return Err(actor.clone()),
                },
            }
        }
        Ok(())
    }

    /// Records a denied action.
    pub fn denied(&self, caller: &Caller, subject: &str, what: &str) {
        self.record(
            AuditEvent::new(AuditKind::AccessDenied)
                .by(&caller.person, Some(&caller.device))
                .bureau(&caller.bureau)
                .subject(subject)
                .detail(json!({ "action": what, "role": caller.role.code() })),
        );
    }

    /// Records refused changes.
    pub fn refused(&self, caller: &Caller, dossier: &str, volume: &str, reason: &str) {
        self.record(
            AuditEvent::new(AuditKind::ChangeRefused)
                .by(&caller.person, Some(&caller.device))
                .bureau(&caller.bureau)
                .subject(dossier)
                .detail(json!({ "volume": volume, "reason": reason })),
        );
    }
}

/// Whether the role may ever see volume B (re-exported for handlers).
#[must_use]
pub fn sees_volume_b(role: Role) -> bool {
    role.sees_volume_b()
}

/// Whether `ip` is a loopback address.
#[must_use]
pub fn is_loopback(ip: IpAddr) -> bool {
    ip.is_loopback()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::testing::{add_person, add_units, enrol, gate};
    use crate::auth::Share;

    fn seed(g: &Gate) -> (String, String) {
        add_units(g, &[("puzhou", "puzhou"), ("kaizhang", "kaizhang")]);
        let mut tokens = Vec::new();
        for (id, role) in [("wang", Role::Officer), ("zhao", Role::PartnerMediator)] {
            add_person(g, id, role, Some("puzhou"));
            tokens.push(enrol(g, id, now_ms()).token);
        }
        (tokens[0].clone(), tokens[1].clone())
    }

    /// The officer and the mediator of [`seed`], signed in.
    fn officer_and_mediator(g: &Gate) -> (Caller, Caller) {
        let (officer, mediator) = seed(g);
        let o = g
            .authenticate(Some(&format!("Bearer {officer}")), LO, "x")
            .expect("officer");
        let m = g
            .authenticate(Some(&format!("Bearer {mediator}")), LO, "x")
            .expect("mediator");
        (o, m)
    }

    const LO: Option<SocketAddr> = Some(SocketAddr::new(
        IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        1,
    ));

    #[test]
    fn bearer_headers_are_parsed_strictly() {
        assert_eq!(bearer(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(Some("Basic abc")), None);
        assert_eq!(bearer(Some("Bearer ")), None);
        assert_eq!(bearer(None), None);
    }

    #[test]
    fn demo_mode_only_without_accounts_and_without_a_header() {
        let (_d, g) = gate(true);
        let c = g.authenticate(None, LO, "phone").expect("demo");
        assert!(c.demo);
        let remote = Some(SocketAddr::new(
            IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1)),
            1,
        ));
        assert_eq!(
            g.authenticate(None, remote, "phone"),
            Err(Deny::Unauthorized)
        );
        assert_eq!(
            g.authenticate(Some("Bearer nonsense"), LO, "phone"),
            Err(Deny::Unauthorized)
        );
        seed(&g);
        assert_eq!(g.authenticate(None, LO, "phone"), Err(Deny::Unauthorized));
        let (_d2, closed) = gate(false);
        assert_eq!(
            closed.authenticate(None, LO, "phone"),
            Err(Deny::Unauthorized)
        );
    }

    #[test]
    fn credentials_authenticate_and_failures_are_audited_and_limited() {
        let (_d, g) = gate(false);
        let (officer, _) = seed(&g);
        let c = g
            .authenticate(Some(&format!("Bearer {officer}")), LO, "x")
            .expect("officer");
        assert_eq!(c.person, "wang");
        let before = g.audit.verify().expect("verify").rows;
        let mut limited = false;
        for _ in 0..40 {
            match g.authenticate(Some("Bearer abjd_0000000000000000_AAAA"), LO, "x") {
                Err(Deny::RateLimited(_)) => limited = true,
                Err(Deny::Unauthorized) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(limited, "failures from one address are rate limited");
        assert!(g.audit.verify().expect("verify").rows > before);
    }

    #[test]
    fn scope_and_relations_follow_the_policy() {
        let (_d, g) = gate(false);
        let (o, m) = officer_and_mediator(&g);
        let dossier = "0193f0a0-0000-7000-8000-000000000001";
        assert!(g
            .may(&o, dossier, Some("puzhou"), Action::ReadB)
            .expect("may"));
        assert!(!g
            .may(&o, dossier, Some("kaizhang"), Action::ReadA)
            .expect("may"));
        assert!(!g
            .may(&m, dossier, Some("puzhou"), Action::ReadA)
            .expect("may"));
        g.accounts
            .share(&Share {
                dossier: dossier.into(),
                person: "zhao".into(),
                by: "wang".into(),
                at: 1,
            })
            .expect("share");
        assert!(g
            .may(&m, dossier, Some("puzhou"), Action::WriteA)
            .expect("may"));
        assert!(!g
            .may(&m, dossier, Some("puzhou"), Action::ReadB)
            .expect("may"));
        let so = g.scope(&o).expect("scope");
        assert_eq!(so.stations, vec!["puzhou".to_owned()]);
        assert!(so.stats_stations.is_empty());
        let sm = g.scope(&m).expect("scope");
        assert!(sm.stations.is_empty());
        assert_eq!(sm.shared, vec![dossier.to_owned()]);
    }

    #[test]
    fn authorship_binds_unclaimed_actors_and_refuses_others() {
        let (_d, g) = gate(false);
        let (o, m) = officer_and_mediator(&g);
        let actor = vec!["aa11".to_owned()];
        assert_eq!(g.check_authorship(&o, &actor), Ok(()));
        assert_eq!(g.check_authorship(&o, &actor), Ok(()));
        assert_eq!(g.check_authorship(&m, &actor), Err("aa11".to_owned()));
        assert_eq!(g.actor_owners(&actor)["aa11"].person, "wang");
    }
}
