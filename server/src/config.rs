//! Server configuration: defaults → `nexus.toml` → `NEXUS_*` environment
//! variables (`__` separates nested keys) → command-line flags, then one
//! [`Config::validate`].

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

use crate::{
    adapters::sqlite::SqliteEventStoreConfig,
    core::{schema::Compatibility, snapshot::SnapshotPolicy},
};

/// Everything `nexus serve` can be told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address of the gRPC listener. Loopback by default.
    pub listen: SocketAddr,
    /// Directory holding the embedded backends' files.
    pub data_dir: PathBuf,
    /// Logging.
    pub log: LogConfig,
    /// Which event store to use, and its settings.
    pub event_store: EventStoreConfig,
    /// The command pipeline.
    pub commands: CommandsConfig,
    /// Request limits.
    pub limits: LimitsConfig,
    /// Schema governance.
    pub schemas: SchemasConfig,
    /// Rego policies (authorization of every RPC, rules on every event).
    pub policies: PoliciesConfig,
    /// How long a graceful shutdown waits for in-flight requests.
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
    /// Who may call: authentication of every request (see docs/SECURITY.md).
    pub auth: AuthConfig,
    /// TLS on the gRPC listener; off unless a certificate is given.
    pub tls: TlsConfig,
    /// gRPC-Web on the same listener, for browsers, and which origins may
    /// call it (CORS).
    pub grpc_web: GrpcWebConfig,
    /// The read side: projections and the two event paths.
    pub projections: ProjectionsConfig,
    /// Snapshots of aggregates (see docs/SNAPSHOTS.md).
    pub snapshots: SnapshotsConfig,
    /// Temporal queries and their rate limits (see docs/TEMPORAL.md).
    pub temporal: TemporalConfig,
    /// Sagas: durable multi-step workflows (see docs/SAGAS.md).
    pub sagas: SagasConfig,
    /// Which backend carries the stream path (core events).
    pub stream_bus: StreamBusConfig,
    /// Which backend carries the queue path (secondary events).
    pub queue_bus: QueueBusConfig,
    /// Where checkpoints and leases live.
    pub coordination: CoordinationConfig,
    /// AWS access, for every port whose backend is an AWS service (see docs/AWS.md).
    pub aws: AwsConfig,
    /// The OpenSearch cluster, when `projections.backend` is `opensearch`
    /// (see docs/OPENSEARCH.md).
    pub opensearch: OpenSearchConfig,
    /// Traces and metrics over OTLP (see docs/OBSERVABILITY.md).
    pub telemetry: TelemetryConfig,
    /// The admin HTTP listener: Prometheus metrics and a liveness probe.
    pub admin: AdminConfig,
    /// Overload protection of the gRPC listener: concurrency limit, load
    /// shedding, per-principal rate limits.
    pub overload: OverloadConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            data_dir: PathBuf::from("nexus-data"),
            log: LogConfig::default(),
            event_store: EventStoreConfig::default(),
            commands: CommandsConfig::default(),
            limits: LimitsConfig::default(),
            schemas: SchemasConfig::default(),
            policies: PoliciesConfig::default(),
            shutdown_grace: Duration::from_secs(10),
            auth: AuthConfig::default(),
            tls: TlsConfig::default(),
            grpc_web: GrpcWebConfig::default(),
            projections: ProjectionsConfig::default(),
            snapshots: SnapshotsConfig::default(),
            temporal: TemporalConfig::default(),
            sagas: SagasConfig::default(),
            stream_bus: StreamBusConfig::default(),
            queue_bus: QueueBusConfig::default(),
            coordination: CoordinationConfig::default(),
            aws: AwsConfig::default(),
            opensearch: OpenSearchConfig::default(),
            telemetry: TelemetryConfig::default(),
            admin: AdminConfig::default(),
            overload: OverloadConfig::default(),
        }
    }
}

