//! `nexus bench read-side`: how fast events reach the read side.
//!
//! Under closed-loop append load (scenario (a) of `nexus bench append`:
//! concurrent clients, one event per append, many streams), it measures the
//! time from each append's acknowledgement (at the client) to
//!
//! 1. a `SubscribeAll` client receiving the event, and
//! 2. `WatchDocuments` clients (100 by default, each watching its share of
//!    the accounts) seeing the `account-balance` document change;
//!
//! then the projection's own throughput: a blue/green rebuild of
//! `account-balance` over the whole log, timed until reads switch.
//!
//! The events are the example domain's: `AccountOpened` once per account,
//! then `MoneyDeposited` (payloads are small: the schemas allow nothing
//! more). Acknowledgement and receipt times are taken in this process, so
//! the clocks agree; a receipt that arrives before its append's
//! acknowledgement counts as 0.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use nexus_sdk::proto::{
    AllFrom, AppendToStreamRequest, EventFilter, ExpectedRevision, GetProjectionStatusRequest, ProposedEvent,
    RebuildProjectionRequest, SubscribeAllRequest, WatchDocumentsRequest, all_from,
    event_store_service_client::EventStoreServiceClient, expected_revision::Kind,
    query_service_client::QueryServiceClient, subscribe_all_response, watch_event,
};
use rand::{Rng, SeedableRng, rngs::SmallRng};
use serde::Serialize;
use tokio::{task::JoinSet, time::Instant};

use super::Latency;
use crate::auth::client::{AuthedChannel, ClientAuthArgs};

/// Options of `nexus bench read-side`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReadSideBenchArgs {
    /// Address of the Nexus server (started with the example projections).
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:50051")]
    pub server: String,
    /// Closed-loop appending clients.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub concurrency: usize,
    /// Accounts (streams) appended to.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub streams: usize,
    /// Concurrent WatchDocuments clients; the accounts are shared out among them.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub watchers: usize,
    /// How long to measure, after the warmup.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = humantime::parse_duration)]
    pub duration: Duration,
    /// How long to load before measuring.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = humantime::parse_duration)]
    pub warmup: Duration,
    /// Skip the rebuild that measures projection throughput.
    #[arg(long)]
    pub no_rebuild: bool,
    /// Print only one JSON object with the results.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub auth: ClientAuthArgs,
}

const PROJECTION: &str = "account-balance";
/// How long receipts may trail the end of the load before they count as missing.
const DRAIN: Duration = Duration::from_secs(3);

/// Acknowledgement times by event, named `<stream>@<revision>`: on
/// DynamoDB an append's reply carries a position of the stream, while the
/// change feed (subscriptions, projections) names the same event by its
/// place in the feed, so positions cannot pair an ack with a receipt.
type Acks = Arc<Mutex<HashMap<String, Instant>>>;
/// Receipt times by event (`<stream>@<revision>`), or, for watchers, by the
/// deposit's unique `balance` value: a document change names the position
/// of its event in the projection's source, not the event itself, and the
/// document of `account-balance` shows the balance of the last deposit
/// folded into it.
type Receipts = Arc<Mutex<HashMap<String, Instant>>>;

fn event_key(stream: &str, revision: u64) -> String {
    format!("{stream}@{revision}")
}

#[derive(Debug, Serialize)]
struct Report {
    appends_per_second: f64,
    append_p99_ms: f64,
    subscribe_all: Latency,
    watch_documents: Latency,
    watchers: usize,
    rebuild: Option<Rebuild>,
}

#[derive(Debug, Serialize)]
struct Rebuild {
    events: u64,
    seconds: f64,
    events_per_second: f64,
}

