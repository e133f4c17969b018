//! The `nexus` command.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

use anyhow::Context;
use clap::{Parser, Subcommand};
use figment::{Figment, providers::Serialized};
use nexus_server::{
    adapters::sqlite::Durability,
    bench,
    config::{Config, LogFormat},
    policy_cli, schema_cli, server,
};
use tracing_subscriber::EnvFilter;

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
    /// The Rego policies (policies/).
    #[command(subcommand)]
    Policy(PolicyCommand),
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Runs every `test_*` rule of the `*_test.rego` files with the
    /// directory's policies and data, like `opa test`: failures are listed,
    /// `--verbose` lists every test. Exits 1 if any fails or errs.
    Test(policy_cli::TestArgs),
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
    /// Rego policies loaded at start and reloaded on change [default: ./policies].
    #[arg(long, value_name = "DIR")]
    policies_dir: Option<PathBuf>,
    /// Store events whose type has no registered schema, unchecked (for
    /// development; off by default).
    #[arg(long)]
    allow_unregistered_event_types: bool,
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
        if self.allow_unregistered_event_types {
            figment = figment.merge(Serialized::default("schemas.allow_unregistered", true));
        }
        figment
    }
}

fn init_logging(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    match cli.command {
        Command::Serve(args) => {
            let config = Config::load(args.config.as_deref(), args.overrides())?;
            init_logging(config.log.format, &config.log.filter);
            runtime.block_on(server::serve(config, server::shutdown_signal())).map(|()| ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Append(args)) => {
            runtime.block_on(bench::run_append(args)).map(|()| ExitCode::SUCCESS)
        }
        Command::Bench(BenchCommand::Validate(args)) => bench::validate::run_validate(args).map(|()| ExitCode::SUCCESS),
        Command::Bench(BenchCommand::Policy(args)) => bench::policy::run_policy(args).map(|()| ExitCode::SUCCESS),
        Command::Policy(PolicyCommand::Test(args)) => Ok(policy_cli::test(args)),
        Command::Schema(SchemaCommand::Check(args)) => runtime.block_on(schema_cli::check(args)),
        Command::Schema(SchemaCommand::Sync(args)) => runtime.block_on(schema_cli::sync(args)),
    }
}
