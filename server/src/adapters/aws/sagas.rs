//! The [`SagaStore`] on DynamoDB: one table (`aws.resources.sagas_table`,
//! keys `pk` and `sk`, both strings), shared by every replica.
//!
//! ```text
//! pk               sk                 what
//! saga#<id>        state              the saga (JSON in `saga`), its version `ver`,
//!                                     its creation number `seq`
//! saga#<id>        t#<version:020>    one transition (JSON in `transition`)
//! sagas#created    <seq:020>          creation order: saga id, status, definition,
//!                                     tenant (what `list` filters on)
//! sagas#active     <seq:020>          the saga id, while RUNNING or COMPENSATING
//! sagas#definitions d#<name>          a definition registered through the API
//! sagas#meta       seq                the creation counter
//! sagas#meta       trigger-position   the event triggers' position
//! ```
//!
//! **Transitions are conditional.** An update is one `TransactWriteItems`:
//! the saga item with `ConditionExpression ver = <version - 1>`, the new
//! transition with `attribute_not_exists`, the creation-order entry's
//! status, and the active entry put or deleted. Two replicas advancing the
//! same saga from the same version cannot both win: the second one's
//! condition fails and nothing of it is written (CONFLICT). A create is
//! the same transaction with `attribute_not_exists` on the saga item.
//!
//! **Order.** Creation order is a counter (`sagas#meta/seq`, one atomic
//! `ADD` per create) rather than a timestamp, so sagas created in the same
//! millisecond keep a stable order. Numbers are taken before the create's
//! transaction commits, so two replicas creating at once may commit in the
//! other order than their numbers: a `list` paging at that moment can miss
//! the saga with the lower number; the next list from the start shows it.
//! A number of a refused create is skipped.
//!
//! **Cost.** `list` reads the creation-order entries (small items) and
//! filters them as it goes, then fetches the matching sagas by key; a filter
//! matching few sagas reads many entries. `active` reads only the active
//! entries. The two index partitions and the counter take a write per saga
//! transition or create: about a thousand per second at most on AWS.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::{
    Client,
    error::SdkError,
    operation::transact_write_items::TransactWriteItemsError,
    types::{Delete, Put, ReturnValue, TransactWriteItem, Update},
};

use super::item::{self, Fault, Item, get_n, get_s, n, padded, s};
use crate::core::saga::{
    Saga, SagaDefinition, SagaFilter, SagaPage, SagaStatus, SagaStore, SagaStoreError, SagaTransition,
};

const CREATED: &str = "sagas#created";
const ACTIVE: &str = "sagas#active";
const DEFINITIONS: &str = "sagas#definitions";
const META: &str = "sagas#meta";

/// Sagas in a DynamoDB table.
#[derive(Clone, Debug)]
pub struct DynamoSagaStore {
    client: Client,
    table: String,
}

impl From<Fault> for SagaStoreError {
    fn from(f: Fault) -> Self {
        if f.transient { SagaStoreError::Unavailable(f.text) } else { SagaStoreError::Internal(f.text) }
    }
}

fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([("pk".to_string(), s(pk)), ("sk".to_string(), s(sk))])
}

