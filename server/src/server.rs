//! Wiring: build the backends the configuration names, the core on top of
//! them, and serve the gRPC API until a shutdown signal.

use std::{future::Future, net::SocketAddr, sync::Arc};

use anyhow::Context;
use nexus_sdk::proto::{
    FILE_DESCRIPTOR_SET, command_service_server::CommandServiceServer,
    event_store_service_server::EventStoreServiceServer, policy_service_server::PolicyServiceServer,
    query_service_server::QueryServiceServer, queue_service_server::QueueServiceServer,
    saga_service_server::SagaServiceServer, schema_service_server::SchemaServiceServer,
    snapshot_service_server::SnapshotServiceServer, temporal_query_service_server::TemporalQueryServiceServer,
};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::{
    adapters::sqlite::{SqliteEventStore, SqliteSagaStore, SqliteSchemaRegistry, SqliteSnapshotStore},
    api::{
        ApiState, authz::Guard, command::CommandApi, convert::Limits, event_store::EventStoreApi, policy::PolicyApi,
        query::QueryApi, queue::QueueApi, saga::SagaApi, schema::SchemaApi, snapshot::SnapshotApi,
        temporal::TemporalApi,
    },
    auth::{AuthLayer, Authenticator},
    backends::{Backends, SAGA_TRIGGERS_LEASE},
    config::{AuthMode, Config, SagasBackend, SchemasBackend, SnapshotsBackend},
    core::{
        aggregate::HandlerRegistry,
        audit::AuditLog,
        command::{CommandBus, CommandBusConfig, CommandBusParts},
        policy::PolicyEngine,
        projection::engine::ProjectionEngine,
        rate_limit::RateLimits,
        saga::{SagaStore, coordinator::SagaCoordinator, definition as saga_definition},
        schema::{
            SchemaRegistry, catalog,
            governance::{Governance, GovernanceSettings},
        },
        snapshot::{
            SnapshotStore,
            loader::AggregateLoader,
            snapshotter::{SnapshotStats, Snapshotter, SnapshotterConfig},
        },
    },
    domain,
    read_side::ReadSide,
};

/// Earlier versions kept the audit trail in a second database, `audit.db`:
/// its records move into the event store once, then the file is unused.
pub(crate) async fn import_legacy_audit(store: &SqliteEventStore, config: &Config) -> anyhow::Result<()> {
    let legacy = config.data_dir.join("audit.db");
    if !legacy.exists() {
        return Ok(());
    }
    let imported = store
        .import_legacy_audit(&legacy)
        .await
        .with_context(|| format!("cannot import the audit trail of {}", legacy.display()))?;
    match imported {
        Some(records) => tracing::info!(
            path = %legacy.display(),
            records,
            "audit trail imported into events.db; the old file is no longer used and may be deleted"
        ),
        None => tracing::debug!(path = %legacy.display(), "audit trail of the old layout was imported before"),
    }
    Ok(())
}

/// Opens the snapshot store (`[snapshots] backend`), the aggregate loader
/// on top of it, and starts the snapshotter. With snapshots off the loader
/// folds whole streams and there is no snapshotter.
pub async fn open_snapshots(
    config: &Config,
    backends: &Backends,
    governance: &Arc<Governance>,
    handlers: &HandlerRegistry,
    shutdown: &CancellationToken,
) -> anyhow::Result<(Arc<AggregateLoader>, Option<Arc<Snapshotter>>)> {
    let store = &backends.store;
    let stats = Arc::new(SnapshotStats::default());
    if !config.snapshots.enabled {
        tracing::info!("snapshots are off: every load folds the whole stream");
        return Ok((Arc::new(AggregateLoader::new(store.clone(), governance.clone(), None, stats)), None));
    }
    let snapshots = snapshot_store(config, backends)?;
    let loader = Arc::new(AggregateLoader::new(store.clone(), governance.clone(), Some(snapshots.clone()), stats));
    let settings = SnapshotterConfig {
        default_policy: config.snapshots.default.clone(),
        policies: config.snapshots.aggregates.clone(),
        ..SnapshotterConfig::default()
    };
    let snapshotter = Arc::new(
        Snapshotter::new(snapshots, store.clone(), loader.clone(), handlers.clone(), settings)
            .await
            .context("cannot read the stored snapshot policies")?,
    );
    snapshotter.start(shutdown.clone());
    Ok((loader, Some(snapshotter)))
}

