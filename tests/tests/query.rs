//! QueryService through the real binary: read-your-writes, search paging,
//! error codes, and a watcher that disconnects and resumes seeing every
//! change once, in order.

use std::{collections::BTreeSet, time::Duration};

use nexus_e2e::{NexusProcess, any, assert_error, expected, field_violations, proposed, unique};
use nexus_sdk::{
    json::struct_to_json,
    proto::{
        AppendToStreamRequest, Consistency, FieldFilter, GetDocumentRequest, Position, SearchRequest,
        WatchDocumentsRequest, WatchEvent, event_store_service_client::EventStoreServiceClient, field_filter,
        query_service_client::QueryServiceClient, watch_event,
    },
};
use serde_json::{Value, json};
use tonic::{Code, Streaming, transport::Channel};

async fn append(events: &mut EventStoreServiceClient<Channel>, stream: &str, batch: Vec<(&str, Value)>) -> Position {
    let events_to_append = batch.into_iter().map(|(t, data)| proposed(t, data)).collect();
    events
        .append_to_stream(AppendToStreamRequest {
            stream_id: stream.into(),
            expected_revision: expected(any()),
            events: events_to_append,
        })
        .await
        .expect("append")
        .into_inner()
        .last_position
        .expect("position")
}

fn consistent(position: &Position) -> Option<Consistency> {
    Some(Consistency {
        position: Some(position.clone()),
        timeout: Some(prost_types::Duration { seconds: 30, nanos: 0 }),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_wait_for_writes_pages_visit_each_match_once_and_errors_carry_details() {
    let nexus = NexusProcess::start().await;
    let mut events = EventStoreServiceClient::new(nexus.channel().await);
    let mut query = QueryServiceClient::new(nexus.channel().await);
    let prefix = unique("account-q");
    let tag = format!("tag{}", uuid::Uuid::new_v4().simple());
    let mut last = None;
    for i in 0..25 {
        let opened = json!({"owner": format!("{tag} Owner {i}"), "currency": "EUR", "initial_deposit": i});
        last = Some(append(&mut events, &format!("{prefix}-{i}"), vec![("AccountOpened", opened)]).await);
    }
    let last = last.expect("appended");

    // Read-your-writes: the first search already sees every account.
    let mut seen = BTreeSet::new();
    let mut page_token = String::new();
    let mut pages = 0;
    loop {
        let page = query
            .search(SearchRequest {
                projection: "account-search".into(),
                text: tag.clone(),
                sort: vec![nexus_sdk::proto::SortField { field: "balance".into(), descending: true }],
                page_size: 10,
                page_token: page_token.clone(),
                consistency: consistent(&last),
                ..Default::default()
            })
            .await
            .expect("search")
            .into_inner();
        assert_eq!(page.total, 25, "every account is projected before the search answers");
        pages += 1;
        for document in page.documents {
            assert!(seen.insert(document.key.clone()), "{} on two pages", document.key);
        }
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    assert_eq!((seen.len(), pages), (25, 3));

    // A filter narrows the matches.
    let rich = query
        .search(SearchRequest {
            projection: "account-search".into(),
            text: tag.clone(),
            filters: vec![FieldFilter {
                field: "balance".into(),
                condition: Some(field_filter::Condition::Range(field_filter::Range {
                    gte: Some(nexus_sdk::json::json_to_value(json!(20))),
                    ..Default::default()
                })),
            }],
            ..Default::default()
        })
        .await
        .expect("search")
        .into_inner();
    assert_eq!(rich.total, 5);

    let key = format!("{prefix}-7");
    let deposit = append(&mut events, &key, vec![("MoneyDeposited", json!({"amount": 5, "balance": 12}))]).await;
    let document = query
        .get_document(GetDocumentRequest {
            projection: "account-balance".into(),
            key: key.clone(),
            consistency: consistent(&deposit),
        })
        .await
        .expect("get")
        .into_inner()
        .document
        .expect("document");
    let body = document.body.map(struct_to_json).expect("body");
    assert_eq!((body["balance"].clone(), body["transactions"].clone(), document.version), (json!(12), json!(1), 2));

    // Errors.
    let missing = query
        .get_document(GetDocumentRequest {
            projection: "account-balance".into(),
            key: format!("{prefix}-none"),
            consistency: None,
        })
        .await
        .expect_err("missing");
    assert_error(&missing, Code::NotFound, "DOCUMENT_NOT_FOUND");
    let unknown = query
        .get_document(GetDocumentRequest { projection: "no-such".into(), key: key.clone(), consistency: None })
        .await
        .expect_err("unknown projection");
    assert_error(&unknown, Code::NotFound, "PROJECTION_NOT_FOUND");
    let bad_position = query
        .get_document(GetDocumentRequest {
            projection: "account-balance".into(),
            key: key.clone(),
            consistency: Some(Consistency {
                position: Some(Position { token: "not-a-token".into(), global_position: None }),
                timeout: None,
            }),
        })
        .await
        .expect_err("bad position");
    assert_error(&bad_position, Code::InvalidArgument, "INVALID_POSITION");
    assert_eq!(field_violations(&bad_position)[0].field, "consistency.position.token");
    let no_condition = query
        .search(SearchRequest {
            projection: "account-search".into(),
            filters: vec![FieldFilter { field: "balance".into(), condition: None }],
            ..Default::default()
        })
        .await
        .expect_err("no condition");
    assert_eq!(no_condition.code(), Code::InvalidArgument);
    assert_eq!(field_violations(&no_condition)[0].field, "filters[0].condition");
    let bad_resume = query
        .watch_documents(WatchDocumentsRequest {
            projection: "account-balance".into(),
            keys: vec![key],
            resume_after: "garbage".into(),
        })
        .await
        .expect_err("bad resume position");
    assert_error(&bad_resume, Code::InvalidArgument, "INVALID_WATCH_POSITION");
}

async fn next(stream: &mut Streaming<nexus_sdk::proto::WatchDocumentsResponse>) -> WatchEvent {
    // A guard against a hung test, not a performance assertion.
    match tokio::time::timeout(Duration::from_secs(30), stream.message()).await {
        Ok(Ok(Some(response))) => response.event.expect("event"),
        other => panic!("expected a watch message, got {other:?}"),
    }
}

/// The balance a change carries (`None` for anything but an upsert).
fn balance(event: &WatchEvent) -> Option<i64> {
    match &event.kind {
        Some(watch_event::Kind::Change(change)) => {
            let body = change.document.clone()?.body.map(struct_to_json)?;
            body["balance"].as_i64()
        }
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_that_reconnects_sees_every_change_once_in_order() {
    let nexus = NexusProcess::start().await;
    let mut events = EventStoreServiceClient::new(nexus.channel().await);
    let mut query = QueryServiceClient::new(nexus.channel().await);
    let key = unique("account-w");
    let request = |resume_after: String| WatchDocumentsRequest {
        projection: "account-balance".into(),
        keys: vec![key.clone()],
        resume_after,
    };
    let mut stream = query.watch_documents(request(String::new())).await.expect("watch").into_inner();
    let live = next(&mut stream).await;
    assert!(matches!(live.kind, Some(watch_event::Kind::Live(_))), "nothing to show yet: {live:?}");

    append(
        &mut events,
        &key,
        vec![("AccountOpened", json!({"owner": "Wanda", "currency": "EUR", "initial_deposit": 0}))],
    )
    .await;
    let mut balances = Vec::new();
    let mut position = String::new();
    for n in 1..=10 {
        append(&mut events, &key, vec![("MoneyDeposited", json!({"amount": 1, "balance": n}))]).await;
    }
    // Read part of the changes, then disconnect.
    for _ in 0..5 {
        let event = next(&mut stream).await;
        balances.push(balance(&event).expect("an upsert"));
        position = event.watch_position;
    }
    drop(stream);
    for n in 11..=15 {
        append(&mut events, &key, vec![("MoneyDeposited", json!({"amount": 1, "balance": n}))]).await;
    }
    let mut stream = query.watch_documents(request(position)).await.expect("resume").into_inner();
    let live = next(&mut stream).await;
    assert!(matches!(live.kind, Some(watch_event::Kind::Live(_))), "a resume sends no snapshot: {live:?}");
    while balances.len() < 16 {
        let event = next(&mut stream).await;
        balances.push(balance(&event).unwrap_or_else(|| panic!("expected an upsert, got {event:?}")));
    }
    assert_eq!(balances, (0..=15).collect::<Vec<i64>>(), "every change once, in order");

    // Closing the account deletes its document.
    append(&mut events, &key, vec![("AccountClosed", json!({}))]).await;
    let closed = next(&mut stream).await;
    match closed.kind {
        Some(watch_event::Kind::Change(change)) => {
            assert_eq!((change.kind, change.key, change.document), (2, key.clone(), None));
        }
        other => panic!("expected a delete, got {other:?}"),
    }
}

// ---- tenants ---------------------------------------------------------------------

const ISSUER: &str = "https://issuer.e2e.test";
const AUDIENCE: &str = "nexus-e2e";
const SECRET: &str = "e2e-secret-only-for-tests-0123456789abcdef";

fn token(sub: &str, tenant: &str, roles: &[&str]) -> nexus_sdk::BearerToken {
    let exp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() + 600;
    let claims = json!({ "sub": sub, "tenant": tenant, "roles": roles, "iss": ISSUER, "aud": AUDIENCE, "exp": exp });
    let jwt = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign");
    nexus_sdk::BearerToken::optional(Some(&jwt)).expect("ascii token")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_sees_only_its_own_documents_and_cannot_register_projections() {
    let dir = tempfile::tempdir().expect("temp dir");
    let secret_file = dir.path().join("hs256.secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).expect("write secret");
    let nexus = NexusProcess::start_with(
        nexus_e2e::ServerOptions::default()
            .env("NEXUS_AUTH__MODE", "jwt")
            .env("NEXUS_AUTH__JWT__HS256_SECRET_FILE", secret_file.display().to_string())
            .env("NEXUS_AUTH__JWT__ISSUER", ISSUER)
            .env("NEXUS_AUTH__JWT__AUDIENCE", AUDIENCE),
    )
    .await;
    let root = token("root", "", &["admin"]);
    let mut events = EventStoreServiceClient::with_interceptor(nexus.channel().await, root.clone());
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (ours, theirs) = (format!("acme/account-{id}"), format!("globex/account-{id}"));
    let opened = |owner: &str| json!({"owner": format!("{owner} {id}"), "currency": "EUR", "initial_deposit": 1});
    let mut last = None;
    for (stream, owner) in [(&ours, "Ada"), (&theirs, "Gus")] {
        let response = events
            .append_to_stream(AppendToStreamRequest {
                stream_id: stream.clone(),
                expected_revision: expected(any()),
                events: vec![proposed("AccountOpened", opened(owner))],
            })
            .await
            .expect("append")
            .into_inner();
        last = response.last_position;
    }
    let last = last.expect("appended");

    let mut alice = QueryServiceClient::with_interceptor(nexus.channel().await, token("alice", "acme", &["reader"]));
    let found = alice
        .search(SearchRequest {
            projection: "account-search".into(),
            text: id.clone(),
            consistency: consistent(&last),
            ..Default::default()
        })
        .await
        .expect("search")
        .into_inner();
    let keys: Vec<String> = found.documents.into_iter().map(|d| d.key).collect();
    assert_eq!((keys, found.total), (vec![ours.clone()], 1), "only acme's account");
    alice
        // Each projection catches up on its own: wait for this one too.
        .get_document(GetDocumentRequest {
            projection: "account-balance".into(),
            key: ours.clone(),
            consistency: consistent(&last),
        })
        .await
        .expect("its own document");
    let hidden = alice
        .get_document(GetDocumentRequest {
            projection: "account-balance".into(),
            key: theirs.clone(),
            consistency: None,
        })
        .await
        .expect_err("another tenant's document");
    assert_error(&hidden, Code::NotFound, "DOCUMENT_NOT_FOUND");
    let mut watch = alice
        .watch_documents(WatchDocumentsRequest {
            projection: "account-balance".into(),
            keys: vec![theirs.clone(), ours.clone()],
            resume_after: String::new(),
        })
        .await
        .expect("watch")
        .into_inner();
    let first = next(&mut watch).await;
    match first.kind {
        Some(watch_event::Kind::Current(current)) => assert_eq!(current.document.expect("document").key, ours),
        other => panic!("expected acme's document, got {other:?}"),
    }
    assert!(matches!(next(&mut watch).await.kind, Some(watch_event::Kind::Live(_))), "and nothing of globex");

    // Projections read every tenant's events: only platform admins register them.
    let definition = nexus_sdk::proto::ProjectionDefinition {
        name: format!("p{id}"),
        event_types: vec!["AccountOpened".into()],
        key: ".stream".into(),
        fold: ".doc".into(),
        ..Default::default()
    };
    let mut ada = QueryServiceClient::with_interceptor(nexus.channel().await, token("ada", "acme", &["admin"]));
    let refused = ada
        .register_projection(nexus_sdk::proto::RegisterProjectionRequest { definition: Some(definition.clone()) })
        .await
        .expect_err("tenant admin");
    assert_error(&refused, Code::PermissionDenied, "POLICY_DENIED");
    let mut platform = QueryServiceClient::with_interceptor(nexus.channel().await, root);
    let bad = platform
        .register_projection(nexus_sdk::proto::RegisterProjectionRequest {
            definition: Some(nexus_sdk::proto::ProjectionDefinition { fold: "nope(".into(), ..definition }),
        })
        .await
        .expect_err("bad fold");
    assert_error(&bad, Code::InvalidArgument, "INVALID_PROJECTION");
    assert_eq!(field_violations(&bad)[0].field, "definition.fold");
}
