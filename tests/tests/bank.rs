//! The "account" example domain driven through CommandService.Execute.

use std::time::Duration;

use nexus_e2e::{
    NexusProcess, assert_error, assert_violation, event_json, expect_raw_status, expect_status, field_violations,
    read_whole_stream, unique,
};
use nexus_sdk::{
    Client,
    json::json_to_struct,
    proto::{ExecuteRequest, ExecuteResponse, ExpectedRevision, ListAggregateTypesRequest, expected_revision},
};
use serde_json::{Value, json};
use tonic::Code;

/// A malformed-payload case: description, command type, payload, and what a
/// matching field violation looks like.
type Case = (&'static str, &'static str, Value, Box<dyn Fn(&tonic_types::FieldViolation) -> bool>);

fn request(aggregate_id: &str, command_type: &str, payload: Value) -> ExecuteRequest {
    ExecuteRequest {
        aggregate_type: "account".into(),
        aggregate_id: aggregate_id.into(),
        command_type: command_type.into(),
        payload: Some(json_to_struct(payload).expect("object payload")),
        ..Default::default()
    }
}

async fn ok(client: &mut Client, aggregate_id: &str, command_type: &str, payload: Value) -> ExecuteResponse {
    client
        .execute("account", aggregate_id, command_type, payload.clone())
        .await
        .unwrap_or_else(|e| panic!("{command_type} {payload} on {aggregate_id} failed: {e:?}"))
}

/// Asserts a response carries exactly one event of the given type and
/// returns its JSON data.
#[track_caller]
fn single_event(response: &ExecuteResponse, event_type: &str, revision: u64) -> Value {
    assert_eq!(response.events.len(), 1, "expected one {event_type} event: {response:?}");
    let event = &response.events[0];
    assert_eq!(event.event_type, event_type);
    assert_eq!(event.stream_id, response.stream_id);
    assert_eq!(event.stream_revision, revision, "revision of {event_type}");
    assert_eq!(event.content_type, "application/json");
    assert!(uuid::Uuid::parse_str(&event.event_id).is_ok(), "event id is not a UUID: {}", event.event_id);
    assert_eq!(response.revision, Some(revision), "response revision after {event_type}");
    event_json(event)
}

#[tokio::test]
async fn list_aggregate_types_includes_account() {
    let nexus = NexusProcess::start().await;
    let client = nexus.client().await;
    let types = client
        .commands()
        .list_aggregate_types(ListAggregateTypesRequest {})
        .await
        .expect("ListAggregateTypes")
        .into_inner()
        .aggregate_types;
    let account = types
        .iter()
        .find(|t| t.aggregate_type == "account")
        .unwrap_or_else(|| panic!("no \"account\" aggregate type in {types:?}"));
    for command in ["OpenAccount", "DepositMoney", "WithdrawMoney", "CloseAccount"] {
        assert!(account.command_types.iter().any(|c| c == command), "{command} missing from {account:?}");
    }
    let names: Vec<&str> = types.iter().map(|t| t.aggregate_type.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "aggregate types are not sorted by name");
}

