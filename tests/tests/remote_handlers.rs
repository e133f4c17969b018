//! Remote command handlers (HandlerService.Serve) driven by handler
//! instances written here with the generated Rust client: decisions,
//! rejections, governance of their events, and fail-over when an instance
//! vanishes mid-request, with every command applied once.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use nexus_e2e::{NexusProcess, ServerOptions, assert_error, error_info, expect_raw_status, unique};
use nexus_sdk::{
    json::json_to_struct,
    proto::{
        DecideResult, DecidedEvent, DecidedEvents, ExecuteRequest, HandlerRegistration, Heartbeat,
        ListAggregateTypesRequest, ReadStreamRequest, Rejection, ServeRequest,
        command_service_client::CommandServiceClient, decide_result,
        event_store_service_client::EventStoreServiceClient, handler_service_client::HandlerServiceClient,
        serve_request, serve_response,
    },
};
use serde_json::{Value, json};
use tokio::{sync::mpsc, task::JoinHandle};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, transport::Channel};

/// What an instance does with a decide request.
#[derive(Clone, Copy, PartialEq)]
enum Behaviour {
    /// `Add {n}` → `Added {n, total}`; `Fail` → a rejection; `Bad` → an undeclared event type.
    Decide,
    /// Takes requests and never answers (then the test kills it).
    Hang,
}

struct Instance {
    task: JoinHandle<()>,
    /// Decide requests received.
    received: Arc<AtomicUsize>,
}

impl Instance {
    /// Kills the instance: its stream ends as if the process died.
    fn kill(&self) {
        self.task.abort();
    }
}

