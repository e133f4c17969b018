//! `nexus bench append`: a closed-loop load generator for `AppendToStream`.
//!
//! A fixed number of clients each send one append at a time, as fast as the
//! server answers, over a small pool of HTTP/2 connections. Every client keeps
//! its own latency histogram; they are merged once the run is over. The first
//! `--warmup` of the run is not measured, and appends still in flight at the
//! end of the measured window are abandoned and not counted.
//!
//! Streams are named `bench-<run id>-<n>`, where the run id is random, so runs
//! never write to each other's streams.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use hdrhistogram::errors::{AdditionError, CreationError};
use nexus_sdk::proto::{
    AppendToStreamRequest, ExpectedRevision, ProposedEvent, ReadDirection, ReadStreamRequest,
    event_store_service_client::EventStoreServiceClient, expected_revision::Kind,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tonic::transport::Endpoint;

use crate::auth::client::{AuthedChannel, ClientAuthArgs};
use tonic::{Code, Status};

pub mod commands;
#[cfg(feature = "aws")]
pub mod otlp_sink;
pub mod paths;
pub mod payload;
pub mod policy;
pub mod read_store;
pub mod readside;
pub mod sagas;
pub mod snapshots;
pub mod validate;
/// Most connections opened when `--connections` is not given.
const DEFAULT_MAX_CONNECTIONS: usize = 8;
/// How long to wait for each connection to be established.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Highest latency the histograms track, in microseconds (slower appends are
/// recorded as this value).
const MAX_TRACKED_LATENCY_US: u64 = 60_000_000;
/// Significant decimal digits kept by the latency histograms.
const HISTOGRAM_PRECISION: u8 = 3;
/// How long a client waits after an `UNAVAILABLE` error before trying again,
/// so that a server going away does not turn the clients into busy loops.
const UNAVAILABLE_BACKOFF: Duration = Duration::from_millis(10);

/// Options of `nexus bench append`.
#[derive(Debug, Clone, clap::Args)]
pub struct AppendBenchArgs {
    /// Address of the Nexus server to load.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:50051")]
    pub server: String,

    /// Number of closed-loop clients; each has one append in flight at a time.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = parse_positive)]
    pub concurrency: usize,

    /// Number of streams appended to (named `bench-<run id>-<n>`).
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = parse_positive)]
    pub streams: usize,

    /// Events per append request.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_positive)]
    pub batch_size: usize,

    /// Size in bytes of each event's JSON payload: an order with about one
    /// line item per 100 bytes (at least 190 bytes).
    #[arg(
        long,
        value_name = "BYTES",
        default_value_t = 256,
        value_parser = parse_event_size
    )]
    pub event_size: usize,

    /// How long to measure, after the warmup (e.g. `10s`, `1m`).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = humantime::parse_duration)]
    pub duration: Duration,

    /// How long to run before measuring starts (e.g. `2s`, `0s`).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = humantime::parse_duration)]
    pub warmup: Duration,

    /// Number of HTTP/2 connections the clients are spread over
    /// [default: the smaller of --concurrency and 8].
    #[arg(long, value_name = "N", value_parser = parse_positive)]
    pub connections: Option<usize>,

    /// Expected revision sent with each append. `any` appends blindly to
    /// random streams; `exact` gives each client its own streams, tracks their
    /// revisions and appends with the exact expected revision (optimistic
    /// concurrency), which needs --streams >= --concurrency.
    #[arg(long, value_name = "MODE", value_enum, default_value_t = ExpectedRevisionMode::Any)]
    pub expected_revision: ExpectedRevisionMode,

    /// `json`: events of type BenchOrderPlaced, whose JSON Schema the bench
    /// registers first, so every event is validated (the server's default
    /// behaviour). `none`: the same payloads under a type without a schema,
    /// stored unchecked; needs a server started with
    /// `--allow-unregistered-event-types`. Comparing the two shows what
    /// validation costs.
    #[arg(long, value_name = "MODE", value_enum, default_value_t = SchemaMode::Json)]
    pub schema: SchemaMode,

    /// Print only one JSON object with the results.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub auth: ClientAuthArgs,
}

