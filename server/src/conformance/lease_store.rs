//! The conformance suite of the [`LeaseStore`] port and of the
//! [`LeaseKeeper`] on top of it: run by every lease store's tests through
//! [`lease_store_conformance!`].

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::core::lease::{LeaseKeeper, LeaseRecord, LeaseStore};

/// Opens lease stores on one storage location (several replicas).
#[async_trait]
pub trait LeaseStoreFactory: Send + Sync {
    async fn open(&self) -> Arc<dyn LeaseStore>;
}

macro_rules! lease_store_conformance {
    ($factory:expr) => {
        lease_store_conformance!(@tests $factory;
            writes_compare_and_set_on_the_version,
            racing_writers_never_both_win,
            one_keeper_holds_and_another_takes_over_when_it_dies,
            a_keeper_that_shuts_down_hands_over_at_once,
        );
    };
    (@tests $factory:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let factory = $factory;
                $crate::conformance::lease_store::$name(&factory).await;
            }
        )+
    };
}
pub(crate) use lease_store_conformance;

fn record(owner: &str, version: &str) -> LeaseRecord {
    LeaseRecord { owner: owner.into(), version: version.into() }
}

pub async fn writes_compare_and_set_on_the_version(factory: &dyn LeaseStoreFactory) {
    let store = factory.open().await;
    assert_eq!(store.read("l").await.expect("read"), None);
    assert!(!store.write("l", &record("a", "v1"), Some("v0")).await.expect("write"), "no record to match");
    assert!(store.write("l", &record("a", "v1"), None).await.expect("create"));
    assert!(!store.write("l", &record("b", "v2"), None).await.expect("write"), "exists already");
    assert!(!store.write("l", &record("b", "v2"), Some("v0")).await.expect("write"), "wrong version");
    assert!(store.write("l", &record("b", "v2"), Some("v1")).await.expect("replace"));
    let other = factory.open().await;
    assert_eq!(other.read("l").await.expect("read"), Some(record("b", "v2")), "visible to another replica");
    assert!(!store.delete("l", "v1").await.expect("delete"), "wrong version");
    assert!(store.delete("l", "v2").await.expect("delete"));
    assert_eq!(other.read("l").await.expect("read"), None);
    assert_eq!(other.read("another").await.expect("read"), None, "leases are separate");
}

pub async fn racing_writers_never_both_win(factory: &dyn LeaseStoreFactory) {
    let store = factory.open().await;
    assert!(store.write("race", &record("x", "v0"), None).await.expect("create"));
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = factory.open().await;
        tasks.push(tokio::spawn(async move {
            store.write("race", &record(&format!("w{i}"), &format!("v{i}-new")), Some("v0")).await.expect("write")
        }));
    }
    let mut winners = 0;
    for t in tasks {
        winners += usize::from(t.await.expect("task"));
    }
    assert_eq!(winners, 1, "exactly one compare-and-set on one version wins");
}

async fn wait_for(rx: &mut tokio::sync::watch::Receiver<bool>, value: bool, within: Duration) {
    tokio::time::timeout(within, async {
        while *rx.borrow_and_update() != value {
            rx.changed().await.expect("keeper alive");
        }
    })
    .await
    .unwrap_or_else(|_| panic!("lease held = {value} not reached within {within:?}"));
}

pub async fn one_keeper_holds_and_another_takes_over_when_it_dies(factory: &dyn LeaseStoreFactory) {
    let ttl = Duration::from_millis(900);
    let (a_stop, b_stop) = (CancellationToken::new(), CancellationToken::new());
    let a = LeaseKeeper::start(factory.open().await, "router", "a", ttl, a_stop.clone());
    let mut a_held = a.held();
    wait_for(&mut a_held, true, Duration::from_secs(5)).await;
    let b = LeaseKeeper::start(factory.open().await, "router", "b", ttl, b_stop.clone());
    let mut b_held = b.held();
    // While a renews, b never gets it.
    tokio::time::sleep(ttl * 3).await;
    assert!(*a_held.borrow() && !*b_held.borrow(), "one holder at a time");
    // a dies without releasing (kill -9): b takes over within ttl + a poll.
    a.abort();
    let died = tokio::time::Instant::now();
    wait_for(&mut b_held, true, ttl * 4).await;
    assert!(died.elapsed() >= ttl / 2, "b waited for a's lease to run out rather than taking it at once");
    b_stop.cancel();
    a_stop.cancel();
}

pub async fn a_keeper_that_shuts_down_hands_over_at_once(factory: &dyn LeaseStoreFactory) {
    let ttl = Duration::from_secs(30);
    let a_stop = CancellationToken::new();
    let a = LeaseKeeper::start(factory.open().await, "sweeps", "a", Duration::from_millis(300), a_stop.clone());
    let mut a_held = a.held();
    wait_for(&mut a_held, true, Duration::from_secs(5)).await;
    a_stop.cancel();
    wait_for(&mut a_held, false, Duration::from_secs(5)).await;
    // With a long ttl, b could only get it this fast because a released it.
    let b_stop = CancellationToken::new();
    let b = LeaseKeeper::start(factory.open().await, "sweeps", "b", ttl, b_stop.clone());
    let mut b_held = b.held();
    wait_for(&mut b_held, true, Duration::from_secs(5)).await;
    b_stop.cancel();
}
