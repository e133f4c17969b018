//! The `nexus` command.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode, time::Duration};

use anyhow::Context;
use clap::{Parser, Subcommand};
use figment::{Figment, providers::Serialized};
use nexus_server::{
    adapters::sqlite::Durability,
    auth::jwt::{TokenRequest, mint_hs256, read_secret_file},
    bench,
    config::{AuthMode, Config, LogFormat},
    governance_cli, health_cli, policy_cli, schema_cli, server, telemetry,
};

/// mimalloc instead of the system allocator: parsing event payloads and
/// protobuf messages allocates many small objects, and mimalloc makes those
/// allocations markedly cheaper (see docs/BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Nexus: an event-sourcing and CQRS platform server with a gRPC API.
///
/// `nexus serve` with no configuration listens on 127.0.0.1:50051 and keeps
/// its data in ./nexus-data (SQLite, WAL, fsync before every acknowledgement).
#[derive(Debug, Parser)]
#[command(name = "nexus", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    ///
    /// Configuration is layered: built-in defaults, then the TOML file
    /// (--config, or ./nexus.toml if present), then NEXUS_* environment
    /// variables (nested keys joined by "__", e.g. NEXUS_EVENT_STORE__DURABILITY),
    /// then these flags. SIGINT or SIGTERM shut it down gracefully.
    Serve(ServeArgs),
    /// Load generators that measure a running server.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// The schema catalog (schemas/): check it, or register it in a server.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Architecture rules as policy (policies/governance).
    #[command(subcommand)]
    Governance(GovernanceCommand),
    /// Authentication helpers.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// The Rego policies (policies/).
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Asks a running server's grpc.health.v1 service: prints its status and
    /// exits 0 when SERVING, 1 otherwise (for container health checks).
    Health(health_cli::HealthArgs),
    /// AWS resources of a configuration (see docs/AWS.md).
    #[cfg(feature = "aws")]
    #[command(subcommand)]
    Aws(AwsCommand),
}

#[cfg(feature = "aws")]
#[derive(Debug, Subcommand)]
enum AwsCommand {
    /// Creates the DynamoDB tables (events with a NEW_IMAGE stream;
    /// coordination), the Kinesis stream and the SNS topic the
    /// configuration names; existing ones are left alone.
    Provision(nexus_server::aws_cli::ProvisionArgs),
    /// Checks that every AWS resource the configuration names answers.
    Check(nexus_server::aws_cli::CheckArgs),
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Runs every `test_*` rule of the `*_test.rego` files with the
    /// directory's policies and data, like `opa test`: failures are listed,
    /// `--verbose` lists every test. Exits 1 if any fails or errs.
    Test(policy_cli::TestArgs),
}

#[derive(Debug, Subcommand)]
enum GovernanceCommand {
    /// Derives a manifest from the repository and this binary (handlers and
    /// the event types they emit, the schema catalog, every RPC's effect on
    /// stored data, which modules use which) and evaluates the Rego package
    /// nexus.governance over it. Exits 1 listing every violation.
    Check(governance_cli::CheckArgs),
}

#[derive(Debug, Subcommand)]
enum AuthCommand {
    /// Mints an HS256 token for development and tests, signed with the
    /// server's `auth.jwt.hs256_secret_file`, and prints it. Use it as
    /// `--token`, NEXUS_TOKEN, or `grpcurl -H "authorization: Bearer $TOKEN"`.
    Token(TokenArgs),
}

#[derive(Debug, clap::Args)]
struct TokenArgs {
    /// File holding the HS256 secret (the server's auth.jwt.hs256_secret_file).
    #[arg(long, value_name = "FILE")]
    secret_file: PathBuf,
    /// Subject (`sub`): the user id recorded on events.
    #[arg(long)]
    sub: String,
    /// Tenant (`tenant` claim): the tenant id recorded on events.
    #[arg(long)]
    tenant: Option<String>,
    /// Roles (`roles` claim), comma-separated, e.g. `writer,reader`.
    #[arg(long, value_delimiter = ',')]
    roles: Vec<String>,
    /// OAuth scopes (`scope` claim), comma-separated.
    #[arg(long, value_delimiter = ',')]
    scopes: Vec<String>,
    /// Issuer (`iss`); must equal the server's auth.jwt.issuer.
    #[arg(long, default_value = "nexus-dev")]
    issuer: String,
    /// Audience (`aud`); must equal the server's auth.jwt.audience.
    #[arg(long, default_value = "nexus")]
    audience: String,
    /// Lifetime, e.g. `1h`, `30m`.
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    ttl: Duration,
}

