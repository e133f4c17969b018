//! The whole pipeline on AWS services: three replicas of `nexus serve` with
//! events on DynamoDB (+ Streams), the stream path on Kinesis, the queue
//! path on SNS→SQS, leases, checkpoints, snapshots and sagas on DynamoDB,
//! schemas on Glue Schema Registry (moto) and read models on OpenSearch
//! (osmem-server). The bank example
//! runs end to end: commands through every replica, the account-search
//! projection, a watcher and the transfer saga; the replica that runs the
//! projections is killed with -9 under load, and afterwards nothing
//! acknowledged is lost and the read model equals a fresh rebuild.
//!
//! A second run mixes backends: the embedded event store with read models
//! on OpenSearch, killed with -9 under load and restarted.
//!
//! Needs moto and osmem-server: `scripts/test` starts both and exports
//! NEXUS_TEST_MOTO_URL and NEXUS_TEST_OPENSEARCH_URL.

use std::{
    collections::{BTreeMap, HashMap},
    time::{Duration, Instant},
};

use nexus_e2e::{
    NexusProcess, ServerOptions, aws_env, aws_provision, error_info, moto_url, opensearch_env, opensearch_url, unique,
};
use nexus_sdk::{
    json::{json_to_struct, struct_to_json},
    proto::{
        Consistency, ExecuteRequest, FieldFilter, GetDocumentRequest, GetProjectionStatusRequest, GetSagaRequest,
        RebuildProjectionRequest, SagaStatus, SearchRequest, StartSagaRequest, WatchDocumentsRequest,
        WatchDocumentsResponse, field_filter, query_service_client::QueryServiceClient,
        saga_service_client::SagaServiceClient, watch_event,
    },
};
use serde_json::{Value, json};
use tonic::{Code, Streaming};

const PROJECTION: &str = "account-search";

fn with_env(env: &[(String, String)]) -> ServerOptions {
    env.iter().fold(ServerOptions::default(), |o, (k, v)| o.env(k, v))
}

/// Whether the replica's log says it holds `lease` now (its last change).
fn holds(replica: &NexusProcess, lease: &str) -> bool {
    let log = replica.log_tail(100_000);
    let last = log.lines().rev().find(|l| l.contains("lease changed hands") && l.contains(&format!("lease={lease}")));
    last.is_some_and(|l| l.contains("holding=true"))
}

