//! TemporalQueryService through the real binary: an account's state as of
//! every revision and time, the events of a window of time page by page, a
//! document as of a position from the change log and by replay, and the
//! per-principal rate limit with its RetryInfo.

use std::time::{Duration, Instant};

use nexus_e2e::{
    NexusProcess, ServerOptions, any, assert_error, event_json, expected, field_violations, proposed,
    read_whole_stream, unique,
};
use nexus_sdk::{
    Client,
    json::{struct_to_json, value_to_json},
    proto::{
        AppendToStreamRequest, Consistency, DocumentSource, ExecuteResponse, GetAggregateStateAtRequest,
        GetAggregateStateAtResponse, GetDocumentAtRequest, GetDocumentAtResponse, GetDocumentRequest, Position,
        ReadStreamBetweenRequest, RecordedEvent, event_store_service_client::EventStoreServiceClient,
        get_aggregate_state_at_request::At, query_service_client::QueryServiceClient,
        temporal_query_service_client::TemporalQueryServiceClient,
    },
};
use serde_json::{Value, json};
use tonic::{Code, Status, transport::Channel};
use tonic_types::StatusExt;

type Temporal = TemporalQueryServiceClient<Channel>;

/// A server whose temporal rate limit does not get in the way of the
/// functional tests, plus extra `NEXUS_*` settings.
async fn server(env: &[(&str, &str)]) -> NexusProcess {
    let mut options = ServerOptions::default().env("NEXUS_TEMPORAL__PER_MINUTE", "100000");
    for (key, value) in env {
        options = options.env(*key, *value);
    }
    NexusProcess::start_with(options).await
}

async fn execute(client: &mut Client, id: &str, command_type: &str, payload: Value) -> ExecuteResponse {
    client.execute("account", id, command_type, payload).await.unwrap_or_else(|e| panic!("{command_type}: {e:?}"))
}

fn micros(time: &prost_types::Timestamp) -> i64 {
    time.seconds * 1_000_000 + i64::from(time.nanos / 1000)
}

fn timestamp(micros: i64) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: micros.div_euclid(1_000_000),
        nanos: (micros.rem_euclid(1_000_000) * 1000) as i32,
    }
}

fn recorded(event: &RecordedEvent) -> i64 {
    micros(event.recorded_time.as_ref().expect("recorded time"))
}

async fn state_at(temporal: &mut Temporal, id: &str, at: At) -> Result<GetAggregateStateAtResponse, Status> {
    let request =
        GetAggregateStateAtRequest { aggregate_type: "account".into(), aggregate_id: id.into(), at: Some(at) };
    temporal.get_aggregate_state_at(request).await.map(|r| r.into_inner())
}