/// The snapshot store `[snapshots] backend` names.
fn snapshot_store(config: &Config, backends: &Backends) -> anyhow::Result<Arc<dyn SnapshotStore>> {
    match config.snapshots.backend {
        SnapshotsBackend::Embedded => {
            let path = config.data_dir.join("snapshots.db");
            let store = SqliteSnapshotStore::open(&path)
                .with_context(|| format!("cannot open the snapshot store at {}", path.display()))?;
            tracing::info!(path = %path.display(), "embedded snapshot store open");
            Ok(Arc::new(store))
        }
        #[cfg(feature = "aws")]
        SnapshotsBackend::Dynamodb => {
            let clients = backends.aws.as_ref().context("AWS clients")?;
            let table = &config.aws.resources.snapshots_table;
            tracing::info!(%table, "DynamoDB snapshot store open");
            Ok(Arc::new(crate::adapters::aws::snapshots::DynamoSnapshotStore::new(clients.dynamodb.clone(), table)))
        }
        #[cfg(not(feature = "aws"))]
        SnapshotsBackend::Dynamodb => {
            let _ = backends;
            anyhow::bail!("snapshots.backend = \"dynamodb\" needs the `aws` cargo feature")
        }
    }
}

/// The saga store `[sagas] backend` names.
fn saga_store(config: &Config, backends: &Backends) -> anyhow::Result<Arc<dyn SagaStore>> {
    match config.sagas.backend {
        SagasBackend::Embedded => {
            let path = config.data_dir.join("sagas.db");
            let store = SqliteSagaStore::open(&path)
                .with_context(|| format!("cannot open the saga store at {}", path.display()))?;
            tracing::info!(path = %path.display(), "embedded saga store open");
            Ok(Arc::new(store))
        }
        #[cfg(feature = "aws")]
        SagasBackend::Dynamodb => {
            let clients = backends.aws.as_ref().context("AWS clients")?;
            let table = &config.aws.resources.sagas_table;
            tracing::info!(%table, "DynamoDB saga store open");
            Ok(Arc::new(crate::adapters::aws::sagas::DynamoSagaStore::new(clients.dynamodb.clone(), table)))
        }
        #[cfg(not(feature = "aws"))]
        SagasBackend::Dynamodb => {
            let _ = backends;
            anyhow::bail!("sagas.backend = \"dynamodb\" needs the `aws` cargo feature")
        }
    }
}

/// The schema registry `[schemas] backend` names.
fn schema_registry(config: &Config, backends: &Backends) -> anyhow::Result<Arc<dyn SchemaRegistry>> {
    match config.schemas.backend {
        SchemasBackend::Embedded => {
            let path = config.data_dir.join("registry.db");
            let registry = SqliteSchemaRegistry::open(&path, config.schemas.default_compatibility)
                .with_context(|| format!("cannot open the embedded schema registry at {}", path.display()))?;
            tracing::info!(path = %path.display(), "embedded schema registry open");
            Ok(Arc::new(registry))
        }
        #[cfg(feature = "aws")]
        SchemasBackend::Glue => {
            let clients = backends.aws.as_ref().context("AWS clients")?;
            let resources = &config.aws.resources;
            let registry = crate::adapters::aws::glue::GlueSchemaRegistry::new(
                clients,
                crate::adapters::aws::glue::GlueNames::of(resources),
                config.schemas.default_compatibility,
            );
            tracing::info!(
                registry = %resources.schema_registry,
                index = %resources.coordination_table,
                "Glue schema registry open"
            );
            Ok(Arc::new(registry))
        }
        #[cfg(not(feature = "aws"))]
        SchemasBackend::Glue => {
            let _ = backends;
            anyhow::bail!("schemas.backend = \"glue\" needs the `aws` cargo feature; this nexus was built without it")
        }
    }
}