fn saga_key(saga_id: &str) -> Item {
    key(format!("saga#{saga_id}"), "state")
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, SagaStoreError> {
    serde_json::to_string(value).map_err(|e| SagaStoreError::Internal(format!("cannot encode: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(item: &Item, attribute: &str) -> Result<T, SagaStoreError> {
    let text = get_s(item, attribute).ok_or_else(|| corrupt(item, attribute))?;
    serde_json::from_str(text).map_err(|e| SagaStoreError::Internal(format!("cannot decode a stored saga: {e}")))
}

fn corrupt(item: &Item, what: &str) -> SagaStoreError {
    let pk = get_s(item, "pk").unwrap_or("?");
    let sk = get_s(item, "sk").unwrap_or("?");
    SagaStoreError::Internal(format!("stored saga item {pk}/{sk} has no valid {what}"))
}

fn is_active(status: SagaStatus) -> bool {
    matches!(status, SagaStatus::Running | SagaStatus::Compensating)
}

/// How a failed transaction ended: refused by a condition (`Some(true)`),
/// cancelled for another reason such as a concurrent transaction on the
/// same item (`Some(false)`, worth retrying), or not cancelled at all.
fn cancelled<R>(error: &SdkError<TransactWriteItemsError, R>) -> Option<bool> {
    match error {
        SdkError::ServiceError(e) => match e.err() {
            TransactWriteItemsError::TransactionCanceledException(t) => {
                Some(t.cancellation_reasons().iter().any(|r| r.code() == Some("ConditionalCheckFailed")))
            }
            _ => None,
        },
        _ => None,
    }
}

fn transaction_error<R>(saga_id: &str, error: &SdkError<TransactWriteItemsError, R>) -> SagaStoreError
where
    R: std::fmt::Debug,
{
    match cancelled(error) {
        Some(_) => SagaStoreError::Unavailable(format!(
            "DynamoDB TransactWriteItems on saga {saga_id} was cancelled by a concurrent transaction; try again"
        )),
        None => Fault::of("TransactWriteItems", error).into(),
    }
}

impl DynamoSagaStore {
    /// Sagas in `table` (`aws.resources.sagas_table`).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    fn put(&self, item: Item, condition: Option<&str>) -> Result<TransactWriteItem, SagaStoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_string));
        Ok(TransactWriteItem::builder().put(put.build().map_err(Fault::build)?).build())
    }

    fn transition_put(&self, transition: &SagaTransition) -> Result<TransactWriteItem, SagaStoreError> {
        let item = HashMap::from([
            ("pk".to_string(), s(format!("saga#{}", transition.saga_id))),
            ("sk".to_string(), s(format!("t#{}", padded(transition.version)))),
            ("transition".to_string(), s(to_json(transition)?)),
        ]);
        self.put(item, Some("attribute_not_exists(pk)"))
    }

    /// The next creation number.
    async fn next_seq(&self) -> Result<u64, SagaStoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(META, "seq")))
            .update_expression("ADD #n :one")
            .expression_attribute_names("#n", "n")
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| Fault::of("UpdateItem", &e))?;
        out.attributes()
            .and_then(|a| get_n::<u64>(a, "n"))
            .ok_or_else(|| SagaStoreError::Internal("the saga counter did not answer a number".into()))
    }

    async fn get_item(&self, item_key: Item) -> Result<Option<Item>, SagaStoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(item_key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| Fault::of("GetItem", &e))?;
        Ok(out.item().cloned())
    }

    /// Items of one partition in sort-key order, strongly consistent, after
    /// `after` (a sort key) when given, page by page until `take` says stop.
    async fn query(
        &self,
        pk: &str,
        after: Option<String>,
        mut take: impl FnMut(&Item) -> Result<bool, SagaStoreError>,
    ) -> Result<(), SagaStoreError> {
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .expression_attribute_values(":pk", s(pk))
                .consistent_read(true)
                .set_exclusive_start_key(start.take());
            query = match &after {
                Some(after) => query
                    .key_condition_expression("pk = :pk AND sk > :after")
                    .expression_attribute_values(":after", s(after)),
                None => query.key_condition_expression("pk = :pk"),
            };
            let out = query.send().await.map_err(|e| Fault::of("Query", &e))?;
            for item in out.items() {
                if !take(item)? {
                    return Ok(());
                }
            }
            match out.last_evaluated_key() {
                Some(last) => start = Some(last.clone()),
                None => return Ok(()),
            }
        }
    }

    /// The sagas of these ids, in this order (an id whose saga is missing
    /// is left out).
    async fn sagas(&self, ids: Vec<String>) -> Result<Vec<Saga>, SagaStoreError> {
        let keys = ids.iter().map(|id| saga_key(id)).collect();
        let mut found: HashMap<String, Saga> = HashMap::new();
        for item in item::batch_get(&self.client, &self.table, keys).await? {
            let saga: Saga = from_json(&item, "saga")?;
            found.insert(saga.saga_id.clone(), saga);
        }
        Ok(ids.into_iter().filter_map(|id| found.remove(&id)).collect())
    }

    /// The transaction of an update, given the saga's creation number. Its
    /// condition on `ver` is what keeps two writers apart; the read before
    /// it in [`SagaStore::update`] only saves a transaction bound to fail.
    async fn write_update(&self, saga: &Saga, transition: &SagaTransition, seq: &str) -> Result<(), SagaStoreError> {
        let expected = saga.version.saturating_sub(1);
        let state = Update::builder()
            .table_name(&self.table)
            .set_key(Some(saga_key(&saga.saga_id)))
            .update_expression("SET saga = :saga, ver = :ver")
            .condition_expression("ver = :expected")
            .expression_attribute_values(":saga", s(to_json(saga)?))
            .expression_attribute_values(":ver", n(saga.version))
            .expression_attribute_values(":expected", n(expected))
            .build()
            .map_err(Fault::build)?;
        let entry = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(CREATED, seq)))
            .update_expression("SET #status = :status")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(saga.status.as_str()))
            .build()
            .map_err(Fault::build)?;
        let mut items = vec![
            TransactWriteItem::builder().update(state).build(),
            self.transition_put(transition)?,
            TransactWriteItem::builder().update(entry).build(),
        ];
        if is_active(saga.status) {
            let mut active = key(ACTIVE, seq);
            active.insert("id".into(), s(&saga.saga_id));
            items.push(self.put(active, None)?);
        } else {
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key(ACTIVE, seq)))
                .build()
                .map_err(Fault::build)?;
            items.push(TransactWriteItem::builder().delete(delete).build());
        }
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(()),
            Err(e) if cancelled(&e) == Some(true) => Err(self.refusal(saga).await?),
            Err(e) => Err(transaction_error(&saga.saga_id, &e)),
        }
    }

    /// Why a transaction on `saga` was refused: it is missing or at another
    /// version.
    async fn refusal(&self, saga: &Saga) -> Result<SagaStoreError, SagaStoreError> {
        Ok(match self.get_item(saga_key(&saga.saga_id)).await? {
            None => SagaStoreError::NotFound(saga.saga_id.clone()),
            Some(_) => {
                SagaStoreError::Conflict { saga_id: saga.saga_id.clone(), expected: saga.version.saturating_sub(1) }
            }
        })
    }
}

