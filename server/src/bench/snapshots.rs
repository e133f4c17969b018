//! `nexus bench snapshots`: what a command costs on a long-lived aggregate,
//! with and without snapshots, against a running server.
//!
//! 1. Builds an account with `--events` events (one OpenAccount through
//!    Execute, then MoneyDeposited events appended in batches of 1,000).
//! 2. **fresh**: Execute latency on a new account (a handful of events).
//! 3. **without snapshots**: the account type's snapshot policy is set to
//!    take none and the big account's snapshots are deleted, so every
//!    command folds the whole stream.
//! 4. **with snapshots**: the policy is put back, one snapshot is taken,
//!    and commands load it plus the few events after it.
//!
//! Each phase runs its commands one at a time (one client), so the figures
//! are latencies, not throughput. The policy the server had is restored at
//! the end.

use std::time::Duration;

use anyhow::Context;
use hdrhistogram::Histogram;
use nexus_sdk::{
    json::json_to_struct,
    proto::{
        AppendToStreamRequest, CreateSnapshotRequest, DeleteSnapshotsRequest, ExecuteRequest, GetSnapshotPolicyRequest,
        GetSnapshotStatsRequest, ListProjectionsRequest, ProposedEvent, SetSnapshotPolicyRequest, SnapshotPolicy,
        command_service_client::CommandServiceClient, event_store_service_client::EventStoreServiceClient,
        query_service_client::QueryServiceClient, snapshot_service_client::SnapshotServiceClient,
    },
};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::auth::client::{AuthedChannel, ClientAuthArgs};

/// Options of `nexus bench snapshots`.
#[derive(Debug, Clone, clap::Args)]
pub struct SnapshotBenchArgs {
    /// Address of the Nexus server.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:50051")]
    pub server: String,
    /// Events in the long-lived aggregate.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub events: u64,
    /// Commands measured on the fresh aggregate and with snapshots.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub commands: u64,
    /// Commands measured without snapshots (each folds the whole stream).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub commands_without: u64,
    /// Print only one JSON object with the results.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub auth: ClientAuthArgs,
}

/// Latencies of one phase, in milliseconds.
#[derive(Debug, Serialize)]
struct Phase {
    commands: u64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

#[derive(Debug, Serialize)]
struct Report {
    aggregate_events: u64,
    fresh: Phase,
    without_snapshots: Phase,
    with_snapshots: Phase,
    /// with_snapshots p50 / fresh p50.
    ratio_p50: f64,
    /// with_snapshots p99 / fresh p99.
    ratio_p99: f64,
    /// Mean events folded per load, from GetSnapshotStats over the run.
    events_replayed_mean: f64,
}

struct Clients {
    query: QueryServiceClient<AuthedChannel>,
    commands: CommandServiceClient<AuthedChannel>,
    store: EventStoreServiceClient<AuthedChannel>,
    snapshots: SnapshotServiceClient<AuthedChannel>,
}

pub async fn run(args: SnapshotBenchArgs) -> anyhow::Result<()> {
    let channel = super::connect(&args.server, &args.auth, 1).await?.remove(0);
    let mut c = Clients {
        query: QueryServiceClient::new(channel.clone()),
        commands: CommandServiceClient::new(channel.clone()),
        store: EventStoreServiceClient::new(channel.clone()),
        snapshots: SnapshotServiceClient::new(channel),
    };
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let (big, fresh) = (format!("bench-big-{run_id}"), format!("bench-fresh-{run_id}"));
    let policy_request = GetSnapshotPolicyRequest { aggregate_type: "account".into() };
    let original = c.snapshots.get_snapshot_policy(policy_request).await?.into_inner().policy.unwrap_or_default();

    let progress = !args.json;
    if progress {
        eprintln!("building account {big} with {} events…", args.events);
    }
    let started = Instant::now();
    build(&mut c, &big, args.events).await?;
    if progress {
        eprintln!("built in {:.1} s; waiting for the projections to fold it…", started.elapsed().as_secs_f64());
    }
    // The read side folds the new history in the background; measuring
    // while it does would charge its CPU to the first phase.
    settle_projections(&mut c).await?;

    execute(&mut c, &fresh, "OpenAccount", json!({"owner": "bench"})).await?;
    let fresh_phase = measure(&mut c, &fresh, args.commands).await?;

    let no_snapshots = SnapshotPolicy { every_events: 0, max_state_bytes: 0, max_age: None, keep_last: 0, ttl: None };
    set_policy(&mut c, no_snapshots).await?;
    c.snapshots
        .delete_snapshots(DeleteSnapshotsRequest {
            aggregate_type: "account".into(),
            aggregate_id: big.clone(),
            max_revision: None,
        })
        .await?;
    let without = measure(&mut c, &big, args.commands_without).await;

    set_policy(&mut c, original).await?;
    let without = without?;
    c.snapshots
        .create_snapshot(CreateSnapshotRequest { aggregate_type: "account".into(), aggregate_id: big.clone() })
        .await?;
    let stats_before = replayed(&mut c).await?;
    let with = measure(&mut c, &big, args.commands).await?;
    let stats_after = replayed(&mut c).await?;
    let loads = (stats_after.1 - stats_before.1).max(1);
    let report = Report {
        aggregate_events: args.events,
        ratio_p50: with.p50_ms / fresh_phase.p50_ms,
        ratio_p99: with.p99_ms / fresh_phase.p99_ms,
        events_replayed_mean: (stats_after.0 - stats_before.0) / loads as f64,
        fresh: fresh_phase,
        without_snapshots: without,
        with_snapshots: with,
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "nexus bench snapshots: Execute (DepositMoney) latency, one client, {} events in the big aggregate",
            args.events
        );
        for (name, p) in [
            ("fresh aggregate", &report.fresh),
            ("big, without snapshots", &report.without_snapshots),
            ("big, with snapshots", &report.with_snapshots),
        ] {
            println!(
                "  {name:<24} {:>5} commands   p50 {:>8.2} ms   p99 {:>8.2} ms   max {:>8.2} ms",
                p.commands, p.p50_ms, p.p99_ms, p.max_ms
            );
        }
        println!(
            "  with snapshots / fresh: p50 x{:.2}, p99 x{:.2}; events folded per load with snapshots: {:.1}",
            report.ratio_p50, report.ratio_p99, report.events_replayed_mean
        );
    }
    Ok(())
}