/// Opens the schema registry the configuration names, and registers the
/// schema catalog (`schemas.dir`) in it.
pub async fn open_governance(config: &Config, backends: &Backends) -> anyhow::Result<Arc<Governance>> {
    let registry = schema_registry(config, backends)?;
    let governance = Arc::new(Governance::new(
        registry,
        GovernanceSettings {
            allow_unregistered: config.schemas.allow_unregistered,
            cache_ttl: config.schemas.cache_ttl,
        },
    ));
    if config.schemas.allow_unregistered {
        tracing::warn!(
            "schemas.allow_unregistered is on: events of types without a registered schema are stored unchecked"
        );
    }
    match &config.schemas.dir {
        Some(dir) if dir.is_dir() => {
            // Check the whole catalog before registering any of it, so a bad
            // file stops the start without a half-registered catalog.
            let (subjects, mut problems) = catalog::load(dir);
            let default_mode = governance.registry().default_compatibility().await?;
            problems.extend(catalog::check(&subjects, default_mode));
            if !problems.is_empty() {
                let list: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
                anyhow::bail!("the schema catalog {} has problems:\n{}", dir.display(), list.join("\n"));
            }
            let report = catalog::sync(&governance, &subjects)
                .await
                .with_context(|| format!("cannot register the schema catalog {}", dir.display()))?;
            tracing::info!(
                dir = %dir.display(),
                subjects = report.subjects,
                registered = report.registered,
                unchanged = report.unchanged,
                "schema catalog registered"
            );
        }
        Some(dir) => {
            tracing::warn!(dir = %dir.display(), "schema catalog folder not found; nothing registered from files")
        }
        None => {}
    }
    Ok(governance)
}

/// Opens the saga store (`[sagas] backend`), loads the definitions of
/// `sagas.dir`, resumes every saga a stop interrupted and starts the event
/// triggers.
pub async fn open_sagas(
    config: &Config,
    backends: &Backends,
    commands: &Arc<CommandBus>,
    shutdown: &CancellationToken,
) -> anyhow::Result<Arc<SagaCoordinator>> {
    let saga_store = saga_store(config, backends)?;
    let definitions = match &config.sagas.dir {
        Some(dir) if dir.is_dir() => saga_definition::load_folder(dir)
            .with_context(|| format!("cannot load the saga definitions in {} (sagas.dir)", dir.display()))?,
        Some(dir) => {
            tracing::warn!(dir = %dir.display(), "saga definitions folder not found; none loaded from files");
            Vec::new()
        }
        None => Vec::new(),
    };
    let coordinator = SagaCoordinator::new(saga_store, commands.clone(), definitions, shutdown.clone())
        .await
        .context("cannot start the saga coordinator")?;
    let resumed = coordinator.resume().await.context("cannot resume the interrupted sagas")?;
    // Event triggers run on one replica at a time: the lease holder's.
    let (log, triggers) = (backends.store.clone(), coordinator.clone());
    // So does adopting sagas whose driver went quiet (its replica died).
    let adopt_after = config.sagas.adopt_after;
    backends.run_singleton(SAGA_TRIGGERS_LEASE, config, shutdown, move |stop| {
        let task = triggers.start_triggers(log.clone(), stop.clone());
        let adopting = triggers.start_adopting(adopt_after, stop);
        async move {
            let _ = tokio::join!(task, adopting);
        }
    });
    tracing::info!(resumed, "saga coordinator started");
    Ok(coordinator)
}