/// Traces and metrics over OTLP/gRPC. The standard `OTEL_*` variables
/// apply (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_SERVICE_NAME`,
/// `OTEL_TRACES_SAMPLER`, `OTEL_METRIC_EXPORT_INTERVAL`, ...); these keys
/// are for a configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetryConfig {
    /// The OTLP/gRPC collector, e.g. `http://127.0.0.1:4317`. Unset (and no
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`): nothing is exported over OTLP; the
    /// Prometheus endpoint still serves metrics.
    pub otlp_endpoint: Option<String>,
    /// Which spans are exported, as a tracing filter. The default takes
    /// the calls' spans (INFO) and the consumers' per-event spans (DEBUG:
    /// routing, projection apply, watch push, saga steps); `info` leaves
    /// the per-event ones out. Log events reach traces at WARN and above.
    pub trace_filter: String,
    /// Share of new traces sampled, 0.0 to 1.0, when `OTEL_TRACES_SAMPLER`
    /// is not set; a caller's sampling decision (traceparent) is followed.
    pub sample_ratio: f64,
    /// How often metrics are pushed over OTLP (when `OTEL_METRIC_EXPORT_INTERVAL` is not set).
    #[serde(with = "humantime_serde")]
    pub metrics_interval: Duration,
    /// How often gauges that need a query (projection lag, dead letters,
    /// sagas by status) are sampled.
    #[serde(with = "humantime_serde")]
    pub gauge_interval: Duration,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            trace_filter: "nexus_server=debug,info".into(),
            sample_ratio: 1.0,
            metrics_interval: Duration::from_secs(60),
            gauge_interval: Duration::from_secs(5),
        }
    }
}

/// The admin HTTP listener (`GET /metrics`, `GET /healthz`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    pub enabled: bool,
    /// Loopback by default: metrics are for the machine's scraper, not the world.
    pub listen: SocketAddr,
}

impl Default for AdminConfig {
    fn default() -> Self {
        Self { enabled: true, listen: SocketAddr::from(([127, 0, 0, 1], 9464)) }
    }
}

/// Overload protection (see docs/OPERATIONS.md#overload). Health checks
/// are never limited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OverloadConfig {
    /// Calls in progress at once, across all connections; 0 = no limit.
    pub max_concurrent_requests: usize,
    /// Calls that may wait for a free slot; beyond that they are shed at
    /// once with UNAVAILABLE and RetryInfo.
    pub max_queued_requests: usize,
    /// How long a call waits for a slot (never beyond its own deadline)
    /// before it is shed.
    #[serde(with = "humantime_serde")]
    pub max_queue_wait: Duration,
    /// Calls per minute per principal; 0 = no limit. Over it:
    /// RESOURCE_EXHAUSTED with RetryInfo.
    pub per_principal_per_minute: u32,
    /// Overrides of `per_principal_per_minute` per role (the most generous
    /// of a principal's roles applies).
    pub roles: std::collections::BTreeMap<String, u32>,
}

impl Default for OverloadConfig {
    fn default() -> Self {
        Self {
            max_concurrent_requests: 512,
            max_queued_requests: 1024,
            max_queue_wait: Duration::from_millis(250),
            per_principal_per_minute: 0,
            roles: std::collections::BTreeMap::new(),
        }
    }
}

/// The stream path's backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StreamBusConfig {
    pub backend: StreamBusBackend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamBusBackend {
    /// An in-process tail of the event store's log.
    #[default]
    Embedded,
    /// A Kinesis data stream (`aws.resources.kinesis_stream`), partition key = stream id.
    Kinesis,
}

/// The queue path's backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueBusConfig {
    pub backend: QueueBusBackend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueBusBackend {
    /// SQLite queues in `data_dir`.
    #[default]
    Embedded,
    /// An SNS topic (`aws.resources.topic`) with one SQS queue and DLQ per consumer.
    Sqs,
}

/// Checkpoints (router, consumers) and leases (who runs the router, sagas
/// and sweeps when several replicas share a backend).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CoordinationConfig {
    pub backend: CoordinationBackend,
    /// A lease whose holder has not renewed it for this long is taken by
    /// another replica; takeover after a crash takes up to 4/3 of it.
    #[serde(with = "humantime_serde")]
    pub lease_ttl: Duration,
}

impl Default for CoordinationConfig {
    fn default() -> Self {
        Self { backend: CoordinationBackend::default(), lease_ttl: Duration::from_secs(6) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoordinationBackend {
    /// SQLite in `data_dir`; one server.
    #[default]
    Embedded,
    /// The DynamoDB table `aws.resources.coordination_table`; any number of replicas.
    Dynamodb,
}

/// AWS access. Credentials come from the standard chain (environment,
/// shared profile, web identity, ECS, instance metadata), never from here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AwsConfig {
    pub region: String,
    /// One endpoint for every service (an emulator such as moto); the
    /// standard `AWS_ENDPOINT_URL` variable works too.
    pub endpoint_url: Option<String>,
    /// Per-service endpoints, winning over `endpoint_url`.
    pub endpoints: AwsEndpoints,
    /// Longest wait for one attempt of one AWS request.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// The names of the resources Nexus uses (create them with
    /// `nexus aws provision` or the CloudFormation template).
    pub resources: AwsResources,
}

impl Default for AwsConfig {
    fn default() -> Self {
        Self {
            region: "us-east-1".into(),
            endpoint_url: None,
            endpoints: AwsEndpoints::default(),
            request_timeout: Duration::from_secs(5),
            resources: AwsResources::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AwsEndpoints {
    pub dynamodb: Option<String>,
    pub dynamodb_streams: Option<String>,
    pub kinesis: Option<String>,
    pub sns: Option<String>,
    pub sqs: Option<String>,
    pub glue: Option<String>,
}

/// Resource names, with their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AwsResources {
    /// Events, stream heads and idempotency records; DynamoDB Streams on
    /// (NEW_IMAGE) as the change feed.
    pub events_table: String,
    /// Checkpoints and leases.
    pub coordination_table: String,
    /// The stream path.
    pub kinesis_stream: String,
    /// The queue path's SNS topic: a FIFO topic (its name ends in `.fifo`),
    /// so that republishing an event id within SQS's deduplication window
    /// enqueues nothing.
    pub topic: String,
    /// Prefix of every consumer's FIFO queue (`<prefix><consumer>.fifo`)
    /// and DLQ (`<prefix><consumer>-dlq.fifo`); a consumer name that SQS
    /// cannot take as it is (a `.`, or too long) is shortened and suffixed
    /// with a hash of the name.
    pub queue_prefix: String,
    /// Snapshots (`[snapshots] backend = "dynamodb"`), with TTL on
    /// `expires_at`.
    pub snapshots_table: String,
    /// Sagas, their transitions and definitions (`[sagas] backend =
    /// "dynamodb"`).
    pub sagas_table: String,
    /// The Glue Schema Registry registry holding this deployment's schemas
    /// (`[schemas] backend = "glue"`): one Glue schema per subject. Its index
    /// (subjects, version numbers, status) lives in `coordination_table`.
    pub schema_registry: String,
    /// Prepended to every Glue schema name, so that several deployments can
    /// share one registry (Glue limits registries per account). Letters,
    /// digits and `-_$#.` only.
    pub schema_name_prefix: String,
}

