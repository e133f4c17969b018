//! `nexus bench paths`: how long an appended event takes to reach a
//! consumer on each path of the AWS profile.
//!
//! One client appends events at a steady rate (`--rate` per second, one
//! event per append, alternating a core-route and a secondary-route type).
//! Two consumers note when each event arrives:
//!
//! - **stream path**: a Kinesis subscriber in this process (the same
//!   adapter, settings and polling a replica's projections use), reading
//!   the deployment's stream;
//! - **queue path**: a `QueueService.Consume` stream through the server, on
//!   a consumer of its own that takes only the secondary type (SNS → SQS →
//!   the server's receive loop → the client).
//!
//! Latency is counted from the append's acknowledgement at the client to
//! the consumer seeing the event; a receipt before the acknowledgement
//! counts as 0. The clocks are this process's. Against moto these are
//! emulator figures: the shapes (poll intervals, long polls, the router's
//! change-feed polling) transfer, the absolute numbers do not.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Arc, Mutex},
    time::Duration,
};

use anyhow::{Context, bail};
use figment::Figment;
use hdrhistogram::Histogram;
use nexus_sdk::proto::{
    AppendToStreamRequest, ConsumeRequest, ConsumerSettings, CreateConsumerRequest, DataFormat, ExpectedRevision,
    ProposedEvent, PutSubjectRequest, Route, Subject,
    consume_request::{self, Kind as Inbound},
    consume_response::Kind as Outbound,
    event_store_service_client::EventStoreServiceClient,
    expected_revision::Kind,
    queue_service_client::QueueServiceClient,
    schema_service_client::SchemaServiceClient,
};
use serde::Serialize;
use tokio::{sync::mpsc, time::Instant};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;

use super::Latency;
use crate::{
    adapters::aws::{
        AwsClients,
        kinesis::{KinesisSettings, KinesisStreamBus},
    },
    auth::client::ClientAuthArgs,
    config::Config,
    core::bus::StreamBus,
};

/// Options of `nexus bench paths`.
#[derive(Debug, Clone, clap::Args)]
pub struct PathsBenchArgs {
    /// Address of the Nexus server (on the Kinesis and SQS backends).
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:50051")]
    pub server: String,
    /// The server's configuration file: its `[aws]` section names the
    /// Kinesis stream to read (NEXUS_AWS__* variables apply too).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Appends per second (one event each).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub rate: u32,
    /// How long to append.
    #[arg(long, value_name = "DURATION", default_value = "20s", value_parser = humantime::parse_duration)]
    pub duration: Duration,
    /// Print only one JSON object with the results.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub auth: ClientAuthArgs,
}

/// How long receipts may trail the last append before they count as missing.
const DRAIN: Duration = Duration::from_secs(15);
/// How long the router keeps a route cached: new subjects apply after it.
const ROUTE_CACHE: Duration = Duration::from_secs(6);

/// Receipt times by event id.
type Receipts = Arc<Mutex<HashMap<String, Instant>>>;

#[derive(Debug, Serialize)]
struct Report {
    rate: u32,
    events: u64,
    append_p50_ms: f64,
    append_to_kinesis_consumer: Latency,
    append_to_sqs_consumer: Latency,
    kinesis_poll_interval_ms: u128,
}

