//! Every metric Nexus records, in one place: their OpenTelemetry names,
//! units and attributes (the Prometheus names follow: dots become
//! underscores, the unit is appended, counters end in `_total`).
//!
//! The instruments come from the global meter provider, which
//! `telemetry::init` installs before the server starts; without one (unit
//! tests, `nexus bench`) they record nothing and cost next to nothing.
//! docs/OBSERVABILITY.md lists them for operators.

use std::sync::OnceLock;

use opentelemetry::{
    KeyValue,
    metrics::{Counter, Gauge, Histogram, Meter, UpDownCounter},
};

/// The instrumentation scope of every Nexus metric.
pub const SCOPE: &str = "nexus";

/// Latency buckets in seconds, from 0.1 ms to 10 s: a durable append takes
/// about a millisecond, a command a few, a slow backend seconds.
const SECONDS: [f64; 17] =
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Appends sharing one group commit: 1 to 1024, powers of two.
const BATCH: [f64; 11] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0];

/// The instruments.
pub struct Metrics {
    /// `rpc.server.call.duration` (s): every gRPC call, by `rpc.system`,
    /// `rpc.service`, `rpc.method` and `rpc.grpc.status_code` (OpenTelemetry
    /// RPC semantic conventions).
    pub rpc_duration: Histogram<f64>,
    /// `nexus.command.duration` (s): by `aggregate_type`, `command`, `outcome`.
    pub command_duration: Histogram<f64>,
    /// `nexus.event_store.appends`: appends (one per stream write), by `outcome`.
    pub appends: Counter<u64>,
    /// `nexus.event_store.events`: events durably appended.
    pub events: Counter<u64>,
    /// `nexus.event_store.errors`: failed store calls, by `kind`
    /// (`error`, `throttled`, `unavailable`).
    pub store_errors: Counter<u64>,
    /// `nexus.event_store.commit.batch_size`: appends that shared one commit
    /// (and one fsync) in the embedded store's group commit.
    pub commit_batch: Histogram<u64>,
    /// `nexus.router.events`: events handed to a path, by `path`
    /// (`stream`, `queue`).
    pub routed: Counter<u64>,
    /// `nexus.projection.lag.events`: events not yet applied, by `projection`.
    pub projection_lag_events: Gauge<u64>,
    /// `nexus.projection.lag` (s): age of the oldest event not yet applied
    /// (0 when caught up), by `projection`.
    pub projection_lag: Gauge<f64>,
    /// `nexus.queue.dlq.depth`: dead letters, by `consumer`.
    pub dlq_depth: Gauge<u64>,
    /// `nexus.queue.dlq.oldest_age` (s): age of the oldest dead letter, by `consumer`.
    pub dlq_oldest_age: Gauge<f64>,
    /// `nexus.snapshots`: snapshots taken, by `aggregate_type` and
    /// `outcome` (`created`, `failed`).
    pub snapshots: Counter<u64>,
    /// `nexus.snapshot.duration` (s): fold + write of one snapshot, by `aggregate_type`.
    pub snapshot_duration: Histogram<f64>,
    /// `nexus.schema.validation.failures`: events refused by their schema, by `subject`.
    pub schema_failures: Counter<u64>,
    /// `nexus.policy.denials`: requests or events a policy denied, by
    /// `policy` and `rule`.
    pub policy_denials: Counter<u64>,
    /// `nexus.sagas`: sagas in progress, by `status` (`running`,
    /// `compensating`); sampled from the saga store.
    pub sagas: Gauge<u64>,
    /// `nexus.sagas.finished`: sagas that reached a final status, by
    /// `status` (`completed`, `compensated`, `cancelled`, `failed`).
    pub sagas_finished: Counter<u64>,
    /// `nexus.subscriptions.open`: open streams to clients, by `kind`
    /// (`subscribe`, `watch`).
    pub subscriptions_open: UpDownCounter<i64>,
    /// `nexus.requests.rejected`: requests refused before any work, by
    /// `reason` (`rate_limited`, `overloaded`, `too_large`).
    pub rejected: Counter<u64>,
}