#[tokio::test]
async fn bank_walkthrough() {
    let nexus = NexusProcess::start().await;
    let mut client = nexus.client().await;
    let id = unique("acc-");
    let stream = format!("account-{id}");

    // Open with an initial deposit; currency defaults to EUR.
    let opened = ok(&mut client, &id, "OpenAccount", json!({"owner": "Alice", "initial_deposit": 100})).await;
    assert_eq!(opened.stream_id, stream);
    assert!(!opened.already_executed);
    assert!(!opened.command_id.is_empty(), "no command id in {opened:?}");
    let data = single_event(&opened, "AccountOpened", 0);
    assert_eq!(data["owner"], "Alice", "AccountOpened data {data}");
    assert_eq!(data["currency"], "EUR", "AccountOpened data {data}");
    assert_eq!(data["initial_deposit"], 100, "AccountOpened data {data}");

    // Opening twice is refused.
    let status = expect_status(client.execute("account", &id, "OpenAccount", json!({"owner": "Bob"})).await);
    assert_error(&status, Code::FailedPrecondition, "ACCOUNT_ALREADY_OPEN");

    let deposited = ok(&mut client, &id, "DepositMoney", json!({"amount": 50})).await;
    let data = single_event(&deposited, "MoneyDeposited", 1);
    assert_eq!(data["amount"], 50, "MoneyDeposited data {data}");
    assert_eq!(data["balance"], 150, "MoneyDeposited data {data}");

    let withdrawn = ok(&mut client, &id, "WithdrawMoney", json!({"amount": 30})).await;
    let data = single_event(&withdrawn, "MoneyWithdrawn", 2);
    assert_eq!(data["amount"], 30, "MoneyWithdrawn data {data}");
    assert_eq!(data["balance"], 120, "MoneyWithdrawn data {data}");

    // Insufficient funds, with the balance and amount in the error metadata.
    let status = expect_status(client.execute("account", &id, "WithdrawMoney", json!({"amount": 1000})).await);
    let info = assert_error(&status, Code::FailedPrecondition, "INSUFFICIENT_FUNDS");
    assert_eq!(info.metadata.get("balance").map(String::as_str), Some("120"), "metadata {:?}", info.metadata);
    assert_eq!(info.metadata.get("amount").map(String::as_str), Some("1000"), "metadata {:?}", info.metadata);

    // Closing needs a zero balance.
    let status = expect_status(client.execute("account", &id, "CloseAccount", json!({})).await);
    assert_error(&status, Code::FailedPrecondition, "ACCOUNT_BALANCE_NOT_ZERO");

    let emptied = ok(&mut client, &id, "WithdrawMoney", json!({"amount": 120})).await;
    let data = single_event(&emptied, "MoneyWithdrawn", 3);
    assert_eq!(data["balance"], 0, "MoneyWithdrawn data {data}");

    let closed = ok(&mut client, &id, "CloseAccount", json!({})).await;
    single_event(&closed, "AccountClosed", 4);

    // A closed account refuses everything.
    for (command, payload) in
        [("DepositMoney", json!({"amount": 5})), ("WithdrawMoney", json!({"amount": 5})), ("CloseAccount", json!({}))]
    {
        let status = expect_status(client.execute("account", &id, command, payload).await);
        assert_error(&status, Code::FailedPrecondition, "ACCOUNT_CLOSED");
    }

    // Unknown accounts are refused.
    let ghost = unique("ghost-");
    for (command, payload) in
        [("DepositMoney", json!({"amount": 5})), ("WithdrawMoney", json!({"amount": 5})), ("CloseAccount", json!({}))]
    {
        let status = expect_status(client.execute("account", &ghost, command, payload).await);
        assert_error(&status, Code::FailedPrecondition, "ACCOUNT_NOT_FOUND");
    }
    let status = expect_raw_status(
        client
            .event_store()
            .read_stream(nexus_sdk::proto::ReadStreamRequest {
                stream_id: format!("account-{ghost}"),
                ..Default::default()
            })
            .await,
    );
    assert_error(&status, Code::NotFound, "STREAM_NOT_FOUND");

    // The stream holds exactly the accepted commands' events, in order.
    let events = read_whole_stream(&mut client.event_store(), &stream).await.expect("read account stream");
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        ["AccountOpened", "MoneyDeposited", "MoneyWithdrawn", "MoneyWithdrawn", "AccountClosed"],
        "events of {stream}"
    );
    let revisions: Vec<u64> = events.iter().map(|e| e.stream_revision).collect();
    assert_eq!(revisions, [0, 1, 2, 3, 4]);
    let ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
    let acked: Vec<&str> =
        [&opened, &deposited, &withdrawn, &emptied, &closed].iter().map(|r| r.events[0].event_id.as_str()).collect();
    assert_eq!(ids, acked, "stored event ids differ from the ones Execute returned");

    // An explicit currency is kept.
    let usd = unique("usd-");
    let opened = ok(&mut client, &usd, "OpenAccount", json!({"owner": "Carol", "currency": "USD"})).await;
    let data = single_event(&opened, "AccountOpened", 0);
    assert_eq!(data["currency"], "USD", "AccountOpened data {data}");
    assert_eq!(data["initial_deposit"], 0, "AccountOpened data {data} (initial_deposit defaults to 0)");
}