/// Whether benchmark events are governed by a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaMode {
    Json,
    None,
}

impl SchemaMode {
    fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::None => "none",
        }
    }

    fn event_type(self) -> &'static str {
        match self {
            Self::Json => payload::GOVERNED_EVENT_TYPE,
            Self::None => payload::UNGOVERNED_EVENT_TYPE,
        }
    }
}

/// Registers the benchmark's schema (idempotent).
async fn register_schema(channel: AuthedChannel) -> anyhow::Result<()> {
    use nexus_sdk::proto::{DataFormat, RegisterSchemaVersionRequest, schema_service_client::SchemaServiceClient};
    SchemaServiceClient::new(channel)
        .register_schema_version(RegisterSchemaVersionRequest {
            subject: payload::GOVERNED_EVENT_TYPE.into(),
            data_format: DataFormat::Json as i32,
            definition: payload::SCHEMA.into(),
            metadata: Default::default(),
        })
        .await
        .map_err(|s| anyhow::anyhow!("cannot register the benchmark schema: {}", s.message()))?;
    Ok(())
}

impl AppendBenchArgs {
    /// Connections actually opened: `--connections`, or the smaller of
    /// `--concurrency` and 8, and never more than there are clients.
    fn effective_connections(&self) -> usize {
        self.connections.unwrap_or(DEFAULT_MAX_CONNECTIONS).min(self.concurrency).max(1)
    }

    /// Checks the combinations of options that clap cannot.
    fn validate(&self) -> anyhow::Result<()> {
        if self.duration.is_zero() {
            bail!("--duration must be longer than zero");
        }
        if self.expected_revision == ExpectedRevisionMode::Exact && self.streams < self.concurrency {
            bail!(
                "--expected-revision exact gives each client its own streams: \
                 --streams ({}) must be at least --concurrency ({})",
                self.streams,
                self.concurrency
            );
        }
        Ok(())
    }
}

/// Expected revision sent with each benchmark append.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExpectedRevisionMode {
    /// No concurrency check: append to random streams whatever their state.
    Any,
    /// Each client owns its streams and appends with their exact revision.
    Exact,
}

impl ExpectedRevisionMode {
    /// The name used on the command line and in reports.
    fn as_str(self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::Exact => "exact",
        }
    }
}

/// Runs `nexus bench append` and prints its report to stdout.
///
/// Fails when the server cannot be reached or when no append succeeded
/// during the measured window.
pub async fn run_append(args: AppendBenchArgs) -> anyhow::Result<()> {
    args.validate()?;
    let connections = args.effective_connections();
    let channels = connect(&args.server, &args.auth, connections).await?;

    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    if args.schema == SchemaMode::Json {
        register_schema(channels[0].clone()).await?;
    }
    let plan = Arc::new(AppendPlan {
        payload: payload::order_payload(args.event_size),
        batch_size: args.batch_size,
        event_type: args.schema.event_type(),
    });
    let shared_streams: Arc<[String]> = (0..args.streams).map(|n| stream_name(&run_id, n)).collect();

    if !args.json {
        println!(
            "nexus bench append: {} clients on {} connection(s) to {}, {} streams (run {run_id}), \
             expected revision {}, schema {}",
            args.concurrency,
            connections,
            args.server,
            args.streams,
            args.expected_revision.as_str(),
            args.schema.as_str()
        );
        println!(
            "  {} event(s) of {} bytes per append; warming up for {}, then measuring for {}",
            args.batch_size,
            args.event_size,
            humantime::format_duration(args.warmup),
            humantime::format_duration(args.duration)
        );
    }

    let start = Instant::now();
    let window = Window { start: start + args.warmup, end: start + args.warmup + args.duration };
    let mut clients = JoinSet::new();
    for index in 0..args.concurrency {
        let client = EventStoreServiceClient::new(channels[index % channels.len()].clone());
        let streams = match args.expected_revision {
            ExpectedRevisionMode::Any => Streams::Shared(Arc::clone(&shared_streams)),
            ExpectedRevisionMode::Exact => Streams::Owned(
                (index..args.streams)
                    .step_by(args.concurrency)
                    .map(|n| OwnedStream { id: stream_name(&run_id, n), state: StreamState::New })
                    .collect(),
            ),
        };
        let stats = ClientStats::new().context("cannot create a latency histogram")?;
        clients.spawn(run_client(client, streams, Arc::clone(&plan), window, stats));
    }

    let mut total = ClientStats::new().context("cannot create a latency histogram")?;
    while let Some(joined) = clients.join_next().await {
        let stats = joined.context("a benchmark client failed")?;
        total.merge(stats).context("cannot merge latency histograms")?;
    }

    let report = Report::new(&args, connections, window.end - window.start, &total);
    if report.appends == 0 {
        bail!(no_success_message(&args.server, &total));
    }
    if args.json {
        println!("{}", serde_json::to_string(&report).context("cannot encode the report")?);
    } else {
        print!("{}", report.human());
    }
    Ok(())
}

