//! Three replicas of `nexus serve` on one set of AWS resources (DynamoDB,
//! DynamoDB Streams, Kinesis, SNS→SQS on moto): commands spread across them
//! keep optimistic concurrency, the router moves to another replica when its
//! lease holder is killed with -9, and nothing acknowledged is lost,
//! duplicated, or applied twice by a consumer — on the stream path
//! (projections fed by Kinesis) and on the queue path (SQS consumers on
//! other replicas). A read with a consistency position written through one
//! replica sees that write on another.
//!
//! Needs moto in server mode: `scripts/test` starts it and exports its URL
//! as NEXUS_TEST_MOTO_URL.

use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

use nexus_e2e::{
    NexusProcess, ServerOptions, aws_env, aws_provision, error_info, moto_url, proposed, read_whole_stream, unique,
};
use nexus_sdk::{
    json::json_to_struct,
    proto::{
        AppendToStreamRequest, Consistency, ConsumeRequest, ConsumerSettings, CreateConsumerRequest, DataFormat,
        ExecuteRequest, GetDocumentRequest, PutSubjectRequest, Route, Subject,
        consume_request::{self, Kind as Inbound},
        consume_response::Kind as Outbound,
        event_store_service_client::EventStoreServiceClient,
        query_service_client::QueryServiceClient,
        schema_service_client::SchemaServiceClient,
    },
};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;