#[tokio::test]
async fn malformed_payloads_are_invalid_arguments() {
    let nexus = NexusProcess::start().await;
    let mut client = nexus.client().await;
    let id = unique("acc-");
    ok(&mut client, &id, "OpenAccount", json!({"owner": "Alice", "initial_deposit": 10})).await;

    let mentions = |needle: &'static str| {
        move |v: &tonic_types::FieldViolation| {
            v.field.starts_with("payload") && (v.field.contains(needle) || v.description.contains(needle))
        }
    };
    let exactly_amount = |v: &tonic_types::FieldViolation| v.field == "payload.amount";

    let fresh = unique("acc-");
    let cases: Vec<Case> = vec![
        ("OpenAccount without owner", "OpenAccount", json!({}), Box::new(mentions("owner"))),
        ("OpenAccount with empty owner", "OpenAccount", json!({"owner": ""}), Box::new(mentions("owner"))),
        ("OpenAccount with owner as number", "OpenAccount", json!({"owner": 42}), Box::new(mentions("owner"))),
        (
            "OpenAccount with lowercase currency",
            "OpenAccount",
            json!({"owner": "Bob", "currency": "usd"}),
            Box::new(mentions("currency")),
        ),
        (
            "OpenAccount with 4-letter currency",
            "OpenAccount",
            json!({"owner": "Bob", "currency": "EURO"}),
            Box::new(mentions("currency")),
        ),
        (
            "OpenAccount with negative initial deposit",
            "OpenAccount",
            json!({"owner": "Bob", "initial_deposit": -5}),
            Box::new(mentions("initial_deposit")),
        ),
        (
            "OpenAccount with unknown field",
            "OpenAccount",
            json!({"owner": "Bob", "nickname": "bobby"}),
            Box::new(mentions("nickname")),
        ),
    ];
    for (what, command, payload, matches) in cases {
        let status = expect_status(client.execute("account", &fresh, command, payload).await);
        assert_violation(&status, what, matches);
    }

    let cases: Vec<Case> = vec![
        ("DepositMoney without amount", "DepositMoney", json!({}), Box::new(mentions("amount"))),
        ("DepositMoney with zero amount", "DepositMoney", json!({"amount": 0}), Box::new(exactly_amount)),
        ("DepositMoney with negative amount", "DepositMoney", json!({"amount": -10}), Box::new(exactly_amount)),
        ("DepositMoney with string amount", "DepositMoney", json!({"amount": "ten"}), Box::new(exactly_amount)),
        ("DepositMoney with fractional amount", "DepositMoney", json!({"amount": 1.5}), Box::new(exactly_amount)),
        (
            "DepositMoney with unknown field",
            "DepositMoney",
            json!({"amount": 5, "bogus": 1}),
            Box::new(mentions("bogus")),
        ),
        ("WithdrawMoney with zero amount", "WithdrawMoney", json!({"amount": 0}), Box::new(exactly_amount)),
        ("WithdrawMoney with bool amount", "WithdrawMoney", json!({"amount": true}), Box::new(exactly_amount)),
        ("CloseAccount with unknown field", "CloseAccount", json!({"force": true}), Box::new(mentions("force"))),
    ];
    for (what, command, payload, matches) in cases {
        let status = expect_status(client.execute("account", &id, command, payload).await);
        assert_violation(&status, what, matches);
    }

    // None of that wrote anything: the account is still at revision 0 and the
    // fresh id has no stream.
    let events = read_whole_stream(&mut client.event_store(), &format!("account-{id}")).await.expect("read");
    assert_eq!(events.len(), 1, "malformed commands wrote events: {events:?}");
    let status = expect_raw_status(read_whole_stream(&mut client.event_store(), &format!("account-{fresh}")).await);
    assert_error(&status, Code::NotFound, "STREAM_NOT_FOUND");
}

