//! Observability end to end: an OTLP collector of our own (a tonic server
//! implementing the collector's trace and metrics services from the
//! OpenTelemetry protos) receives what a real server exports.
//!
//! - One command is one span tree, across the bus: the RPC span continues
//!   the caller's `traceparent`; the command's steps are its children; the
//!   router's, the projections' and a watcher's spans hang under the command
//!   through the trace context stored in the event's metadata; a saga's
//!   steps and their commands hang under whatever started the saga.
//! - Metrics move when they should, over OTLP and on the Prometheus
//!   endpoint: command and append counters, dead-letter depth after five
//!   failed deliveries, policy denials, schema failures, open watchers.
//! - JSON logs carry the call's trace id, correlation id and principal, and
//!   never a payload or a token.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use nexus_e2e::{NexusProcess, ServerOptions, proposed, unique};
use nexus_sdk::proto::{
    AppendToStreamRequest, ConsumeRequest, ConsumerSettings, CreateConsumerRequest, DataFormat, ExecuteRequest,
    PutSubjectRequest, ReadDirection, ReadStreamRequest, RecordedEvent, Route, StartSagaRequest, Subject,
    WatchDocumentsRequest,
    command_service_client::CommandServiceClient,
    consume_request::{self, Kind as Inbound},
    consume_response::Kind as Outbound,
    event_store_service_client::EventStoreServiceClient,
    query_service_client::QueryServiceClient,
    queue_service_client::QueueServiceClient,
    saga_service_client::SagaServiceClient,
    schema_service_client::SchemaServiceClient,
};
use opentelemetry_proto::tonic::{
    collector::{
        metrics::v1::{
            ExportMetricsServiceRequest, ExportMetricsServiceResponse,
            metrics_service_server::{MetricsService, MetricsServiceServer},
        },
        trace::v1::{
            ExportTraceServiceRequest, ExportTraceServiceResponse,
            trace_service_server::{TraceService, TraceServiceServer},
        },
    },
    common::v1::{AnyValue, KeyValue, any_value},
    metrics::v1::{metric, number_data_point},
    trace::v1::Span,
};
use serde_json::{Value, json};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, metadata::MetadataValue};

const PATIENCE: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------
// The collector

#[derive(Default)]
struct Received {
    spans: Vec<Span>,
    /// Every exported data point: metric name, attributes, value.
    points: Vec<(String, BTreeMap<String, String>, f64)>,
}

#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Received>>);

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let mut received = self.0.lock().expect("collector lock");
        for resource in request.into_inner().resource_spans {
            for scope in resource.scope_spans {
                received.spans.extend(scope.spans);
            }
        }
        Ok(Response::new(ExportTraceServiceResponse { partial_success: None }))
    }
}

#[tonic::async_trait]
impl MetricsService for Collector {
    async fn export(
        &self,
        request: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        let mut received = self.0.lock().expect("collector lock");
        for resource in request.into_inner().resource_metrics {
            for scope in resource.scope_metrics {
                for metric in scope.metrics {
                    let points: Vec<(BTreeMap<String, String>, f64)> = match metric.data {
                        Some(metric::Data::Sum(sum)) => sum.data_points.iter().map(number).collect(),
                        Some(metric::Data::Gauge(gauge)) => gauge.data_points.iter().map(number).collect(),
                        Some(metric::Data::Histogram(h)) => {
                            h.data_points.iter().map(|p| (attributes(&p.attributes), p.count as f64)).collect()
                        }
                        _ => Vec::new(),
                    };
                    for (attrs, value) in points {
                        received.points.push((metric.name.clone(), attrs, value));
                    }
                }
            }
        }
        Ok(Response::new(ExportMetricsServiceResponse { partial_success: None }))
    }
}

fn number(point: &opentelemetry_proto::tonic::metrics::v1::NumberDataPoint) -> (BTreeMap<String, String>, f64) {
    let value = match point.value {
        Some(number_data_point::Value::AsDouble(v)) => v,
        Some(number_data_point::Value::AsInt(v)) => v as f64,
        None => f64::NAN,
    };
    (attributes(&point.attributes), value)
}

fn text(value: &Option<AnyValue>) -> String {
    match value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        other => format!("{other:?}"),
    }
}