impl Default for AwsResources {
    fn default() -> Self {
        Self {
            events_table: "nexus-events".into(),
            coordination_table: "nexus-coordination".into(),
            kinesis_stream: "nexus-core-events".into(),
            topic: "nexus-secondary-events.fifo".into(),
            queue_prefix: "nexus-".into(),
            snapshots_table: "nexus-snapshots".into(),
            sagas_table: "nexus-sagas".into(),
            schema_registry: "nexus".into(),
            schema_name_prefix: String::new(),
        }
    }
}

/// Sagas (see docs/SAGAS.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SagasConfig {
    /// Where sagas, their history and the definitions registered through
    /// the API are kept.
    pub backend: SagasBackend,
    /// Saga definitions (`*.toml`) loaded at start. A missing folder is
    /// skipped with a warning; a definition that does not parse or check
    /// stops the server from starting.
    pub dir: Option<PathBuf>,
    /// An active saga no replica has moved for this long is driven by the
    /// replica that holds the saga-triggers lease (its own replica died).
    /// Longer than a step's timeout plus its retries keeps this rare while
    /// the first driver lives; a second driver is safe either way.
    #[serde(with = "humantime_serde")]
    pub adopt_after: Duration,
}

impl Default for SagasConfig {
    fn default() -> Self {
        Self {
            backend: SagasBackend::default(),
            dir: Some(PathBuf::from("sagas")),
            adopt_after: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SagasBackend {
    /// SQLite in `<data_dir>/sagas.db`; one server.
    #[default]
    Embedded,
    /// The DynamoDB table `aws.resources.sagas_table`; any number of
    /// replicas (transitions are conditional writes on the saga's version).
    Dynamodb,
}

/// Log output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `text` for people, `json` for log pipelines.
    pub format: LogFormat,
    /// A tracing filter such as `info` or `nexus_server=debug,info`;
    /// `RUST_LOG` wins when set.
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { format: LogFormat::Text, filter: "info".into() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

/// The event store: which backend, and each backend's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventStoreConfig {
    pub backend: EventStoreBackend,
    /// Embedded: when an acknowledged append is on disk (`full`: fsync'd).
    pub durability: crate::adapters::sqlite::Durability,
    /// Embedded: most events committed together (group commit).
    pub max_batch_events: usize,
    /// Embedded: appends queued for the writer before callers wait.
    pub queue_capacity: usize,
    /// DynamoDB settings (`[event_store.dynamodb]`).
    pub dynamodb: DynamoEventStoreConfig,
}

impl Default for EventStoreConfig {
    fn default() -> Self {
        let embedded = SqliteEventStoreConfig::default();
        Self {
            backend: EventStoreBackend::default(),
            durability: embedded.durability,
            max_batch_events: embedded.max_batch_events,
            queue_capacity: embedded.queue_capacity,
            dynamodb: DynamoEventStoreConfig::default(),
        }
    }
}

impl EventStoreConfig {
    /// The embedded store's settings.
    pub fn embedded(&self) -> SqliteEventStoreConfig {
        SqliteEventStoreConfig {
            durability: self.durability,
            max_batch_events: self.max_batch_events,
            queue_capacity: self.queue_capacity,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStoreBackend {
    /// SQLite in `data_dir` (the default).
    #[default]
    Embedded,
    /// DynamoDB (`aws.resources.events_table`) with DynamoDB Streams as
    /// the change feed; see docs/AWS.md.
    Dynamodb,
}

/// Settings of the DynamoDB event store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DynamoEventStoreConfig {
    /// How often each replica polls the table's stream for appends made
    /// elsewhere (to wake its subscribers).
    #[serde(with = "humantime_serde")]
    pub poll_interval: Duration,
}

impl Default for DynamoEventStoreConfig {
    fn default() -> Self {
        Self { poll_interval: Duration::from_millis(200) }
    }
}

/// The command pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommandsConfig {
    /// Re-decisions after a concurrent write before a command gives up.
    pub max_conflict_retries: u32,
    /// Serve the example bank-account domain (aggregate type `account`).
    pub example_domain: bool,
    /// Remote command handlers (HandlerService): how long one instance may
    /// take to decide before the command goes to another instance.
    #[serde(with = "humantime_serde")]
    pub remote_decide_timeout: Duration,
    /// How often a remote handler instance must be heard from; one silent
    /// for three intervals is dropped and its commands go elsewhere.
    #[serde(with = "humantime_serde")]
    pub remote_heartbeat_interval: Duration,
    /// Instances a command is offered to before it fails UNAVAILABLE.
    pub remote_max_attempts: u32,
}

impl Default for CommandsConfig {
    fn default() -> Self {
        Self {
            max_conflict_retries: 8,
            example_domain: true,
            remote_decide_timeout: Duration::from_secs(5),
            remote_heartbeat_interval: Duration::from_secs(5),
            remote_max_attempts: 3,
        }
    }
}

/// Schema governance: the registry and how events are checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchemasConfig {
    /// Where subjects and versions are kept.
    pub backend: SchemasBackend,
    /// The schema catalog (one folder per event type) registered at start.
    /// A missing folder is skipped with a warning; an incompatible change in
    /// it stops the server from starting.
    pub dir: Option<PathBuf>,
    /// Store events whose type has no registered schema, unchecked. Off by
    /// default: every event must match a registered schema.
    pub allow_unregistered: bool,
    /// The compatibility mode of subjects that set none (until changed
    /// through SchemaService.SetCompatibility).
    pub default_compatibility: Compatibility,
    /// How long subject settings are cached before they are read again
    /// (changes made through this server apply at once).
    #[serde(with = "humantime_serde")]
    pub cache_ttl: Duration,
}

impl Default for SchemasConfig {
    fn default() -> Self {
        Self {
            backend: SchemasBackend::default(),
            dir: Some(PathBuf::from("schemas")),
            allow_unregistered: false,
            default_compatibility: Compatibility::Backward,
            cache_ttl: Duration::from_secs(5),
        }
    }
}

/// The schema registry's backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchemasBackend {
    /// SQLite in `<data_dir>/registry.db`; per replica.
    #[default]
    Embedded,
    /// AWS Glue Schema Registry (`aws.resources.schema_registry`), indexed
    /// and sequenced in the DynamoDB table `aws.resources.coordination_table`;
    /// shared by every replica (see docs/AWS.md, "Schemas on Glue").
    Glue,
}

/// Rego policies, evaluated in-process (see docs/POLICIES.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PoliciesConfig {
    /// The policy directory, relative to the working directory: every
    /// `*.rego` in it (tests excluded) and every `*.json` data file, loaded at
    /// start. A policy that does not parse stops the server from starting.
    pub dir: PathBuf,
    /// Reload when the files change (checked every second). A broken change
    /// is logged and the previous policies stay active.
    pub watch: bool,
}

impl Default for PoliciesConfig {
    fn default() -> Self {
        Self { dir: PathBuf::from("policies"), watch: true }
    }
}

/// The read side (see docs/PROJECTIONS.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProjectionsConfig {
    /// Where projected documents, checkpoints and change logs live.
    pub backend: ProjectionsBackend,
    /// Projection definitions (`*.toml`) started with the server. A missing
    /// folder is skipped with a warning; a definition that does not compile
    /// stops the server from starting.
    pub dir: Option<PathBuf>,
    /// Events of the stream path kept in memory for subscribers that keep
    /// up; those that fall further behind read from the event store.
    pub stream_window: usize,
    /// Changes kept per projection for watchers resuming after a disconnect
    /// and for documents as of a position (older ones are computed by replay).
    pub change_log: u64,
}