impl Metrics {
    fn new(meter: &Meter) -> Self {
        Self {
            rpc_duration: meter
                .f64_histogram("rpc.server.call.duration")
                .with_unit("s")
                .with_description("Duration of gRPC calls handled by the server")
                .with_boundaries(SECONDS.to_vec())
                .build(),
            command_duration: meter
                .f64_histogram("nexus.command.duration")
                .with_unit("s")
                .with_description("Commands: load, decide, govern and append, by aggregate type, command and outcome")
                .with_boundaries(SECONDS.to_vec())
                .build(),
            appends: meter
                .u64_counter("nexus.event_store.appends")
                .with_description("Appends to the event store, by outcome")
                .build(),
            events: meter
                .u64_counter("nexus.event_store.events")
                .with_description("Events durably appended to the event store")
                .build(),
            store_errors: meter
                .u64_counter("nexus.event_store.errors")
                .with_description("Event store calls that failed, by kind (error, throttled, unavailable)")
                .build(),
            commit_batch: meter
                .u64_histogram("nexus.event_store.commit.batch_size")
                .with_description("Appends sharing one group commit (one fsync) in the embedded store")
                .with_boundaries(BATCH.to_vec())
                .build(),
            routed: meter
                .u64_counter("nexus.router.events")
                .with_description("Stored events handed to a delivery path (stream or queue)")
                .build(),
            projection_lag_events: meter
                .u64_gauge("nexus.projection.lag.events")
                .with_description("Events stored but not yet applied by a projection")
                .build(),
            projection_lag: meter
                .f64_gauge("nexus.projection.lag")
                .with_unit("s")
                .with_description("Age of the oldest event a projection has not applied yet (0 when caught up)")
                .build(),
            dlq_depth: meter
                .u64_gauge("nexus.queue.dlq.depth")
                .with_description("Messages in a consumer's dead-letter queue")
                .build(),
            dlq_oldest_age: meter
                .f64_gauge("nexus.queue.dlq.oldest_age")
                .with_unit("s")
                .with_description("Age of the oldest message in a consumer's dead-letter queue (0 when empty)")
                .build(),
            snapshots: meter
                .u64_counter("nexus.snapshots")
                .with_description("Snapshots taken, by aggregate type and outcome (created, failed)")
                .build(),
            snapshot_duration: meter
                .f64_histogram("nexus.snapshot.duration")
                .with_unit("s")
                .with_description("Time to fold and store one snapshot")
                .with_boundaries(SECONDS.to_vec())
                .build(),
            schema_failures: meter
                .u64_counter("nexus.schema.validation.failures")
                .with_description("Events refused because their payload does not match the subject's schema")
                .build(),
            policy_denials: meter
                .u64_counter("nexus.policy.denials")
                .with_description("Decisions a Rego policy denied, by policy and rule")
                .build(),
            sagas: meter.u64_gauge("nexus.sagas").with_description("Sagas in progress, by status").build(),
            sagas_finished: meter
                .u64_counter("nexus.sagas.finished")
                .with_description("Sagas that reached a final status, by status")
                .build(),
            subscriptions_open: meter
                .i64_up_down_counter("nexus.subscriptions.open")
                .with_description("Open subscription (subscribe) and watch streams")
                .build(),
            rejected: meter
                .u64_counter("nexus.requests.rejected")
                .with_description("Requests refused before any work: rate_limited, overloaded, too_large")
                .build(),
        }
    }

    /// Records a command's outcome and duration.
    pub fn command(&self, aggregate_type: &str, command: &str, outcome: &'static str, seconds: f64) {
        self.command_duration.record(
            seconds,
            &[
                KeyValue::new("aggregate_type", aggregate_type.to_string()),
                KeyValue::new("command", command.to_string()),
                KeyValue::new("outcome", outcome),
            ],
        );
    }

    /// Counts a refused request.
    pub fn reject(&self, reason: &'static str) {
        self.rejected.add(1, &[KeyValue::new("reason", reason)]);
    }
}

/// The instruments, built from the global meter provider on first use.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| Metrics::new(&opentelemetry::global::meter(SCOPE)))
}

/// An open client stream counted in `nexus.subscriptions.open` until dropped.
pub struct OpenStream {
    kind: &'static str,
}

impl OpenStream {
    /// Counts one more open stream of `kind` (`subscribe` or `watch`).
    pub fn open(kind: &'static str) -> Self {
        metrics().subscriptions_open.add(1, &[KeyValue::new("kind", kind)]);
        Self { kind }
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        metrics().subscriptions_open.add(-1, &[KeyValue::new("kind", self.kind)]);
    }
}