/// Opens `count` HTTP/2 connections to `url`, concurrently.
pub(crate) async fn connect(url: &str, auth: &ClientAuthArgs, count: usize) -> anyhow::Result<Vec<AuthedChannel>> {
    let invalid = || format!("invalid --server URL {url:?}: expected e.g. http://127.0.0.1:50051");
    let endpoint = Endpoint::from_shared(url.to_owned()).with_context(invalid)?;
    if endpoint.uri().scheme().is_none() || endpoint.uri().host().is_none() {
        bail!(invalid());
    }
    let endpoint = auth.configure(endpoint.tcp_nodelay(true).connect_timeout(CONNECT_TIMEOUT))?;
    let token = auth.interceptor()?;
    let channels = futures::future::try_join_all((0..count).map(|_| endpoint.connect()))
        .await
        .with_context(|| format!("cannot reach nexus at {url}: start it with `nexus serve`"))?;
    Ok(channels.into_iter().map(|channel| AuthedChannel::new(channel, token.clone())).collect())
}

/// The name of benchmark stream `n` of run `run_id`.
fn stream_name(run_id: &str, n: usize) -> String {
    format!("bench-{run_id}-{n}")
}

/// What every append sends, apart from ids and the stream.
#[derive(Debug)]
struct AppendPlan {
    payload: Vec<u8>,
    event_type: &'static str,
    batch_size: usize,
}

impl AppendPlan {
    /// A batch of events with fresh ids.
    fn events(&self) -> Vec<ProposedEvent> {
        (0..self.batch_size)
            .map(|_| ProposedEvent {
                event_id: uuid::Uuid::new_v4().to_string(),
                event_type: self.event_type.into(),
                content_type: "application/json".into(),
                data: self.payload.clone(),
                metadata: None,
                schema_version: 0,
            })
            .collect()
    }
}

/// The measured part of the run: appends completing inside it are counted.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

/// The streams one client appends to.
enum Streams {
    /// `--expected-revision any`: all streams, shared by every client.
    Shared(Arc<[String]>),
    /// `--expected-revision exact`: the streams this client alone writes.
    Owned(Vec<OwnedStream>),
}

impl Streams {
    fn len(&self) -> usize {
        match self {
            Self::Shared(ids) => ids.len(),
            Self::Owned(streams) => streams.len(),
        }
    }
}

/// A stream owned by one client in `exact` mode, with what it knows of it.
struct OwnedStream {
    id: String,
    state: StreamState,
}

/// What an `exact`-mode client knows of one of its streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StreamState {
    /// Not written yet: append with `no_stream`.
    New,
    /// Its last event has this revision.
    At(u64),
    /// An append failed, so it may or may not have been written: re-read the
    /// revision before appending again.
    Unknown,
}

impl StreamState {
    fn expected(self) -> Option<Kind> {
        match self {
            Self::New => Some(Kind::NoStream(())),
            Self::At(revision) => Some(Kind::Exact(revision)),
            Self::Unknown => None,
        }
    }
}