fn attributes(attributes: &[KeyValue]) -> BTreeMap<String, String> {
    attributes.iter().map(|kv| (kv.key.clone(), text(&kv.value))).collect()
}

impl Collector {
    /// Starts the collector on 127.0.0.1; returns its endpoint.
    async fn start(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the collector");
        let addr = listener.local_addr().expect("collector address");
        let (traces, metrics) = (TraceServiceServer::new(self.clone()), MetricsServiceServer::new(self.clone()));
        tokio::spawn(async move {
            tonic::transport::Server::builder()
                .add_service(traces)
                .add_service(metrics)
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
                .await
                .expect("collector serves");
        });
        format!("http://{addr}")
    }

    fn spans_of(&self, trace_id: &str) -> Vec<Span> {
        let received = self.0.lock().expect("collector lock");
        received.spans.iter().filter(|s| hex(&s.trace_id) == trace_id).cloned().collect()
    }

    /// Waits until the trace holds spans of all these names.
    async fn wait_for_spans(&self, trace_id: &str, names: &[&str], server: &NexusProcess) -> Vec<Span> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let spans = self.spans_of(trace_id);
            let missing: Vec<&&str> = names.iter().filter(|n| !spans.iter().any(|s| s.name == **n)).collect();
            if missing.is_empty() {
                return spans;
            }
            if Instant::now() > deadline {
                let have: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
                server.fail(&format!("trace {trace_id}: spans {missing:?} never arrived; received {have:?}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The latest exported value of a metric whose attributes include `attrs`.
    fn latest(&self, name: &str, attrs: &[(&str, &str)]) -> Option<f64> {
        let received = self.0.lock().expect("collector lock");
        received
            .points
            .iter()
            .rev()
            .find(|(n, a, _)| n == name && attrs.iter().all(|(k, v)| a.get(*k).map(String::as_str) == Some(*v)))
            .map(|(_, _, v)| *v)
    }

    async fn wait_for_metric(
        &self,
        name: &str,
        attrs: &[(&str, &str)],
        server: &NexusProcess,
        ok: impl Fn(f64) -> bool,
    ) -> f64 {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(value) = self.latest(name, attrs)
                && ok(value)
            {
                return value;
            }
            if Instant::now() > deadline {
                server.fail(&format!(
                    "metric {name}{attrs:?} never reached the expected value over OTLP; last: {:?}",
                    self.latest(name, attrs)
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn span_attr(span: &Span, key: &str) -> Option<String> {
    span.attributes.iter().find(|kv| kv.key == key).map(|kv| text(&kv.value))
}

fn named<'a>(spans: &'a [Span], name: &str) -> Vec<&'a Span> {
    spans.iter().filter(|s| s.name == name).collect()
}

fn one<'a>(spans: &'a [Span], name: &str) -> &'a Span {
    let found = named(spans, name);
    assert_eq!(found.len(), 1, "one {name} span: {:?}", spans.iter().map(|s| &s.name).collect::<Vec<_>>());
    found[0]
}

/// Whether `span` descends from `ancestor` within `spans`.
fn descends(spans: &[Span], span: &Span, ancestor: &Span) -> bool {
    let by_id: HashMap<&[u8], &Span> = spans.iter().map(|s| (s.span_id.as_slice(), s)).collect();
    let mut current = span;
    for _ in 0..64 {
        if current.parent_span_id == ancestor.span_id {
            return true;
        }
        match by_id.get(current.parent_span_id.as_slice()) {
            Some(parent) => current = parent,
            None => return false,
        }
    }
    false
}

/// A server exporting to `endpoint` quickly (100 ms span batches, metrics
/// every 300 ms, gauges sampled every 200 ms), logging JSON.
async fn traced_server(endpoint: &str) -> NexusProcess {
    NexusProcess::start_with(
        ServerOptions::default()
            .args(["--log-format", "json"])
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
            .env("OTEL_BSP_SCHEDULE_DELAY", "100")
            .env("OTEL_METRIC_EXPORT_INTERVAL", "300")
            .env("NEXUS_TELEMETRY__GAUGE_INTERVAL", "200ms")
            .env("NEXUS_LOG__FILTER", "nexus_server=debug,info"),
    )
    .await
}

fn traceparent() -> (String, String, String) {
    let trace_id = format!("{:032x}", uuid::Uuid::new_v4().as_u128());
    let span_id = format!("{:016x}", uuid::Uuid::new_v4().as_u128() as u64 | 1);
    (format!("00-{trace_id}-{span_id}-01"), trace_id, span_id)
}

fn with_trace<T>(message: T, traceparent: &str, correlation: &str) -> Request<T> {
    let mut request = Request::new(message);
    request.metadata_mut().insert("traceparent", MetadataValue::try_from(traceparent).expect("ascii"));
    request.metadata_mut().insert("x-correlation-id", MetadataValue::try_from(correlation).expect("ascii"));
    request
}

fn payload(value: Value) -> Option<prost_types::Struct> {
    nexus_sdk::json::json_to_struct(value)
}

async fn execute(server: &NexusProcess, request: Request<ExecuteRequest>) {
    CommandServiceClient::new(server.channel().await).execute(request).await.expect("execute");
}

fn command(aggregate_id: &str, command_type: &str, body: Value) -> ExecuteRequest {
    ExecuteRequest {
        aggregate_type: "account".into(),
        aggregate_id: aggregate_id.into(),
        command_type: command_type.into(),
        payload: payload(body),
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------
// Tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_command_is_one_span_tree_across_the_bus() {
    let collector = Collector::default();
    let endpoint = collector.start().await;
    let server = traced_server(&endpoint).await;
    let account = unique("traced-");

    // A watcher of the account's balance document, so a push is traced too.
    let mut watch = QueryServiceClient::new(server.channel().await)
        .watch_documents(WatchDocumentsRequest {
            projection: "account-balance".into(),
            keys: vec![account.clone()],
            resume_after: String::new(),
        })
        .await
        .expect("watch")
        .into_inner();
    // The snapshot (the document does not exist yet) comes first.
    tokio::time::timeout(PATIENCE, watch.message()).await.expect("watch snapshot in time").expect("watch ok");

    let (parent, trace_id, client_span) = traceparent();
    let marker = format!("secret-owner-{}", uuid::Uuid::new_v4());
    execute(
        &server,
        with_trace(command(&account, "OpenAccount", json!({ "owner": marker })), &parent, "corr-traced-1"),
    )
    .await;

    let spans = collector
        .wait_for_spans(
            &trace_id,
            &[
                "nexus.v1.CommandService/Execute",
                "policy.authorize",
                "command OpenAccount",
                "aggregate.load",
                "handler.decide",
                "schema.validate",
                "policy.events",
                "event_store.append",
                "route",
                "projection.apply",
                "watch.push",
            ],
            &server,
        )
        .await;

    // The RPC continues the caller's trace.
    let rpc = one(&spans, "nexus.v1.CommandService/Execute");
    assert_eq!(hex(&rpc.parent_span_id), client_span, "the RPC span's parent is the caller's span");
    assert_eq!(rpc.kind, 2, "a server span");
    assert_eq!(span_attr(rpc, "rpc.system").as_deref(), Some("grpc"));
    assert_eq!(span_attr(rpc, "rpc.grpc.status_code").as_deref(), Some("0"));
    assert_eq!(span_attr(rpc, "principal").as_deref(), Some("anonymous"));

    // The command and its steps.
    let command_span = one(&spans, "command OpenAccount");
    assert!(descends(&spans, command_span, rpc), "the command runs inside the RPC");
    assert_eq!(span_attr(command_span, "aggregate_type").as_deref(), Some("account"));
    assert_eq!(span_attr(command_span, "outcome").as_deref(), Some("ok"));
    assert_eq!(span_attr(command_span, "revision").as_deref(), Some("0"));
    assert_eq!(span_attr(command_span, "event_count").as_deref(), Some("1"));
    assert_eq!(span_attr(command_span, "stream").as_deref(), Some(format!("account-{account}").as_str()));
    for step in ["aggregate.load", "handler.decide", "schema.validate", "policy.events", "event_store.append"] {
        assert!(descends(&spans, one(&spans, step), command_span), "{step} is a step of the command");
    }
    assert!(descends(&spans, one(&spans, "policy.authorize"), rpc));
    assert_eq!(span_attr(one(&spans, "event_store.append"), "event_count").as_deref(), Some("1"));

    // Across the bus: the consumers' spans hang under the command.
    let route = one(&spans, "route");
    assert_eq!(route.parent_span_id, command_span.span_id, "routing follows the event's traceparent");
    assert_eq!(span_attr(route, "path").as_deref(), Some("stream"));
    let applies = named(&spans, "projection.apply");
    assert!(applies.iter().all(|a| a.parent_span_id == command_span.span_id));
    let projections: Vec<String> = applies.iter().filter_map(|a| span_attr(a, "projection")).collect();
    assert!(projections.iter().any(|p| p.contains("account-balance")), "{projections:?}");
    let push = one(&spans, "watch.push");
    assert!(
        applies
            .iter()
            .any(|a| a.span_id == push.parent_span_id
                && span_attr(a, "projection").is_some_and(|p| p.contains("balance"))),
        "the watcher's push hangs under the balance projection's apply"
    );
    // Every span of the trace is in the one tree under the caller's span.
    for span in &spans {
        assert!(
            span.span_id == rpc.span_id || descends(&spans, span, rpc),
            "{} is outside the command's tree",
            span.name
        );
    }

    // JSON logs: the call's lines carry its ids; the payload never appears.
    let log = std::fs::read_to_string(server.log_path()).expect("server log");
    let lines: Vec<Value> = log.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let call_lines: Vec<&Value> = lines.iter().filter(|l| l["trace_id"] == json!(trace_id)).collect();
    assert!(!call_lines.is_empty(), "no log line of the traced call:\n{log}");
    for line in &call_lines {
        assert_eq!(line["principal"], "anonymous", "{line}");
        assert!(line["timestamp"].is_string() && line["level"].is_string(), "{line}");
    }
    assert!(
        call_lines.iter().any(|l| l["correlation_id"] == "corr-traced-1"),
        "the correlation id is on the call's lines: {call_lines:?}"
    );
    assert!(!log.contains(&marker), "a payload value was logged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sagas_steps_and_their_commands_join_the_trace_that_started_it() {
    let collector = Collector::default();
    let endpoint = collector.start().await;
    let server = traced_server(&endpoint).await;
    let (from, to) = (unique("saga-from-"), unique("saga-to-"));
    for id in [&from, &to] {
        execute(&server, Request::new(command(id, "OpenAccount", json!({ "owner": "o" })))).await;
    }
    execute(&server, Request::new(command(&from, "DepositMoney", json!({ "amount": 5000 })))).await;

    let (parent, trace_id, _) = traceparent();
    SagaServiceClient::new(server.channel().await)
        .start_saga(with_trace(
            StartSagaRequest {
                definition: "transfer".into(),
                input: payload(json!({ "from": from, "to": to, "amount": 1200 })),
                request_id: String::new(),
            },
            &parent,
            "corr-saga-1",
        ))
        .await
        .expect("start saga");

    let spans = collector
        .wait_for_spans(
            &trace_id,
            &["nexus.v1.SagaService/StartSaga", "saga", "saga.step", "command WithdrawMoney", "command DepositMoney"],
            &server,
        )
        .await;
    let rpc = one(&spans, "nexus.v1.SagaService/StartSaga");
    let saga = one(&spans, "saga");
    assert!(descends(&spans, saga, rpc), "the saga's driver hangs under the call that started it");
    let steps = named(&spans, "saga.step");
    assert!(steps.len() >= 2, "both steps are spans");
    for name in ["command WithdrawMoney", "command DepositMoney"] {
        let command = one(&spans, name);
        assert!(steps.iter().any(|step| descends(&spans, command, step)), "{name} runs inside a saga step");
    }
    // The saga's commands' events carry the trace on: routed under them.
    let withdraw = one(&spans, "command WithdrawMoney");
    assert!(named(&spans, "route").iter().any(|r| r.parent_span_id == withdraw.span_id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_move_when_they_should_over_otlp_and_prometheus() {
    let collector = Collector::default();
    let endpoint = collector.start().await;
    let server = traced_server(&endpoint).await;
    let channel = server.channel().await;

    // Commands and appends.
    let account = unique("metered-");
    execute(&server, Request::new(command(&account, "OpenAccount", json!({ "owner": "m" })))).await;
    let rejected = CommandServiceClient::new(channel.clone())
        .execute(command(&account, "WithdrawMoney", json!({ "amount": 1_000_000 })))
        .await;
    assert!(rejected.is_err(), "an overdraft is refused by the domain");
    collector
        .wait_for_metric(
            "nexus.command.duration",
            &[("aggregate_type", "account"), ("command", "OpenAccount"), ("outcome", "ok")],
            &server,
            |count| count >= 1.0,
        )
        .await;
    collector
        .wait_for_metric(
            "nexus.command.duration",
            &[("aggregate_type", "account"), ("command", "WithdrawMoney"), ("outcome", "rejected")],
            &server,
            |count| count >= 1.0,
        )
        .await;
    collector.wait_for_metric("nexus.event_store.events", &[], &server, |n| n >= 1.0).await;

    // A policy denial (event types starting with $ are the server's) and a
    // schema failure (an OpenAccount-like event missing its owner).
    let mut store = EventStoreServiceClient::new(channel.clone());
    let denied = store
        .append_to_stream(AppendToStreamRequest {
            stream_id: unique("denied-"),
            events: vec![proposed("$Forged", json!({}))],
            ..Default::default()
        })
        .await;
    assert_eq!(denied.expect_err("denied").code(), tonic::Code::PermissionDenied);
    let invalid = store
        .append_to_stream(AppendToStreamRequest {
            stream_id: format!("account-{}", unique("bad-")),
            events: vec![proposed("AccountOpened", json!({ "unexpected": true }))],
            ..Default::default()
        })
        .await;
    assert_eq!(invalid.expect_err("invalid").code(), tonic::Code::InvalidArgument);
    collector
        .wait_for_metric("nexus.policy.denials", &[("policy", "nexus.events"), ("rule", "deny")], &server, |n| n >= 1.0)
        .await;
    collector
        .wait_for_metric("nexus.schema.validation.failures", &[("subject", "AccountOpened")], &server, |n| n >= 1.0)
        .await;

    // Dead letters: zero, then one after five failed deliveries.
    let consumer = unique("metered-consumer-");
    let mut queue = QueueServiceClient::new(channel.clone());
    queue
        .create_consumer(CreateConsumerRequest {
            name: consumer.clone(),
            settings: Some(ConsumerSettings {
                max_deliveries: Some(5),
                backoff_initial: Some(prost_types::Duration { seconds: 0, nanos: 50_000_000 }),
                backoff_max: Some(prost_types::Duration { seconds: 0, nanos: 200_000_000 }),
                ..Default::default()
            }),
        })
        .await
        .expect("create consumer");
    let depth = [("consumer", consumer.as_str())];
    collector.wait_for_metric("nexus.queue.dlq.depth", &depth, &server, |n| n == 0.0).await;
    let event_type = unique("MeteredNotice");
    SchemaServiceClient::new(channel.clone())
        .put_subject(PutSubjectRequest {
            subject: Some(Subject {
                name: event_type.clone(),
                data_format: DataFormat::Json as i32,
                route: Route::Secondary as i32,
                allow_unvalidated: true,
                ..Default::default()
            }),
        })
        .await
        .expect("a secondary-route subject");
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    tx.send(ConsumeRequest {
        kind: Some(Inbound::Start(consume_request::Start { consumer: consumer.clone(), max_in_flight: 1 })),
    })
    .await
    .expect("start");
    let mut deliveries = queue.consume(ReceiverStream::new(rx)).await.expect("consume").into_inner();
    store
        .append_to_stream(AppendToStreamRequest {
            stream_id: unique("notice-"),
            events: vec![proposed(&event_type, json!({}))],
            ..Default::default()
        })
        .await
        .expect("append a secondary event");
    let mut nacked = 0;
    while nacked < 5 {
        let message = tokio::time::timeout(PATIENCE, deliveries.message())
            .await
            .expect("a delivery in time")
            .expect("stream ok")
            .expect("stream open");
        if let Some(Outbound::Delivery(delivery)) = message.kind {
            if nacked < 4 {
                // Not dead yet after four failures.
                assert_eq!(collector.latest("nexus.queue.dlq.depth", &depth), Some(0.0));
            }
            let nack = consume_request::Nack { receipt: delivery.receipt, error: "handler failed".into() };
            tx.send(ConsumeRequest { kind: Some(Inbound::Nack(nack)) }).await.expect("nack");
            nacked += 1;
        }
    }
    collector.wait_for_metric("nexus.queue.dlq.depth", &depth, &server, |n| n == 1.0).await;
    collector.wait_for_metric("nexus.queue.dlq.oldest_age", &depth, &server, |age| age > 0.0).await;

    // The same on the Prometheus endpoint, which a test parses whole.
    let scraped = server.metrics_text().await;
    let samples = parse_prometheus(&scraped);
    let value = |name: &str, labels: &[(&str, &str)]| -> Option<f64> {
        samples
            .iter()
            .find(|s| s.name == name && labels.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v)))
            .map(|s| s.value)
    };
    assert_eq!(value("nexus_queue_dlq_depth", &depth), Some(1.0), "{scraped}");
    assert!(value("nexus_event_store_events_total", &[]).is_some_and(|n| n >= 1.0));
    assert!(value("nexus_event_store_appends_total", &[("outcome", "ok")]).is_some_and(|n| n >= 1.0));
    assert!(
        value("nexus_command_duration_seconds_count", &[("command", "WithdrawMoney"), ("outcome", "rejected")])
            == Some(1.0)
    );
    assert!(value("nexus_router_events_total", &[("path", "queue")]).is_some_and(|n| n >= 1.0));
    assert!(value("nexus_router_events_total", &[("path", "stream")]).is_some_and(|n| n >= 1.0));
    assert!(value("nexus_event_store_commit_batch_size_count", &[]).is_some_and(|n| n >= 1.0));
    assert!(value("nexus_policy_denials_total", &[("policy", "nexus.events"), ("rule", "deny")]) == Some(1.0));
    assert!(value("nexus_schema_validation_failures_total", &[("subject", "AccountOpened")]) == Some(1.0));
    assert!(value("nexus_projection_lag_events", &[("projection", "account-balance")]).is_some());
    assert!(value("nexus_sagas", &[("status", "running")]).is_some());
    assert!(
        value("rpc_server_call_duration_seconds_count", &[("rpc_method", "Execute"), ("rpc_grpc_status_code", "0")])
            .is_some_and(|n| n >= 1.0)
    );
    // The Consume stream counts neither as a subscription nor a watcher.
    drop(deliveries);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_watchers_are_counted_until_they_close() {
    let server = NexusProcess::start().await;
    let watchers = |text: &str| {
        parse_prometheus(text)
            .into_iter()
            .find(|s| s.name == "nexus_subscriptions_open" && s.labels.get("kind").map(String::as_str) == Some("watch"))
            .map(|s| s.value)
    };
    let mut client = QueryServiceClient::new(server.channel().await);
    let mut open = Vec::new();
    for _ in 0..3 {
        let mut stream = client
            .watch_documents(WatchDocumentsRequest {
                projection: "account-balance".into(),
                keys: vec![unique("w-")],
                resume_after: String::new(),
            })
            .await
            .expect("watch")
            .into_inner();
        tokio::time::timeout(PATIENCE, stream.message()).await.expect("snapshot in time").expect("ok");
        open.push(stream);
    }
    assert_eq!(watchers(&server.metrics_text().await), Some(3.0));
    drop(open);
    let deadline = Instant::now() + PATIENCE;
    loop {
        let now = watchers(&server.metrics_text().await);
        if now == Some(0.0) {
            break;
        }
        assert!(Instant::now() < deadline, "watchers still counted after closing: {now:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------------------------------------------------------------------------
// Prometheus text format

#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the text exposition format strictly enough to catch a malformed
/// page: every sample belongs to a family declared by `# TYPE`, labels are
/// well-formed, values are numbers.
fn parse_prometheus(text: &str) -> Vec<Sample> {
    let mut families: HashMap<String, String> = HashMap::new();
    let mut samples = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or_else(|| panic!("bad TYPE line: {line}"));
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "unknown metric type in {line}"
            );
            families.insert(name.to_string(), kind.to_string());
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("bad sample line: {line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value in {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (name, rest.strip_suffix('}').unwrap_or_else(|| panic!("unclosed labels: {line}"))),
            None => (series, ""),
        };
        assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'), "bad metric name in {line}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                name.strip_suffix(suffix).filter(|base| families.get(*base).is_some_and(|k| k == "histogram"))
            })
            .unwrap_or(name);
        assert!(families.contains_key(family), "sample {name} has no # TYPE line");
        let mut parsed = BTreeMap::new();
        let mut rest = labels;
        while !rest.is_empty() {
            let (key, after) = rest.split_once("=\"").unwrap_or_else(|| panic!("bad label in {line}"));
            let mut value = String::new();
            let mut chars = after.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            value.push(if escaped == 'n' { '\n' } else { escaped });
                        }
                    }
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    c => value.push(c),
                }
            }
            let end = end.unwrap_or_else(|| panic!("unterminated label value in {line}"));
            parsed.insert(key.trim_start_matches(',').to_string(), value);
            rest = after[end + 1..].trim_start_matches(',');
        }
        samples.push(Sample { name: name.to_string(), labels: parsed, value });
    }
    assert!(!samples.is_empty(), "no samples in:\n{text}");
    samples
}

/// The first event of `event_type` in `stream`, once it is there.
async fn wait_for_event(server: &NexusProcess, stream: &str, event_type: &str) -> RecordedEvent {
    let mut events = EventStoreServiceClient::new(server.channel().await);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let page = events
            .read_stream(ReadStreamRequest {
                stream_id: stream.into(),
                direction: ReadDirection::Forwards as i32,
                from_revision: Some(0),
                page_size: 100,
                as_stored: false,
            })
            .await;
        if let Ok(page) = page
            && let Some(event) = page.into_inner().events.into_iter().find(|e| e.event_type == event_type)
        {
            return event;
        }
        assert!(std::time::Instant::now() < deadline, "no {event_type} in {stream}\n{}", server.log_tail(40));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsampled_call_exports_no_span_at_all() {
    let collector = Collector::default();
    let endpoint = collector.start().await;
    let server = NexusProcess::start_with(
        ServerOptions::default()
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str())
            .env("OTEL_BSP_SCHEDULE_DELAY", "100")
            .env("OTEL_TRACES_SAMPLER", "parentbased_always_off"),
    )
    .await;
    // The caller did not sample this one: nothing of it may be exported,
    // not the RPC, not the command's steps, not the consumers' spans.
    let (unsampled, unsampled_trace, _) = traceparent();
    let unsampled = unsampled.replace("-01", "-00");
    execute(&server, with_trace(command(&unique("quiet-"), "OpenAccount", json!({ "owner": "q" })), &unsampled, "q"))
        .await;
    // Calls without a caller's decision are not sampled either (ratio 0),
    // and neither is the work they leave behind: a saga's driver, its
    // steps' commands, and the consumers of the events those write.
    let (from, to) = (unique("quiet-from-"), unique("quiet-to-"));
    for id in [&from, &to] {
        execute(&server, Request::new(command(id, "OpenAccount", json!({ "owner": "q" })))).await;
    }
    execute(&server, Request::new(command(&from, "DepositMoney", json!({ "amount": 100 })))).await;
    let saga = SagaServiceClient::new(server.channel().await)
        .start_saga(StartSagaRequest {
            definition: "transfer".into(),
            input: payload(json!({ "from": from, "to": to, "amount": 40 })),
            request_id: String::new(),
        })
        .await
        .expect("start saga")
        .into_inner()
        .saga
        .expect("saga");
    let deposited = wait_for_event(&server, &format!("account-{to}"), "MoneyDeposited").await;
    let recorded = deposited.metadata.and_then(|m| m.custom.get("traceparent").cloned());
    assert_eq!(recorded, None, "the saga's events carry no trace for consumers to join (saga {})", saga.saga_id);
    // The caller sampled this one: it is exported whole.
    let (sampled, sampled_trace, _) = traceparent();
    execute(&server, with_trace(command(&unique("loud-"), "OpenAccount", json!({ "owner": "l" })), &sampled, "l"))
        .await;
    collector
        .wait_for_spans(
            &sampled_trace,
            &["nexus.v1.CommandService/Execute", "command OpenAccount", "event_store.append", "route"],
            &server,
        )
        .await;
    // Give the unsampled call's spans, had there been any, time to arrive.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let received = collector.0.lock().expect("collector lock").spans.clone();
    let strays: Vec<(String, String)> = received
        .iter()
        .filter(|s| hex(&s.trace_id) != sampled_trace)
        .map(|s| (hex(&s.trace_id), s.name.clone()))
        .collect();
    assert!(strays.is_empty(), "spans outside the sampled trace (unsampled trace {unsampled_trace}): {strays:?}");
}
