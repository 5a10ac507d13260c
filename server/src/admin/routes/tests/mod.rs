//! Tests of the admin API over `warp::test` (no socket; a temporary directory each), with the
//! account routes and the phone's rule-set routes beside it: [`accounts`] (people, devices,
//! the audit log), [`rules`] (rule sets, from the supervisor to the phone).

use std::sync::Arc;

use abjuan_shared::access::Role;
use serde_json::Value;
use warp::Filter;

use super::routes;
use crate::admin::Admin;
use crate::audit::{AuditFilter, AuditKind};
use crate::auth::testing::{self, add_person, add_units, enrol};
use crate::auth::Gate;

mod accounts;
mod rules;

/// A gate, the admin service and the rule book over fresh stores: bureau `yongji` with
/// station `puzhou`, supervisor `sup`, officer `wang`, partner mediator `zhao`.
struct Rig {
    _dir: tempfile::TempDir,
    gate: Arc<Gate>,
    admin: Arc<Admin>,
    book: Arc<crate::rules::RuleBook>,
}

fn rig() -> Rig {
    let (dir, g) = testing::gate(false);
    add_units(&g, &[("puzhou", "蒲州")]);
    add_person(&g, "sup", Role::BureauSupervisor, None);
    add_person(&g, "wang", Role::Officer, Some("puzhou"));
    add_person(&g, "zhao", Role::PartnerMediator, Some("puzhou"));
    let gate = Arc::new(g);
    let book = testing::book(dir.path());
    let admin = testing::admin(&gate, &book);
    Rig {
        _dir: dir,
        gate,
        admin,
        book,
    }
}

impl Rig {
    fn routes(
        &self,
    ) -> impl Filter<Extract = (warp::reply::Response,), Error = std::convert::Infallible> + Clone
    {
        crate::auth::routes::routes(self.gate.clone(), self.book.clone())
            .or(routes(self.admin.clone(), self.gate.clone()))
            .unify()
            .or(crate::rules::routes::routes(
                self.book.clone(),
                self.gate.clone(),
            ))
            .unify()
            .recover(crate::http::handle_rejection)
            .unify()
    }

    fn token(&self, person: &str) -> String {
        enrol(&self.gate, person, crate::clock::now_ms()).token
    }

    /// `method path` with `token`'s credential and an optional JSON body: status and body.
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = warp::test::request()
            .method(method)
            .path(path)
            .header("authorization", format!("Bearer {token}"));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.reply(&self.routes()).await;
        let v = serde_json::from_slice(resp.body()).unwrap_or(Value::Null);
        (resp.status().as_u16(), v)
    }

    fn kinds(&self) -> Vec<AuditKind> {
        self.gate
            .audit
            .read(&AuditFilter::default())
            .expect("audit")
            .into_iter()
            .map(|r| r.kind)
            .collect()
    }
}