/// Loads the policy folder (`policies.dir`); a folder that does not parse
/// stops the start.
pub fn open_policies(config: &Config) -> anyhow::Result<Arc<PolicyEngine>> {
    let dir = &config.policies.dir;
    let engine = PolicyEngine::load(dir).with_context(|| {
        format!("cannot load the policies in {} (set policies.dir or --policies-dir)", dir.display())
    })?;
    tracing::info!(dir = %dir.display(), files = engine.policies().len(), "policies loaded");
    Ok(Arc::new(engine))
}

/// Runs the server until `signal` resolves, then shuts down gracefully:
/// no new connections, open subscriptions end with UNAVAILABLE, in-flight
/// requests finish (up to `shutdown_grace`), and the store flushes.
///
/// `metrics` is the registry the admin listener serves as `/metrics`
/// (see [`crate::telemetry::init`]).
pub async fn serve(
    config: Config,
    signal: impl Future<Output = ()> + Send + 'static,
    metrics: prometheus::Registry,
) -> anyhow::Result<()> {
    let listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {} (set --listen or NEXUS_LISTEN)", config.listen))?;
    serve_on(listener, config, signal, metrics).await
}

/// Like [`serve`] on an already bound listener.
pub async fn serve_on(
    listener: TcpListener,
    config: Config,
    signal: impl Future<Output = ()> + Send + 'static,
    metrics: prometheus::Registry,
) -> anyhow::Result<()> {
    let local_addr: SocketAddr = listener.local_addr()?;
    match config.auth.mode {
        AuthMode::None if !local_addr.ip().is_loopback() => anyhow::bail!(
            "refusing to listen on {local_addr} with auth.mode = \"none\": every caller would be an anonymous \
             admin. Listen on a loopback address (e.g. --listen 127.0.0.1:50051) or turn on authentication \
             (auth.mode = \"jwt\", see docs/SECURITY.md)"
        ),
        AuthMode::None => tracing::warn!(
            %local_addr,
            "authentication is disabled: every caller is an anonymous admin; development only (set auth.mode = \"jwt\")"
        ),
        AuthMode::Jwt => {
            tracing::info!(issuer = %config.auth.jwt.issuer, audience = %config.auth.jwt.audience, "authentication: jwt")
        }
    }
    let authenticator = Arc::new(Authenticator::from_config(&config.auth).context("cannot set up authentication")?);
    let tls = crate::auth::tls::server_config(&config.tls).context("cannot set up TLS")?;
    match (&tls, &config.tls.client_ca_file) {
        (Some(_), Some(ca)) => {
            tracing::info!(client_ca = %ca.display(), "tls: on, client certificates required (mutual TLS)")
        }
        (Some(_), None) => tracing::info!("tls: on"),
        (None, _) if !local_addr.ip().is_loopback() => {
            tracing::warn!(%local_addr, "tls is off on a non-loopback address: tokens and data travel in clear text")
        }
        (None, _) => {}
    }
    let backends = Arc::new(Backends::open(&config).await?);
    let store = backends.store.clone();

    let governance = open_governance(&config, &backends).await?;
    let policies = open_policies(&config)?;
    let audit = AuditLog::new(backends.audit.clone());
    let queue_bus = backends.queue_bus.clone();
    let guard = Guard::new(policies.clone(), audit.clone());
    let handlers = if config.commands.example_domain { domain::handlers() } else { HandlerRegistry::default() };
    let shutdown = CancellationToken::new();
    let (loader, snapshotter) = open_snapshots(&config, &backends, &governance, &handlers, &shutdown).await?;
    let commands = Arc::new(CommandBus::new(
        CommandBusParts {
            store: store.clone(),
            governance: governance.clone(),
            policy: policies.clone(),
            remote: Arc::new(crate::core::remote::RemoteHandlers::new(&handlers, remote_config(&config))),
            handlers,
            loader,
            snapshotter: snapshotter.clone(),
        },
        CommandBusConfig { max_conflict_retries: config.commands.max_conflict_retries },
    ));
    let sagas = open_sagas(&config, &backends, &commands, &shutdown).await?;
    let read_side = ReadSide::start(&config, &backends, governance.clone(), shutdown.clone()).await?;
    let gauges = crate::telemetry::gauges::start(
        crate::telemetry::gauges::GaugeSources {
            projections: read_side.projections.clone(),
            queue: queue_bus.clone(),
            sagas: sagas.store().clone(),
        },
        config.telemetry.gauge_interval,
        shutdown.clone(),
    );
    let admin = match config.admin.enabled {
        true => crate::admin::bind(config.admin.listen)
            .await
            .map(|listener| tokio::spawn(crate::admin::serve(listener, metrics, shutdown.clone()))),
        false => None,
    };
    let state = Arc::new(ApiState {
        store: store.clone(),
        commands,
        governance: governance.clone(),
        guard: guard.clone(),
        limits: Limits {
            max_events_per_append: config.limits.max_events_per_append,
            max_event_bytes: config.limits.max_event_bytes,
            max_page_size: config.limits.max_page_size,
        },
        shutdown: shutdown.clone(),
    });

    let max_message = config.limits.max_message_bytes;
    let command_service = CommandServiceServer::new(CommandApi::new(state.clone()))
        .max_decoding_message_size(max_message)
        .max_encoding_message_size(max_message);
    let event_store_service = EventStoreServiceServer::new(EventStoreApi::new(state.clone()))
        .max_decoding_message_size(max_message)
        .max_encoding_message_size(max_message);

    let schema_service = SchemaServiceServer::new(SchemaApi::new(governance.clone(), guard.clone()))
        .max_decoding_message_size(max_message)
        .max_encoding_message_size(max_message);
    let policy_service = PolicyServiceServer::new(PolicyApi::new(guard.clone()))
        .max_decoding_message_size(max_message)
        .max_encoding_message_size(max_message);
    let query_service = QueryServiceServer::new(QueryApi::new(state.clone(), read_side.projections.clone()))
        .max_decoding_message_size(max_message)
        .max_encoding_message_size(max_message);
    let queue_service =
        QueueServiceServer::new(QueueApi::new(queue_bus.clone(), governance.clone(), guard.clone(), shutdown.clone()))
            .max_decoding_message_size(max_message)
            .max_encoding_message_size(max_message);

    let snapshot_service = SnapshotServiceServer::new(SnapshotApi::new(state.clone(), snapshotter))
        .max_decoding_message_size(max_message)
        .max_encoding_message_size(max_message);
    let temporal_service =
        TemporalQueryServiceServer::new(temporal_api(&config, state.clone(), read_side.projections.clone()))
            .max_decoding_message_size(max_message)
            .max_encoding_message_size(max_message);

    let saga_service = SagaServiceServer::new(SagaApi::new(state.clone(), sagas))
        .max_decoding_message_size(max_message)
        .max_encoding_message_size(max_message);

    let handler_service = nexus_sdk::proto::handler_service_server::HandlerServiceServer::new(
        crate::api::handler::HandlerApi::new(state.clone()),
    )
    .max_decoding_message_size(max_message)
    .max_encoding_message_size(max_message);

    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<CommandServiceServer<CommandApi>>().await;
    health.set_serving::<EventStoreServiceServer<EventStoreApi>>().await;
    health.set_serving::<SchemaServiceServer<SchemaApi>>().await;
    health.set_serving::<PolicyServiceServer<PolicyApi>>().await;
    health.set_serving::<QueryServiceServer<QueryApi>>().await;
    health.set_serving::<QueueServiceServer<QueueApi>>().await;
    health.set_serving::<SnapshotServiceServer<SnapshotApi>>().await;
    health.set_serving::<TemporalQueryServiceServer<TemporalApi>>().await;
    health.set_serving::<SagaServiceServer<SagaApi>>().await;
    health
        .set_service_status(
            nexus_sdk::proto::handler_service_server::SERVICE_NAME,
            tonic_health::ServingStatus::Serving,
        )
        .await;
    let health_watch =
        tokio::spawn(follow_backend_health(backends.clone(), config.clone(), health.clone(), shutdown.clone()));
    let reflection_v1 = reflection().build_v1()?;
    let reflection_v1alpha = reflection().build_v1alpha()?;

    tracing::info!(%local_addr, tls = tls.is_some(), data_dir = %config.data_dir.display(), "nexus listening");

    let watcher = config.policies.watch.then(|| policies.watch(shutdown.clone()));

    let stop = shutdown.clone();
    let stopping = async move {
        signal.await;
        tracing::info!("shutting down: finishing in-flight requests");
        stop.cancel();
    };
    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = tls {
        builder = builder.tls_config(tls).context("invalid TLS configuration")?;
    }
    let grpc_web = config.grpc_web.enabled.then(|| {
        tracing::info!(allowed_origins = ?config.grpc_web.allowed_origins, "gRPC-Web enabled");
        tower::ServiceBuilder::new().layer(cors_layer(&config.grpc_web)).layer(tonic_web::GrpcWebLayer::new())
    });
    let server = builder
        .tcp_nodelay(true)
        .http2_keepalive_interval(Some(std::time::Duration::from_secs(30)))
        // gRPC-Web arrives over HTTP/1.1 as well as HTTP/2.
        .accept_http1(config.grpc_web.enabled)
        // CORS (preflights answered before authentication), then gRPC-Web
        // translated to gRPC, so every service and the auth layer see gRPC.
        .layer(tower::util::option_layer(grpc_web))
        // One span and one rpc.server.call.duration per call, around
        // everything after it.
        .layer(crate::telemetry::rpc::RpcLayer)
        .layer(AuthLayer::new(authenticator))
        // Rate limits need the principal: after authentication.
        .layer(crate::api::overload::OverloadLayer::new(Arc::new(crate::api::overload::Overload::new(
            &config.overload,
        ))))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(command_service)
        .add_service(event_store_service)
        .add_service(schema_service)
        .add_service(policy_service)
        .add_service(query_service)
        .add_service(queue_service)
        .add_service(snapshot_service)
        .add_service(temporal_service)
        .add_service(saga_service)
        .add_service(handler_service)
        .serve_with_incoming_shutdown(
            tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true)),
            stopping,
        );

    let grace = config.shutdown_grace;
    let result = tokio::select! {
        result = server => result.context("grpc server failed"),
        _ = async { shutdown.cancelled().await; tokio::time::sleep(grace).await } => {
            tracing::warn!(?grace, "in-flight requests did not finish within the grace period; stopping anyway");
            Ok(())
        }
    };
    health.set_not_serving::<CommandServiceServer<CommandApi>>().await;
    shutdown.cancel();
    let _ = health_watch.await;
    let _ = gauges.await;
    if let Some(admin) = admin
        && let Ok(Err(e)) = admin.await
    {
        tracing::warn!(error = %e, "admin listener stopped with an error");
    }
    if let Some(watcher) = watcher {
        let _ = watcher.await;
    }
    read_side.stopped().await;
    audit.close().await;
    backends.shutdown().await;
    tracing::info!("nexus stopped");
    result
}

