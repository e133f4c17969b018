//! Three replicas of `nexus serve` on one set of AWS resources (DynamoDB,
//! DynamoDB Streams, Kinesis on moto): commands spread across them keep
//! optimistic concurrency, the router moves to another replica when its
//! lease holder is killed with -9, and nothing acknowledged is lost,
//! duplicated, or applied twice by a consumer.
//!
//! Needs moto in server mode: `scripts/test` starts it and exports its URL
//! as NEXUS_TEST_MOTO_URL.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use nexus_e2e::{NexusProcess, ServerOptions, aws_env, aws_provision, error_info, moto_url, read_whole_stream, unique};
use nexus_sdk::{
    json::json_to_struct,
    proto::{ExecuteRequest, GetDocumentRequest, query_service_client::QueryServiceClient},
};
use serde_json::json;
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
    assert!(holds(survivors[new_holder], "router"), "the new holder kept the lease");

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