impl Default for ProjectionsConfig {
    fn default() -> Self {
        Self {
            backend: ProjectionsBackend::default(),
            dir: Some(PathBuf::from("projections")),
            stream_window: 16_384,
            change_log: 100_000,
        }
    }
}

/// The read store's backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectionsBackend {
    /// SQLite with FTS5 in `data_dir/read.db`.
    #[default]
    Embedded,
    /// An OpenSearch cluster (`[opensearch]`); one writer per index, see
    /// docs/OPENSEARCH.md.
    Opensearch,
}

/// `[opensearch]`: the cluster holding the read models when
/// `projections.backend = "opensearch"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpenSearchConfig {
    /// The cluster's URL (`https://…` for TLS), for example an Amazon
    /// OpenSearch Service domain endpoint or a local `osmem-server`.
    pub url: String,
    /// Prepended to every index and alias Nexus creates, so that several
    /// deployments can share a cluster. Lowercase letters, digits, `-`,
    /// `_` and `.`, not starting with `-` or `_`.
    pub index_prefix: String,
    /// Longest wait for one request.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
}

impl Default for OpenSearchConfig {
    fn default() -> Self {
        Self {
            url: "http://127.0.0.1:9200".into(),
            index_prefix: "nexus-".into(),
            request_timeout: Duration::from_secs(30),
        }
    }
}

impl OpenSearchConfig {
    /// Checks what can be checked without the cluster.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(self.url.starts_with("http://") || self.url.starts_with("https://")) {
            return Err(ConfigError::Invalid(format!(
                "opensearch.url {:?} must start with http:// or https://",
                self.url
            )));
        }
        let prefix = &self.index_prefix;
        let valid_chars = prefix.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
        if !valid_chars || prefix.starts_with(['-', '_', '+']) || prefix.len() > 100 {
            return Err(ConfigError::Invalid(format!(
                "opensearch.index_prefix {prefix:?}: use at most 100 lowercase letters, digits, '-', '_' or '.', \
                 not starting with '-' or '_'"
            )));
        }
        Ok(())
    }
}

/// Snapshots of aggregates (see docs/SNAPSHOTS.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SnapshotsConfig {
    /// Loads start from snapshots and the triggers take them. Off: every
    /// load folds the whole stream and no snapshot is taken or read.
    pub enabled: bool,
    /// Where snapshots and the policies set through the API are kept.
    pub backend: SnapshotsBackend,
    /// The policy of aggregate types not named in `aggregates`.
    pub default: SnapshotPolicy,
    /// Policies per aggregate type (`[snapshots.aggregates.account]`).
    /// SetSnapshotPolicy overrides them, durably.
    pub aggregates: BTreeMap<String, SnapshotPolicy>,
}