pub async fn run(args: PathsBenchArgs) -> anyhow::Result<()> {
    if args.rate == 0 {
        bail!("--rate must be at least 1");
    }
    let config = Config::load(args.config.as_deref(), Figment::new()).context("cannot load the configuration")?;
    let channel = super::connect(&args.server, &args.auth, 1).await?.remove(0);
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let core_type = format!("BenchPathCore{run_id}");
    let queue_type = format!("BenchPathQueue{run_id}");
    let consumer = format!("bench-paths-{run_id}");

    let mut schemas = SchemaServiceClient::new(channel.clone());
    for (name, route) in [(&core_type, Route::Core), (&queue_type, Route::Secondary)] {
        let subject = Subject {
            name: name.clone(),
            data_format: DataFormat::Json as i32,
            route: route as i32,
            allow_unvalidated: true,
            ..Default::default()
        };
        schemas.put_subject(PutSubjectRequest { subject: Some(subject) }).await.context("PutSubject failed")?;
    }
    let settings = ConsumerSettings { event_types: vec![queue_type.clone()], ..Default::default() };
    QueueServiceClient::new(channel.clone())
        .create_consumer(CreateConsumerRequest { name: consumer.clone(), settings: Some(settings) })
        .await
        .context("CreateConsumer failed")?;
    if !args.json {
        println!(
            "nexus bench paths: {} appends/s for {:?} (run {run_id}); waiting {ROUTE_CACHE:?} for the router's route cache",
            args.rate, args.duration
        );
    }
    tokio::time::sleep(ROUTE_CACHE).await;

    let stop = CancellationToken::new();
    // Stream path: a Kinesis subscriber with a replica's settings.
    let clients = AwsClients::connect(&config.aws).await;
    let kinesis_settings = KinesisSettings::default();
    let poll_interval = kinesis_settings.poll_interval;
    let bus = KinesisStreamBus::open(
        clients,
        config.aws.resources.kinesis_stream.clone(),
        config.aws.resources.coordination_table.clone(),
        kinesis_settings,
        None,
    )
    .await
    .context("cannot open the Kinesis stream")?;
    let kinesis_receipts = Receipts::default();
    let mut feed = bus.subscribe(None, stop.clone());
    let kinesis_task = {
        let receipts = kinesis_receipts.clone();
        let core_type = core_type.clone();
        tokio::spawn(async move {
            while let Some(item) = feed.recv().await {
                let Ok(event) = item else { break };
                if event.event_type == core_type {
                    let now = Instant::now();
                    receipts.lock().map(|mut r| r.insert(event.event_id.to_string(), now)).ok();
                }
            }
        })
    };
    // Queue path: a Consume stream through the server.
    let sqs_receipts = Receipts::default();
    let (tx, rx) = mpsc::channel(64);
    let start = consume_request::Start { consumer: consumer.clone(), max_in_flight: 64 };
    tx.send(ConsumeRequest { kind: Some(Inbound::Start(start)) }).await.ok();
    let mut responses = QueueServiceClient::new(channel.clone())
        .consume(ReceiverStream::new(rx))
        .await
        .context("Consume")?
        .into_inner();
    let sqs_task = {
        let receipts = sqs_receipts.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            loop {
                let message = tokio::select! {
                    message = responses.message() => message,
                    _ = stop.cancelled() => break,
                };
                let Ok(Some(message)) = message else { break };
                if let Some(Outbound::Delivery(delivery)) = message.kind {
                    let now = Instant::now();
                    if let Some(event) = delivery.event {
                        receipts.lock().map(|mut r| r.insert(event.event_id, now)).ok();
                    }
                    let ack = consume_request::Ack { receipt: delivery.receipt };
                    if tx.send(ConsumeRequest { kind: Some(Inbound::Ack(ack)) }).await.is_err() {
                        break;
                    }
                }
            }
        })
    };

    // The load: one append per tick, alternating the two types.
    let mut store = EventStoreServiceClient::new(channel.clone());
    let mut core_acks = HashMap::new();
    let mut queue_acks = HashMap::new();
    let mut append_times = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / args.rate);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let started = Instant::now();
    let mut n: u64 = 0;
    while started.elapsed() < args.duration {
        ticker.tick().await;
        let core = n.is_multiple_of(2);
        let event_id = uuid::Uuid::new_v4().to_string();
        let request = AppendToStreamRequest {
            stream_id: format!("bench-paths-{run_id}-{}", n % 100),
            expected_revision: Some(ExpectedRevision { kind: Some(Kind::Any(())) }),
            events: vec![ProposedEvent {
                event_id: event_id.clone(),
                event_type: if core { core_type.clone() } else { queue_type.clone() },
                content_type: "application/json".into(),
                data: format!("{{\"n\":{n}}}").into_bytes(),
                ..Default::default()
            }],
        };
        let sent = Instant::now();
        store.append_to_stream(request).await.context("append failed")?;
        let acked = Instant::now();
        let _ = append_times.record(u64::try_from(acked.duration_since(sent).as_micros()).unwrap_or(u64::MAX).max(1));
        if core {
            core_acks.insert(event_id, acked)
        } else {
            queue_acks.insert(event_id, acked)
        };
        n += 1;
    }
    // Let the receipts catch up.
    let drain_until = Instant::now() + DRAIN;
    while Instant::now() < drain_until {
        let done = |acks: &HashMap<String, Instant>, receipts: &Receipts| {
            let receipts = receipts.lock().map(|r| r.len()).unwrap_or(0);
            receipts >= acks.len()
        };
        if done(&core_acks, &kinesis_receipts) && done(&queue_acks, &sqs_receipts) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.cancel();
    kinesis_task.abort();
    let _ = sqs_task.await;
    QueueServiceClient::new(channel)
        .delete_consumer(nexus_sdk::proto::DeleteConsumerRequest { name: consumer })
        .await
        .ok();

    let report = Report {
        rate: args.rate,
        events: n,
        append_p50_ms: append_times.value_at_quantile(0.5) as f64 / 1000.0,
        append_to_kinesis_consumer: latency(&core_acks, &kinesis_receipts),
        append_to_sqs_consumer: latency(&queue_acks, &sqs_receipts),
        kinesis_poll_interval_ms: poll_interval.as_millis(),
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}

fn latency(acks: &HashMap<String, Instant>, receipts: &Receipts) -> Latency {
    let receipts = receipts.lock().map(|r| r.clone()).unwrap_or_default();
    super::latency(acks, &receipts)
}