#[tokio::test]
async fn unknown_types_and_bad_aggregate_ids() {
    let nexus = NexusProcess::start().await;
    let mut client = nexus.client().await;

    let status = expect_status(client.execute("spaceship", "s-1", "Launch", json!({})).await);
    assert_error(&status, Code::InvalidArgument, "UNKNOWN_AGGREGATE_TYPE");
    assert!(status.message().contains("account"), "message does not name the valid types: {status:?}");

    let status = expect_status(client.execute("account", "a-1", "TeleportMoney", json!({"amount": 1})).await);
    assert_error(&status, Code::InvalidArgument, "UNKNOWN_COMMAND_TYPE");
    assert!(status.message().contains("DepositMoney"), "message does not name the valid commands: {status:?}");

    let too_long = "x".repeat(129);
    for bad_id in ["", "has space", "slash/inside", "emoji-\u{1F600}", too_long.as_str()] {
        let status = expect_status(client.execute("account", bad_id, "OpenAccount", json!({"owner": "Alice"})).await);
        assert_eq!(status.code(), Code::InvalidArgument, "aggregate_id {bad_id:?}: {status:?}");
        let violations = field_violations(&status);
        assert!(
            violations.iter().any(|v| v.field == "aggregate_id"),
            "aggregate_id {bad_id:?}: no violation on \"aggregate_id\" in {violations:?}"
        );
    }
    // The longest valid id, with every allowed punctuation character, works.
    let longest = format!("a.b_c:d-{}", "9".repeat(120));
    assert_eq!(longest.len(), 128);
    let opened = ok(&mut client, &longest, "OpenAccount", json!({"owner": "Alice"})).await;
    assert_eq!(opened.stream_id, format!("account-{longest}"));

    // Nothing was written by the refused commands.
    let all = nexus_e2e::read_all_events(&mut client.event_store(), None, 100).await;
    assert_eq!(all.len(), 1, "refused commands wrote events: {all:?}");
}

#[tokio::test]
async fn execute_with_expected_revision() {
    let nexus = NexusProcess::start().await;
    let mut client = nexus.client().await;
    let id = unique("acc-");
    ok(&mut client, &id, "OpenAccount", json!({"owner": "Alice", "initial_deposit": 10})).await;

    let exact = |n| Some(ExpectedRevision { kind: Some(expected_revision::Kind::Exact(n)) });
    let status = expect_status(
        client
            .execute_request(ExecuteRequest {
                expected_revision: exact(5),
                ..request(&id, "DepositMoney", json!({"amount": 1}))
            })
            .await,
    );
    assert_error(&status, Code::Aborted, "WRONG_EXPECTED_VERSION");

    let deposited = client
        .execute_request(ExecuteRequest {
            expected_revision: exact(0),
            ..request(&id, "DepositMoney", json!({"amount": 1}))
        })
        .await
        .expect("deposit at the expected revision");
    assert_eq!(deposited.revision, Some(1));

    // The same (now stale) expectation fails again and writes nothing.
    let status = expect_status(
        client
            .execute_request(ExecuteRequest {
                expected_revision: exact(0),
                ..request(&id, "DepositMoney", json!({"amount": 1}))
            })
            .await,
    );
    assert_error(&status, Code::Aborted, "WRONG_EXPECTED_VERSION");
    let events = read_whole_stream(&mut client.event_store(), &format!("account-{id}")).await.expect("read");
    assert_eq!(events.len(), 2);
}

