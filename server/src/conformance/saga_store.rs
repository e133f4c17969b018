//! The conformance suite of the [`SagaStore`] port, run by every adapter
//! through [`saga_store_conformance!`] with a factory for its backend.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use crate::core::saga::{
    Saga, SagaDefinition, SagaFilter, SagaPrincipal, SagaStatus, SagaStore, SagaStoreError, SagaTransition,
    TransitionKind,
    definition::{CommandTemplate, RetryPolicy, StepDefinition, Trigger},
};

/// Opens stores on one storage location: each call sees what the previous
/// one stored.
#[async_trait]
pub trait SagaStoreFactory: Send + Sync {
    async fn open(&self) -> Arc<dyn SagaStore>;
}

/// Generates one `#[tokio::test]` per rule for the factory expression.
macro_rules! saga_store_conformance {
    ($factory:expr) => {
        saga_store_conformance!(@tests $factory;
            create_stores_a_saga_and_its_first_transition_once,
            update_checks_the_version_and_appends_the_transition,
            list_filters_and_pages_in_creation_order,
            active_lists_running_and_compensating_sagas,
            definitions_are_replaced_by_name,
            sagas_and_history_survive_reopening,
            the_trigger_position_is_replaced_and_survives_reopening,
        );
    };
    (@tests $factory:expr; $($name:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let factory = $factory;
                $crate::conformance::saga_store::$name(&factory).await;
            }
        )+
    };
}
pub(crate) use saga_store_conformance;

fn definition(name: &str) -> SagaDefinition {
    SagaDefinition {
        name: name.into(),
        description: String::new(),
        trigger: Trigger::default(),
        steps: vec![StepDefinition {
            name: "only".into(),
            command: CommandTemplate {
                aggregate_type: "account".into(),
                aggregate_id: ".id".into(),
                command_type: "DepositMoney".into(),
                payload: "{amount: 1}".into(),
            },
            compensation: None,
            timeout: std::time::Duration::from_secs(1),
            retry: RetryPolicy::default(),
            delay: std::time::Duration::ZERO,
            success_event_type: None,
        }],
    }
}

fn saga(id: &str, definition_name: &str, tenant: &str) -> Saga {
    Saga {
        saga_id: id.into(),
        definition: definition(definition_name),
        data: json!({"id": id}),
        principal: SagaPrincipal {
            subject: "ada".into(),
            tenant: tenant.into(),
            roles: vec!["writer".into()],
            scopes: vec![],
            authenticated: true,
        },
        status: SagaStatus::Running,
        completed_steps: 0,
        to_compensate: 0,
        cancelled: false,
        error: None,
        version: 1,
        created_at: 1,
        updated_at: 1,
    }
}

fn transition(saga: &Saga, kind: TransitionKind) -> SagaTransition {
    SagaTransition {
        saga_id: saga.saga_id.clone(),
        version: saga.version,
        kind,
        status: saga.status,
        step: Some(0),
        attempt: 1,
        error: None,
        at: saga.updated_at,
    }
}

async fn create(store: &dyn SagaStore, saga: &Saga) {
    store.create(saga, &transition(saga, TransitionKind::Started)).await.expect("create");
}

/// Moves a stored saga to `status` (one transition).
async fn advance(store: &dyn SagaStore, saga: &Saga, status: SagaStatus) -> Saga {
    let mut next = saga.clone();
    next.version += 1;
    next.status = status;
    store.update(&next, &transition(&next, TransitionKind::StepSucceeded)).await.expect("update");
    next
}

fn ids(sagas: &[Saga]) -> Vec<&str> {
    sagas.iter().map(|s| s.saga_id.as_str()).collect()
}

pub async fn create_stores_a_saga_and_its_first_transition_once(f: &dyn SagaStoreFactory) {
    let store = f.open().await;
    assert_eq!(store.get("s-1").await, Ok(None));
    assert_eq!(store.history("s-1").await, Ok(vec![]));
    let s1 = saga("s-1", "transfer", "");
    create(store.as_ref(), &s1).await;
    assert_eq!(store.get("s-1").await, Ok(Some(s1.clone())));
    let mut other = saga("s-1", "other", "");
    other.data = json!({"changed": true});
    assert_eq!(
        store.create(&other, &transition(&other, TransitionKind::Started)).await,
        Err(SagaStoreError::AlreadyExists("s-1".into()))
    );
    assert_eq!(store.get("s-1").await, Ok(Some(s1.clone())), "a refused create writes nothing");
    let history = store.history("s-1").await.expect("history");
    assert_eq!(history, vec![transition(&s1, TransitionKind::Started)]);
}