pub async fn run(args: ReadSideBenchArgs) -> anyhow::Result<()> {
    if args.concurrency == 0 || args.streams == 0 || args.watchers == 0 {
        bail!("--concurrency, --streams and --watchers must be at least 1");
    }
    let channels = super::connect(&args.server, &args.auth, 8).await?;
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let streams: Arc<[String]> = (0..args.streams).map(|n| format!("account-b{run_id}-{n}")).collect();
    if !args.json {
        println!(
            "nexus bench read-side: {} appending clients, {} accounts (run {run_id}), {} watchers, {} SubscribeAll client",
            args.concurrency, args.streams, args.watchers, 1
        );
    }

    // Open every account first, so MoneyDeposited always folds into a document.
    let mut opening = JoinSet::new();
    for (i, chunk) in streams.chunks(streams.len().div_ceil(16)).enumerate() {
        let mut client = EventStoreServiceClient::new(channels[i % channels.len()].clone());
        let chunk = chunk.to_vec();
        opening.spawn(async move {
            for stream in chunk {
                let data =
                    serde_json::json!({"owner": format!("Owner of {stream}"), "currency": "EUR", "initial_deposit": 0});
                client.append_to_stream(append(&stream, "AccountOpened", &data)).await?;
            }
            Ok::<_, tonic::Status>(())
        });
    }
    while let Some(done) = opening.join_next().await {
        done.context("opening accounts failed")?.context("opening accounts failed")?;
    }

    let acks: Acks = Arc::default();
    let subscribed: Receipts = Arc::default();
    let watched: Receipts = Arc::default();
    let value_acks: Acks = Arc::default();
    let mut readers = JoinSet::new();

    // 1. SubscribeAll from now on, only this run's deposits.
    {
        let mut client = EventStoreServiceClient::new(channels[0].clone());
        let request = SubscribeAllRequest {
            from: Some(AllFrom { kind: Some(all_from::Kind::End(())) }),
            filter: Some(EventFilter {
                event_type_prefixes: vec!["MoneyDeposited".into()],
                stream_prefixes: vec![format!("account-b{run_id}-")],
            }),
            ..Default::default()
        };
        let mut stream = client.subscribe_all(request).await.context("SubscribeAll failed")?.into_inner();
        let receipts = subscribed.clone();
        readers.spawn(async move {
            while let Ok(Some(message)) = stream.message().await {
                if let Some(subscribe_all_response::Content::Event(event)) = message.content
                    && let Ok(mut r) = receipts.lock()
                {
                    r.entry(event_key(&event.stream_id, event.stream_revision)).or_insert_with(Instant::now);
                }
            }
        });
    }
    // 2. Watchers, each on its share of the accounts.
    let mut live = Vec::new();
    for w in 0..args.watchers {
        let keys: Vec<String> = streams.iter().skip(w).step_by(args.watchers).cloned().collect();
        if keys.is_empty() {
            continue;
        }
        let mut client = QueryServiceClient::new(channels[(w + 1) % channels.len()].clone());
        let request = WatchDocumentsRequest { projection: PROJECTION.into(), keys, resume_after: String::new() };
        let mut stream = client.watch_documents(request).await.context("WatchDocuments failed")?.into_inner();
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        live.push(ready_rx);
        let receipts = watched.clone();
        readers.spawn(async move {
            let mut ready = Some(ready_tx);
            while let Ok(Some(message)) = stream.message().await {
                match message.event.and_then(|e| e.kind) {
                    Some(watch_event::Kind::Live(_)) => {
                        if let Some(ready) = ready.take() {
                            let _ = ready.send(());
                        }
                    }
                    Some(watch_event::Kind::Change(change)) => {
                        let balance = change
                            .document
                            .and_then(|d| d.body)
                            .and_then(|b| b.fields.get("balance").and_then(|v| v.kind.clone()));
                        if let Some(prost_types::value::Kind::NumberValue(balance)) = balance
                            && let Ok(mut r) = receipts.lock()
                        {
                            r.entry(format!("{}", balance as u64)).or_insert_with(Instant::now);
                        }
                    }
                    _ => {}
                }
            }
        });
    }
    for ready in live {
        tokio::time::timeout(Duration::from_secs(30), ready)
            .await
            .context("a watcher did not go live within 30 s")?
            .ok();
    }

    // The load.
    let start = Instant::now();
    let measure_from = start + args.warmup;
    let end = measure_from + args.duration;
    let mut load = JoinSet::new();
    // Each deposit's balance is unique across the run, so the document a
    // watcher sees names the deposit it shows.
    let deposits = Arc::new(std::sync::atomic::AtomicU64::new(1_000_000));
    for c in 0..args.concurrency {
        let mut client = EventStoreServiceClient::new(channels[c % channels.len()].clone());
        let streams = streams.clone();
        let acks = acks.clone();
        let value_acks = value_acks.clone();
        let deposits = deposits.clone();
        load.spawn(async move {
            let mut rng = SmallRng::from_rng(&mut rand::rng());
            let mut latencies = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).ok();
            let mut count = 0u64;
            while Instant::now() < end {
                let stream = &streams[rng.random_range(0..streams.len())];
                let balance = deposits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let data = serde_json::json!({"amount": 1, "balance": balance});
                let sent = Instant::now();
                let Ok(result) =
                    tokio::time::timeout_at(end, client.append_to_stream(append(stream, "MoneyDeposited", &data)))
                        .await
                else {
                    break;
                };
                let done = Instant::now();
                if let Ok(response) = result
                    && sent >= measure_from
                {
                    let key = event_key(stream, response.into_inner().current_revision);
                    acks.lock().map(|mut a| a.insert(key, done)).ok();
                    value_acks.lock().map(|mut a| a.insert(balance.to_string(), done)).ok();
                    count += 1;
                    if let Some(h) = latencies.as_mut() {
                        let _ = h.record(u64::try_from((done - sent).as_micros()).unwrap_or(u64::MAX));
                    }
                }
            }
            (count, latencies)
        });
    }
    let mut appends = 0u64;
    let mut append_latency = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    while let Some(done) = load.join_next().await {
        let (count, histogram) = done.context("a load client failed")?;
        appends += count;
        if let Some(h) = histogram {
            append_latency.add(h)?;
        }
    }
    tokio::time::sleep(DRAIN).await;
    readers.abort_all();

    let acks = acks.lock().map(|a| a.clone()).unwrap_or_default();
    let subscribe_all = latency(&acks, &subscribed);
    // A deposit that a later one on the same account overtook before a
    // watcher saw it counts as missing.
    let value_acks = value_acks.lock().map(|a| a.clone()).unwrap_or_default();
    let watch_documents = latency(&value_acks, &watched);

    let rebuild = if args.no_rebuild { None } else { Some(rebuild(channels[0].clone()).await?) };
    let report = Report {
        appends_per_second: appends as f64 / args.duration.as_secs_f64(),
        append_p99_ms: append_latency.value_at_quantile(0.99) as f64 / 1000.0,
        subscribe_all,
        watch_documents,
        watchers: args.watchers,
        rebuild,
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!("  appends: {:.0} events/s, p99 {:.2} ms", report.appends_per_second, report.append_p99_ms);
        for (name, l) in [("SubscribeAll", &report.subscribe_all), ("WatchDocuments", &report.watch_documents)] {
            println!(
                "  ack → {name}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} samples, {} missing)",
                l.p50_ms, l.p99_ms, l.max_ms, l.samples, l.missing
            );
        }
        if let Some(r) = &report.rebuild {
            println!(
                "  rebuild of {PROJECTION}: {} events in {:.2} s = {:.0} events/s",
                r.events, r.seconds, r.events_per_second
            );
        }
    }
    Ok(())
}