async fn replicas(env: &[(String, String)], n: usize) -> Vec<NexusProcess> {
    let mut started = Vec::new();
    for _ in 0..n {
        let options = env.iter().fold(ServerOptions::default(), |o, (k, v)| o.env(k, v));
        started.push(NexusProcess::start_with(options).await);
    }
    started
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

/// Executes a command until it has an answer, as a careful client does:
/// one command id for every attempt, so a retry after a lost answer (a
/// timeout, a replica going away) never executes it twice.
async fn execute_retrying(
    client: &mut nexus_sdk::Client,
    id: &str,
    command: &str,
    payload: serde_json::Value,
) -> Result<(), String> {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_replicas_share_one_store_and_survive_the_router_holder_dying() {
    let env = aws_env(&moto_url());
    aws_provision(&env);
    let mut nodes = replicas(&env, 3).await;
    let mut clients = Vec::new();
    for node in &nodes {
        clients.push(node.client().await);
    }

    // 50 concurrent withdrawals of 30 on one account of 1000, through all
    // three replicas: exactly 33 fit, no overdraft, no lost update.
    let account = unique("acct");
    execute_retrying(
        &mut clients[0],
        &account,
        "OpenAccount",
        json!({"owner": "Ada", "currency": "EUR", "initial_deposit": 1000}),
    )
    .await
    .expect("open");
    let mut tasks = Vec::new();
    for i in 0..50 {
        let mut client = clients[i % 3].clone();
        let account = account.clone();
        tasks.push(tokio::spawn(async move {
            execute_retrying(&mut client, &account, "WithdrawMoney", json!({"amount": 30})).await
        }));
    }
    let (mut ok, mut refused) = (0, 0);
    for task in tasks {
        match task.await.expect("task") {
            Ok(()) => ok += 1,
            Err(reason) if reason == "INSUFFICIENT_FUNDS" => refused += 1,
            Err(other) => panic!("unexpected failure: {other}"),
        }
    }
    assert_eq!((ok, refused), (33, 17), "exactly the withdrawals that fit");
    let stream = read_whole_stream(&mut clients[1].event_store(), &format!("account-{account}")).await.expect("read");
    assert_eq!(stream.len(), 34, "the opening and 33 withdrawals");
    let revisions: Vec<u64> = stream.iter().map(|e| e.stream_revision).collect();
    assert_eq!(revisions, (0..34).collect::<Vec<_>>());
    let last = nexus_e2e::event_json(stream.last().expect("events"));
    assert_eq!(last["balance"], json!(10), "1000 - 33 × 30");

    // Load on the two replicas that do not route, while the router's
    // lease holder is killed with -9.
    let holder = wait_for_holder(&nodes.iter().collect::<Vec<_>>(), "router", Duration::from_secs(30)).await;
    let others: Vec<usize> = (0..3).filter(|i| *i != holder).collect();
    let accounts: Vec<String> = (0..6).map(|i| unique(&format!("load{i}"))).collect();
    for (i, a) in accounts.iter().enumerate() {
        let mut client = clients[others[i % 2]].clone();
        execute_retrying(
            &mut client,
            a,
            "OpenAccount",
            json!({"owner": "Bo", "currency": "EUR", "initial_deposit": 0}),
        )
        .await
        .expect("open");
    }
    let writers: Vec<_> = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let mut client = clients[others[i % 2]].clone();
            let a = a.clone();
            tokio::spawn(async move {
                let mut acked = 0u64;
                for _ in 0..20 {
                    if execute_retrying(&mut client, &a, "DepositMoney", json!({"amount": 5})).await.is_ok() {
                        acked += 1;
                    }
                }
                (a, acked)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    nodes[holder].kill9();
    let killed = Instant::now();
    let survivors: Vec<&NexusProcess> = others.iter().map(|i| &nodes[*i]).collect();
    // The lease runs out 3 s (lease_ttl) after the last renewal; a survivor
    // polls every second: the bound is 10 s.
    let new_holder = wait_for_holder(&survivors, "router", Duration::from_secs(10)).await;
    eprintln!("router lease taken over by a survivor {:?} after the kill", killed.elapsed());
    let mut acked: HashMap<String, u64> = HashMap::new();
    for w in writers {
        let (a, n) = w.await.expect("writer");
        acked.insert(a, n);
    }
    // One survivor routes (the lease may have moved again if a renewal was
    // slow on a loaded machine; never to two at once).
    let _ = new_holder;
    wait_for_holder(&survivors, "router", Duration::from_secs(10)).await;

    // Every acknowledged event is stored exactly once, and every survivor's
    // projection (fed by the stream path) applied each exactly once.
    for survivor in &survivors {
        let client = survivor.client().await;
        let mut query = QueryServiceClient::new(survivor.channel().await);
        for (a, n) in &acked {
            assert!(*n > 0, "deposits on {a} were acknowledged");
            let stream = read_whole_stream(&mut client.event_store(), &format!("account-{a}")).await.expect("read");
            assert_eq!(stream.len() as u64, 1 + n, "the opening and every acknowledged deposit of {a}, once");
            let ids: std::collections::HashSet<_> = stream.iter().map(|e| e.event_id.clone()).collect();
            assert_eq!(ids.len(), stream.len());
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let doc = query
                    .get_document(GetDocumentRequest {
                        projection: "account-balance".into(),
                        key: format!("account-{a}"),
                        consistency: None,
                    })
                    .await
                    .ok()
                    .and_then(|r| r.into_inner().document)
                    .map(|d| nexus_sdk::json::struct_to_json(d.body.unwrap_or_default()));
                let want = json!({"balance": 5 * n, "transactions": n});
                if let Some(doc) = &doc
                    && doc["balance"] == want["balance"]
                    && doc["transactions"] == want["transactions"]
                {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "projection on a survivor never showed {want} for {a}: {doc:?}\n{}",
                    survivor.log_tail(40)
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// What the receivers of a consumer were delivered: (event id, event type).
type Delivered = std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>;

/// Receives from `consumer` on one replica, acking every delivery and
/// noting it in `delivered`, until aborted or the replica goes away.
async fn consume(channel: tonic::transport::Channel, consumer: String, delivered: Delivered) {
    let mut queue = nexus_sdk::proto::queue_service_client::QueueServiceClient::new(channel);
    let (tx, rx) = mpsc::channel(64);
    let start = consume_request::Start { consumer, max_in_flight: 16 };
    tx.send(ConsumeRequest { kind: Some(Inbound::Start(start)) }).await.expect("send start");
    let Ok(responses) = queue.consume(ReceiverStream::new(rx)).await else { return };
    let mut responses = responses.into_inner();
    loop {
        let Ok(Some(message)) = responses.message().await else { return };
        if let Some(Outbound::Delivery(delivery)) = message.kind {
            let event = delivery.event.expect("a delivery carries its event");
            delivered.lock().expect("delivered").push((event.event_id, event.event_type));
            let ack = consume_request::Ack { receipt: delivery.receipt };
            if tx.send(ConsumeRequest { kind: Some(Inbound::Ack(ack)) }).await.is_err() {
                return;
            }
        }
    }
}
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn secondary_events_reach_sqs_consumers_on_other_replicas_and_reads_wait_for_writes() {
    let env = aws_env(&moto_url());
    aws_provision(&env);
    let mut nodes = replicas(&env, 3).await;
    let mut clients = Vec::new();
    for node in &nodes {
        clients.push(node.client().await);
    }

    // Read-your-writes across replicas: a command through one replica, then
    // a read through another that names the command's position. The
    // projection there is fed by Kinesis; the read waits until it has
    // folded that event, so it never shows an older balance.
    let account = unique("ryw");
    let mut balance = 0;
    for (i, amount) in [100, 7, 30, 1].into_iter().enumerate() {
        let (command, payload) = if i == 0 {
            ("OpenAccount", json!({"owner": "Ida", "currency": "EUR", "initial_deposit": amount}))
        } else {
            ("DepositMoney", json!({"amount": amount}))
        };
        let request = ExecuteRequest {
            aggregate_type: "account".into(),
            aggregate_id: account.clone(),
            command_type: command.into(),
            payload: json_to_struct(payload),
            ..Default::default()
        };
        let response = clients[i % 3].execute_request(request).await.expect("execute");
        balance += amount;
        let position = response.events.last().and_then(|e| e.position.clone()).expect("a position");
        assert!(position.global_position.is_none(), "DynamoDB positions name events: {position:?}");
        let mut query = QueryServiceClient::new(nodes[(i + 1) % 3].channel().await);
        let doc = query
            .get_document(GetDocumentRequest {
                projection: "account-balance".into(),
                key: format!("account-{account}"),
                consistency: Some(Consistency {
                    position: Some(position),
                    timeout: Some(prost_types::Duration { seconds: 30, nanos: 0 }),
                }),
            })
            .await
            .expect("a read that waits for the write")
            .into_inner()
            .document
            .map(|d| nexus_sdk::json::struct_to_json(d.body.unwrap_or_default()));
        assert_eq!(
            doc.as_ref().map(|d| d["balance"].clone()),
            Some(json!(balance)),
            "replica {} shows the write made through replica {}",
            (i + 1) % 3,
            i % 3
        );
    }

    // The queue path: a secondary-route event type (registered on every
    // replica: schemas stay per replica until the Glue registry lands), a
    // consumer created through replica 0 that takes only that type, and
    // receivers on replicas 1 and 2 competing for its messages.
    let event_type = unique("ReceiptIssued");
    let other_type = unique("ReceiptPrinted");
    for node in &nodes {
        let mut schemas = SchemaServiceClient::new(node.channel().await);
        for t in [&event_type, &other_type] {
            schemas
                .put_subject(PutSubjectRequest {
                    subject: Some(Subject {
                        name: t.clone(),
                        data_format: DataFormat::Json as i32,
                        route: Route::Secondary as i32,
                        allow_unvalidated: true,
                        ..Default::default()
                    }),
                })
                .await
                .expect("a secondary-route subject");
        }
    }
    let consumer = unique("receipts");
    nexus_sdk::proto::queue_service_client::QueueServiceClient::new(nodes[0].channel().await)
        .create_consumer(CreateConsumerRequest {
            name: consumer.clone(),
            settings: Some(ConsumerSettings {
                visibility_timeout: Some(prost_types::Duration { seconds: 5, nanos: 0 }),
                event_types: vec![event_type.clone()],
                ..Default::default()
            }),
        })
        .await
        .expect("create the consumer");
    let delivered = Delivered::default();
    let mut receivers = Vec::new();
    for i in [1, 2] {
        let channel = nodes[i].channel().await;
        receivers.push((i, tokio::spawn(consume(channel, consumer.clone(), delivered.clone()))));
    }

    // 40 wanted and 10 unwanted events, appended through all three
    // replicas; the router's lease holder is killed with -9 half-way.
    let holder = wait_for_holder(&nodes.iter().collect::<Vec<_>>(), "router", Duration::from_secs(30)).await;
    let mut wanted = HashSet::new();
    let mut alive: Vec<usize> = (0..3).collect();
    for i in 0..50 {
        if i == 25 {
            nodes[holder].kill9();
            alive.retain(|n| *n != holder);
        }
        let t = if i % 5 == 4 { &other_type } else { &event_type };
        let event = proposed(t, json!({"n": i}));
        let id = event.event_id.clone();
        let mut appended = false;
        for attempt in 0..50 {
            let node = alive[(i + attempt) % alive.len()];
            let mut store = EventStoreServiceClient::new(nodes[node].channel().await);
            let request = AppendToStreamRequest {
                stream_id: format!("receipt-{i}"),
                events: vec![event.clone()],
                ..Default::default()
            };
            // The same event id on every attempt: a retry never duplicates.
            if store.append_to_stream(request).await.is_ok() {
                appended = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(appended, "event {i} was appended");
        if t == &event_type {
            wanted.insert(id);
        }
    }

    // Every wanted event reaches the consumer at least once; a receiver on
    // the killed replica may have taken some, which come back after the
    // visibility timeout. An idempotent consumer (by event id) applies each
    // exactly once; nothing of the other type arrives.
    receivers.retain(|(node, _)| *node != holder);
    if receivers.is_empty() {
        let channel = nodes[alive[0]].channel().await;
        receivers.push((alive[0], tokio::spawn(consume(channel, consumer.clone(), delivered.clone()))));
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let seen: HashSet<String> = delivered.lock().expect("delivered").iter().map(|(id, _)| id.clone()).collect();
        let missing = wanted.iter().filter(|id| !seen.contains(*id)).count();
        if missing == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{missing} of {} wanted events never reached the consumer", wanted.len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A little longer, to catch anything unwanted or extra still coming.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for (_, receiver) in receivers {
        receiver.abort();
    }
    let delivered = delivered.lock().expect("delivered").clone();
    let unwanted: Vec<_> = delivered.iter().filter(|(_, t)| *t != event_type).collect();
    assert!(unwanted.is_empty(), "the consumer's filter lets only {event_type} through: {unwanted:?}");
    let applied: HashSet<&String> = delivered.iter().map(|(id, _)| id).collect();
    assert_eq!(applied.len(), wanted.len(), "each wanted event applied once by an idempotent consumer");
    eprintln!("queue path: {} deliveries for {} events across the kill", delivered.len(), wanted.len());
}