impl Default for SnapshotsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            backend: SnapshotsBackend::default(),
            default: SnapshotPolicy::default(),
            aggregates: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotsBackend {
    /// SQLite in `<data_dir>/snapshots.db`; per replica.
    #[default]
    Embedded,
    /// The DynamoDB table `aws.resources.snapshots_table`, shared by every
    /// replica; superseded snapshots expire through DynamoDB TTL, and a
    /// state above 380 KiB is not snapshotted (see docs/AWS.md).
    Dynamodb,
}

/// Temporal queries (TemporalQueryService, see docs/TEMPORAL.md). They
/// replay history, so each principal (subject and tenant) may make only so
/// many per minute, over all temporal RPCs together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TemporalConfig {
    /// Calls per minute per principal; a principal may spend them at once,
    /// then one comes back every `60 s / per_minute`.
    pub per_minute: u32,
    /// Calls per minute for principals holding a role (`[temporal.roles]`,
    /// e.g. `admin = 600`); a principal with several roles gets the most
    /// generous of them, a role not named here counting as `per_minute`.
    pub roles: BTreeMap<String, u32>,
    /// Most events of a projection's types that GetDocumentAt folds when it
    /// must replay (the change log no longer reaches back far enough); a
    /// longer replay is FAILED_PRECONDITION (reason REPLAY_LIMIT_EXCEEDED).
    pub max_replay_events: u64,
}

impl Default for TemporalConfig {
    fn default() -> Self {
        Self { per_minute: 10, roles: BTreeMap::new(), max_replay_events: 1_000_000 }
    }
}

/// Request limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Most events in one append.
    pub max_events_per_append: usize,
    /// Largest event payload, in bytes.
    pub max_event_bytes: usize,
    /// Largest gRPC message, in bytes.
    pub max_message_bytes: usize,
    /// Largest page of a read.
    pub max_page_size: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_events_per_append: 10_000,
            max_event_bytes: 1024 * 1024,
            max_message_bytes: 32 * 1024 * 1024,
            max_page_size: 4096,
        }
    }
}

/// Authentication of gRPC calls.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// `none` (the default, development only: every caller is an anonymous
    /// admin and the server refuses a non-loopback listen address) or `jwt`
    /// (every call but health checks needs `authorization: Bearer <JWT>`).
    pub mode: AuthMode,
    /// Token verification in mode `jwt`.
    pub jwt: JwtConfig,
}

/// How callers are authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum AuthMode {
    /// No authentication: every caller is an anonymous admin. Development only.
    #[default]
    None,
    /// A signed JWT on every call.
    Jwt,
}

/// A JWS algorithm Nexus accepts for tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum JwtAlgorithm {
    /// HMAC with SHA-256 and a shared secret.
    HS256,
    /// RSA PKCS#1 v1.5 with SHA-256.
    RS256,
    /// ECDSA on P-256 with SHA-256.
    ES256,
}

/// A secret that `Debug` does not print.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// JWT verification (auth mode `jwt`). Tokens must carry `exp`, `iss`,
/// `aud` and `sub`; `nbf` is checked when present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtConfig {
    /// Accepted algorithms; a token signed with any other (or `none`) is
    /// refused. Keys are only used with their own family, so an RSA public
    /// key can never be taken for an HS256 secret.
    pub algorithms: Vec<JwtAlgorithm>,
    /// HS256 shared secret (prefer `hs256_secret_file` or the
    /// `NEXUS_AUTH__JWT__HS256_SECRET` variable over writing it in a file
    /// that is checked in).
    pub hs256_secret: Option<Secret>,
    /// File holding the HS256 shared secret (surrounding whitespace ignored).
    pub hs256_secret_file: Option<PathBuf>,
    /// PEM public keys (RSA for RS256, EC P-256 for ES256), tried in order
    /// for tokens without a `kid` the JWKS knows.
    pub public_key_files: Vec<PathBuf>,
    /// A JWKS (JSON Web Key Set) file; its keys are picked by the token's `kid`.
    pub jwks_file: Option<PathBuf>,
    /// Required `iss` of every token.
    pub issuer: String,
    /// Required `aud` of every token (a token's `aud` may be a list that
    /// contains it).
    pub audience: String,
    /// Clock skew allowed when checking `exp` and `nbf`.
    #[serde(with = "humantime_serde")]
    pub leeway: Duration,
    /// The claim holding the tenant, recorded as every event's tenant id.
    pub tenant_claim: String,
    /// The claim holding the roles: a JSON array of strings or one
    /// space-separated string.
    pub roles_claim: String,
}

impl Default for JwtConfig {
    fn default() -> Self {
        Self {
            algorithms: vec![JwtAlgorithm::HS256, JwtAlgorithm::RS256, JwtAlgorithm::ES256],
            hs256_secret: None,
            hs256_secret_file: None,
            public_key_files: Vec::new(),
            jwks_file: None,
            issuer: String::new(),
            audience: String::new(),
            leeway: Duration::from_secs(30),
            tenant_claim: "tenant".into(),
            roles_claim: "roles".into(),
        }
    }
}