fn append(stream: &str, event_type: &str, data: &serde_json::Value) -> AppendToStreamRequest {
    AppendToStreamRequest {
        stream_id: stream.to_string(),
        expected_revision: Some(ExpectedRevision { kind: Some(Kind::Any(())) }),
        events: vec![ProposedEvent {
            event_id: uuid::Uuid::new_v4().to_string(),
            event_type: event_type.into(),
            content_type: "application/json".into(),
            data: serde_json::to_vec(data).unwrap_or_default(),
            ..Default::default()
        }],
    }
}

fn latency(acks: &HashMap<String, Instant>, receipts: &Receipts) -> Latency {
    let receipts = receipts.lock().map(|r| r.clone()).unwrap_or_default();
    super::latency(acks, &receipts)
}

/// Rebuilds the projection and times it until reads switch to the new generation.
async fn rebuild(channel: AuthedChannel) -> anyhow::Result<Rebuild> {
    let mut client = QueryServiceClient::new(channel);
    let started = Instant::now();
    let status = client
        .rebuild_projection(RebuildProjectionRequest { projection: PROJECTION.into() })
        .await
        .context("RebuildProjection failed")?
        .into_inner()
        .status
        .context("no status")?;
    let new_generation = status.rebuilding.map(|r| r.generation).context("the rebuild did not start")?;
    // The events the new generation folded: what it reported while it was
    // being built (a replica may restart its runner when it switches
    // generations, and count afresh) or once serving, whichever is more.
    let mut folded = 0u64;
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let status = client
            .get_projection_status(GetProjectionStatusRequest { projection: PROJECTION.into() })
            .await?
            .into_inner()
            .status
            .context("no status")?;
        if let Some(building) = status.rebuilding.as_ref().filter(|b| b.generation == new_generation) {
            folded = folded.max(building.events_processed);
        }
        if let Some(serving) = status.serving
            && serving.generation == new_generation
        {
            let seconds = started.elapsed().as_secs_f64();
            let events = folded.max(serving.events_processed);
            return Ok(Rebuild { events, seconds, events_per_second: events as f64 / seconds });
        }
        if started.elapsed() > Duration::from_secs(600) {
            bail!("the rebuild did not finish within 10 minutes");
        }
    }
}
