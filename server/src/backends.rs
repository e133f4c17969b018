//! Opens the backend of every port the configuration names: the embedded
//! SQLite files in `data_dir`, or AWS services (with the `aws` feature).
//! Each port chooses on its own (`[event_store]`, `[stream_bus]`,
//! `[queue_bus]`, `[coordination]`); combinations that cannot work are
//! refused at start-up with the setting to change.

use std::sync::Arc;

use anyhow::Context;

use crate::{
    adapters::sqlite::{SqliteEventStore, SqliteQueueBus},
    config::{Config, CoordinationBackend, EventStoreBackend, QueueBusBackend, StreamBusBackend},
    core::{
        bus::{Checkpoints, QueueBus},
        lease::{LeaseStore, MemoryLeases},
        ports::{AuditStore, EventStore},
    },
};

/// The lease that lets one replica run the router.
pub const ROUTER_LEASE: &str = "router";
/// The projections' lease, when their read store is shared (OpenSearch):
/// its holder runs them, the other replicas follow the store.
pub const PROJECTIONS_LEASE: &str = "projections";
/// The lease that lets one replica start event-triggered sagas.
pub const SAGA_TRIGGERS_LEASE: &str = "saga-triggers";

/// The opened backends of the ports.
pub struct Backends {
    pub store: Arc<dyn EventStore>,
    pub audit: Arc<dyn AuditStore>,
    pub queue_bus: Arc<dyn QueueBus>,
    /// The embedded queue when it is used (it is shut down last).
    pub embedded_queue: Option<Arc<SqliteQueueBus>>,
    /// Where the router keeps its position.
    pub checkpoints: Arc<dyn Checkpoints>,
    pub leases: Arc<dyn LeaseStore>,
    /// This process among the replicas (leases name their holder by it).
    pub replica_id: String,
    /// The AWS clients, when a port uses AWS.
    pub aws: Aws,
    /// Called at shutdown, after the components using the backends stopped.
    closers: Vec<Box<dyn Fn() + Send + Sync>>,
}

#[cfg(feature = "aws")]
pub type Aws = Option<crate::adapters::aws::AwsClients>;
#[cfg(not(feature = "aws"))]
pub type Aws = Option<()>;

/// Which remote backends answer (see [`Backends::probe`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackendHealth {
    pub event_store: bool,
    pub queue: bool,
}

/// Refuses combinations of backends that cannot work together.
pub fn check_combination(config: &Config) -> anyhow::Result<()> {
    let dynamodb = config.event_store.backend == EventStoreBackend::Dynamodb;
    if dynamodb && config.stream_bus.backend == StreamBusBackend::Embedded {
        anyhow::bail!(
            "event_store.backend = \"dynamodb\" needs stream_bus.backend = \"kinesis\": the embedded stream path \
             tails a log with a global order, which DynamoDB does not have"
        );
    }
    if dynamodb && config.coordination.backend == CoordinationBackend::Embedded {
        anyhow::bail!(
            "event_store.backend = \"dynamodb\" needs coordination.backend = \"dynamodb\": replicas sharing the \
             event store must share the router's checkpoint and leases"
        );
    }
    Ok(())
}

fn uses_aws(config: &Config) -> bool {
    config.event_store.backend == EventStoreBackend::Dynamodb
        || config.stream_bus.backend == StreamBusBackend::Kinesis
        || config.queue_bus.backend == QueueBusBackend::Sqs
        || config.coordination.backend == CoordinationBackend::Dynamodb
        || snapshots_on_dynamodb(config)
        || config.sagas.backend == crate::config::SagasBackend::Dynamodb
        || config.schemas.backend == crate::config::SchemasBackend::Glue
}

fn snapshots_on_dynamodb(config: &Config) -> bool {
    config.snapshots.enabled && config.snapshots.backend == crate::config::SnapshotsBackend::Dynamodb
}

fn replica_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "nexus".into());
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &id[..8])
}

impl Backends {
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        check_combination(config)?;
        #[cfg(not(feature = "aws"))]
        if uses_aws(config) {
            anyhow::bail!(
                "the configuration names AWS backends but this nexus was built without the `aws` cargo feature"
            );
        }
        #[cfg(feature = "aws")]
        let aws: Aws = if uses_aws(config) { Some(open_aws(config).await?) } else { None };
        #[cfg(not(feature = "aws"))]
        let aws: Aws = None;