/// TLS on the gRPC listener (rustls). Setting `cert_file` and `key_file`
/// turns it on; setting `client_ca_file` as well turns on mutual TLS.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain of the server (leaf first).
    pub cert_file: Option<PathBuf>,
    /// PEM private key of the server (PKCS#8, PKCS#1 or SEC1).
    pub key_file: Option<PathBuf>,
    /// PEM CA certificate(s): when set, every client must present a
    /// certificate signed by one of them (mutual TLS).
    pub client_ca_file: Option<PathBuf>,
}

impl TlsConfig {
    /// Whether the listener speaks TLS.
    pub fn enabled(&self) -> bool {
        self.cert_file.is_some()
    }
}

/// gRPC-Web (the protocol browsers can speak) on the gRPC listener. Browsers
/// send gRPC-Web over HTTP/1.1 or HTTP/2; native clients are unaffected.
/// A page served from another origin may call only if its origin is listed
/// (CORS); the list is empty by default, so only same-origin pages and
/// non-browser gRPC-Web clients can use it until origins are configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GrpcWebConfig {
    /// Accept gRPC-Web requests (and HTTP/1.1 connections for them).
    pub enabled: bool,
    /// Origins (`scheme://host[:port]`) whose pages may call Nexus, or
    /// `["*"]` for any origin (browsers then send no cookies; bearer tokens
    /// still work, as they travel in a header).
    pub allowed_origins: Vec<String>,
    /// How long a browser may cache the answer to a CORS preflight.
    #[serde(with = "humantime_serde")]
    pub max_age: Duration,
}

impl Default for GrpcWebConfig {
    fn default() -> Self {
        Self { enabled: true, allowed_origins: Vec::new(), max_age: Duration::from_secs(600) }
    }
}

impl GrpcWebConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        let wildcard = self.allowed_origins.iter().any(|o| o == "*");
        if wildcard && self.allowed_origins.len() > 1 {
            return Err(ConfigError::Invalid(
                "grpc_web.allowed_origins: \"*\" (any origin) cannot be combined with other origins".into(),
            ));
        }
        for origin in self.allowed_origins.iter().filter(|o| *o != "*") {
            let valid = (origin.starts_with("http://") || origin.starts_with("https://"))
                && !origin.ends_with('/')
                && http::HeaderValue::from_str(origin).is_ok()
                && origin.split("://").nth(1).is_some_and(|rest| !rest.is_empty() && !rest.contains('/'));
            if !valid {
                return Err(ConfigError::Invalid(format!(
                    "grpc_web.allowed_origins: {origin:?} is not an origin (scheme://host[:port], no path, e.g. \"http://localhost:5173\")"
                )));
            }
        }
        Ok(())
    }
}

/// Top-level keys, so that unrelated `NEXUS_*` variables are not mistaken
/// for configuration.
const TOP_LEVEL_KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "log",
    "event_store",
    "commands",
    "limits",
    "schemas",
    "policies",
    "shutdown_grace",
    "auth",
    "tls",
    "grpc_web",
    "projections",
    "snapshots",
    "temporal",
    "sagas",
    "stream_bus",
    "queue_bus",
    "coordination",
    "aws",
    "opensearch",
    "telemetry",
    "admin",
    "overload",
];