/// One closed-loop client: appends until the end of the window.
async fn run_client(
    mut client: EventStoreServiceClient<AuthedChannel>,
    mut streams: Streams,
    plan: Arc<AppendPlan>,
    window: Window,
    mut stats: ClientStats,
) -> ClientStats {
    let mut rng = SmallRng::from_rng(&mut rand::rng());
    while Instant::now() < window.end {
        let pick = rng.random_range(0..streams.len());
        let (stream_id, expected) = match &mut streams {
            Streams::Shared(ids) => (ids[pick].clone(), Kind::Any(())),
            Streams::Owned(owned) => {
                let stream = &mut owned[pick];
                match stream.state.expected() {
                    Some(expected) => (stream.id.clone(), expected),
                    None => {
                        match tokio::time::timeout_at(window.end, read_state(&mut client, &stream.id)).await {
                            Err(_elapsed) => break,
                            Ok(Ok(state)) => stream.state = state,
                            Ok(Err(status)) => {
                                if Instant::now() >= window.start {
                                    stats.record_error(&status);
                                }
                                pause_if_unavailable(&status, window).await;
                            }
                        }
                        continue;
                    }
                }
            }
        };
        let request = AppendToStreamRequest {
            stream_id,
            expected_revision: Some(ExpectedRevision { kind: Some(expected) }),
            events: plan.events(),
        };

        let sent = Instant::now();
        let Ok(outcome) = tokio::time::timeout_at(window.end, client.append_to_stream(request)).await else {
            break; // the window closed while the append was in flight
        };
        let done = Instant::now();
        let measured = done >= window.start;
        let state = match outcome {
            Ok(response) => {
                if measured {
                    stats.record_success(micros(done - sent), plan.batch_size);
                }
                StreamState::At(response.into_inner().current_revision)
            }
            Err(status) => {
                if measured {
                    stats.record_error(&status);
                }
                pause_if_unavailable(&status, window).await;
                StreamState::Unknown
            }
        };
        if let Streams::Owned(owned) = &mut streams {
            owned[pick].state = state;
        }
    }
    stats
}

/// Sleeps for [`UNAVAILABLE_BACKOFF`] (at most until the end of the window)
/// after an `UNAVAILABLE` error.
async fn pause_if_unavailable(status: &Status, window: Window) {
    if status.code() == Code::Unavailable {
        tokio::time::sleep_until((Instant::now() + UNAVAILABLE_BACKOFF).min(window.end)).await;
    }
}

/// Reads the current state of a stream from the server.
async fn read_state(
    client: &mut EventStoreServiceClient<AuthedChannel>,
    stream_id: &str,
) -> Result<StreamState, Status> {
    let request = ReadStreamRequest {
        stream_id: stream_id.to_owned(),
        direction: ReadDirection::Backwards as i32,
        from_revision: None,
        page_size: 1,
        as_stored: true,
    };
    match client.read_stream(request).await {
        Ok(response) => Ok(StreamState::At(response.into_inner().current_revision)),
        Err(status) if status.code() == Code::NotFound => Ok(StreamState::New),
        Err(status) => Err(status),
    }
}

/// A duration in whole microseconds, saturating.
fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

/// The canonical gRPC name of a status code.
fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// Failures with one gRPC code.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ErrorTally {
    count: u64,
    /// The message of the first such failure, to explain the run.
    first_message: String,
}

/// What one client (or, after merging, the whole run) measured.
#[derive(Debug)]
struct ClientStats {
    /// Latency of successful appends, in microseconds.
    latency_us: Histogram<u64>,
    appends: u64,
    events: u64,
    errors: BTreeMap<&'static str, ErrorTally>,
}

impl ClientStats {
    fn new() -> Result<Self, CreationError> {
        Ok(Self {
            latency_us: Histogram::new_with_bounds(1, MAX_TRACKED_LATENCY_US, HISTOGRAM_PRECISION)?,
            appends: 0,
            events: 0,
            errors: BTreeMap::new(),
        })
    }

    fn record_success(&mut self, latency_us: u64, events: usize) {
        self.latency_us.saturating_record(latency_us.max(1));
        self.appends += 1;
        self.events += events as u64;
    }

