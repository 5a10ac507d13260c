//! Tests of the SQLite rule store and the rule book (a temporary directory each): versions,
//! retiring, what becomes current, and subscribers hearing of it.

use std::sync::Arc;

use abjuan_shared::warning::LocalRules;

use super::*;
use crate::auth::{AccountStore, Bureau, HashCost, SqliteAccounts};

fn rules(id: &str) -> LocalRules {
    LocalRules::from_json(&format!(
        r#"{{"rules": [{{"id": "{id}", "level": "orange",
            "reason": {{"zh": "债务", "en": "Debt"}},
            "when": {{"path": "/header/category", "op": "eq", "value": "debt"}}}}]}}"#
    ))
    .expect("rules")
}

fn store() -> (tempfile::TempDir, Arc<SqliteRuleStore>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let accounts = SqliteAccounts::open(dir.path(), HashCost::for_tests()).expect("accounts");
    for id in ["yongji", "ruicheng"] {
        accounts
            .add_bureau(&Bureau {
                id: id.into(),
                name: id.into(),
            })
            .expect("bureau");
    }
    let store = SqliteRuleStore::open(dir.path()).expect("rule store");
    (dir, Arc::new(store))
}

#[test]
fn each_add_is_the_next_version_and_retiring_falls_back() {
    let (_d, s) = store();
    let v1 = s
        .add("yongji", &rules("a"), Some("first"), "sup", 10)
        .expect("v1");
    assert_eq!((v1.set.bureau(), v1.set.version()), ("yongji", 1));
    assert_eq!(v1.note.as_deref(), Some("first"));
    let v2 = s
        .add("yongji", &rules("b"), None, "admin-cli", 20)
        .expect("v2");
    assert_eq!(v2.set.version(), 2);
    assert_eq!(
        s.add("ruicheng", &rules("c"), None, "x", 30)
            .expect("other")
            .set
            .version(),
        1,
        "versions count per bureau"
    );
    assert_eq!(
        s.current_versions().expect("current"),
        vec![("ruicheng".to_owned(), 1), ("yongji".to_owned(), 2)]
    );
    let retired = s.retire("yongji", 2, "sup", 40).expect("retire");
    assert_eq!(
        (retired.retired_at, retired.retired_by.as_deref()),
        (Some(40), Some("sup"))
    );
    assert!(s
        .current_versions()
        .expect("current")
        .contains(&("yongji".to_owned(), 1)));
    assert!(matches!(
        s.retire("yongji", 2, "sup", 50),
        Err(RuleStoreError::Retired)
    ));
    assert!(matches!(
        s.retire("yongji", 9, "sup", 50),
        Err(RuleStoreError::NotFound)
    ));
    let v3 = s.add("yongji", &rules("d"), None, "sup", 60).expect("v3");
    assert_eq!(v3.set.version(), 3, "a retired number is never reused");
    s.retire("yongji", 3, "sup", 70).expect("retire 3");
    s.retire("yongji", 1, "sup", 80).expect("retire 1");
    assert_eq!(
        s.current_versions().expect("current"),
        vec![("ruicheng".to_owned(), 1)],
        "every version retired: core rules only"
    );
    assert!(matches!(
        s.add("nowhere", &rules("e"), None, "x", 90),
        Err(RuleStoreError::NoBureau)
    ));
    let all = s.list(Some("yongji")).expect("list");
    assert_eq!(
        all.iter().map(|r| r.set.version()).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(
        all[1].set.local().rules()[0].id,
        "b",
        "the rules come back as stored"
    );
    assert_eq!(s.get("yongji", 2).expect("get"), Some(all[1].clone()));
    assert_eq!(s.list(None).expect("list").len(), 4);
}

#[test]
fn the_book_answers_from_memory_and_tells_subscribers() {
    let (_d, s) = store();
    s.add("yongji", &rules("a"), None, "sup", 1).expect("v1");
    let book = RuleBook::load(s.clone()).expect("book");
    assert_eq!(book.version("yongji"), Some(1));
    assert_eq!(book.version("ruicheng"), None);
    let mut rx = book.subscribe();
    let seen = rx.borrow_and_update().clone();
    assert_eq!(seen.versions.get("yongji"), Some(&1));

    // Published by another process: the book knows only after a refresh.
    s.add("yongji", &rules("b"), None, "admin-cli", 2)
        .expect("v2");
    assert_eq!(book.version("yongji"), Some(1));
    assert!(!rx.has_changed().expect("open"));
    let changes = book.refresh().expect("refresh");
    assert_eq!(
        changes,
        vec![CurrentChange {
            bureau: "yongji".into(),
            from: Some(1),
            to: Some(2)
        }]
    );
    let set = book.current("yongji").expect("current");
    assert_eq!(set.version(), 2);
    assert_eq!(set.local().rules()[0].id, "b");
    assert!(rx.has_changed().expect("open"), "subscribers hear of it");
    let now = rx.borrow_and_update().clone();
    assert_eq!(now.changed_since(&seen), changes);
    assert!(
        book.refresh().expect("again").is_empty(),
        "nothing new, no news"
    );
    assert!(!rx.has_changed().expect("open"));

    s.retire("yongji", 2, "sup", 3).expect("retire");
    s.retire("yongji", 1, "sup", 4).expect("retire");
    let changes = book.refresh().expect("refresh");
    assert_eq!(changes[0].to, None);
    assert!(book.current("yongji").is_none(), "core rules only");
    assert!(rx.borrow_and_update().versions.is_empty());
}