async fn start_instance(channel: Channel, aggregate_type: &str, name: &str, behaviour: Behaviour) -> Instance {
    let (tx, rx) = mpsc::channel::<ServeRequest>(64);
    let register = HandlerRegistration {
        aggregate_type: aggregate_type.into(),
        command_types: vec!["Add".into(), "Fail".into(), "Bad".into()],
        event_types: vec!["Added".into()],
        instance_name: name.into(),
        max_in_flight: 8,
    };
    tx.send(ServeRequest { message: Some(serve_request::Message::Register(register)) }).await.expect("queue");
    let mut responses =
        HandlerServiceClient::new(channel).serve(ReceiverStream::new(rx)).await.expect("Serve accepted").into_inner();
    let first = responses.message().await.expect("first answer").expect("an answer");
    assert!(
        matches!(first.message, Some(serve_response::Message::Registered(_))),
        "the server acknowledges the registration first: {first:?}"
    );
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let task = tokio::spawn(async move {
        let mut beat = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = beat.tick() => {
                    let heartbeat = ServeRequest { message: Some(serve_request::Message::Heartbeat(Heartbeat {})) };
                    if tx.send(heartbeat).await.is_err() { return; }
                }
                message = responses.message() => {
                    let Ok(Some(message)) = message else { return };
                    let Some(serve_response::Message::Decide(request)) = message.message else { continue };
                    counter.fetch_add(1, Ordering::SeqCst);
                    if behaviour == Behaviour::Hang {
                        continue;
                    }
                    // Fold the history: the total so far.
                    let total: i64 = request
                        .events
                        .iter()
                        .map(|e| serde_json::from_slice::<Value>(&e.data).expect("JSON")["n"].as_i64().unwrap_or(0))
                        .sum();
                    let n = request.payload.as_ref().and_then(|p| p.fields.get("n")).and_then(|v| match v.kind {
                        Some(prost_types::value::Kind::NumberValue(n)) => Some(n as i64),
                        _ => None,
                    }).unwrap_or(0);
                    let outcome = match request.command_type.as_str() {
                        "Add" => decide_result::Outcome::Events(DecidedEvents {
                            events: vec![DecidedEvent {
                                event_type: "Added".into(),
                                data: json_to_struct(json!({"n": n, "total": total + n})),
                            }],
                        }),
                        "Fail" => decide_result::Outcome::Rejection(Rejection {
                            reason: "TOO_LARGE".into(),
                            message: format!("{n} is too large"),
                            metadata: [("n".to_string(), n.to_string())].into(),
                        }),
                        _ => decide_result::Outcome::Events(DecidedEvents {
                            events: vec![DecidedEvent { event_type: "Undeclared".into(), data: json_to_struct(json!({})) }],
                        }),
                    };
                    let result = DecideResult { request_id: request.request_id, outcome: Some(outcome) };
                    if tx.send(ServeRequest { message: Some(serve_request::Message::Result(result)) }).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    Instance { task, received }
}

fn add(aggregate_type: &str, id: &str, n: i64, command_id: &str) -> ExecuteRequest {
    ExecuteRequest {
        aggregate_type: aggregate_type.into(),
        aggregate_id: id.into(),
        command_type: "Add".into(),
        payload: json_to_struct(json!({ "n": n })),
        command_id: command_id.into(),
        ..Default::default()
    }
}

async fn stream_data(server: &NexusProcess, stream_id: &str) -> Vec<Value> {
    let mut client = EventStoreServiceClient::new(server.channel().await);
    let read = client
        .read_stream(ReadStreamRequest { stream_id: stream_id.into(), page_size: 1000, ..Default::default() })
        .await;
    match read {
        Ok(r) => r.into_inner().events.iter().map(|e| serde_json::from_slice(&e.data).expect("JSON")).collect(),
        Err(status) if status.code() == Code::NotFound => Vec::new(),
        Err(status) => panic!("ReadStream: {status:?}"),
    }
}

async fn server() -> NexusProcess {
    NexusProcess::start_with(ServerOptions::default().env("NEXUS_COMMANDS__REMOTE_DECIDE_TIMEOUT", "2s")).await
}

#[tokio::test]
async fn a_remote_handler_decides_rejects_and_cannot_store_undeclared_events() {
    let server = server().await;
    let aggregate_type = unique("counter-");
    let instance = start_instance(server.channel().await, &aggregate_type, "one", Behaviour::Decide).await;
    let mut commands = CommandServiceClient::new(server.channel().await);

    let types = commands.list_aggregate_types(ListAggregateTypesRequest {}).await.expect("list").into_inner();
    let listed =
        types.aggregate_types.iter().find(|t| t.aggregate_type == aggregate_type).expect("the remote type is listed");
    assert_eq!(listed.event_types, vec!["Added".to_string()]);

    for (i, n) in [5, 7].into_iter().enumerate() {
        let done =
            commands.execute(add(&aggregate_type, "c1", n, &format!("cmd-{i}"))).await.expect("Add").into_inner();
        assert_eq!(done.events.len(), 1);
        assert_eq!(done.events[0].event_type, "Added");
    }
    let stream = format!("{aggregate_type}-c1");
    // The handler folded the history Nexus sent it.
    assert_eq!(stream_data(&server, &stream).await, vec![json!({"n": 5, "total": 5}), json!({"n": 7, "total": 12})]);
    // A retried command (same id) is not decided again.
    let before = instance.received.load(Ordering::SeqCst);
    let again = commands.execute(add(&aggregate_type, "c1", 7, "cmd-1")).await.expect("retry").into_inner();
    assert!(again.already_executed);
    assert_eq!(instance.received.load(Ordering::SeqCst), before);

    let mut fail = add(&aggregate_type, "c1", 100, "cmd-fail");
    fail.command_type = "Fail".into();
    let status = expect_raw_status(commands.execute(fail).await);
    let info = assert_error(&status, Code::FailedPrecondition, "TOO_LARGE");
    assert_eq!(info.metadata.get("n").map(String::as_str), Some("100"));
    assert_eq!(status.message(), "100 is too large");

    let mut bad = add(&aggregate_type, "c1", 1, "cmd-bad");
    bad.command_type = "Bad".into();
    let status = expect_raw_status(commands.execute(bad).await);
    assert_error(&status, Code::Internal, "HANDLER_FAILED");
    assert_eq!(stream_data(&server, &stream).await.len(), 2, "nothing of a failed decision is stored");

    // An in-process aggregate type cannot be taken over.
    let (tx, rx) = mpsc::channel::<ServeRequest>(1);
    let register = HandlerRegistration {
        aggregate_type: "account".into(),
        command_types: vec!["OpenAccount".into()],
        event_types: vec!["AccountOpened".into()],
        ..Default::default()
    };
    tx.send(ServeRequest { message: Some(serve_request::Message::Register(register)) }).await.expect("queue");
    let refused = HandlerServiceClient::new(server.channel().await).serve(ReceiverStream::new(rx)).await;
    let status = expect_raw_status(refused);
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
}

#[tokio::test]
async fn a_command_whose_instance_vanishes_goes_to_another_and_is_applied_once() {
    let server = server().await;
    let aggregate_type = unique("counter-");
    let mut commands = CommandServiceClient::new(server.channel().await);

    // No instance yet: UNAVAILABLE (with RetryInfo) once the wait is over.
    let stray = unique("ghost-");
    let status = expect_raw_status(commands.execute(add(&stray, "x", 1, "c")).await);
    assert_eq!(status.code(), Code::InvalidArgument, "a type never registered is unknown: {status:?}");

    let hanging = start_instance(server.channel().await, &aggregate_type, "hangs", Behaviour::Hang).await;
    // Only the hanging instance: the command waits on it.
    let pending = {
        let mut commands = commands.clone();
        let request = add(&aggregate_type, "c1", 3, "only-once");
        tokio::spawn(async move { commands.execute(request).await })
    };
    for _ in 0..100 {
        if hanging.received.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(hanging.received.load(Ordering::SeqCst), 1, "the hanging instance got the request");
    let healthy = start_instance(server.channel().await, &aggregate_type, "works", Behaviour::Decide).await;
    hanging.kill();
    let done = tokio::time::timeout(Duration::from_secs(20), pending)
        .await
        .expect("the command finishes")
        .expect("task")
        .expect("the command succeeds on the other instance")
        .into_inner();
    assert_eq!(done.events.len(), 1);
    assert!(healthy.received.load(Ordering::SeqCst) >= 1);
    // The client retries anyway (it could not know): nothing is applied twice.
    let again = commands.execute(add(&aggregate_type, "c1", 3, "only-once")).await.expect("retry").into_inner();
    assert!(again.already_executed);
    assert_eq!(stream_data(&server, &format!("{aggregate_type}-c1")).await, vec![json!({"n": 3, "total": 3})]);

    // Load shared by two instances.
    let second = start_instance(server.channel().await, &aggregate_type, "second", Behaviour::Decide).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let mut commands = commands.clone();
        let request = add(&aggregate_type, &format!("s{}", i % 8), 1, &format!("load-{i}"));
        tasks.push(tokio::spawn(async move { commands.execute(request).await }));
    }
    for task in tasks {
        task.await.expect("task").expect("every command succeeds");
    }
    let (a, b) = (healthy.received.load(Ordering::SeqCst), second.received.load(Ordering::SeqCst));
    assert!(a > 1 && b > 0, "both instances decided some commands: {a} and {b}");
    let mut stored = 0;
    for s in 0..8 {
        stored += stream_data(&server, &format!("{aggregate_type}-s{s}")).await.len();
    }
    assert_eq!(stored, 40, "each command stored exactly once");

    // Every instance gone: UNAVAILABLE, retryable, with the aggregate type.
    healthy.kill();
    second.kill();
    let status = expect_raw_status(commands.execute(add(&aggregate_type, "c1", 1, "late")).await);
    let info = error_info(&status);
    assert_eq!((status.code(), info.reason.as_str()), (Code::Unavailable, "HANDLER_UNAVAILABLE"), "{status:?}");
}