    fn record_error(&mut self, status: &Status) {
        self.errors
            .entry(code_name(status.code()))
            .and_modify(|tally| tally.count += 1)
            .or_insert_with(|| ErrorTally { count: 1, first_message: status.message().to_owned() });
    }

    fn merge(&mut self, other: ClientStats) -> Result<(), AdditionError> {
        self.latency_us.add(&other.latency_us)?;
        self.appends += other.appends;
        self.events += other.events;
        for (code, tally) in other.errors {
            self.errors.entry(code).and_modify(|mine| mine.count += tally.count).or_insert(tally);
        }
        Ok(())
    }

    fn error_count(&self) -> u64 {
        self.errors.values().map(|tally| tally.count).sum()
    }
}

/// Why a run in which no append succeeded failed.
fn no_success_message(server: &str, stats: &ClientStats) -> String {
    match stats.errors.iter().max_by_key(|(_, tally)| tally.count) {
        Some((code, tally)) => format!(
            "every append to {server} failed ({} errors: {}); first {code} error: {}",
            stats.error_count(),
            errors_summary(&stats.errors),
            tally.first_message
        ),
        None => format!("no append to {server} completed within the measured window: the server did not answer"),
    }
}

/// `ABORTED 3, UNAVAILABLE 1`.
fn errors_summary(errors: &BTreeMap<&'static str, ErrorTally>) -> String {
    errors.iter().map(|(code, tally)| format!("{code} {}", tally.count)).collect::<Vec<_>>().join(", ")
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct LatencyMs {
    p50: f64,
    p95: f64,
    p99: f64,
    max: f64,
    mean: f64,
}

impl LatencyMs {
    /// Summarises a histogram of microseconds.
    fn from_micros(histogram: &Histogram<u64>) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            p50: ms(histogram.value_at_quantile(0.50)),
            p95: ms(histogram.value_at_quantile(0.95)),
            p99: ms(histogram.value_at_quantile(0.99)),
            max: ms(histogram.max()),
            // Rounded to whole microseconds, like the other figures.
            mean: histogram.mean().round() / 1000.0,
        }
    }

    /// `p50 0.512  p95 1.204  p99 2.048  max 9.871  mean 0.601`.
    fn human(&self) -> String {
        format!(
            "p50 {:.3}  p95 {:.3}  p99 {:.3}  max {:.3}  mean {:.3}",
            self.p50, self.p95, self.p99, self.max, self.mean
        )
    }
}

/// Results of a run, as printed by `--json`.
#[derive(Debug, Serialize)]
struct Report {
    server: String,
    expected_revision: &'static str,
    schema: &'static str,
    concurrency: usize,
    connections: usize,
    streams: usize,
    batch_size: usize,
    event_size: usize,
    /// Length of the measured window, in seconds.
    duration_s: f64,
    events: u64,
    appends: u64,
    errors: u64,
    errors_by_code: BTreeMap<&'static str, u64>,
    events_per_sec: f64,
    appends_per_sec: f64,
    latency_ms: LatencyMs,
}

impl Report {
    fn new(args: &AppendBenchArgs, connections: usize, measured: Duration, stats: &ClientStats) -> Self {
        let seconds = measured.as_secs_f64();
        let rate = |count: u64| {
            if seconds > 0.0 { (count as f64 / seconds * 10.0).round() / 10.0 } else { 0.0 }
        };
        Self {
            server: args.server.clone(),
            expected_revision: args.expected_revision.as_str(),
            schema: args.schema.as_str(),
            concurrency: args.concurrency,
            connections,
            streams: args.streams,
            batch_size: args.batch_size,
            event_size: args.event_size,
            duration_s: seconds,
            events: stats.events,
            appends: stats.appends,
            errors: stats.error_count(),
            errors_by_code: stats.errors.iter().map(|(code, tally)| (*code, tally.count)).collect(),
            events_per_sec: rate(stats.events),
            appends_per_sec: rate(stats.appends),
            latency_ms: LatencyMs::from_micros(&stats.latency_us),
        }
    }

