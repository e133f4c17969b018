//! Overload protection end to end: a server with small limits is hit by far
//! more clients than they allow, for a bounded time. It must shed the
//! excess at once with UNAVAILABLE or RESOURCE_EXHAUSTED and RetryInfo
//! (not queue it), keep answering health checks, finish the calls it
//! admitted within their deadlines, keep its memory bounded, and count
//! what it refused.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use nexus_e2e::{NexusProcess, ServerOptions, unique};
use nexus_sdk::proto::{ExecuteRequest, command_service_client::CommandServiceClient};
use serde_json::json;
use tonic::Code;
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient};
use tonic_types::StatusExt;

/// Clients hammering the server (it admits 4 at a time, 4 more may wait).
const CLIENTS: usize = 64;
/// How long the load lasts.
const LOAD: Duration = Duration::from_secs(6);
/// Each call's deadline (grpc-timeout).
const DEADLINE: Duration = Duration::from_secs(2);

/// The server's resident memory, in KiB (Linux).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc/<pid>/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}

#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    shed: AtomicU64,
    rate_limited: AtomicU64,
    late: AtomicU64,
    other: AtomicU64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overloaded_server_sheds_load_and_keeps_answering_health_checks() {
    let server = NexusProcess::start_with(
        ServerOptions::default()
            .env("NEXUS_OVERLOAD__MAX_CONCURRENT_REQUESTS", "4")
            .env("NEXUS_OVERLOAD__MAX_QUEUED_REQUESTS", "4")
            .env("NEXUS_OVERLOAD__MAX_QUEUE_WAIT", "20ms"),
    )
    .await;
    let pid = server.pid().expect("server pid");
    let endpoint = server.endpoint();
    // Warm up (first commands load schemas, policies, the SQLite caches).
    let mut warm = CommandServiceClient::new(server.channel().await);
    for i in 0..20 {
        warm.execute(open(&format!("warm-{i}"))).await.expect("warm-up command");
    }
    let rss_before = rss_kib(pid);

    let tally = Arc::new(Tally::default());
    let stop_at = Instant::now() + LOAD;
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let tally = tally.clone();
        // A connection per client: the limit is global, not per connection.
        let channel = tonic::transport::Endpoint::from_shared(endpoint.clone())
            .expect("endpoint")
            .connect()
            .await
            .expect("connect");
        clients.push(tokio::spawn(async move {
            let mut client = CommandServiceClient::new(channel);
            let mut i = 0;
            while Instant::now() < stop_at {
                i += 1;
                let mut request = tonic::Request::new(open(&format!("load-{c}-{i}")));
                request.set_timeout(DEADLINE);
                let started = Instant::now();
                let result = client.execute(request).await;
                if started.elapsed() > DEADLINE + Duration::from_millis(500) {
                    tally.late.fetch_add(1, Ordering::Relaxed);
                }
                match result {
                    Ok(_) => tally.ok.fetch_add(1, Ordering::Relaxed),
                    Err(status) if status.code() == Code::Unavailable => {
                        let info = status.get_details_error_info().expect("ErrorInfo on a shed call");
                        assert_eq!(info.reason, "OVERLOADED");
                        assert!(status.get_details_retry_info().is_some(), "RetryInfo on a shed call");
                        // A client honours RetryInfo with a pause.
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        tally.shed.fetch_add(1, Ordering::Relaxed)
                    }
                    Err(status) if status.code() == Code::ResourceExhausted => {
                        tally.rate_limited.fetch_add(1, Ordering::Relaxed)
                    }
                    Err(status) => {
                        eprintln!("unexpected status under load: {status:?}");
                        tally.other.fetch_add(1, Ordering::Relaxed)
                    }
                };
            }
        }));
    }

    // Meanwhile health checks answer, each within a one-second deadline.
    let mut health = HealthClient::new(server.channel().await);
    let mut checks = 0;
    let mut rss_peak = rss_before;
    while Instant::now() < stop_at {
        let mut request = tonic::Request::new(HealthCheckRequest { service: String::new() });
        request.set_timeout(Duration::from_secs(1));
        let answer = health
            .check(request)
            .await
            .unwrap_or_else(|s| server.fail(&format!("health check failed under load: {s:?}")));
        assert_eq!(answer.into_inner().status(), ServingStatus::Serving);
        checks += 1;
        rss_peak = rss_peak.max(rss_kib(pid));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for client in clients {
        client.await.expect("client task");
    }

    let (ok, shed, late, other) = (
        tally.ok.load(Ordering::Relaxed),
        tally.shed.load(Ordering::Relaxed),
        tally.late.load(Ordering::Relaxed),
        tally.other.load(Ordering::Relaxed),
    );
    eprintln!(
        "ok {ok}, shed {shed}, late {late}, other {other}, health checks {checks}, rss {rss_before} -> {rss_peak} KiB"
    );
    assert!(ok > 0, "admitted calls succeed");
    assert!(shed > 0, "64 clients against 4 slots: some calls were shed");
    assert_eq!(tally.rate_limited.load(Ordering::Relaxed), 0, "no rate limit was configured");
    assert_eq!(other, 0, "every refusal is a shed with RetryInfo");
    assert_eq!(late, 0, "every call ended within its deadline");
    assert!(checks >= 10, "health checks kept answering ({checks})");
    // Bounded: nothing queues without limit. The 64 connections and their
    // buffers fit in far less than this.
    assert!(rss_peak < rss_before + 64 * 1024, "memory grew from {rss_before} KiB to {rss_peak} KiB under load");

    let metrics = server.metrics_text().await;
    let shed_counted = metrics
        .lines()
        .find(|l| l.starts_with("nexus_requests_rejected_total{") && l.contains("reason=\"overloaded\""))
        .and_then(|l| l.rsplit_once(' '))
        .and_then(|(_, v)| v.parse::<f64>().ok());
    assert_eq!(shed_counted, Some(shed as f64), "every shed call is counted:\n{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_principal_over_its_rate_limit_gets_resource_exhausted_with_retry_info() {
    let server =
        NexusProcess::start_with(ServerOptions::default().env("NEXUS_OVERLOAD__PER_PRINCIPAL_PER_MINUTE", "10")).await;
    let mut client = CommandServiceClient::new(server.channel().await);
    // The budget is 10 calls a minute; the harness's start-up probes spent
    // some of it already.
    let mut admitted = 0;
    let status = loop {
        match client.execute(open(&format!("rl-{admitted}"))).await {
            Ok(_) => admitted += 1,
            Err(status) => break status,
        }
        assert!(admitted <= 10, "more than 10 calls a minute were admitted");
    };
    assert!(admitted >= 1, "the budget was spent before any call: {status:?}");
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert_eq!(status.get_details_error_info().expect("ErrorInfo").reason, "RATE_LIMITED");
    let retry = status.get_details_retry_info().expect("RetryInfo").retry_delay.expect("a delay");
    assert!(retry > Duration::ZERO && retry <= Duration::from_secs(60), "{retry:?}");
    // Health checks are never limited.
    let mut health = HealthClient::new(server.channel().await);
    for _ in 0..10 {
        health.check(HealthCheckRequest { service: String::new() }).await.expect("health is not rate limited");
    }
    let metrics = server.metrics_text().await;
    assert!(
        metrics.lines().any(|l| l.starts_with("nexus_requests_rejected_total{")
            && l.contains("rate_limited")
            && l.ends_with(" 1")),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_size_limit_is_refused_and_counted() {
    let server = NexusProcess::start_with(
        ServerOptions::default()
            .env("NEXUS_LIMITS__MAX_MESSAGE_BYTES", "2000000")
            .env("NEXUS_LIMITS__MAX_EVENT_BYTES", "1000000"),
    )
    .await;
    let mut client = CommandServiceClient::new(server.channel().await);
    let huge = "x".repeat(3_000_000);
    let status = client
        .execute(ExecuteRequest {
            aggregate_type: "account".into(),
            aggregate_id: unique("huge-"),
            command_type: "OpenAccount".into(),
            payload: nexus_sdk::json::json_to_struct(json!({ "owner": huge })),
            ..Default::default()
        })
        .await
        .expect_err("too large");
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
    // Nothing was written, and the server still serves.
    client.execute(open(&unique("after-huge-"))).await.expect("the server still serves");
    let metrics = server.metrics_text().await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("nexus_requests_rejected_total{") && l.contains("too_large") && l.ends_with(" 1")),
        "{metrics}"
    );
}

fn open(id: &str) -> ExecuteRequest {
    ExecuteRequest {
        aggregate_type: "account".into(),
        aggregate_id: id.into(),
        command_type: "OpenAccount".into(),
        payload: nexus_sdk::json::json_to_struct(json!({ "owner": "load" })),
        ..Default::default()
    }
}