#[tokio::test]
async fn idempotent_command_id_survives_restart() {
    let mut nexus = NexusProcess::start().await;
    let mut client = nexus.client().await;
    let id = unique("acc-");
    let stream = format!("account-{id}");
    let open_id = uuid::Uuid::new_v4().to_string();
    let deposit_id = uuid::Uuid::new_v4().to_string();

    let open = ExecuteRequest {
        command_id: open_id.clone(),
        ..request(&id, "OpenAccount", json!({"owner": "Alice", "initial_deposit": 10}))
    };
    let deposit =
        ExecuteRequest { command_id: deposit_id.clone(), ..request(&id, "DepositMoney", json!({"amount": 25})) };

    let first_open = client.execute_request(open.clone()).await.expect("open");
    assert!(!first_open.already_executed);
    assert_eq!(first_open.command_id, open_id);
    let first = client.execute_request(deposit.clone()).await.expect("deposit");
    assert!(!first.already_executed);
    assert_eq!(first.command_id, deposit_id);
    assert_eq!(first.revision, Some(1));
    assert_eq!(first.events.len(), 1);

    // Same command ids again: same events, nothing written. Re-opening would
    // fail with ACCOUNT_ALREADY_OPEN if it were executed again.
    let assert_replay = |what: &str, replay: &ExecuteResponse, original: &ExecuteResponse| {
        assert!(replay.already_executed, "{what}: already_executed is false: {replay:?}");
        assert_eq!(replay.stream_id, original.stream_id, "{what}: stream id");
        assert_eq!(replay.revision, original.revision, "{what}: revision");
        assert_eq!(replay.command_id, original.command_id, "{what}: command id");
        let ids = |r: &ExecuteResponse| {
            r.events.iter().map(|e| (e.event_id.clone(), e.stream_revision, e.event_type.clone())).collect::<Vec<_>>()
        };
        assert_eq!(ids(replay), ids(original), "{what}: events differ from the first execution");
        let data = |r: &ExecuteResponse| r.events.iter().map(event_json).collect::<Vec<_>>();
        assert_eq!(data(replay), data(original), "{what}: event data differs from the first execution");
    };
    for round in 0..2 {
        let replay = client.execute_request(open.clone()).await.expect("replayed open");
        assert_replay(&format!("open replay #{round}"), &replay, &first_open);
        let replay = client.execute_request(deposit.clone()).await.expect("replayed deposit");
        assert_replay(&format!("deposit replay #{round}"), &replay, &first);
    }
    let events = read_whole_stream(&mut client.event_store(), &stream).await.expect("read");
    assert_eq!(events.len(), 2, "replays wrote events: {events:?}");

    // A graceful restart keeps the deduplication.
    nexus.terminate();
    let status = nexus.wait_exit(Duration::from_secs(15)).await;
    assert!(status.success(), "nexus exited with {status} on SIGTERM");
    nexus.restart().await;
    let mut client = nexus.client().await;
    let replay = client.execute_request(deposit.clone()).await.expect("replayed deposit after restart");
    assert_replay("deposit replay after restart", &replay, &first);
    let replay = client.execute_request(open.clone()).await.expect("replayed open after restart");
    assert_replay("open replay after restart", &replay, &first_open);
    let events = read_whole_stream(&mut client.event_store(), &stream).await.expect("read after restart");
    assert_eq!(events.len(), 2, "replays after restart wrote events: {events:?}");
    assert_eq!(events[1].event_id, first.events[0].event_id);

    // A new command id is a new command.
    let again = client
        .execute_request(ExecuteRequest { command_id: uuid::Uuid::new_v4().to_string(), ..deposit.clone() })
        .await
        .expect("second deposit");
    assert!(!again.already_executed);
    assert_eq!(again.revision, Some(2));
    assert_eq!(event_json(&again.events[0])["balance"], 60);
}