    /// The human-readable report.
    fn human(&self) -> String {
        let errors = if self.errors == 0 {
            "0".to_owned()
        } else {
            let by_code = self
                .errors_by_code
                .iter()
                .map(|(code, count)| format!("{code} {count}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!("{} ({by_code})", self.errors)
        };
        format!(
            "  measured {:.1}s: {} appends, {} events\n  \
             throughput: {:.0} events/s, {:.0} appends/s\n  \
             latency ms: {}\n  \
             errors:     {errors}\n",
            self.duration_s,
            self.appends,
            self.events,
            self.events_per_sec,
            self.appends_per_sec,
            self.latency_ms.human(),
        )
    }
}

/// Parses a count of at least one.
fn parse_positive(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// Parses an event size of at least [`payload::MIN_SIZE`] bytes.
fn parse_event_size(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n < payload::MIN_SIZE => {
            Err(format!("must be at least {} bytes, the size of an order with one line", payload::MIN_SIZE))
        }
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Parser, ValueEnum};

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: AppendBenchArgs,
    }

    fn parse(argv: &[&str]) -> Result<AppendBenchArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("bench").chain(argv.iter().copied())).map(|cli| cli.args)
    }

    #[test]
    fn defaults() {
        let args = parse(&[]).expect("defaults parse");
        assert_eq!(args.server, "http://127.0.0.1:50051");
        assert_eq!(args.concurrency, 64);
        assert_eq!(args.streams, 1000);
        assert_eq!(args.batch_size, 1);
        assert_eq!(args.event_size, 256);
        assert_eq!(args.duration, Duration::from_secs(10));
        assert_eq!(args.warmup, Duration::from_secs(2));
        assert_eq!(args.expected_revision, ExpectedRevisionMode::Any);
        assert_eq!(args.effective_connections(), 8);
        assert!(!args.json);
        args.validate().expect("defaults are valid");
    }

    #[test]
    fn connections_default_to_concurrency_when_smaller() {
        let args = parse(&["--concurrency", "3"]).expect("parses");
        assert_eq!(args.effective_connections(), 3);
        let args = parse(&["--concurrency", "3", "--connections", "10"]).expect("parses");
        assert_eq!(args.effective_connections(), 3);
        let args = parse(&["--connections", "2"]).expect("parses");
        assert_eq!(args.effective_connections(), 2);
    }

    #[test]
    fn parses_expected_revision_mode() {
        assert_eq!(ExpectedRevisionMode::from_str("any", false), Ok(ExpectedRevisionMode::Any));
        assert_eq!(ExpectedRevisionMode::from_str("exact", false), Ok(ExpectedRevisionMode::Exact));
        assert!(ExpectedRevisionMode::from_str("strict", false).is_err());

        let args = parse(&["--expected-revision", "exact", "--duration", "1m", "--warmup", "500ms"]).expect("parses");
        assert_eq!(args.expected_revision, ExpectedRevisionMode::Exact);
        assert_eq!(args.duration, Duration::from_secs(60));
        assert_eq!(args.warmup, Duration::from_millis(500));
        assert!(parse(&["--expected-revision", "none"]).is_err());
    }

    #[test]
    fn rejects_bad_values() {
        assert!(parse(&["--concurrency", "0"]).is_err());
        assert!(parse(&["--event-size", "7"]).is_err());
        assert!(parse(&["--duration", "ten"]).is_err());
        let zero = parse(&["--duration", "0s"]).expect("parses");
        assert!(zero.validate().is_err());
        let too_few = parse(&["--expected-revision", "exact", "--streams", "10"]).expect("parses");
        assert!(too_few.validate().is_err());
    }

    #[test]
    fn exact_mode_expectations() {
        assert_eq!(StreamState::New.expected(), Some(Kind::NoStream(())));
        assert_eq!(StreamState::At(4).expected(), Some(Kind::Exact(4)));
        assert_eq!(StreamState::Unknown.expected(), None);
    }

    #[test]
    fn merges_histograms_and_formats_percentiles() {
        let mut fast = ClientStats::new().expect("histogram");
        let mut slow = ClientStats::new().expect("histogram");
        for _ in 0..50 {
            fast.record_success(500, 2);
            slow.record_success(1500, 2);
        }
        slow.record_error(&Status::aborted("wrong expected version"));
        slow.record_error(&Status::aborted("again"));
        fast.record_error(&Status::unavailable("down"));

        fast.merge(slow).expect("same bounds");
        assert_eq!(fast.appends, 100);
        assert_eq!(fast.events, 200);
        assert_eq!(fast.error_count(), 3);
        assert_eq!(fast.errors["ABORTED"].count, 2);
        assert_eq!(fast.errors["ABORTED"].first_message, "wrong expected version");
        assert_eq!(errors_summary(&fast.errors), "ABORTED 2, UNAVAILABLE 1");

        let latency = LatencyMs::from_micros(&fast.latency_us);
        assert_eq!(latency, LatencyMs { p50: 0.5, p95: 1.5, p99: 1.5, max: 1.5, mean: 1.0 });
        assert_eq!(latency.human(), "p50 0.500  p95 1.500  p99 1.500  max 1.500  mean 1.000");
    }

    #[test]
    fn report_json_has_the_documented_fields() {
        let args = parse(&["--batch-size", "2"]).expect("parses");
        let mut stats = ClientStats::new().expect("histogram");
        for _ in 0..30 {
            stats.record_success(1000, 2);
        }
        let report = Report::new(&args, 8, Duration::from_secs(3), &stats);
        let json = serde_json::to_value(&report).expect("serializes");
        for field in [
            "server",
            "concurrency",
            "streams",
            "batch_size",
            "event_size",
            "duration_s",
            "events",
            "appends",
            "errors",
            "events_per_sec",
            "appends_per_sec",
        ] {
            assert!(json.get(field).is_some(), "missing {field}");
        }
        for field in ["p50", "p95", "p99", "max", "mean"] {
            assert!(json["latency_ms"].get(field).is_some(), "missing latency_ms.{field}");
        }
        assert_eq!(json["events_per_sec"], 20.0);
        assert_eq!(json["appends_per_sec"], 10.0);
        assert_eq!(json["latency_ms"]["p50"], 1.0);
    }

    #[test]
    fn explains_runs_without_success() {
        let mut stats = ClientStats::new().expect("histogram");
        stats.record_error(&Status::unimplemented("unknown service nexus.v1.EventStoreService"));
        let message = no_success_message("http://x", &stats);
        assert!(message.contains("every append to http://x failed"), "{message}");
        assert!(message.contains("UNIMPLEMENTED"), "{message}");
        let silent = no_success_message("http://x", &ClientStats::new().expect("histogram"));
        assert!(silent.contains("did not answer"), "{silent}");
    }
}