        let durability = config.event_store.durability;
        let (store, audit): (Arc<dyn EventStore>, Arc<dyn AuditStore>) = match config.event_store.backend {
            EventStoreBackend::Embedded => {
                let settings = config.event_store.embedded();
                let path = config.data_dir.join("events.db");
                let store = SqliteEventStore::open(&path, settings.clone())
                    .with_context(|| format!("cannot open the embedded event store at {}", path.display()))?;
                tracing::info!(path = %path.display(), durability = ?settings.durability, "embedded event store open");
                crate::server::import_legacy_audit(&store, config).await?;
                let store = Arc::new(store);
                (store.clone(), store)
            }
            #[cfg(feature = "aws")]
            EventStoreBackend::Dynamodb => {
                let settings = &config.event_store.dynamodb;
                let clients = aws.as_ref().context("AWS clients")?;
                let table = &config.aws.resources.events_table;
                let store = crate::adapters::aws::events::DynamoEventStore::open(clients, table, settings.clone())
                    .await
                    .with_context(|| format!("cannot open the DynamoDB event store on table {table}"))?;
                tracing::info!(%table, "DynamoDB event store open");
                (store.clone(), store)
            }
            #[cfg(not(feature = "aws"))]
            EventStoreBackend::Dynamodb => anyhow::bail!("the DynamoDB event store needs the `aws` cargo feature"),
        };
        // Spans and metrics of every append, whichever the backend.
        let store = crate::core::observed_store::ObservedEventStore::wrap(store);

        // The embedded queue file also holds the embedded checkpoints.
        let needs_embedded_queue = config.queue_bus.backend == QueueBusBackend::Embedded
            || config.coordination.backend == CoordinationBackend::Embedded;
        let embedded_queue = if needs_embedded_queue {
            let path = config.data_dir.join("bus.db");
            let bus = SqliteQueueBus::open(&path, durability)
                .with_context(|| format!("cannot open the embedded queue bus at {}", path.display()))?;
            Some(Arc::new(bus))
        } else {
            None
        };

        let mut closers: Vec<Box<dyn Fn() + Send + Sync>> = Vec::new();
        let queue_bus: Arc<dyn QueueBus> = match config.queue_bus.backend {
            QueueBusBackend::Embedded => embedded_queue.clone().context("embedded queue")?,
            QueueBusBackend::Sqs => open_sqs(config, &store, &aws, &mut closers).await?,
        };
        let (checkpoints, leases): (Arc<dyn Checkpoints>, Arc<dyn LeaseStore>) = match config.coordination.backend {
            CoordinationBackend::Embedded => {
                (embedded_queue.clone().context("embedded queue")?, Arc::new(MemoryLeases::default()))
            }
            CoordinationBackend::Dynamodb => open_coordination(config, &aws)?,
        };
        Ok(Self {
            store,
            audit,
            queue_bus,
            embedded_queue,
            checkpoints,
            leases,
            replica_id: replica_id(),
            aws,
            closers,
        })
    }

    /// Runs `job` on whichever replica holds `lease` (every replica
    /// competes; with embedded coordination this one always holds it): the
    /// job starts when the lease is taken and is cancelled when it is lost,
    /// until `shutdown`.
    /// Competes for `lease` until `shutdown`; the keeper says whether this
    /// replica holds it.
    pub fn lease_keeper(
        &self,
        lease: &str,
        config: &Config,
        shutdown: &tokio_util::sync::CancellationToken,
    ) -> crate::core::lease::LeaseKeeper {
        crate::core::lease::LeaseKeeper::start(
            self.leases.clone(),
            lease,
            &self.replica_id,
            config.coordination.lease_ttl,
            shutdown.clone(),
        )
    }

    pub fn run_singleton<F, Fut>(
        &self,
        lease: &str,
        config: &Config,
        shutdown: &tokio_util::sync::CancellationToken,
        job: F,
    ) -> tokio::task::JoinHandle<()>
    where
        F: Fn(tokio_util::sync::CancellationToken) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let keeper = crate::core::lease::LeaseKeeper::start(
            self.leases.clone(),
            lease,
            &self.replica_id,
            config.coordination.lease_ttl,
            shutdown.clone(),
        );
        tokio::spawn(crate::core::lease::run_while_held(keeper.held(), shutdown.clone(), job))
    }

    /// Whether the remote backends answer now: (event store, queue path).
    /// Embedded backends always do. Each probe is one cheap data-plane
    /// request (a GetItem of an absent key; a ListQueues of one), bounded
    /// by `within`.
    pub async fn probe(&self, config: &Config, within: std::time::Duration) -> BackendHealth {
        #[cfg(feature = "aws")]
        if let Some(aws) = &self.aws {
            use aws_sdk_dynamodb::types::AttributeValue;
            let store = async {
                if config.event_store.backend != EventStoreBackend::Dynamodb {
                    return true;
                }
                let get = aws
                    .dynamodb
                    .get_item()
                    .table_name(&config.aws.resources.events_table)
                    .key("pk", AttributeValue::S("nexus-health-probe".into()))
                    .key("sk", AttributeValue::N("-2".into()))
                    .send();
                matches!(tokio::time::timeout(within, get).await, Ok(Ok(_)))
            };
            let queue = async {
                if config.queue_bus.backend != QueueBusBackend::Sqs {
                    return true;
                }
                let list = aws.sqs.list_queues().max_results(1).send();
                matches!(tokio::time::timeout(within, list).await, Ok(Ok(_)))
            };
            let (event_store, queue) = tokio::join!(store, queue);
            return BackendHealth { event_store, queue };
        }
        let _ = (config, within);
        BackendHealth { event_store: true, queue: true }
    }

    /// Closes what needs closing, after the components using it stopped.
    pub async fn shutdown(&self) {
        for close in &self.closers {
            close();
        }
        if let Some(queue) = &self.embedded_queue {
            queue.shutdown().await;
        }
        self.store.shutdown().await;
    }
}