async fn wait_for_holder(replicas: &[&NexusProcess], lease: &str, within: Duration) -> usize {
    let deadline = Instant::now() + within;
    loop {
        let holders: Vec<usize> = (0..replicas.len()).filter(|i| holds(replicas[*i], lease)).collect();
        if holders.len() == 1 {
            return holders[0];
        }
        assert!(holders.len() < 2, "two replicas hold the {lease} lease at once: {holders:?}");
        assert!(Instant::now() < deadline, "no replica took the {lease} lease within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Executes a command until it has an answer, with one command id for
/// every attempt so that a retry never executes it twice. `Err` carries
/// the reason of a refusal.
async fn execute(client: &mut nexus_sdk::Client, id: &str, command: &str, payload: Value) -> Result<(), String> {
    let request = ExecuteRequest {
        aggregate_type: "account".into(),
        aggregate_id: id.into(),
        command_type: command.into(),
        payload: json_to_struct(payload),
        command_id: uuid::Uuid::new_v4().to_string(),
        ..Default::default()
    };
    for _ in 0..100 {
        match client.execute_request(request.clone()).await {
            Ok(_) => return Ok(()),
            Err(nexus_sdk::Error::Status(status)) if status.code() == Code::FailedPrecondition => {
                return Err(error_info(&status).reason.clone());
            }
            Err(nexus_sdk::Error::Status(status))
                if matches!(
                    status.code(),
                    Code::Aborted | Code::Unavailable | Code::Cancelled | Code::DeadlineExceeded | Code::Unknown
                ) =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(format!("{e:?}")),
        }
    }
    Err("no answer after 100 attempts".into())
}

/// The account-search documents of `keys` on `replica` (key → body).
async fn documents(replica: &NexusProcess, keys: &[String]) -> BTreeMap<String, Value> {
    let mut query = QueryServiceClient::new(replica.channel().await);
    let filter = FieldFilter {
        field: "account".into(),
        condition: Some(field_filter::Condition::In(prost_types::ListValue {
            values: keys.iter().map(|k| prost_types::Value::from(k.clone())).collect(),
        })),
    };
    let page = query
        .search(SearchRequest {
            projection: PROJECTION.into(),
            filters: vec![filter],
            page_size: 1000,
            ..Default::default()
        })
        .await
        .expect("search")
        .into_inner();
    assert_eq!(page.total as usize, page.documents.len(), "one page holds them all");
    page.documents.into_iter().map(|d| (d.key, struct_to_json(d.body.unwrap_or_default()))).collect()
}

/// Waits until every account's balance on `replica` is what was
/// acknowledged; returns the documents.
async fn wait_for_balances(replica: &NexusProcess, want: &HashMap<String, i64>) -> BTreeMap<String, Value> {
    let keys: Vec<String> = want.keys().map(|a| format!("account-{a}")).collect();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let docs = documents(replica, &keys).await;
        let seen: HashMap<String, i64> = docs
            .iter()
            .filter_map(|(k, d)| Some((k.trim_start_matches("account-").to_string(), d["balance"].as_i64()?)))
            .collect();
        if &seen == want {
            return docs;
        }
        assert!(Instant::now() < deadline, "balances never reached {want:?}: {seen:?}\n{}", replica.log_tail(60));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Rebuilds the projection through whichever replica runs it and waits
/// until reads have switched to the new generation.
async fn rebuild(replicas: &[&NexusProcess]) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut before = None;
    'asked: loop {
        for replica in replicas {
            let mut query = QueryServiceClient::new(replica.channel().await);
            let status = query
                .get_projection_status(GetProjectionStatusRequest { projection: PROJECTION.into() })
                .await
                .expect("status")
                .into_inner()
                .status
                .expect("status");
            before = before.or(status.serving.map(|s| s.generation));
            match query.rebuild_projection(RebuildProjectionRequest { projection: PROJECTION.into() }).await {
                Ok(_) => break 'asked,
                // A replica that follows the one running the projections.
                Err(status) if status.code() == Code::Unavailable => {
                    assert_eq!(error_info(&status).reason, "PROJECTIONS_RUN_ELSEWHERE", "{status:?}");
                }
                Err(status) => panic!("rebuild refused: {status:?}"),
            }
        }
        assert!(Instant::now() < deadline, "no replica accepted the rebuild");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let before = before.expect("a serving generation");
    for replica in replicas {
        let mut query = QueryServiceClient::new(replica.channel().await);
        loop {
            let status = query
                .get_projection_status(GetProjectionStatusRequest { projection: PROJECTION.into() })
                .await
                .expect("status")
                .into_inner()
                .status
                .expect("status");
            if status.serving.as_ref().is_some_and(|s| s.generation > before) {
                break;
            }
            assert!(Instant::now() < deadline, "reads never switched to the rebuilt generation: {status:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// Reads a watch until each key's last balance is the wanted one; returns
/// every balance seen per key, in order.
async fn watch_until(
    stream: &mut Streaming<WatchDocumentsResponse>,
    want: &HashMap<String, i64>,
) -> HashMap<String, Vec<i64>> {
    let mut seen: HashMap<String, Vec<i64>> = HashMap::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let done = want.iter().all(|(a, b)| seen.get(&format!("account-{a}")).and_then(|s| s.last()) == Some(b));
        if done {
            return seen;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let message = match tokio::time::timeout(left, stream.message()).await {
            Ok(Ok(Some(message))) => message,
            other => panic!("the watch ended or stalled before showing every balance: {other:?}; seen {seen:?}"),
        };
        match message.event.and_then(|e| e.kind) {
            Some(watch_event::Kind::Change(change)) => {
                let body = change.document.and_then(|d| d.body).map(struct_to_json).expect("an upsert");
                seen.entry(change.key).or_default().push(body["balance"].as_i64().expect("balance"));
            }
            Some(watch_event::Kind::Current(current)) => {
                let document = current.document.expect("document");
                let body = struct_to_json(document.body.unwrap_or_default());
                seen.entry(document.key).or_default().push(body["balance"].as_i64().expect("balance"));
            }
            Some(watch_event::Kind::Reset(_)) => panic!("the watch was reset; nothing was rebuilt"),
            _ => {}
        }
    }
}

async fn wait_for_saga(replica: &NexusProcess, saga_id: &str) {
    let mut sagas = SagaServiceClient::new(replica.channel().await);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(response) = sagas.get_saga(GetSagaRequest { saga_id: saga_id.into() }).await {
            let saga = response.into_inner().saga.expect("saga");
            if saga.status == SagaStatus::Completed as i32 {
                return;
            }
            assert_ne!(saga.status, SagaStatus::Compensated as i32, "{saga:?}");
        }
        assert!(Instant::now() < deadline, "saga {saga_id} did not complete\n{}", replica.log_tail(40));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Deposits of 5, `count` per account, through `clients` in turn; returns
/// how many each account had acknowledged.
fn deposit_load(
    clients: &[nexus_sdk::Client],
    accounts: &[String],
    count: usize,
) -> Vec<tokio::task::JoinHandle<(String, i64)>> {
    accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut client = clients[i % clients.len()].clone();
            let a = a.clone();
            tokio::spawn(async move {
                let mut acked = 0;
                for _ in 0..count {
                    if execute(&mut client, &a, "DepositMoney", json!({"amount": 5})).await.is_ok() {
                        acked += 1;
                    }
                }
                (a, acked)
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_port_on_aws_services_with_three_replicas_and_a_kill_under_load() {
    let mut env = aws_env(&moto_url());
    env.extend(opensearch_env(&opensearch_url()));
    env.push(("NEXUS_SNAPSHOTS__BACKEND".into(), "dynamodb".into()));
    env.push(("NEXUS_SAGAS__BACKEND".into(), "dynamodb".into()));
    // Schemas on Glue: one registry for the tests (moto allows ten per
    // region), a schema-name prefix of this test's own.
    env.push(("NEXUS_SCHEMAS__BACKEND".into(), "glue".into()));
    env.push(("NEXUS_AWS__RESOURCES__SCHEMA_REGISTRY".into(), "nexus-e2e".into()));
    env.push(("NEXUS_AWS__RESOURCES__SCHEMA_NAME_PREFIX".into(), format!("{}.", unique("fs"))));
    aws_provision(&env);
    let mut nodes = Vec::new();
    for _ in 0..3 {
        nodes.push(NexusProcess::start_with(with_env(&env)).await);
    }
    let mut clients = Vec::new();
    for node in &nodes {
        clients.push(node.client().await);
    }
    let holder = wait_for_holder(&nodes.iter().collect::<Vec<_>>(), "projections", Duration::from_secs(30)).await;
    let others: Vec<usize> = (0..3).filter(|i| *i != holder).collect();

    // Accounts opened through every replica, and a transfer saga started on
    // a replica that stays up.
    let accounts: Vec<String> = (0..6).map(|i| unique(&format!("fs{i}-"))).collect();
    let mut want: HashMap<String, i64> = HashMap::new();
    for (i, a) in accounts.iter().enumerate() {
        let opened = json!({"owner": format!("Owner {i}"), "currency": "EUR", "initial_deposit": 100});
        execute(&mut clients[i % 3], a, "OpenAccount", opened).await.expect("open");
        want.insert(a.clone(), 100);
    }
    let started = SagaServiceClient::new(nodes[others[0]].channel().await)
        .start_saga(StartSagaRequest {
            definition: "transfer".into(),
            input: json_to_struct(json!({"from": accounts[0], "to": accounts[1], "amount": 25})),
            request_id: String::new(),
        })
        .await
        .expect("saga started")
        .into_inner()
        .saga
        .expect("saga");
    wait_for_saga(&nodes[others[1]], &started.saga_id).await;
    *want.get_mut(&accounts[0]).expect("a") -= 25;
    *want.get_mut(&accounts[1]).expect("b") += 25;

    let settled = wait_for_balances(&nodes[others[1]], &want).await;
    assert_eq!(settled.len(), 6, "{settled:?}");

    // A watcher on a replica that follows the projections (it reads the
    // shared store's change log) and survives the kill. It opens once the
    // saga's withdrawal is in the read model: from here every balance only
    // grows, so the changes it sees must come each once and in order.
    let keys: Vec<String> = accounts.iter().map(|a| format!("account-{a}")).collect();
    let watch_node = &nodes[others[0]];
    let mut watch = QueryServiceClient::new(watch_node.channel().await)
        .watch_documents(WatchDocumentsRequest { projection: PROJECTION.into(), keys, resume_after: String::new() })
        .await
        .expect("watch")
        .into_inner();

    // Read-your-writes through every replica, the followers included: a
    // deposit through one, then a read through the next that names its
    // position waits until the shared read model has it.
    for (i, client) in clients.iter_mut().enumerate() {
        let a = &accounts[2];
        let request = ExecuteRequest {
            aggregate_type: "account".into(),
            aggregate_id: a.clone(),
            command_type: "DepositMoney".into(),
            payload: json_to_struct(json!({"amount": 1})),
            ..Default::default()
        };
        let response = client.execute_request(request).await.expect("deposit");
        *want.get_mut(a).expect("account") += 1;
        let position = response.events.last().and_then(|e| e.position.clone()).expect("a position");
        let reader = (i + 1) % 3;
        let doc = QueryServiceClient::new(nodes[reader].channel().await)
            .get_document(GetDocumentRequest {
                projection: PROJECTION.into(),
                key: format!("account-{a}"),
                consistency: Some(Consistency {
                    position: Some(position),
                    timeout: Some(prost_types::Duration { seconds: 30, nanos: 0 }),
                }),
            })
            .await
            .expect("a read that waits for the write")
            .into_inner()
            .document
            .map(|d| struct_to_json(d.body.unwrap_or_default()));
        let role = if reader == holder { "runs the projections" } else { "follows" };
        assert_eq!(
            doc.map(|d| d["balance"].clone()),
            Some(json!(want[a])),
            "replica {reader} ({role}) shows the deposit made through replica {i}"
        );
    }

    // Deposits through the two replicas that do not run the projections,
    // while the one that does is killed with -9.
    let survivor_clients = [clients[others[0]].clone(), clients[others[1]].clone()];
    let writers = deposit_load(&survivor_clients, &accounts, 15);
    tokio::time::sleep(Duration::from_millis(700)).await;
    nodes[holder].kill9();
    let killed = Instant::now();
    let survivors: Vec<&NexusProcess> = others.iter().map(|i| &nodes[*i]).collect();
    wait_for_holder(&survivors, "projections", Duration::from_secs(15)).await;
    eprintln!("projections lease taken over {:?} after the kill", killed.elapsed());
    for writer in writers {
        let (a, acked) = writer.await.expect("writer");
        assert!(acked > 0, "deposits on {a} were acknowledged");
        *want.get_mut(&a).expect("account") += 5 * acked;
    }

    // Every acknowledged deposit is in the read model on both survivors,
    // and the watcher saw each change once, in order.
    let mut before = BTreeMap::new();
    for survivor in &survivors {
        before = wait_for_balances(survivor, &want).await;
    }
    let seen = watch_until(&mut watch, &want).await;
    for (key, balances) in &seen {
        let mut sorted = balances.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(&sorted, balances, "{key}: each change once, in order: {balances:?}");
    }

    // A fresh rebuild from the event log gives the same documents.
    rebuild(&survivors).await;
    let keys: Vec<String> = accounts.iter().map(|a| format!("account-{a}")).collect();
    for survivor in &survivors {
        assert_eq!(documents(survivor, &keys).await, before, "the read model equals a fresh rebuild");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn embedded_events_with_read_models_on_opensearch_survive_a_kill_under_load() {
    let env = opensearch_env(&opensearch_url());
    let mut node = NexusProcess::start_with(with_env(&env)).await;
    let mut client = node.client().await;
    let accounts: Vec<String> = (0..4).map(|i| unique(&format!("mx{i}-"))).collect();
    for a in &accounts {
        let opened = json!({"owner": "Mixed", "currency": "EUR", "initial_deposit": 10});
        execute(&mut client, a, "OpenAccount", opened).await.expect("open");
    }
    let writers = deposit_load(std::slice::from_ref(&client), &accounts, 10);
    tokio::time::sleep(Duration::from_millis(300)).await;
    node.kill9();
    let mut acked: HashMap<String, i64> = HashMap::new();
    for writer in writers {
        let (a, n) = writer.await.expect("writer");
        acked.insert(a, n);
    }
    node.restart().await;
    let client = node.client().await;
    for writer in deposit_load(std::slice::from_ref(&client), &accounts, 5) {
        let (a, n) = writer.await.expect("writer");
        assert_eq!(n, 5, "every deposit after the restart is acknowledged");
        *acked.get_mut(&a).expect("account") += n;
    }
    // The log is the truth: every acknowledged deposit is in it (one the
    // kill cut off before its answer may be too), and the read model shows
    // the balance of each account's last event.
    let mut want = HashMap::new();
    for a in &accounts {
        let stream =
            nexus_e2e::read_whole_stream(&mut client.event_store(), &format!("account-{a}")).await.expect("read");
        let deposits = stream.iter().filter(|e| e.event_type == "MoneyDeposited").count() as i64;
        assert!(deposits >= acked[a], "{a}: {deposits} deposits stored, {} acknowledged", acked[a]);
        let last = nexus_e2e::event_json(stream.last().expect("events"));
        assert_eq!(last["balance"], json!(10 + 5 * deposits), "{a}");
        want.insert(a.clone(), 10 + 5 * deposits);
    }
    let before = wait_for_balances(&node, &want).await;
    rebuild(&[&node]).await;
    let keys: Vec<String> = accounts.iter().map(|a| format!("account-{a}")).collect();
    assert_eq!(documents(&node, &keys).await, before, "the read model equals a fresh rebuild");
}