/// Waits (at most 2 minutes) until no projection lags behind the log.
async fn settle_projections(c: &mut Clients) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let projections = c.query.list_projections(ListProjectionsRequest {}).await?.into_inner().projections;
        let behind = projections.iter().any(|p| {
            p.serving.as_ref().is_some_and(|s| s.lag_events > 0)
                || p.rebuilding.as_ref().is_some_and(|s| s.lag_events > 0)
        });
        if !behind || Instant::now() > deadline {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn set_policy(c: &mut Clients, policy: SnapshotPolicy) -> anyhow::Result<()> {
    let request = SetSnapshotPolicyRequest { aggregate_type: "account".into(), policy: Some(policy) };
    c.snapshots.set_snapshot_policy(request).await.context("SetSnapshotPolicy (needs a platform admin)")?;
    Ok(())
}

/// (events replayed in total, loads) of the account type so far.
async fn replayed(c: &mut Clients) -> anyhow::Result<(f64, u64)> {
    let stats = c.snapshots.get_snapshot_stats(GetSnapshotStatsRequest { aggregate_type: "account".into() }).await?;
    let s = stats.into_inner().stats.into_iter().next().unwrap_or_default();
    Ok((s.events_replayed_mean * s.loads as f64, s.loads))
}

async fn execute(c: &mut Clients, id: &str, command_type: &str, payload: Value) -> anyhow::Result<()> {
    let request = ExecuteRequest {
        aggregate_type: "account".into(),
        aggregate_id: id.into(),
        command_type: command_type.into(),
        payload: json_to_struct(payload),
        ..Default::default()
    };
    c.commands.execute(request).await.with_context(|| format!("{command_type} on {id}"))?;
    Ok(())
}

/// Opens the account through a command, then appends deposits in batches.
async fn build(c: &mut Clients, id: &str, events: u64) -> anyhow::Result<()> {
    execute(c, id, "OpenAccount", json!({"owner": "bench"})).await?;
    let stream_id = format!("account-{id}");
    let mut written = 1;
    while written < events {
        let batch = (events - written).min(1000);
        let events = (0..batch)
            .map(|i| {
                let balance = written + i + 1;
                ProposedEvent {
                    event_id: uuid::Uuid::new_v4().to_string(),
                    event_type: "MoneyDeposited".into(),
                    content_type: "application/json".into(),
                    data: serde_json::to_vec(&json!({"amount": 1, "balance": balance})).expect("json"),
                    ..Default::default()
                }
            })
            .collect();
        let request = AppendToStreamRequest { stream_id: stream_id.clone(), events, ..Default::default() };
        c.store.append_to_stream(request).await.context("appending the big aggregate's history")?;
        written += batch;
    }
    Ok(())
}

async fn measure(c: &mut Clients, id: &str, commands: u64) -> anyhow::Result<Phase> {
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).context("histogram")?;
    for _ in 0..commands {
        let started = Instant::now();
        execute(c, id, "DepositMoney", json!({"amount": 1})).await?;
        histogram.saturating_record(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX));
    }
    let ms = |us: u64| Duration::from_micros(us).as_secs_f64() * 1000.0;
    Ok(Phase {
        commands,
        p50_ms: ms(histogram.value_at_quantile(0.5)),
        p99_ms: ms(histogram.value_at_quantile(0.99)),
        max_ms: ms(histogram.max()),
    })
}