#[derive(Debug, Subcommand)]
enum SchemaCommand {
    /// Checks the catalog without a server: every version parses, obeys its
    /// subject's compatibility mode against the earlier ones, and every
    /// upcaster compiles. Exits 1 with a report if not.
    Check(schema_cli::CheckArgs),
    /// Registers the catalog in a running server, idempotently.
    Sync(schema_cli::SyncArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// TOML configuration file (default: ./nexus.toml if it exists).
    #[arg(long, short = 'c', value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address of the gRPC listener [default: 127.0.0.1:50051].
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Directory for the embedded store's files [default: ./nexus-data].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// When an append is acknowledged: `full` fsyncs first (default);
    /// `relaxed` does not and can lose the last commits on power loss.
    #[arg(long, value_enum)]
    durability: Option<DurabilityArg>,
    /// Log format [default: text].
    #[arg(long, value_enum)]
    log_format: Option<LogFormat>,
    /// Schema catalog registered at start [default: ./schemas].
    #[arg(long, value_name = "DIR")]
    schemas_dir: Option<PathBuf>,
    /// Projection definitions started with the server [default: ./projections].
    #[arg(long, value_name = "DIR")]
    projections_dir: Option<PathBuf>,
    /// Saga definitions loaded at start [default: ./sagas].
    #[arg(long, value_name = "DIR")]
    sagas_dir: Option<PathBuf>,
    /// Rego policies loaded at start and reloaded on change [default: ./policies].
    #[arg(long, value_name = "DIR")]
    policies_dir: Option<PathBuf>,
    /// Store events whose type has no registered schema, unchecked (for
    /// development; off by default).
    #[arg(long)]
    allow_unregistered_event_types: bool,
    /// Authentication: `none` (development, loopback only) or `jwt`
    /// [default: none]. The keys are configured in [auth.jwt].
    #[arg(long, value_enum)]
    auth_mode: Option<AuthMode>,
    /// PEM certificate chain: serve TLS (with --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// PEM CA certificate: require client certificates signed by it (mutual TLS).
    #[arg(long, value_name = "FILE")]
    tls_client_ca: Option<PathBuf>,
    /// Address of the admin HTTP listener (GET /metrics, GET /healthz)
    /// [default: 127.0.0.1:9464].
    #[arg(long, value_name = "ADDR")]
    admin_listen: Option<SocketAddr>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DurabilityArg {
    Full,
    Relaxed,
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Closed-loop appends against a running server; prints events/s and
    /// latency percentiles.
    Append(bench::AppendBenchArgs),
    /// What checking one event against its JSON Schema costs, in-process on
    /// one thread (no network, no store).
    Validate(bench::validate::ValidateBenchArgs),
    /// What one policy decision costs (authz; events for 1 and 100 events),
    /// in-process on N threads, with the policies of --dir.
    Policy(bench::policy::PolicyBenchArgs),
    /// Latency from append acknowledgement to SubscribeAll clients and to
    /// document watchers, under append load; projection rebuild throughput.
    ReadSide(bench::readside::ReadSideBenchArgs),
    /// Execute latency on an aggregate with a long history (100,000 events),
    /// with and without snapshots, against a fresh aggregate's.
    Snapshots(bench::snapshots::SnapshotBenchArgs),
    /// Closed-loop Execute calls for any aggregate type, in-process or
    /// remote (HandlerService): commands/s and latency percentiles.
    Commands(bench::commands::CommandBenchArgs),
    /// An OTLP/gRPC collector that counts what it receives and prints the
    /// counts when stopped (to measure what exporting telemetry costs).
    OtlpSink(bench::otlp_sink::OtlpSinkArgs),
    /// Completed transfer sagas per second and saga duration percentiles,
    /// with N sagas running at once (32 by default).
    Sagas(bench::sagas::SagaBenchArgs),
    /// Latency from append acknowledgement to a Kinesis subscriber (stream
    /// path) and to an SQS-backed Consume stream (queue path), on the AWS
    /// backends.
    #[cfg(feature = "aws")]
    Paths(bench::paths::PathsBenchArgs),
}

impl ServeArgs {
    /// The flags that were given, as the last configuration layer.
    fn overrides(&self) -> Figment {
        let mut figment = Figment::new();
        if let Some(listen) = self.listen {
            figment = figment.merge(Serialized::default("listen", listen));
        }
        if let Some(dir) = &self.data_dir {
            figment = figment.merge(Serialized::default("data_dir", dir));
        }
        if let Some(listen) = self.admin_listen {
            figment = figment.merge(Serialized::default("admin.listen", listen));
        }
        if let Some(durability) = self.durability {
            let durability = match durability {
                DurabilityArg::Full => Durability::Full,
                DurabilityArg::Relaxed => Durability::Relaxed,
            };
            figment = figment.merge(Serialized::default("event_store.durability", durability));
        }
        if let Some(format) = self.log_format {
            figment = figment.merge(Serialized::default("log.format", format));
        }
        if let Some(dir) = &self.schemas_dir {
            figment = figment.merge(Serialized::default("schemas.dir", dir));
        }
        if let Some(dir) = &self.policies_dir {
            figment = figment.merge(Serialized::default("policies.dir", dir));
        }
        if let Some(dir) = &self.sagas_dir {
            figment = figment.merge(Serialized::default("sagas.dir", dir));
        }
        if let Some(dir) = &self.projections_dir {
            figment = figment.merge(Serialized::default("projections.dir", dir));
        }
        if self.allow_unregistered_event_types {
            figment = figment.merge(Serialized::default("schemas.allow_unregistered", true));
        }
        if let Some(mode) = self.auth_mode {
            figment = figment.merge(Serialized::default("auth.mode", mode));
        }
        for (key, file) in [
            ("tls.cert_file", &self.tls_cert),
            ("tls.key_file", &self.tls_key),
            ("tls.client_ca_file", &self.tls_client_ca),
        ] {
            if let Some(file) = file {
                figment = figment.merge(Serialized::default(key, file));
            }
        }
        figment
    }
}

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    match cli.command {
        Command::Serve(args) => {
            let config = Config::load(args.config.as_deref(), args.overrides())?;
            runtime
                .block_on(async {
                    // Before anything starts: a signal during start-up still shuts down cleanly.
                    let signal = server::shutdown_signal();
                    let telemetry = telemetry::init(&config.log, &config.telemetry)?;
                    let served = server::serve(config, signal, telemetry.prometheus().clone()).await;
                    telemetry.shutdown().await;
                    served
                })
                .map(|()| ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Append(args)) => {
            runtime.block_on(bench::run_append(args)).map(|()| ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Validate(args)) => bench::validate::run_validate(args).map(|()| ExitCode::SUCCESS),
        Command::Bench(BenchCommand::Policy(args)) => bench::policy::run_policy(args).map(|()| ExitCode::SUCCESS),
        Command::Bench(BenchCommand::Commands(args)) => {
            runtime.block_on(bench::commands::run(args)).map(|()| ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Sagas(args)) => {
            runtime.block_on(bench::sagas::run(args)).map(|()| ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Snapshots(args)) => {
            runtime.block_on(bench::snapshots::run(args)).map(|()| ExitCode::SUCCESS)
        }
        #[cfg(feature = "aws")]
        Command::Bench(BenchCommand::Paths(args)) => {
            runtime.block_on(bench::paths::run(args)).map(|()| ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::ReadSide(args)) => {
            runtime.block_on(bench::readside::run(args)).map(|()| ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::OtlpSink(args)) => {
            runtime.block_on(bench::otlp_sink::run(args)).map(|()| ExitCode::SUCCESS)
        }
        Command::Policy(PolicyCommand::Test(args)) => Ok(policy_cli::test(args)),
        Command::Health(args) => Ok(runtime.block_on(health_cli::run(args))),
        Command::Schema(SchemaCommand::Check(args)) => runtime.block_on(schema_cli::check(args)),
        Command::Schema(SchemaCommand::Sync(args)) => runtime.block_on(schema_cli::sync(args)),
        Command::Governance(GovernanceCommand::Check(args)) => governance_cli::check(args),
        #[cfg(feature = "aws")]
        Command::Aws(AwsCommand::Provision(args)) => {
            runtime.block_on(nexus_server::aws_cli::provision(args)).map(|()| ExitCode::SUCCESS)
        }
        #[cfg(feature = "aws")]
        Command::Aws(AwsCommand::Check(args)) => {
            runtime.block_on(nexus_server::aws_cli::check(args)).map(|()| ExitCode::SUCCESS)
        }
        Command::Auth(AuthCommand::Token(args)) => {
            let secret = read_secret_file(&args.secret_file)?;
            let token = mint_hs256(
                &secret,
                &TokenRequest {
                    subject: args.sub,
                    tenant: args.tenant,
                    roles: args.roles,
                    scopes: args.scopes,
                    issuer: args.issuer,
                    audience: args.audience,
                    ttl: args.ttl,
                },
            )
            .context("cannot sign the token")?;
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
