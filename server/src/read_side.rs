//! Wiring of the read side: the two event paths, the router between the
//! event store and them, and the projection engine.

use std::sync::Arc;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::{
    adapters::{
        log_bus::LogStreamBus,
        sqlite::{SqliteQueueBus, SqliteReadStore, SqliteReadStoreConfig},
    },
    config::Config,
    core::{
        bus::{QueueBus, StreamBus},
        ports::EventStore,
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
}

impl ReadSide {
    /// Opens the stream path and read store in the data directory and
    /// starts the router and every projection. `queue` is the queue path
    /// (see [`crate::server::open_queue_bus`]), opened once and shared with
    /// the QueueService, so that a publish wakes its waiting receivers.
    pub async fn start(
        config: &Config,
        store: Arc<dyn EventStore>,
        governance: Arc<Governance>,
        queue: Arc<SqliteQueueBus>,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        let read_path = config.data_dir.join("read.db");
        let read_store: Arc<dyn ReadStore> = Arc::new(
            SqliteReadStore::open_with(
                &read_path,
                SqliteReadStoreConfig { keep_changes: config.projections.change_log },
            )
            .with_context(|| format!("cannot open the read store at {}", read_path.display()))?,
        );
        let routes = Arc::new(Routes::new(governance.clone()));
        let stream_bus: Arc<dyn StreamBus> = Arc::new(
            LogStreamBus::open(store.clone(), routes.clone(), queue.clone(), config.projections.stream_window)
                .await
                .context("cannot open the stream path")?,
        );
        let queue_bus: Arc<dyn QueueBus> = queue.clone();
        let router = Router::new(store.clone(), stream_bus.clone(), queue_bus.clone(), queue.clone(), routes.clone());
        let router_task = router.spawn(shutdown.clone());

        let files = match &config.projections.dir {
            Some(dir) if dir.exists() => projection::load_folder(dir)?,
            Some(dir) => {
                tracing::warn!(dir = %dir.display(), "projections folder not found; starting without file projections");
                Vec::new()
            }
            None => Vec::new(),
        };
        let deps = EngineDeps {
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
        Ok(Self { queue_bus, stream_bus, router, projections, router_task })
    }

    /// Waits for the router to save its position (after shutdown fired);
    /// the caller closes the queue path afterwards.
    pub async fn stopped(self) {
        let _ = self.router_task.await;
    }
}