/// How often the remote backends are probed for grpc.health.
const HEALTH_PROBE_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Keeps grpc.health in step with the remote backends: the services that
/// need an unreachable backend report NOT_SERVING until it answers again
/// (their requests meanwhile fail with UNAVAILABLE and RetryInfo).
async fn follow_backend_health(
    backends: Arc<Backends>,
    config: Config,
    health: tonic_health::server::HealthReporter,
    shutdown: CancellationToken,
) {
    use tonic_health::ServingStatus;
    let mut last = crate::backends::BackendHealth { event_store: true, queue: true };
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(HEALTH_PROBE_EVERY) => {}
        }
        let now = backends.probe(&config, HEALTH_PROBE_EVERY).await;
        if shutdown.is_cancelled() {
            return;
        }
        if now.event_store != last.event_store {
            let status = if now.event_store { ServingStatus::Serving } else { ServingStatus::NotServing };
            if now.event_store {
                tracing::info!("the event store answers again: services SERVING");
            } else {
                tracing::warn!("the event store does not answer: its services report NOT_SERVING");
            }
            health.set_service_status(nexus_sdk::proto::command_service_server::SERVICE_NAME, status).await;
            health.set_service_status(nexus_sdk::proto::event_store_service_server::SERVICE_NAME, status).await;
            health.set_service_status(nexus_sdk::proto::query_service_server::SERVICE_NAME, status).await;
            health.set_service_status(nexus_sdk::proto::snapshot_service_server::SERVICE_NAME, status).await;
            health.set_service_status(nexus_sdk::proto::temporal_query_service_server::SERVICE_NAME, status).await;
            health.set_service_status(nexus_sdk::proto::saga_service_server::SERVICE_NAME, status).await;
            health.set_service_status("", status).await;
        }
        if now.queue != last.queue {
            let status = if now.queue { ServingStatus::Serving } else { ServingStatus::NotServing };
            tracing::warn!(serving = now.queue, "the queue path's reachability changed");
            health.set_service_status(nexus_sdk::proto::queue_service_server::SERVICE_NAME, status).await;
        }
        last = now;
    }
}

