//! Snapshots and sagas on DynamoDB through the real binary: two replicas on
//! one set of AWS resources (as in deploy/local-aws.toml) see the same
//! sagas and snapshots, and neither keeps `snapshots.db` or `sagas.db`.

use std::time::Duration;

use nexus_e2e::{NexusProcess, ServerOptions, aws_env, aws_provision, moto_url, unique};
use nexus_sdk::{
    json::json_to_struct,
    proto::{
        CreateSnapshotRequest, GetSagaRequest, GetSnapshotRequest, GetSnapshotStatsRequest, ListSagasRequest, Saga,
        SagaStatus, SnapshotStats, StartSagaRequest, saga_service_client::SagaServiceClient,
        snapshot_service_client::SnapshotServiceClient,
    },
};
use serde_json::{Value, json};
use tonic::transport::Channel;

async fn stats(snapshots: &mut SnapshotServiceClient<Channel>) -> SnapshotStats {
    let request = GetSnapshotStatsRequest { aggregate_type: "account".into() };
    let response = snapshots.get_snapshot_stats(request).await.expect("stats").into_inner();
    // No entry before the replica's first load of an account.
    response.stats.into_iter().next().unwrap_or_default()
}

async fn replica(env: &[(String, String)]) -> NexusProcess {
    let options = env.iter().fold(ServerOptions::default(), |o, (k, v)| o.env(k, v));
    NexusProcess::start_with(
        options.env("NEXUS_SNAPSHOTS__BACKEND", "dynamodb").env("NEXUS_SAGAS__BACKEND", "dynamodb"),
    )
    .await
}

/// Executes a command and returns the `balance` of its last event.
async fn balance_after(nexus: &NexusProcess, id: &str, command_type: &str, payload: Value) -> i64 {
    let response = nexus.client().await.execute("account", id, command_type, payload).await.expect("command");
    let data: Value = serde_json::from_slice(&response.events.last().expect("an event").data).expect("json");
    data["balance"].as_i64().or_else(|| data["initial_deposit"].as_i64()).expect("a balance")
}

/// Polls one replica (bounded: 20 s) until the saga another started is done.
async fn wait_for_completion(nexus: &NexusProcess, saga_id: &str) -> Saga {
    let mut sagas = SagaServiceClient::new(nexus.channel().await);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let got = sagas.get_saga(GetSagaRequest { saga_id: saga_id.into() }).await;
        if let Ok(response) = got {
            let saga = response.into_inner().saga.expect("saga");
            if saga.status == SagaStatus::Completed as i32 {
                return saga;
            }
            assert_ne!(saga.status, SagaStatus::Compensated as i32, "{saga:?}");
        }
        assert!(tokio::time::Instant::now() < deadline, "saga {saga_id} did not complete");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_share_snapshots_and_sagas_on_dynamodb() {
    let env = aws_env(&moto_url());
    aws_provision(&env);
    let one = replica(&env).await;
    let two = replica(&env).await;

    // A saga started on one replica is read, finished, on the other.
    let (a, b) = (unique("a"), unique("b"));
    assert_eq!(balance_after(&one, &a, "OpenAccount", json!({"owner": "Ada", "initial_deposit": 100})).await, 100);
    assert_eq!(balance_after(&one, &b, "OpenAccount", json!({"owner": "Bob", "initial_deposit": 0})).await, 0);
    let mut sagas = SagaServiceClient::new(one.channel().await);
    let started = sagas
        .start_saga(StartSagaRequest {
            definition: "transfer".into(),
            input: json_to_struct(json!({"from": a, "to": b, "amount": 25})),
            request_id: String::new(),
        })
        .await
        .expect("started")
        .into_inner()
        .saga
        .expect("saga");
    let done = wait_for_completion(&two, &started.saga_id).await;
    let versions: Vec<u64> = done.history.iter().map(|t| t.version).collect();
    assert_eq!(versions, (1..=versions.len() as u64).collect::<Vec<_>>(), "every transition once, in order");
    assert_eq!(done.history.last().map(|t| t.kind.as_str()), Some("FINISHED"));
    let listed = SagaServiceClient::new(two.channel().await)
        .list_sagas(ListSagasRequest { definition: "transfer".into(), ..Default::default() })
        .await
        .expect("list")
        .into_inner()
        .sagas;
    assert!(listed.iter().any(|s| s.saga_id == started.saga_id), "{listed:?}");

    // A snapshot taken on one replica serves the other's loads.
    let mut snapshots_one = SnapshotServiceClient::new(one.channel().await);
    let created = snapshots_one
        .create_snapshot(CreateSnapshotRequest { aggregate_type: "account".into(), aggregate_id: a.clone() })
        .await
        .expect("create")
        .into_inner()
        .snapshot
        .expect("snapshot");
    let mut snapshots_two = SnapshotServiceClient::new(two.channel().await);
    let seen = snapshots_two
        .get_snapshot(GetSnapshotRequest { aggregate_type: "account".into(), aggregate_id: a.clone(), revision: None })
        .await
        .expect("get")
        .into_inner()
        .snapshot
        .expect("snapshot");
    assert_eq!(seen.revision, created.revision);
    let state = nexus_sdk::json::value_to_json(seen.state.expect("state"));
    assert_eq!(state["balance"], json!(75), "{state}");
    let before = stats(&mut snapshots_two).await;
    assert_eq!(balance_after(&two, &a, "DepositMoney", json!({"amount": 5})).await, 80, "100 - 25 + 5");
    let after = stats(&mut snapshots_two).await;
    assert_eq!(after.loads_from_snapshot, before.loads_from_snapshot + 1, "{before:?} {after:?}");

    for replica in [&one, &two] {
        for file in ["snapshots.db", "sagas.db"] {
            assert!(!replica.data_dir().join(file).exists(), "{file} in {}", replica.data_dir().display());
        }
    }
}
