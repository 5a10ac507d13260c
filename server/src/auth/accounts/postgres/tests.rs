//! The PostgreSQL account store against a real server (`ABJUAN_TEST_POSTGRES`; run by
//! `scripts/test.d/15-postgres.sh`): two stores on one database stand for two nodes racing.

use std::sync::Arc;

use abjuan_shared::access::Role;

use super::PgAccounts;
use crate::auth::{AccountStore, ActorClaim, AuthError, Bureau, HashCost, Person, Station};
use crate::store::postgres::Db;

fn two_nodes(url: &str) -> (Arc<PgAccounts>, Arc<PgAccounts>) {
    let open = || {
        Arc::new(PgAccounts::open(Db::open(url).expect("db"), HashCost::for_tests()).expect("open"))
    };
    (open(), open())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: scripts/test.d/15-postgres.sh"]
async fn postgres_a_code_is_used_once_and_an_actor_bound_once_across_nodes() {
    let url = crate::store::postgres::tests::fresh_database("accounts").await;
    let (one, two) = two_nodes(&url);
    tokio::task::spawn_blocking(move || {
        assert!(one.is_empty().expect("empty"));
        one.add_bureau(&Bureau {
            id: "yongji".into(),
            name: "永济市公安局".into(),
        })
        .expect("bureau");
        assert!(matches!(
            two.add_bureau(&Bureau {
                id: "yongji".into(),
                name: "again".into()
            }),
            Err(AuthError::Exists("bureau"))
        ));
        two.add_station(&Station {
            id: "puzhou".into(),
            bureau: "yongji".into(),
            name: "蒲州派出所".into(),
        })
        .expect("station");
        one.add_person(
            &Person {
                id: "wang".into(),
                name: "王警官".into(),
                role: Role::Officer,
                station: Some("puzhou".into()),
                bureau: "yongji".into(),
                disabled: false,
            },
            1,
        )
        .expect("person");
        assert!(!two.is_empty().expect("not empty"));
        let code = one.issue_enrolment("wang", 1000, 3_600_000).expect("code");
        let (a, b) = (one.clone(), two.clone());
        let (c1, c2) = (code.code.clone(), code.code.clone());
        let t1 = std::thread::spawn(move || a.enrol(&c1, "phone", 2000));
        let t2 = std::thread::spawn(move || b.enrol(&c2, "phone", 2000));
        let results = [t1.join().expect("join"), t2.join().expect("join")];
        let won: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(won.len(), 1, "exactly one node redeems the code");
        let cred = won[0].clone();
        let caller = two
            .authenticate(&cred.token, 3000)
            .expect("authenticates on the other node");
        assert_eq!(caller.person, "wang");
        assert_eq!(
            one.register_actor(&cred.device.id, "aa01", 4000)
                .expect("bind"),
            ActorClaim::Registered
        );
        assert_eq!(
            two.register_actor(&cred.device.id, "aa01", 4000)
                .expect("bind"),
            ActorClaim::AlreadyOwned
        );
        assert_eq!(
            one.actor_owners(&["aa01".into(), "bb02".into()])
                .expect("owners")["aa01"]
                .person,
            "wang"
        );
        two.revoke_device(&cred.device.id, 5000).expect("revoke");
        assert!(matches!(
            one.authenticate(&cred.token, 6000),
            Err(AuthError::Revoked)
        ));
        assert_eq!(one.stations(Some("yongji")).expect("stations").len(), 1);
        assert_eq!(two.people(None).expect("people").len(), 1);
    })
    .await
    .expect("test thread");
}
