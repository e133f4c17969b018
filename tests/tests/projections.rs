//! Projections through the real binary: a crash (kill -9) while a
//! projection is catching up, then a restart, leaves exactly the documents a
//! fresh rebuild produces.

use std::{collections::BTreeMap, time::Duration};

use nexus_e2e::{NexusProcess, any, expected, unique};
use nexus_sdk::{
    json::struct_to_json,
    proto::{
        AppendToStreamRequest, Consistency, GetDocumentRequest, GetProjectionStatusRequest, Position, ProposedEvent,
        RebuildProjectionRequest, SearchRequest, event_store_service_client::EventStoreServiceClient,
        query_service_client::QueryServiceClient,
    },
};
use serde_json::{Value, json};

const PROJECTION: &str = "account-balance";
const ACCOUNTS: usize = 40;
const DEPOSITS: u64 = 60;

fn event(event_type: &str, data: Value) -> ProposedEvent {
    ProposedEvent {
        event_id: uuid::Uuid::new_v4().to_string(),
        event_type: event_type.into(),
        content_type: "application/json".into(),
        data: serde_json::to_vec(&data).expect("json"),
        ..Default::default()
    }
}

/// Every document of the projection, by key (bodies only).
async fn all_documents(query: &mut QueryServiceClient<tonic::transport::Channel>) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let mut page_token = String::new();
    loop {
        let page = query
            .search(SearchRequest {
                projection: PROJECTION.into(),
                page_size: 500,
                page_token: page_token.clone(),
                ..Default::default()
            })
            .await
            .expect("search")
            .into_inner();
        for document in page.documents {
            let body = document.body.map(struct_to_json).unwrap_or(Value::Null);
            out.insert(document.key, body);
        }
        if page.next_page_token.is_empty() {
            return out;
        }
        page_token = page.next_page_token;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_projection_leaves_what_a_fresh_rebuild_builds() {
    let mut nexus = NexusProcess::start().await;
    let mut events = EventStoreServiceClient::new(nexus.channel().await);
    let prefix = unique("account-crash");
    let mut last: Option<Position> = None;
    for i in 0..ACCOUNTS {
        let stream = format!("{prefix}-{i}");
        let mut batch = vec![event(
            "AccountOpened",
            json!({"owner": format!("Owner {i}"), "currency": "EUR", "initial_deposit": i}),
        )];
        batch
            .extend((1..=DEPOSITS).map(|n| event("MoneyDeposited", json!({"amount": 2, "balance": i as u64 + 2 * n}))));
        let response = events
            .append_to_stream(AppendToStreamRequest {
                stream_id: stream,
                expected_revision: expected(any()),
                events: batch,
            })
            .await
            .expect("append")
            .into_inner();
        last = response.last_position;
    }
    // Kill the server right away, while the projection is still folding.
    nexus.kill9();
    nexus.restart().await;

    let mut query = QueryServiceClient::new(nexus.channel().await);
    // Read-your-writes: wait for the projection to reach the last append.
    let key = format!("{prefix}-{}", ACCOUNTS - 1);
    let document = query
        .get_document(GetDocumentRequest {
            projection: PROJECTION.into(),
            key: key.clone(),
            consistency: Some(Consistency {
                position: last,
                timeout: Some(prost_types::Duration { seconds: 60, nanos: 0 }),
            }),
        })
        .await
        .expect("the projection catches up after the restart")
        .into_inner()
        .document
        .expect("document");
    assert_eq!(document.key, key);

    let recovered = all_documents(&mut query).await;
    assert_eq!(recovered.len(), ACCOUNTS, "one document per account");
    for i in 0..ACCOUNTS {
        let doc = &recovered[&format!("{prefix}-{i}")];
        assert_eq!(doc["balance"], json!(i as u64 + 2 * DEPOSITS), "balance of account {i}: {doc}");
        assert_eq!(doc["transactions"], json!(DEPOSITS), "each deposit folded exactly once into account {i}: {doc}");
    }

    // A fresh rebuild from the log gives the same documents.
    let before = query
        .get_projection_status(GetProjectionStatusRequest { projection: PROJECTION.into() })
        .await
        .expect("status")
        .into_inner()
        .status
        .and_then(|s| s.serving)
        .expect("a serving generation")
        .generation;
    let status = query
        .rebuild_projection(RebuildProjectionRequest { projection: PROJECTION.into() })
        .await
        .expect("rebuild")
        .into_inner()
        .status
        .expect("status");
    // Building, or (on a fast machine) already switched to.
    let generation = status.rebuilding.as_ref().or(status.serving.as_ref()).expect("a generation").generation;
    assert!(generation > before, "the rebuild started a new generation: {status:?}");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let status = query
            .get_projection_status(GetProjectionStatusRequest { projection: PROJECTION.into() })
            .await
            .expect("status")
            .into_inner()
            .status
            .expect("status");
        if status.serving.as_ref().is_some_and(|s| s.generation == generation) {
            assert!(status.rebuilding.is_none(), "the rebuild is done once it serves: {status:?}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the rebuild did not switch within 60 s: {status:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rebuilt = all_documents(&mut query).await;
    assert_eq!(rebuilt, recovered, "documents after the crash equal a fresh rebuild");
}

/// A projection registered through the API that fails on one event: with
/// `on_error = "park"` it sets the event aside and folds the rest; with
/// `"stop"` it stops right before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_events_are_parked_or_stop_the_projection() {
    use nexus_sdk::proto::{ListParkedEventsRequest, ProjectionDefinition, ProjectionState, RegisterProjectionRequest};

    let nexus = NexusProcess::start().await;
    let mut events = EventStoreServiceClient::new(nexus.channel().await);
    let mut query = QueryServiceClient::new(nexus.channel().await);
    let stream = unique("ledger");
    let definition = |name: &str, on_error: &str| {
        ProjectionDefinition {
        name: name.into(),
        event_types: vec!["MoneyDeposited".into()],
        stream_prefixes: vec![stream.clone()],
        key: ".stream".into(),
        fold: r#"if .event.data.amount == 13 then error("unlucky amount") else {total: ((.doc.total // 0) + .event.data.amount)} end"#
            .into(),
        on_error: on_error.into(),
        ..Default::default()
    }
    };
    for (name, on_error) in [("ledger-park", "park"), ("ledger-stop", "stop")] {
        query
            .register_projection(RegisterProjectionRequest { definition: Some(definition(name, on_error)) })
            .await
            .unwrap_or_else(|e| panic!("register {name}: {e:?}"));
    }
    let amounts = [5, 13, 7];
    let batch = amounts
        .iter()
        .enumerate()
        .map(|(i, amount)| event("MoneyDeposited", json!({"amount": amount, "balance": 100 + i})))
        .collect();
    let appended = events
        .append_to_stream(AppendToStreamRequest {
            stream_id: stream.clone(),
            expected_revision: expected(any()),
            events: batch,
        })
        .await
        .expect("append")
        .into_inner();

    // Park: the unlucky deposit is set aside, the others are folded.
    let parked_doc = query
        .get_document(GetDocumentRequest {
            projection: "ledger-park".into(),
            key: stream.clone(),
            consistency: Some(Consistency {
                position: appended.last_position.clone(),
                timeout: Some(prost_types::Duration { seconds: 30, nanos: 0 }),
            }),
        })
        .await
        .expect("the parking projection reaches the append")
        .into_inner()
        .document
        .expect("document");
    assert_eq!(parked_doc.body.map(struct_to_json).expect("body")["total"], json!(12), "5 + 7, without the 13");
    let parked = query
        .list_parked_events(ListParkedEventsRequest { projection: "ledger-park".into(), limit: 10 })
        .await
        .expect("parked events")
        .into_inner()
        .parked_events;
    assert_eq!(parked.len(), 1, "{parked:?}");
    assert_eq!((parked[0].stream_id.as_str(), parked[0].stream_revision), (stream.as_str(), 1));
    assert!(parked[0].error.contains("unlucky amount"), "{}", parked[0].error);

    // Stop: the projection halts before the unlucky deposit and says so.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        let status = query
            .get_projection_status(GetProjectionStatusRequest { projection: "ledger-stop".into() })
            .await
            .expect("status")
            .into_inner()
            .status
            .expect("status");
        if status.state == ProjectionState::Stopped as i32 {
            break status;
        }
        assert!(tokio::time::Instant::now() < deadline, "ledger-stop did not stop: {status:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.last_error.contains("unlucky amount"), "{status:?}");
    let stopped_doc = query
        .get_document(GetDocumentRequest { projection: "ledger-stop".into(), key: stream.clone(), consistency: None })
        .await
        .expect("document")
        .into_inner()
        .document
        .expect("document");
    assert_eq!(stopped_doc.body.map(struct_to_json).expect("body")["total"], json!(5), "only what came before the 13");
}