/// Errors of loading configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Layers defaults, the TOML file (if any), `NEXUS_*` variables and the
    /// given overrides (typically from flags), then validates.
    ///
    /// `file` is required to exist when given; otherwise `./nexus.toml` is
    /// read if present.
    pub fn load(file: Option<&Path>, overrides: Figment) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => return Err(ConfigError::MissingFile(path.to_path_buf())),
            Some(path) => figment = figment.merge(Toml::file(path)),
            None if Path::new("nexus.toml").exists() => figment = figment.merge(Toml::file("nexus.toml")),
            None => {}
        }
        let env = Env::prefixed("NEXUS_")
            .filter(|key| {
                let key = key.as_str().to_ascii_lowercase();
                TOP_LEVEL_KEYS.iter().any(|k| key.split("__").next() == Some(*k))
            })
            .split("__");
        let config: Config =
            figment.merge(env).merge(overrides).extract().map_err(|e| ConfigError::Invalid(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what types cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(m.to_string()));
        if self.data_dir.as_os_str().is_empty() {
            return invalid("data_dir must not be empty");
        }
        if self.event_store.max_batch_events == 0 || self.event_store.queue_capacity == 0 {
            return invalid("event_store.max_batch_events and event_store.queue_capacity must be positive");
        }
        if self.limits.max_events_per_append == 0 || self.limits.max_event_bytes == 0 || self.limits.max_page_size == 0
        {
            return invalid("limits must be positive");
        }
        if self.policies.dir.as_os_str().is_empty() {
            return invalid("policies.dir must not be empty");
        }
        if self.limits.max_message_bytes < self.limits.max_event_bytes {
            return invalid("limits.max_message_bytes must be at least limits.max_event_bytes");
        }
        let mut problems = self.snapshots.default.problems("snapshots.default.");
        for (aggregate_type, policy) in &self.snapshots.aggregates {
            problems.extend(policy.problems(&format!("snapshots.aggregates.{aggregate_type}.")));
        }
        if let Some(p) = problems.first() {
            return Err(ConfigError::Invalid(format!("{}: {}", p.field, p.description)));
        }
        if self.commands.remote_max_attempts == 0
            || self.commands.remote_decide_timeout.is_zero()
            || self.commands.remote_heartbeat_interval.is_zero()
        {
            return invalid(
                "commands.remote_max_attempts, remote_decide_timeout and remote_heartbeat_interval must be positive",
            );
        }
        if self.temporal.per_minute == 0 {
            return invalid("temporal.per_minute must be at least 1");
        }
        if let Some((role, _)) = self.temporal.roles.iter().find(|(_, n)| **n == 0) {
            return Err(ConfigError::Invalid(format!(
                "temporal.roles.{role} must be at least 1 (refuse a role temporal queries in the policies instead)"
            )));
        }
        if self.projections.backend == ProjectionsBackend::Opensearch {
            self.opensearch.validate()?;
        }
        if !(0.0..=1.0).contains(&self.telemetry.sample_ratio) {
            return invalid("telemetry.sample_ratio must be between 0.0 and 1.0");
        }
        if self.telemetry.metrics_interval.is_zero() || self.telemetry.gauge_interval.is_zero() {
            return invalid("telemetry.metrics_interval and telemetry.gauge_interval must be positive");
        }
        if let Some(endpoint) = &self.telemetry.otlp_endpoint
            && !(endpoint.starts_with("http://") || endpoint.starts_with("https://"))
        {
            return invalid("telemetry.otlp_endpoint must start with http:// or https://");
        }
        if let Some((role, _)) = self.overload.roles.iter().find(|(_, n)| **n == 0) {
            return Err(ConfigError::Invalid(format!("overload.roles.{role} must be at least 1")));
        }
        self.grpc_web.validate()?;
        self.validate_auth()?;
        self.validate_tls()
    }

    /// What auth mode `jwt` needs; the key files themselves are read (and
    /// their errors reported) when the server starts.
    fn validate_auth(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(m.to_string()));
        if self.auth.mode != AuthMode::Jwt {
            return Ok(());
        }
        let jwt = &self.auth.jwt;
        if jwt.issuer.trim().is_empty() {
            return invalid("auth.jwt.issuer is required when auth.mode is \"jwt\" (the `iss` every token must carry)");
        }
        if jwt.audience.trim().is_empty() {
            return invalid(
                "auth.jwt.audience is required when auth.mode is \"jwt\" (the `aud` every token must carry)",
            );
        }
        if jwt.algorithms.is_empty() {
            return invalid("auth.jwt.algorithms must name at least one of HS256, RS256, ES256");
        }
        if jwt.hs256_secret.is_some() && jwt.hs256_secret_file.is_some() {
            return invalid("set auth.jwt.hs256_secret or auth.jwt.hs256_secret_file, not both");
        }
        let has_secret = jwt.hs256_secret.is_some() || jwt.hs256_secret_file.is_some();
        if !has_secret && jwt.public_key_files.is_empty() && jwt.jwks_file.is_none() {
            return invalid(
                "auth.mode is \"jwt\" but no key is configured: set auth.jwt.hs256_secret_file, \
                 auth.jwt.public_key_files or auth.jwt.jwks_file",
            );
        }
        if has_secret && !jwt.algorithms.contains(&JwtAlgorithm::HS256) {
            return invalid("an HS256 secret is configured but auth.jwt.algorithms does not include HS256");
        }
        if jwt.tenant_claim.is_empty() || jwt.roles_claim.is_empty() {
            return invalid("auth.jwt.tenant_claim and auth.jwt.roles_claim must not be empty");
        }
        Ok(())
    }

    fn validate_tls(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(m.to_string()));
        match (&self.tls.cert_file, &self.tls.key_file) {
            (Some(_), None) => return invalid("tls.cert_file is set without tls.key_file"),
            (None, Some(_)) => return invalid("tls.key_file is set without tls.cert_file"),
            _ => {}
        }
        if self.tls.client_ca_file.is_some() && !self.tls.enabled() {
            return invalid("tls.client_ca_file (mutual TLS) needs tls.cert_file and tls.key_file");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error

    use figment::Jail;

    use super::*;

    #[test]
    fn layers_apply_in_order_and_unknown_env_is_ignored() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "nexus.toml",
                "listen = \"127.0.0.1:6000\"\ndata_dir = \"from-file\"\n[event_store]\ndurability = \"relaxed\"\n",
            )?;
            jail.set_env("NEXUS_DATA_DIR", "from-env");
            jail.set_env("NEXUS_COMMANDS__MAX_CONFLICT_RETRIES", "3");
            jail.set_env("NEXUS_BIN", "/not/config");
            jail.set_env("NEXUS_POLICIES__WATCH", "false");
            let flags = Figment::from(Serialized::globals(serde_json::json!({ "listen": "127.0.0.1:7000" })));
            let config = Config::load(None, flags).expect("loads");
            assert_eq!(config.listen, SocketAddr::from(([127, 0, 0, 1], 7000)));
            assert_eq!(config.data_dir, PathBuf::from("from-env"));
            assert_eq!(config.commands.max_conflict_retries, 3);
            assert_eq!(config.policies, PoliciesConfig { dir: PathBuf::from("policies"), watch: false });
            assert_eq!(config.event_store.durability, crate::adapters::sqlite::Durability::Relaxed);
            Ok(())
        });
    }

    #[test]
    fn temporal_limits_come_from_the_file_and_must_be_positive() {
        Jail::expect_with(|jail| {
            jail.create_file("nexus.toml", "[temporal]\nper_minute = 30\n[temporal.roles]\nadmin = 600\n")?;
            jail.set_env("NEXUS_TEMPORAL__ROLES__AUDITOR", "120");
            let config = Config::load(None, Figment::new()).expect("loads");
            assert_eq!(config.temporal.per_minute, 30);
            let roles: Vec<_> = config.temporal.roles.iter().map(|(r, n)| (r.as_str(), *n)).collect();
            assert_eq!(roles, [("admin", 600), ("auditor", 120)]);
            jail.create_file("nexus.toml", "[temporal.roles]\nguest = 0\n")?;
            let error = Config::load(None, Figment::new()).expect_err("zero refused").to_string();
            assert!(error.contains("temporal.roles.guest"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn typos_in_the_file_are_errors() {
        Jail::expect_with(|jail| {
            jail.create_file("nexus.toml", "lisen = \"127.0.0.1:6000\"\n")?;
            let error = Config::load(None, Figment::new()).expect_err("typo rejected");
            assert!(error.to_string().contains("lisen"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn jwt_mode_needs_issuer_audience_and_a_key() {
        let mut config = Config::default();
        config.auth.mode = AuthMode::Jwt;
        let error = config.validate().expect_err("no issuer").to_string();
        assert!(error.contains("auth.jwt.issuer"), "{error}");
        config.auth.jwt.issuer = "https://issuer".into();
        let error = config.validate().expect_err("no audience").to_string();
        assert!(error.contains("auth.jwt.audience"), "{error}");
        config.auth.jwt.audience = "nexus".into();
        let error = config.validate().expect_err("no key").to_string();
        assert!(error.contains("no key"), "{error}");
        config.auth.jwt.jwks_file = Some(PathBuf::from("jwks.json"));
        config.validate().expect("complete");
    }

    #[test]
    fn tls_needs_certificate_and_key_together() {
        let mut config = Config::default();
        config.tls.cert_file = Some(PathBuf::from("server.pem"));
        assert!(config.validate().expect_err("no key").to_string().contains("tls.key_file"));
        config.tls.key_file = Some(PathBuf::from("server.key"));
        config.validate().expect("cert and key");
        config.tls = TlsConfig { client_ca_file: Some(PathBuf::from("ca.pem")), ..TlsConfig::default() };
        assert!(config.validate().expect_err("mTLS without TLS").to_string().contains("client_ca_file"));
    }

    #[test]
    fn snapshot_and_saga_backends_come_from_the_file_or_the_environment() {
        Jail::expect_with(|jail| {
            let config = Config::load(None, Figment::new()).expect("defaults");
            assert_eq!(config.snapshots.backend, SnapshotsBackend::Embedded);
            assert_eq!(config.sagas.backend, SagasBackend::Embedded);
            assert_eq!(config.aws.resources.snapshots_table, "nexus-snapshots");
            assert_eq!(config.aws.resources.sagas_table, "nexus-sagas");
            jail.create_file(
                "nexus.toml",
                "[snapshots]\nbackend = \"dynamodb\"\n[aws.resources]\nsnapshots_table = \"snaps\"\n",
            )?;
            jail.set_env("NEXUS_SAGAS__BACKEND", "dynamodb");
            let config = Config::load(None, Figment::new()).expect("loads");
            assert_eq!(config.snapshots.backend, SnapshotsBackend::Dynamodb);
            assert_eq!(config.sagas.backend, SagasBackend::Dynamodb);
            assert_eq!(config.aws.resources.snapshots_table, "snaps");
            jail.create_file(
                "nexus.toml",
                "[schemas]\nbackend = \"glue\"\n[aws.resources]\nschema_registry = \"events\"\n",
            )?;
            let config = Config::load(None, Figment::new()).expect("loads");
            assert_eq!(config.schemas.backend, SchemasBackend::Glue);
            assert_eq!(config.aws.resources.schema_registry, "events");
            assert_eq!(Config::default().schemas.backend, SchemasBackend::Embedded);
            jail.set_env("NEXUS_SAGAS__BACKEND", "postgres");
            let error = Config::load(None, Figment::new()).expect_err("unknown backend");
            assert!(error.to_string().contains("postgres"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn auth_settings_come_from_the_environment() {
        Jail::expect_with(|jail| {
            jail.set_env("NEXUS_AUTH__MODE", "jwt");
            jail.set_env("NEXUS_AUTH__JWT__ISSUER", "https://issuer");
            jail.set_env("NEXUS_AUTH__JWT__AUDIENCE", "nexus");
            jail.set_env("NEXUS_AUTH__JWT__HS256_SECRET", "from-env");
            jail.set_env("NEXUS_AUTH__JWT__LEEWAY", "5s");
            jail.set_env("NEXUS_TLS__CERT_FILE", "server.pem");
            jail.set_env("NEXUS_TLS__KEY_FILE", "server.key");
            let config = Config::load(None, Figment::new()).expect("loads");
            assert_eq!(config.auth.mode, AuthMode::Jwt);
            assert_eq!(config.auth.jwt.hs256_secret, Some(Secret("from-env".into())));
            assert_eq!(config.auth.jwt.leeway, Duration::from_secs(5));
            assert!(config.tls.enabled());
            assert!(!format!("{config:?}").contains("from-env"), "Debug does not print the secret");
            Ok(())
        });
    }
}
