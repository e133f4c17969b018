//! Wiring of the read side: the two event paths, the router between the
//! event store and them, and the projection engine.

use std::sync::Arc;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::{
    adapters::{
        log_bus::LogStreamBus,
        sqlite::{SqliteReadStore, SqliteReadStoreConfig},
    },
    backends::{Backends, PROJECTIONS_LEASE, ROUTER_LEASE},
    config::{Config, ProjectionsBackend, StreamBusBackend},
    core::{
        bus::{QueueBus, StreamBus},
        projection::{
            self,
            engine::{EngineDeps, ProjectionEngine},
        },
        read_store::ReadStore,
        router::{Router, Routes},
        schema::governance::Governance,
    },
};

/// The running read side.
pub struct ReadSide {
    pub queue_bus: Arc<dyn QueueBus>,
    pub stream_bus: Arc<dyn StreamBus>,
    pub router: Arc<Router>,
    pub projections: Arc<ProjectionEngine>,
    router_task: tokio::task::JoinHandle<()>,
    /// Competes for the projections' lease (shared read store only).
    _projections_lease: Option<crate::core::lease::LeaseKeeper>,
}

impl ReadSide {
    /// Opens the stream path (`[stream_bus]`) and the read store in the
    /// data directory, starts the router (on whichever replica holds the
    /// router lease) and every projection. The queue path, checkpoints and
    /// leases come from `backends`.
    pub async fn start(
        config: &Config,
        backends: &Backends,
        governance: Arc<Governance>,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        let store = backends.store.clone();
        let read_store = open_read_store(config).await?;
        let routes = Arc::new(Routes::new(governance.clone()));
        let stream_bus: Arc<dyn StreamBus> = match config.stream_bus.backend {
            StreamBusBackend::Embedded => Arc::new(
                LogStreamBus::open(
                    store.clone(),
                    routes.clone(),
                    backends.checkpoints.clone(),
                    config.projections.stream_window,
                )
                .await
                .context("cannot open the stream path")?,
            ),
            StreamBusBackend::Kinesis => kinesis_bus(config, backends).await?,
        };
        let queue_bus: Arc<dyn QueueBus> = backends.queue_bus.clone();
        let router = Router::new(
            store.clone(),
            stream_bus.clone(),
            queue_bus.clone(),
            backends.checkpoints.clone(),
            routes.clone(),
        );
        // One router among the replicas: whoever holds the lease.
        let router_task = {
            let router = router.clone();
            backends.run_singleton(ROUTER_LEASE, config, &shutdown, move |stop| {
                let router = router.clone();
                async move {
                    let _ = router.spawn(stop).await;
                }
            })
        };

        let files = match &config.projections.dir {
            Some(dir) if dir.exists() => projection::load_folder(dir)?,
            Some(dir) => {
                tracing::warn!(dir = %dir.display(), "projections folder not found; starting without file projections");
                Vec::new()
            }
            None => Vec::new(),
        };
        // A store the replicas share gets one writer: the lease holder runs
        // the projections, the others follow the store.
        let projections_lease =
            read_store.shared().then(|| backends.lease_keeper(PROJECTIONS_LEASE, config, &shutdown));
        let deps = EngineDeps {
            lead: projections_lease.as_ref().map(|keeper| keeper.held()),
            store: read_store,
            bus: stream_bus.clone(),
            events: store,
            governance,
            routes,
            router: router.progress(),
        };
        let projections =
            ProjectionEngine::start(deps, files, shutdown).await.context("cannot start the projections")?;
        tracing::info!(projections = ?projections.names(), "read side started");
        Ok(Self { queue_bus, stream_bus, router, projections, router_task, _projections_lease: projections_lease })
    }

    /// Waits for the router to save its position (after shutdown fired);
    /// the caller closes the queue path afterwards.
    pub async fn stopped(self) {
        let _ = self.router_task.await;
    }
}

/// The read store `[projections] backend` names.
async fn open_read_store(config: &Config) -> anyhow::Result<Arc<dyn ReadStore>> {
    let keep_changes = config.projections.change_log;
    Ok(match config.projections.backend {
        ProjectionsBackend::Embedded => {
            let path = config.data_dir.join("read.db");
            Arc::new(
                SqliteReadStore::open_with(&path, SqliteReadStoreConfig { keep_changes })
                    .with_context(|| format!("cannot open the read store at {}", path.display()))?,
            )
        }
        ProjectionsBackend::Opensearch => opensearch_read_store(config, keep_changes).await?,
    })
}

#[cfg(feature = "opensearch")]
async fn opensearch_read_store(config: &Config, keep_changes: u64) -> anyhow::Result<Arc<dyn ReadStore>> {
    use crate::adapters::opensearch::OpenSearchReadStore;
    let store = OpenSearchReadStore::connect(&config.opensearch, keep_changes)
        .await
        .with_context(|| format!("cannot open the read store on OpenSearch at {}", config.opensearch.url))?;
    Ok(Arc::new(store))
}

#[cfg(not(feature = "opensearch"))]
async fn opensearch_read_store(_config: &Config, _keep_changes: u64) -> anyhow::Result<Arc<dyn ReadStore>> {
    anyhow::bail!("projections.backend = \"opensearch\" needs the `opensearch` cargo feature")
}

#[cfg(feature = "aws")]
async fn kinesis_bus(config: &Config, backends: &Backends) -> anyhow::Result<Arc<dyn StreamBus>> {
    use crate::adapters::aws::kinesis::{KinesisSettings, KinesisStreamBus};
    let clients = backends.aws.clone().context("AWS clients")?;
    let resources = &config.aws.resources;
    let bus = KinesisStreamBus::open(
        clients,
        resources.kinesis_stream.clone(),
        resources.coordination_table.clone(),
        KinesisSettings::default(),
        Some(backends.store.clone()),
    )
    .await
    .with_context(|| format!("cannot open the Kinesis stream path on {}", resources.kinesis_stream))?;
    Ok(Arc::new(bus))
}

#[cfg(not(feature = "aws"))]
async fn kinesis_bus(_config: &Config, _backends: &Backends) -> anyhow::Result<Arc<dyn StreamBus>> {
    anyhow::bail!("stream_bus.backend = \"kinesis\" needs the `aws` cargo feature")
}