#[tokio::test]
async fn correlation_and_causation_ids() {
    let nexus = NexusProcess::start().await;
    let mut client = nexus.client().await;
    let mut commands = client.commands();

    // Multi-event check: every event of the stream read back carries the ids.
    let stored_metadata = |events: &[nexus_sdk::proto::RecordedEvent], revision: u64| {
        let event = events.iter().find(|e| e.stream_revision == revision).expect("event at revision");
        event.metadata.clone().unwrap_or_default()
    };

    // 1. correlation_id in the request.
    let id = unique("acc-");
    let response = client
        .execute_request(ExecuteRequest {
            correlation_id: "corr-1".into(),
            ..request(&id, "OpenAccount", json!({"owner": "Alice", "initial_deposit": 5}))
        })
        .await
        .expect("open with correlation id");
    assert_eq!(response.correlation_id, "corr-1");
    assert!(!response.events.is_empty());
    for event in &response.events {
        let metadata = event.metadata.clone().unwrap_or_default();
        assert_eq!(metadata.correlation_id, "corr-1", "event {event:?}");
        assert_eq!(metadata.causation_id, response.command_id, "causation defaults to the command id: {event:?}");
    }
    let stored = read_whole_stream(&mut client.event_store(), &response.stream_id).await.expect("read");
    assert_eq!(stored_metadata(&stored, 0).correlation_id, "corr-1", "stored correlation id");
    assert_eq!(stored_metadata(&stored, 0).causation_id, response.command_id, "stored causation id");

    // 2. x-correlation-id header when the field is empty.
    let mut req = tonic::Request::new(request(&id, "DepositMoney", json!({"amount": 1})));
    req.metadata_mut().insert("x-correlation-id", "corr-from-header".parse().expect("ascii"));
    let response = commands.execute(req).await.expect("deposit with header").into_inner();
    assert_eq!(response.correlation_id, "corr-from-header");
    for event in &response.events {
        assert_eq!(event.metadata.clone().unwrap_or_default().correlation_id, "corr-from-header", "{event:?}");
    }
    let stored = read_whole_stream(&mut client.event_store(), &response.stream_id).await.expect("read");
    assert_eq!(stored_metadata(&stored, 1).correlation_id, "corr-from-header", "stored correlation id");

    // 3. The field wins over the header.
    let mut req = tonic::Request::new(ExecuteRequest {
        correlation_id: "corr-field".into(),
        ..request(&id, "DepositMoney", json!({"amount": 1}))
    });
    req.metadata_mut().insert("x-correlation-id", "corr-header-loses".parse().expect("ascii"));
    let response = commands.execute(req).await.expect("deposit with both").into_inner();
    assert_eq!(response.correlation_id, "corr-field");
    assert_eq!(response.events[0].metadata.clone().unwrap_or_default().correlation_id, "corr-field");

    // 4. Neither: the command id, given or generated.
    let command_id = uuid::Uuid::new_v4().to_string();
    let response = client
        .execute_request(ExecuteRequest {
            command_id: command_id.clone(),
            ..request(&id, "DepositMoney", json!({"amount": 1}))
        })
        .await
        .expect("deposit with command id");
    assert_eq!(response.command_id, command_id);
    assert_eq!(response.correlation_id, command_id);
    let metadata = response.events[0].metadata.clone().unwrap_or_default();
    assert_eq!(metadata.correlation_id, command_id);
    assert_eq!(metadata.causation_id, command_id);

    let response = ok(&mut client, &id, "DepositMoney", json!({"amount": 1})).await;
    assert!(!response.command_id.is_empty(), "no generated command id");
    assert_eq!(response.correlation_id, response.command_id);
    let metadata = response.events[0].metadata.clone().unwrap_or_default();
    assert_eq!(metadata.correlation_id, response.command_id);
    assert_eq!(metadata.causation_id, response.command_id);
    let stored = read_whole_stream(&mut client.event_store(), &response.stream_id).await.expect("read");
    let last = stored.last().expect("events");
    assert_eq!(last.event_id, response.events[0].event_id);
    assert_eq!(last.metadata.clone().unwrap_or_default().correlation_id, response.command_id);

    // 5. Explicit causation id, by field and by header.
    let response = client
        .execute_request(ExecuteRequest {
            causation_id: "cause-field".into(),
            ..request(&id, "DepositMoney", json!({"amount": 1}))
        })
        .await
        .expect("deposit with causation id");
    assert_eq!(response.events[0].metadata.clone().unwrap_or_default().causation_id, "cause-field");
    let mut req = tonic::Request::new(request(&id, "DepositMoney", json!({"amount": 1})));
    req.metadata_mut().insert("x-causation-id", "cause-header".parse().expect("ascii"));
    let response = commands.execute(req).await.expect("deposit with causation header").into_inner();
    assert_eq!(response.events[0].metadata.clone().unwrap_or_default().causation_id, "cause-header");
}