fn state(response: &GetAggregateStateAtResponse) -> Value {
    value_to_json(response.state.clone().expect("state"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_as_of_every_revision_and_time_is_what_the_events_say() {
    let nexus = server(&[]).await;
    let mut client = nexus.client().await;
    let mut temporal = TemporalQueryServiceClient::new(nexus.channel().await);
    let id = unique("acc-t");
    execute(&mut client, &id, "OpenAccount", json!({"owner": "Ada", "initial_deposit": 100})).await;
    for amount in [10, 20, 30, 40, 50] {
        // Apart in time, so that every revision has a time of its own.
        tokio::time::sleep(Duration::from_millis(3)).await;
        execute(&mut client, &id, "DepositMoney", json!({"amount": amount})).await;
    }
    tokio::time::sleep(Duration::from_millis(3)).await;
    execute(&mut client, &id, "WithdrawMoney", json!({"amount": 5})).await;
    let events = read_whole_stream(&mut client.event_store(), &format!("account-{id}")).await.expect("read");
    // The balance after each revision, as the events record it.
    let balances: Vec<i64> = events
        .iter()
        .map(|e| {
            let data = event_json(e);
            data.get("balance").or(data.get("initial_deposit")).and_then(Value::as_i64).expect("balance")
        })
        .collect();
    assert_eq!(balances, [100, 110, 130, 160, 200, 250, 245]);

    for (revision, event) in events.iter().enumerate() {
        let revision = revision as u64;
        let by_revision = state_at(&mut temporal, &id, At::Revision(revision)).await.expect("as of revision");
        assert_eq!(by_revision.revision, Some(revision));
        assert_eq!(state(&by_revision)["balance"], json!(balances[revision as usize]), "revision {revision}");
        assert_eq!(state(&by_revision)["status"], "open");
        assert_eq!(by_revision.recorded_time, event.recorded_time);
        assert_eq!((by_revision.stream_id.as_str(), by_revision.stream_revision), (event.stream_id.as_str(), 6));
        assert_eq!(by_revision.first_revision, Some(0));

        // At the event's own time, and just before it.
        let at_time = state_at(&mut temporal, &id, At::Time(event.recorded_time.expect("time"))).await.expect("time");
        assert_eq!(at_time.revision, Some(revision), "as of the time of revision {revision}");
        assert_eq!(state(&at_time), state(&by_revision));
        let before = state_at(&mut temporal, &id, At::Time(timestamp(recorded(event) - 1))).await.expect("before");
        if revision == 0 {
            assert_eq!(before.revision, None, "nothing had happened yet");
            assert_eq!(state(&before), json!({"status": "not_opened"}));
            assert_eq!(before.recorded_time, None);
        } else {
            assert_eq!(before.revision, Some(revision - 1), "just before revision {revision}");
            assert_eq!(state(&before)["balance"], json!(balances[revision as usize - 1]));
        }
    }
    let later = state_at(&mut temporal, &id, At::Time(timestamp(recorded(&events[6]) + 3_600_000_000))).await;
    assert_eq!(later.expect("an hour later").revision, Some(6));

    // Errors.
    let past_the_end = state_at(&mut temporal, &id, At::Revision(7)).await.expect_err("revision 7");
    let info = assert_error(&past_the_end, Code::OutOfRange, "REVISION_OUT_OF_RANGE");
    assert_eq!(info.metadata.get("last_revision").map(String::as_str), Some("6"));
    let missing = state_at(&mut temporal, &unique("acc-none"), At::Revision(0)).await.expect_err("no such account");
    assert_error(&missing, Code::NotFound, "STREAM_NOT_FOUND");
    let unknown_type = temporal
        .get_aggregate_state_at(GetAggregateStateAtRequest {
            aggregate_type: "acount".into(),
            aggregate_id: id.clone(),
            at: Some(At::Revision(0)),
        })
        .await
        .expect_err("unknown type");
    let info = assert_error(&unknown_type, Code::InvalidArgument, "UNKNOWN_AGGREGATE_TYPE");
    assert_eq!(info.metadata.get("valid_aggregate_types").map(String::as_str), Some("account"));
    let no_at = temporal
        .get_aggregate_state_at(GetAggregateStateAtRequest {
            aggregate_type: "account".into(),
            aggregate_id: id.clone(),
            at: None,
        })
        .await
        .expect_err("no revision or time");
    assert_eq!(no_at.code(), Code::InvalidArgument);
    assert_eq!(field_violations(&no_at)[0].field, "at");
}

async fn between(
    temporal: &mut Temporal,
    stream_id: &str,
    start: Option<i64>,
    end: Option<i64>,
    page_size: u32,
) -> (Vec<RecordedEvent>, usize) {
    let (mut events, mut pages, mut page_token) = (Vec::new(), 0, String::new());
    loop {
        let page = temporal
            .read_stream_between(ReadStreamBetweenRequest {
                stream_id: stream_id.into(),
                start_time: start.map(timestamp),
                end_time: end.map(timestamp),
                page_size,
                page_token: page_token.clone(),
                as_stored: false,
            })
            .await
            .expect("read between")
            .into_inner();
        assert!(page.events.len() <= page_size as usize, "a page holds at most page_size events");
        pages += 1;
        assert!(pages < 100, "paging does not end");
        events.extend(page.events);
        if page.next_page_token.is_empty() {
            return (events, pages);
        }
        page_token = page.next_page_token;
    }
}

fn revisions(events: &[RecordedEvent]) -> Vec<u64> {
    events.iter().map(|e| e.stream_revision).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_events_between_two_times_are_exactly_those_of_the_window_page_by_page() {
    let nexus = server(&[]).await;
    let mut events = EventStoreServiceClient::new(nexus.channel().await);
    let mut temporal = TemporalQueryServiceClient::new(nexus.channel().await);
    let stream = unique("window-");
    for batch in 0..10 {
        let appended = (0..3).map(|i| proposed("Ticked", json!({"batch": batch, "i": i}))).collect();
        let request =
            AppendToStreamRequest { stream_id: stream.clone(), expected_revision: expected(any()), events: appended };
        events.append_to_stream(request).await.expect("append");
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    let all = read_whole_stream(&mut events, &stream).await.expect("read");
    assert_eq!(all.len(), 30);

    // From the time of revision 7 (a batch's second event: its batch shares
    // the time) up to the time of revision 22, exclusive.
    let (start, end) = (recorded(&all[7]), recorded(&all[22]));
    let expected: Vec<u64> =
        all.iter().filter(|e| recorded(e) >= start && recorded(e) < end).map(|e| e.stream_revision).collect();
    assert_eq!(expected, (6..21).collect::<Vec<u64>>(), "batches of three share their commit time");
    let (window, pages) = between(&mut temporal, &stream, Some(start), Some(end), 4).await;
    assert_eq!(revisions(&window), expected);
    assert_eq!(pages, 4, "15 events in pages of 4");
    assert_eq!(window, all[6..21], "the events as ReadStream gives them");
    // A window that fills its last page exactly ends there, without an empty page.
    let (twelve, pages) = between(&mut temporal, &stream, Some(start), Some(recorded(&all[18])), 4).await;
    assert_eq!((revisions(&twelve), pages), ((6..18).collect::<Vec<u64>>(), 3));

    let (everything, _) = between(&mut temporal, &stream, None, None, 7).await;
    assert_eq!(revisions(&everything), (0..30).collect::<Vec<u64>>());
    let (from_start, _) = between(&mut temporal, &stream, None, Some(start), 100).await;
    assert_eq!(revisions(&from_start), (0..6).collect::<Vec<u64>>());
    let (after_end, _) = between(&mut temporal, &stream, Some(recorded(&all[29]) + 1), None, 100).await;
    assert!(after_end.is_empty());
    let (empty, _) = between(&mut temporal, &stream, Some(start), Some(start), 100).await;
    assert!(empty.is_empty(), "an empty window");

    // Errors.
    let request = |start: i64, end: i64, page_token: &str| ReadStreamBetweenRequest {
        stream_id: stream.clone(),
        start_time: Some(timestamp(start)),
        end_time: Some(timestamp(end)),
        page_size: 4,
        page_token: page_token.into(),
        as_stored: false,
    };
    let backwards = temporal.read_stream_between(request(end, start, "")).await.expect_err("end before start");
    assert_eq!(backwards.code(), Code::InvalidArgument);
    assert_eq!(field_violations(&backwards)[0].field, "end_time");
    let first = temporal.read_stream_between(request(start, end, "")).await.expect("first page").into_inner();
    let other_window =
        temporal.read_stream_between(request(start, end + 1, &first.next_page_token)).await.expect_err("other window");
    assert_error(&other_window, Code::InvalidArgument, "INVALID_PAGE_TOKEN");
    let garbage = temporal.read_stream_between(request(start, end, "garbage")).await.expect_err("garbage token");
    assert_eq!(field_violations(&garbage)[0].field, "page_token");
}

async fn document_at(temporal: &mut Temporal, key: &str, global: u64) -> GetDocumentAtResponse {
    temporal
        .get_document_at(GetDocumentAtRequest {
            projection: "account-balance".into(),
            key: key.into(),
            position: Some(Position { token: String::new(), global_position: Some(global) }),
        })
        .await
        .unwrap_or_else(|e| panic!("document at {global}: {e:?}"))
        .into_inner()
}

fn global(response: &ExecuteResponse) -> u64 {
    response.events.last().and_then(|e| e.position.as_ref()).and_then(|p| p.global_position).expect("position")
}

/// The balance and the number of writes of a document answer.
fn balance(answer: &GetDocumentAtResponse) -> Option<(Value, u64)> {
    answer.document.as_ref().map(|d| (struct_to_json(d.body.clone().expect("body"))["balance"].clone(), d.version))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_as_of_a_position_come_from_the_change_log_or_a_replay_and_agree() {
    // Five changes kept per projection: older positions fall out of the log.
    let nexus = server(&[("NEXUS_PROJECTIONS__CHANGE_LOG", "5")]).await;
    let mut client = nexus.client().await;
    let mut query = QueryServiceClient::new(nexus.channel().await);
    let mut temporal = TemporalQueryServiceClient::new(nexus.channel().await);
    let id = unique("acc-d");
    let key = format!("account-{id}");
    let mut positions = vec![global(&execute(&mut client, &id, "OpenAccount", json!({"owner": "Ada"})).await)];
    for amount in 1..=8 {
        positions.push(global(&execute(&mut client, &id, "DepositMoney", json!({"amount": amount * 10})).await));
    }
    // balance after write i (0: the opening), and the document's version.
    let expected: Vec<(Value, u64)> =
        (0..=8u64).map(|i| (json!((1..=i).map(|a| a * 10).sum::<u64>()), i + 1)).collect();
    let last = Position { token: String::new(), global_position: positions.last().copied() };
    let consistency =
        Consistency { position: Some(last), timeout: Some(prost_types::Duration { seconds: 30, nanos: 0 }) };
    query
        .get_document(GetDocumentRequest {
            projection: "account-balance".into(),
            key: key.clone(),
            consistency: Some(consistency.clone()),
        })
        .await
        .expect("the projection has caught up");

    // The log holds the last five writes: revisions 4 to 8.
    for i in 4..=8 {
        let answer = document_at(&mut temporal, &key, positions[i]).await;
        assert_eq!(answer.source, DocumentSource::ChangeLog as i32, "write {i} is in the change log");
        assert_eq!(balance(&answer), Some(expected[i].clone()), "as of write {i}");
        assert_eq!(answer.position.and_then(|p| p.global_position), Some(positions[i]));
    }
    let from_log = document_at(&mut temporal, &key, positions[6]).await;
    for i in 0..4 {
        let answer = document_at(&mut temporal, &key, positions[i]).await;
        assert_eq!(answer.source, DocumentSource::Replay as i32, "write {i} has left the change log");
        assert_eq!(balance(&answer), Some(expected[i].clone()), "as of write {i}");
        let written = answer.document.and_then(|d| d.position).and_then(|p| p.global_position);
        assert_eq!(written, Some(positions[i]), "the document was last written by write {i}");
    }
    let before = document_at(&mut temporal, &key, positions[0] - 1).await;
    assert_eq!((before.document, before.source), (None, DocumentSource::Replay as i32), "not opened yet");

    // Other accounts push write 6 out of the log: the replay gives the same answer.
    let mut newest = 0;
    for _ in 0..6 {
        newest = global(&execute(&mut client, &unique("acc-o"), "OpenAccount", json!({"owner": "Bob"})).await);
    }
    let consistency =
        Consistency { position: Some(Position { token: String::new(), global_position: Some(newest) }), ..consistency };
    query
        .get_document(GetDocumentRequest {
            projection: "account-balance".into(),
            key: key.clone(),
            consistency: Some(consistency),
        })
        .await
        .expect("caught up");
    let replayed = document_at(&mut temporal, &key, positions[6]).await;
    assert_eq!(replayed.source, DocumentSource::Replay as i32);
    let mut from_log_document = from_log.document.expect("document");
    let mut replayed_document = replayed.document.expect("document");
    // The read store stamps its own write time; a replay the event's time.
    from_log_document.updated_time = None;
    replayed_document.updated_time = None;
    assert_eq!(replayed_document, from_log_document, "change log and replay agree");

    // Errors.
    let after_the_end = temporal
        .get_document_at(GetDocumentAtRequest {
            projection: "account-balance".into(),
            key: key.clone(),
            position: Some(Position { token: String::new(), global_position: Some(newest + 1000) }),
        })
        .await
        .expect_err("after the end of the log");
    assert_error(&after_the_end, Code::OutOfRange, "POSITION_OUT_OF_RANGE");
    let unknown = temporal
        .get_document_at(GetDocumentAtRequest {
            projection: "no-such".into(),
            key: key.clone(),
            position: Some(Position { token: String::new(), global_position: Some(1) }),
        })
        .await
        .expect_err("unknown projection");
    assert_error(&unknown, Code::NotFound, "PROJECTION_NOT_FOUND");
    let bad_token = temporal
        .get_document_at(GetDocumentAtRequest {
            projection: "account-balance".into(),
            key,
            position: Some(Position { token: "not-a-token".into(), global_position: None }),
        })
        .await
        .expect_err("bad token");
    assert_error(&bad_token, Code::InvalidArgument, "INVALID_POSITION");
    let no_position = temporal
        .get_document_at(GetDocumentAtRequest {
            projection: "account-balance".into(),
            key: "account-x".into(),
            position: None,
        })
        .await
        .expect_err("no position");
    assert_eq!(no_position.code(), Code::InvalidArgument);
    assert_eq!(field_violations(&no_position)[0].field, "position");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_longer_than_allowed_is_refused() {
    let nexus = server(&[("NEXUS_PROJECTIONS__CHANGE_LOG", "1"), ("NEXUS_TEMPORAL__MAX_REPLAY_EVENTS", "2")]).await;
    let mut client = nexus.client().await;
    let mut temporal = TemporalQueryServiceClient::new(nexus.channel().await);
    let id = unique("acc-r");
    let key = format!("account-{id}");
    let mut positions = vec![global(&execute(&mut client, &id, "OpenAccount", json!({"owner": "Ada"})).await)];
    for amount in [10, 20, 30] {
        positions.push(global(&execute(&mut client, &id, "DepositMoney", json!({"amount": amount})).await));
    }
    // Once the projection has written the last deposit, the log holds only that.
    let last = Position { token: String::new(), global_position: positions.last().copied() };
    let consistency =
        Consistency { position: Some(last), timeout: Some(prost_types::Duration { seconds: 30, nanos: 0 }) };
    QueryServiceClient::new(nexus.channel().await)
        .get_document(GetDocumentRequest {
            projection: "account-balance".into(),
            key: key.clone(),
            consistency: Some(consistency),
        })
        .await
        .expect("the projection has caught up");
    // Two events to fold: allowed.
    let second = document_at(&mut temporal, &key, positions[1]).await;
    assert_eq!((second.source, balance(&second)), (DocumentSource::Replay as i32, Some((json!(10), 2))));
    // Three: refused.
    let request = GetDocumentAtRequest {
        projection: "account-balance".into(),
        key,
        position: Some(Position { token: String::new(), global_position: Some(positions[2]) }),
    };
    let refused = temporal.get_document_at(request).await.expect_err("a replay of three events");
    let info = assert_error(&refused, Code::FailedPrecondition, "REPLAY_LIMIT_EXCEEDED");
    assert_eq!(info.metadata.get("max_replay_events").map(String::as_str), Some("2"));
}

/// A cheap temporal call.
async fn read_window(temporal: &mut Temporal, stream: &str) -> Result<(), Status> {
    let request = ReadStreamBetweenRequest { stream_id: stream.into(), page_size: 1, ..Default::default() };
    temporal.read_stream_between(request).await.map(|_| ())
}

fn retry_delay(status: &Status) -> Duration {
    assert_error(status, Code::ResourceExhausted, "RATE_LIMITED");
    status
        .get_details_retry_info()
        .and_then(|r| r.retry_delay)
        .unwrap_or_else(|| panic!("no google.rpc.RetryInfo with a delay: {status:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_eleventh_call_within_a_minute_is_refused_with_the_time_to_wait() {
    // The default limit: 10 per minute.
    let nexus = NexusProcess::start().await;
    let mut events = EventStoreServiceClient::new(nexus.channel().await);
    let mut temporal = TemporalQueryServiceClient::new(nexus.channel().await);
    let stream = unique("limited-");
    let request = AppendToStreamRequest {
        stream_id: stream.clone(),
        expected_revision: expected(any()),
        events: vec![proposed("Ticked", json!({}))],
    };
    events.append_to_stream(request).await.expect("append");
    // Malformed calls do not count.
    for _ in 0..3 {
        let bad = read_window(&mut temporal, "").await.expect_err("no stream id");
        assert_eq!(bad.code(), Code::InvalidArgument);
    }
    let started = Instant::now();
    for call in 1..=10 {
        read_window(&mut temporal, &stream).await.unwrap_or_else(|e| panic!("call {call} is within the limit: {e:?}"));
    }
    let refused = read_window(&mut temporal, &stream).await.expect_err("the 11th call within a minute");
    assert!(started.elapsed() < Duration::from_secs(6), "the calls took longer than a call takes to come back");
    let delay = retry_delay(&refused);
    // One call comes back every 6 s; some of that has passed already.
    assert!(delay > Duration::ZERO && delay <= Duration::from_secs(6), "retry delay {delay:?}");
    assert!(delay >= Duration::from_secs(6) - started.elapsed() - Duration::from_millis(50), "retry delay {delay:?}");
    let info = assert_error(&refused, Code::ResourceExhausted, "RATE_LIMITED");
    assert_eq!(info.metadata.get("limit_per_minute").map(String::as_str), Some("10"));
    // Every temporal RPC draws on the same budget.
    let state = state_at(&mut temporal, "acc-x", At::Revision(0)).await.expect_err("also limited");
    assert!(retry_delay(&state) <= delay, "the wait only shrinks");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_after_the_retry_delay_is_accepted() {
    // 1 per minute by default, but the (anonymous) caller is an admin: 120
    // per minute, one back every 0.5 s.
    let options =
        ServerOptions::default().env("NEXUS_TEMPORAL__PER_MINUTE", "1").env("NEXUS_TEMPORAL__ROLES__ADMIN", "120");
    let nexus = NexusProcess::start_with(options).await;
    let mut events = EventStoreServiceClient::new(nexus.channel().await);
    let mut temporal = TemporalQueryServiceClient::new(nexus.channel().await);
    let stream = unique("limited-");
    let request = AppendToStreamRequest {
        stream_id: stream.clone(),
        expected_revision: expected(any()),
        events: vec![proposed("Ticked", json!({}))],
    };
    events.append_to_stream(request).await.expect("append");

    let started = Instant::now();
    let mut accepted = 0u32;
    let refused = loop {
        match read_window(&mut temporal, &stream).await {
            Ok(()) => accepted += 1,
            Err(status) => break status,
        }
        assert!(accepted < 400, "never refused");
    };
    // The whole budget, plus the calls that came back while spending it.
    let came_back = (started.elapsed().as_secs_f64() * 2.0).ceil() as u32;
    assert!((120..=120 + came_back).contains(&accepted), "{accepted} calls accepted in {:?}", started.elapsed());
    let delay = retry_delay(&refused);
    assert!(delay > Duration::ZERO && delay <= Duration::from_millis(500), "retry delay {delay:?}");
    if delay > Duration::from_millis(100) {
        assert!(read_window(&mut temporal, &stream).await.is_err(), "refused until the delay has passed");
    }
    tokio::time::sleep(delay).await;
    read_window(&mut temporal, &stream).await.expect("accepted after waiting the retry delay");
}

// ---- tenants -----------------------------------------------------------------------

const ISSUER: &str = "https://issuer.temporal.test";
const AUDIENCE: &str = "nexus-temporal";
const SECRET: &str = "temporal-e2e-secret-only-for-tests-0123456789";

fn token(sub: &str, tenant: &str, roles: &[&str]) -> nexus_sdk::BearerToken {
    let exp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() + 600;
    let mut claims = json!({ "sub": sub, "roles": roles, "iss": ISSUER, "aud": AUDIENCE, "exp": exp });
    if !tenant.is_empty() {
        claims["tenant"] = json!(tenant);
    }
    let jwt = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .expect("sign");
    nexus_sdk::BearerToken::new(jwt).expect("ascii token")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_query_only_their_own_past_and_each_principal_has_its_own_budget() {
    let dir = tempfile::tempdir().expect("temp dir");
    let secret_file = dir.path().join("hs256.secret");
    std::fs::write(&secret_file, SECRET).expect("write secret");
    let nexus = NexusProcess::start_with(
        ServerOptions::default()
            .env("NEXUS_AUTH__MODE", "jwt")
            .env("NEXUS_AUTH__JWT__HS256_SECRET_FILE", secret_file.display().to_string())
            .env("NEXUS_AUTH__JWT__ISSUER", ISSUER)
            .env("NEXUS_AUTH__JWT__AUDIENCE", AUDIENCE)
            .env("NEXUS_TEMPORAL__PER_MINUTE", "3"),
    )
    .await;
    let mut events = EventStoreServiceClient::with_interceptor(nexus.channel().await, token("root", "", &["admin"]));
    let id = unique("acc-");
    let (ours, theirs) = (format!("acme/account-{id}"), format!("globex/account-{id}"));
    let mut last = 0;
    for (stream, owner) in [(&ours, "Ada"), (&theirs, "Gus")] {
        let opened = json!({"owner": owner, "currency": "EUR", "initial_deposit": 1});
        let request = AppendToStreamRequest {
            stream_id: stream.clone(),
            expected_revision: expected(any()),
            events: vec![proposed("AccountOpened", opened)],
        };
        let response = events.append_to_stream(request).await.expect("append").into_inner();
        last = response.last_position.and_then(|p| p.global_position).expect("position");
    }
    let mut alice =
        TemporalQueryServiceClient::with_interceptor(nexus.channel().await, token("alice", "acme", &["reader"]));
    let mut gus =
        TemporalQueryServiceClient::with_interceptor(nexus.channel().await, token("gus", "globex", &["reader"]));
    let state_request = GetAggregateStateAtRequest {
        aggregate_type: "account".into(),
        aggregate_id: id.clone(),
        at: Some(At::Revision(0)),
    };

    // The same aggregate id is each tenant's own aggregate.
    let alices = alice.get_aggregate_state_at(state_request.clone()).await.expect("alice's account").into_inner();
    assert_eq!((alices.stream_id.as_str(), state(&alices)["owner"].clone()), (ours.as_str(), json!("Ada")));
    let guss = gus.get_aggregate_state_at(state_request.clone()).await.expect("gus's account").into_inner();
    assert_eq!((guss.stream_id.as_str(), state(&guss)["owner"].clone()), (theirs.as_str(), json!("Gus")));

    // Another tenant's stream and documents are out of reach; refusals cost nothing.
    let window = |stream: &str| ReadStreamBetweenRequest { stream_id: stream.into(), ..Default::default() };
    let denied = alice.read_stream_between(window(&theirs)).await.expect_err("globex's stream");
    assert_error(&denied, Code::PermissionDenied, "POLICY_DENIED");
    let document = |key: &str| GetDocumentAtRequest {
        projection: "account-balance".into(),
        key: key.into(),
        position: Some(Position { token: String::new(), global_position: Some(last) }),
    };
    let hidden = alice.get_document_at(document(&theirs)).await.expect_err("globex's document");
    assert_error(&hidden, Code::NotFound, "DOCUMENT_NOT_FOUND");
    let own = alice.get_document_at(document(&ours)).await.expect("alice's document").into_inner();
    let body = own.document.and_then(|d| d.body).map(struct_to_json).expect("document");
    assert_eq!(body["owner"], "Ada");
    let mut nobody = TemporalQueryServiceClient::with_interceptor(nexus.channel().await, token("nobody", "acme", &[]));
    let no_role = nobody.read_stream_between(window(&ours)).await.expect_err("no role");
    assert_error(&no_role, Code::PermissionDenied, "POLICY_DENIED");

    // Three calls a minute each: Alice has made two, Gus one.
    alice.read_stream_between(window(&ours)).await.expect("alice's third call");
    let limited = alice.read_stream_between(window(&ours)).await.expect_err("alice's fourth call");
    assert_error(&limited, Code::ResourceExhausted, "RATE_LIMITED");
    gus.get_aggregate_state_at(state_request).await.expect("gus has his own budget");
}