/// Delivery latency: from each acknowledgement to the receipt of the same
/// key (0 when the receipt came first); keys without a receipt are missing.
#[derive(Debug, serde::Serialize)]
pub(crate) struct Latency {
    pub samples: u64,
    pub missing: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

pub(crate) fn latency<K: Eq + std::hash::Hash>(
    acks: &std::collections::HashMap<K, tokio::time::Instant>,
    receipts: &std::collections::HashMap<K, tokio::time::Instant>,
) -> Latency {
    let mut histogram = match hdrhistogram::Histogram::<u64>::new_with_bounds(1, 60_000_000, 3) {
        Ok(h) => h,
        Err(_) => return Latency { samples: 0, missing: 0, p50_ms: 0.0, p99_ms: 0.0, max_ms: 0.0 },
    };
    let mut missing = 0;
    for (key, acked) in acks {
        match receipts.get(key) {
            Some(received) => {
                let micros = received.saturating_duration_since(*acked).as_micros();
                let _ = histogram.record(u64::try_from(micros).unwrap_or(u64::MAX).max(1));
            }
            None => missing += 1,
        }
    }
    let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    Latency {
        samples: histogram.len(),
        missing,
        p50_ms: ms(0.5),
        p99_ms: ms(0.99),
        max_ms: histogram.max() as f64 / 1000.0,
    }
}