pub async fn update_checks_the_version_and_appends_the_transition(f: &dyn SagaStoreFactory) {
    let store = f.open().await;
    let s1 = saga("s-1", "transfer", "");
    create(store.as_ref(), &s1).await;
    let s2 = advance(store.as_ref(), &s1, SagaStatus::Compensating).await;
    // A writer still at version 1 loses.
    let mut stale = s1.clone();
    stale.version = 2;
    stale.status = SagaStatus::Completed;
    assert!(matches!(
        store.update(&stale, &transition(&stale, TransitionKind::Finished)).await,
        Err(SagaStoreError::Conflict { .. })
    ));
    assert_eq!(store.get("s-1").await, Ok(Some(s2.clone())), "a refused update writes nothing");
    let mut missing = saga("nobody", "transfer", "");
    missing.version = 2;
    assert!(matches!(
        store.update(&missing, &transition(&missing, TransitionKind::Finished)).await,
        Err(SagaStoreError::NotFound(_))
    ));
    let s3 = advance(store.as_ref(), &s2, SagaStatus::Compensated).await;
    let versions: Vec<_> = store.history("s-1").await.expect("history").iter().map(|t| (t.version, t.status)).collect();
    assert_eq!(versions, [(1, SagaStatus::Running), (2, SagaStatus::Compensating), (3, SagaStatus::Compensated)]);
    assert_eq!(store.get("s-1").await, Ok(Some(s3)));
}

pub async fn list_filters_and_pages_in_creation_order(f: &dyn SagaStoreFactory) {
    let store = f.open().await;
    for (id, definition, tenant) in
        [("c", "transfer", ""), ("a", "transfer", "acme"), ("b", "refund", ""), ("d", "transfer", "")]
    {
        create(store.as_ref(), &saga(id, definition, tenant)).await;
    }
    let a = store.get("a").await.expect("get").expect("a");
    advance(store.as_ref(), &a, SagaStatus::Completed).await;

    let all = SagaFilter::default();
    let first = store.list(&all, None, 3).await.expect("list");
    assert_eq!(ids(&first.sagas), ["c", "a", "b"], "creation order, not id order");
    assert_eq!(first.next.as_deref(), Some("b"));
    let rest = store.list(&all, first.next.as_deref(), 3).await.expect("list");
    assert_eq!(ids(&rest.sagas), ["d"]);
    assert_eq!(rest.next, None);

    let transfers = SagaFilter { definition: Some("transfer".into()), ..SagaFilter::default() };
    assert_eq!(ids(&store.list(&transfers, None, 10).await.expect("list").sagas), ["c", "a", "d"]);
    let completed = SagaFilter { status: Some(SagaStatus::Completed), ..SagaFilter::default() };
    assert_eq!(ids(&store.list(&completed, None, 10).await.expect("list").sagas), ["a"]);
    let running_transfers = SagaFilter { status: Some(SagaStatus::Running), ..transfers };
    assert_eq!(ids(&store.list(&running_transfers, None, 10).await.expect("list").sagas), ["c", "d"]);
    let acme = SagaFilter { tenant: Some("acme".into()), ..SagaFilter::default() };
    assert_eq!(ids(&store.list(&acme, None, 10).await.expect("list").sagas), ["a"]);
    let platform = SagaFilter { tenant: Some(String::new()), ..SagaFilter::default() };
    assert_eq!(ids(&store.list(&platform, None, 10).await.expect("list").sagas), ["c", "b", "d"]);
}

pub async fn active_lists_running_and_compensating_sagas(f: &dyn SagaStoreFactory) {
    let store = f.open().await;
    for (id, status) in [
        ("running", SagaStatus::Running),
        ("compensating", SagaStatus::Compensating),
        ("completed", SagaStatus::Completed),
        ("failed", SagaStatus::Failed),
        ("cancelled", SagaStatus::Cancelled),
        ("compensated", SagaStatus::Compensated),
    ] {
        let s = saga(id, "transfer", "");
        create(store.as_ref(), &s).await;
        if status != SagaStatus::Running {
            advance(store.as_ref(), &s, status).await;
        }
    }
    assert_eq!(ids(&store.active().await.expect("active")), ["running", "compensating"]);
}

pub async fn definitions_are_replaced_by_name(f: &dyn SagaStoreFactory) {
    let store = f.open().await;
    assert_eq!(store.definitions().await, Ok(vec![]));
    store.put_definition(&definition("b")).await.expect("put");
    store.put_definition(&definition("a")).await.expect("put");
    let mut changed = definition("b");
    changed.description = "second version".into();
    store.put_definition(&changed).await.expect("put");
    assert_eq!(store.definitions().await, Ok(vec![definition("a"), changed]));
}

pub async fn sagas_and_history_survive_reopening(f: &dyn SagaStoreFactory) {
    let s1 = saga("s-1", "transfer", "acme");
    let s2 = {
        let store = f.open().await;
        create(store.as_ref(), &s1).await;
        store.put_definition(&definition("transfer")).await.expect("put");
        advance(store.as_ref(), &s1, SagaStatus::Compensating).await
    };
    let store = f.open().await;
    assert_eq!(store.get("s-1").await, Ok(Some(s2)));
    assert_eq!(store.history("s-1").await.expect("history").len(), 2);
    assert_eq!(ids(&store.active().await.expect("active")), ["s-1"]);
    assert_eq!(store.definitions().await, Ok(vec![definition("transfer")]));
}

pub async fn the_trigger_position_is_replaced_and_survives_reopening(f: &dyn SagaStoreFactory) {
    {
        let store = f.open().await;
        assert_eq!(store.trigger_position().await, Ok(None));
        store.set_trigger_position("p-1").await.expect("set");
        store.set_trigger_position("p-2").await.expect("set");
        assert_eq!(store.trigger_position().await, Ok(Some("p-2".into())));
    }
    assert_eq!(f.open().await.trigger_position().await, Ok(Some("p-2".into())));
}