#[cfg(feature = "aws")]
async fn open_aws(config: &Config) -> anyhow::Result<crate::adapters::aws::AwsClients> {
    use crate::adapters::aws::{AwsClients, provision};
    let clients = AwsClients::connect(&config.aws).await;
    let needs = provision::Needs {
        events_table: config.event_store.backend == EventStoreBackend::Dynamodb,
        // Kinesis keeps its consumer groups' checkpoints there, SNS→SQS its
        // publish ledger, the Glue registry its index.
        coordination_table: config.coordination.backend == CoordinationBackend::Dynamodb
            || config.stream_bus.backend == StreamBusBackend::Kinesis
            || config.queue_bus.backend == QueueBusBackend::Sqs
            || config.schemas.backend == crate::config::SchemasBackend::Glue,
        kinesis_stream: config.stream_bus.backend == StreamBusBackend::Kinesis,
        topic: config.queue_bus.backend == QueueBusBackend::Sqs,
        snapshots_table: snapshots_on_dynamodb(config),
        sagas_table: config.sagas.backend == crate::config::SagasBackend::Dynamodb,
        schema_registry: config.schemas.backend == crate::config::SchemasBackend::Glue,
    };
    provision::check(&clients, &config.aws.resources, needs).await.context("an AWS resource is missing")?;
    tracing::info!(region = %config.aws.region, endpoint = ?config.aws.endpoint_url, "AWS resources found");
    Ok(clients)
}

#[cfg(feature = "aws")]
async fn open_sqs(
    config: &Config,
    store: &Arc<dyn EventStore>,
    aws: &Aws,
    closers: &mut Vec<Box<dyn Fn() + Send + Sync>>,
) -> anyhow::Result<Arc<dyn QueueBus>> {
    let clients = aws.as_ref().context("AWS clients")?;
    let bus = crate::adapters::aws::sqs::SqsQueueBus::new(clients, &config.aws.resources, Some(store.clone()))
        .await
        .with_context(|| format!("cannot open the SNS→SQS queue path on topic {}", config.aws.resources.topic))?;
    let bus = Arc::new(bus);
    let closing = bus.clone();
    closers.push(Box::new(move || closing.shutdown()));
    Ok(bus)
}

#[cfg(not(feature = "aws"))]
async fn open_sqs(
    _config: &Config,
    _store: &Arc<dyn EventStore>,
    _aws: &Aws,
    _closers: &mut Vec<Box<dyn Fn() + Send + Sync>>,
) -> anyhow::Result<Arc<dyn QueueBus>> {
    anyhow::bail!("queue_bus.backend = \"sqs\" needs the `aws` cargo feature")
}

#[cfg(feature = "aws")]
fn open_coordination(config: &Config, aws: &Aws) -> anyhow::Result<(Arc<dyn Checkpoints>, Arc<dyn LeaseStore>)> {
    let clients = aws.as_ref().context("AWS clients")?;
    let table = &config.aws.resources.coordination_table;
    let leases = Arc::new(crate::adapters::aws::leases::DynamoLeases::new(clients.dynamodb.clone(), table.clone()));
    let checkpoints =
        Arc::new(crate::adapters::aws::coordination::DynamoCheckpoints::new(clients.dynamodb.clone(), table.clone()));
    Ok((checkpoints, leases))
}

#[cfg(not(feature = "aws"))]
fn open_coordination(_config: &Config, _aws: &Aws) -> anyhow::Result<(Arc<dyn Checkpoints>, Arc<dyn LeaseStore>)> {
    anyhow::bail!("coordination.backend = \"dynamodb\" needs the `aws` cargo feature")
}