/// The temporal query service with its per-principal rate limits
/// (`[temporal]`; validated to be positive).
fn temporal_api(config: &Config, state: Arc<ApiState>, engine: Arc<ProjectionEngine>) -> TemporalApi {
    let positive = |n: u32| std::num::NonZeroU32::new(n).unwrap_or(std::num::NonZeroU32::MIN);
    let roles = config.temporal.roles.iter().map(|(role, n)| (role.clone(), positive(*n))).collect();
    let limits = RateLimits::new(positive(config.temporal.per_minute), roles);
    TemporalApi::new(state, engine, Arc::new(limits), config.temporal.max_replay_events)
}

/// Server reflection over the nexus.v1 API, health, reflection itself and
/// the `google.rpc` error details, so grpcurl can describe every service and
/// decode error details with no proto files.
fn reflection() -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is
/// called (inside the runtime), not when the future is first polled, so a
/// signal that arrives while the server is still starting is not lost to
/// the default action (which would end the process without a clean
/// shutdown).
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(sigterm) => Some(sigterm),
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM");
            None
        }
    };
    #[cfg(unix)]
    let interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    async move {
        #[cfg(unix)]
        {
            let mut terminate = terminate;
            let mut interrupt = interrupt;
            let sigterm = async {
                match terminate.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let sigint = async {
                match interrupt.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            };
            tokio::select! {
                _ = sigterm => {}
                _ = sigint => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// CORS for gRPC-Web: only the configured origins, only POST, the request
/// headers gRPC-Web clients and Nexus use, and the gRPC trailers a browser
/// must be allowed to read (status, message and the google.rpc details).
fn cors_layer(config: &crate::config::GrpcWebConfig) -> tower_http::cors::CorsLayer {
    use http::{HeaderName, HeaderValue, Method};
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let origin = if config.allowed_origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        // Validated when the configuration was loaded.
        AllowOrigin::list(config.allowed_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    let request_headers = [
        "content-type",
        "x-grpc-web",
        "x-user-agent",
        "grpc-timeout",
        "authorization",
        "x-correlation-id",
        "x-causation-id",
        "traceparent",
        "tracestate",
    ];
    let exposed_headers = ["grpc-status", "grpc-message", "grpc-status-details-bin"];
    CorsLayer::new()
        .allow_origin(origin)
        .allow_methods([Method::POST])
        .allow_headers(request_headers.map(HeaderName::from_static))
        .expose_headers(exposed_headers.map(HeaderName::from_static))
        .max_age(config.max_age)
}

fn remote_config(config: &Config) -> crate::core::remote::RemoteConfig {
    crate::core::remote::RemoteConfig {
        decide_timeout: config.commands.remote_decide_timeout,
        heartbeat_interval: config.commands.remote_heartbeat_interval,
        max_attempts: config.commands.remote_max_attempts,
    }
}