#[async_trait]
impl SagaStore for DynamoSagaStore {
    async fn create(&self, saga: &Saga, started: &SagaTransition) -> Result<(), SagaStoreError> {
        // Refuse a taken id before spending a creation number on it.
        if self.get_item(saga_key(&saga.saga_id)).await?.is_some() {
            return Err(SagaStoreError::AlreadyExists(saga.saga_id.clone()));
        }
        let seq = padded(self.next_seq().await?);
        let mut state = saga_key(&saga.saga_id);
        state.insert("saga".into(), s(to_json(saga)?));
        state.insert("ver".into(), n(saga.version));
        state.insert("seq".into(), s(&seq));
        let mut entry = key(CREATED, &seq);
        entry.insert("id".into(), s(&saga.saga_id));
        entry.insert("status".into(), s(saga.status.as_str()));
        entry.insert("definition".into(), s(&saga.definition.name));
        entry.insert("tenant".into(), s(&saga.principal.tenant));
        let mut items = vec![
            self.put(state, Some("attribute_not_exists(pk)"))?,
            self.transition_put(started)?,
            self.put(entry, None)?,
        ];
        if is_active(saga.status) {
            let mut active = key(ACTIVE, &seq);
            active.insert("id".into(), s(&saga.saga_id));
            items.push(self.put(active, None)?);
        }
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(()),
            Err(e) if cancelled(&e) == Some(true) => Err(SagaStoreError::AlreadyExists(saga.saga_id.clone())),
            Err(e) => Err(transaction_error(&saga.saga_id, &e)),
        }
    }

    async fn update(&self, saga: &Saga, transition: &SagaTransition) -> Result<(), SagaStoreError> {
        let Some(stored) = self.get_item(saga_key(&saga.saga_id)).await? else {
            return Err(SagaStoreError::NotFound(saga.saga_id.clone()));
        };
        let seq = get_s(&stored, "seq").ok_or_else(|| corrupt(&stored, "seq"))?.to_string();
        let expected = saga.version.saturating_sub(1);
        if saga.version == 0 || get_n::<u64>(&stored, "ver") != Some(expected) {
            return Err(SagaStoreError::Conflict { saga_id: saga.saga_id.clone(), expected });
        }
        self.write_update(saga, transition, &seq).await
    }

    async fn get(&self, saga_id: &str) -> Result<Option<Saga>, SagaStoreError> {
        match self.get_item(saga_key(saga_id)).await? {
            Some(item) => from_json(&item, "saga").map(Some),
            None => Ok(None),
        }
    }

    async fn history(&self, saga_id: &str) -> Result<Vec<SagaTransition>, SagaStoreError> {
        let mut transitions = Vec::new();
        self.query(&format!("saga#{saga_id}"), Some("t#".into()), |item| {
            if get_s(item, "sk").is_some_and(|sk| sk.starts_with("t#")) {
                transitions.push(from_json(item, "transition")?);
            }
            Ok(true)
        })
        .await?;
        Ok(transitions)
    }

    async fn list(&self, filter: &SagaFilter, after: Option<&str>, limit: usize) -> Result<SagaPage, SagaStoreError> {
        let after_seq = match after {
            Some(id) => {
                let item = self.get_item(saga_key(id)).await?.ok_or_else(|| SagaStoreError::NotFound(id.into()))?;
                Some(get_s(&item, "seq").ok_or_else(|| corrupt(&item, "seq"))?.to_string())
            }
            None => None,
        };
        let mut ids = Vec::new();
        self.query(CREATED, after_seq, |entry| {
            let matches = filter.status.is_none_or(|st| get_s(entry, "status") == Some(st.as_str()))
                && filter.definition.as_deref().is_none_or(|d| get_s(entry, "definition") == Some(d))
                && filter.tenant.as_deref().is_none_or(|t| get_s(entry, "tenant") == Some(t));
            if matches {
                ids.push(get_s(entry, "id").ok_or_else(|| corrupt(entry, "id"))?.to_string());
            }
            Ok(ids.len() <= limit)
        })
        .await?;
        let more = ids.len() > limit;
        ids.truncate(limit);
        let sagas = self.sagas(ids).await?;
        let next = if more { sagas.last().map(|s| s.saga_id.clone()) } else { None };
        Ok(SagaPage { sagas, next })
    }

    async fn active(&self) -> Result<Vec<Saga>, SagaStoreError> {
        let mut ids = Vec::new();
        self.query(ACTIVE, None, |entry| {
            ids.push(get_s(entry, "id").ok_or_else(|| corrupt(entry, "id"))?.to_string());
            Ok(true)
        })
        .await?;
        Ok(self.sagas(ids).await?.into_iter().filter(|s| is_active(s.status)).collect())
    }

    async fn put_definition(&self, definition: &SagaDefinition) -> Result<(), SagaStoreError> {
        let mut item = key(DEFINITIONS, format!("d#{}", definition.name));
        item.insert("definition".into(), s(to_json(definition)?));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| Fault::of("PutItem", &e))?;
        Ok(())
    }

    async fn definitions(&self) -> Result<Vec<SagaDefinition>, SagaStoreError> {
        let mut definitions = Vec::new();
        self.query(DEFINITIONS, None, |item| {
            definitions.push(from_json(item, "definition")?);
            Ok(true)
        })
        .await?;
        Ok(definitions)
    }

    async fn trigger_position(&self) -> Result<Option<String>, SagaStoreError> {
        match self.get_item(key(META, "trigger-position")).await? {
            Some(item) => Ok(Some(get_s(&item, "token").ok_or_else(|| corrupt(&item, "token"))?.to_string())),
            None => Ok(None),
        }
    }

    async fn set_trigger_position(&self, token: &str) -> Result<(), SagaStoreError> {
        let mut item = key(META, "trigger-position");
        item.insert("token".into(), s(token));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| Fault::of("PutItem", &e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use async_trait::async_trait;
    use serde_json::json;

    use super::*;
    use crate::{
        adapters::aws::{AwsClients, provision::Needs, testing},
        config::AwsConfig,
        conformance::saga_store::{SagaStoreFactory, saga_store_conformance},
        core::saga::{SagaPrincipal, TransitionKind, definition::Trigger},
    };

    struct OnMoto(tokio::sync::OnceCell<(AwsConfig, AwsClients)>);

    impl OnMoto {
        async fn deployment(&self) -> &(AwsConfig, AwsClients) {
            self.0.get_or_init(|| testing::moto_deployment(Needs { sagas_table: true, ..Needs::default() }, 1)).await
        }
    }

    #[async_trait]
    impl SagaStoreFactory for OnMoto {
        async fn open(&self) -> Arc<dyn SagaStore> {
            let (config, clients) = self.deployment().await;
            Arc::new(DynamoSagaStore::new(clients.dynamodb.clone(), &config.resources.sagas_table))
        }
    }

    saga_store_conformance!(OnMoto(tokio::sync::OnceCell::new()));

    async fn store() -> (DynamoSagaStore, Client, String) {
        let moto = OnMoto(tokio::sync::OnceCell::new());
        let (config, clients) = moto.deployment().await;
        let table = config.resources.sagas_table.clone();
        (DynamoSagaStore::new(clients.dynamodb.clone(), &table), clients.dynamodb.clone(), table)
    }

    fn saga(id: &str) -> Saga {
        Saga {
            saga_id: id.into(),
            definition: SagaDefinition {
                name: "transfer".into(),
                description: String::new(),
                trigger: Trigger::default(),
                steps: vec![],
            },
            data: json!({}),
            principal: SagaPrincipal {
                subject: "ada".into(),
                tenant: String::new(),
                roles: vec![],
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
            at: 1,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_replicas_advancing_the_same_step_cannot_both_win() {
        let (one, client, table) = store().await;
        let other = DynamoSagaStore::new(client, table);
        let s1 = saga("s-1");
        one.create(&s1, &transition(&s1, TransitionKind::Started)).await.expect("create");
        for round in 0..5 {
            let current = one.get("s-1").await.expect("get").expect("saga");
            let mut a = current.clone();
            a.version += 1;
            a.completed_steps = 100 + round;
            let mut b = current.clone();
            b.version += 1;
            b.completed_steps = 200 + round;
            let (ta, tb) = (transition(&a, TransitionKind::StepSucceeded), transition(&b, TransitionKind::StepFailed));
            let (ra, rb) = tokio::join!(one.update(&a, &ta), other.update(&b, &tb));
            let (winner, won) = match (&ra, &rb) {
                (Ok(()), Err(SagaStoreError::Conflict { .. })) => (a, ta),
                (Err(SagaStoreError::Conflict { .. }), Ok(())) => (b, tb),
                _ => panic!("exactly one must win, got {ra:?} and {rb:?}"),
            };
            assert_eq!(one.get("s-1").await.expect("get"), Some(winner.clone()), "the winner's state is stored");
            let history = one.history("s-1").await.expect("history");
            assert_eq!(history.last(), Some(&won));
            assert_eq!(history.len() as u64, winner.version, "one transition per version, none from the loser");
        }
    }

    #[tokio::test]
    async fn the_transaction_itself_refuses_a_stale_version() {
        let (store, client, table) = store().await;
        let s1 = saga("s-1");
        store.create(&s1, &transition(&s1, TransitionKind::Started)).await.expect("create");
        let mut s2 = s1.clone();
        s2.version = 2;
        s2.completed_steps = 1;
        store.update(&s2, &transition(&s2, TransitionKind::StepSucceeded)).await.expect("update");
        // A writer that read version 1 before the update above, past the
        // read that would have stopped it.
        let stored = client.get_item().table_name(&table).set_key(Some(saga_key("s-1"))).send().await.expect("get");
        let seq = get_s(stored.item().expect("item"), "seq").expect("seq").to_string();
        let mut stale = s1.clone();
        stale.version = 2;
        stale.status = SagaStatus::Cancelled;
        let refused = store.write_update(&stale, &transition(&stale, TransitionKind::Finished), &seq).await;
        assert_eq!(refused, Err(SagaStoreError::Conflict { saga_id: "s-1".into(), expected: 1 }));
        assert_eq!(store.get("s-1").await, Ok(Some(s2.clone())));
        let history = store.history("s-1").await.expect("history");
        assert_eq!(history, [transition(&s1, TransitionKind::Started), transition(&s2, TransitionKind::StepSucceeded)]);
        assert_eq!(store.active().await.expect("active"), [s2], "the refused CANCELLED left the active entry");
        let mut gone = saga("nobody");
        gone.version = 2;
        let refused = store.write_update(&gone, &transition(&gone, TransitionKind::Finished), &seq).await;
        assert_eq!(refused, Err(SagaStoreError::NotFound("nobody".into())));
    }

    #[tokio::test]
    async fn list_after_an_unknown_saga_is_not_found_and_damaged_items_are_errors() {
        let (store, client, table) = store().await;
        assert!(matches!(
            store.list(&SagaFilter::default(), Some("nobody"), 10).await,
            Err(SagaStoreError::NotFound(_))
        ));
        let s1 = saga("s-1");
        store.create(&s1, &transition(&s1, TransitionKind::Started)).await.expect("create");
        client
            .update_item()
            .table_name(&table)
            .set_key(Some(saga_key("s-1")))
            .update_expression("SET saga = :bad")
            .expression_attribute_values(":bad", s("{not json"))
            .send()
            .await
            .expect("damage");
        assert!(matches!(store.get("s-1").await, Err(SagaStoreError::Internal(_))));
        assert!(matches!(store.active().await, Err(SagaStoreError::Internal(_))));
        let missing = DynamoSagaStore::new(client, "no-such-table");
        assert!(missing.get("s-1").await.is_err());
    }

    #[tokio::test]
    async fn a_finished_saga_leaves_the_active_entries() {
        let (store, client, table) = store().await;
        let s1 = saga("s-1");
        store.create(&s1, &transition(&s1, TransitionKind::Started)).await.expect("create");
        let mut done = s1.clone();
        done.version = 2;
        done.status = SagaStatus::Completed;
        store.update(&done, &transition(&done, TransitionKind::Finished)).await.expect("update");
        let out = client
            .query()
            .table_name(&table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(ACTIVE))
            .consistent_read(true)
            .send()
            .await
            .expect("query");
        assert!(out.items().is_empty(), "{:?}", out.items());
    }
}
