//! `nexus aws`: creates and checks the AWS resources of a configuration.

use std::path::PathBuf;

use anyhow::Context;
use figment::Figment;

use crate::{
    adapters::aws::{AwsClients, provision},
    config::Config,
};

#[derive(Debug, clap::Args)]
pub struct ProvisionArgs {
    /// The server's configuration file; its `[aws]` section names the
    /// region, endpoint and resources.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Shards of the Kinesis stream when it is created.
    #[arg(long, default_value_t = 2)]
    pub shards: i32,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Creates every AWS resource Nexus can use (tables with their stream, the
/// Kinesis stream, the SNS topic); what exists is left alone.
pub async fn provision(args: ProvisionArgs) -> anyhow::Result<()> {
    let config = Config::load(args.config.as_deref(), Figment::new())?;
    let clients = AwsClients::connect(&config.aws).await;
    let needs = needs(&config);
    provision::create(&clients, &config.aws.resources, needs, args.shards)
        .await
        .context("cannot create the AWS resources")?;
    let r = &config.aws.resources;
    let registry = if needs.schema_registry { format!(", Glue registry {}", r.schema_registry) } else { String::new() };
    println!(
        "ready: DynamoDB tables {} and {}, Kinesis stream {}, SNS topic {}{registry} (region {}{})",
        r.events_table,
        r.coordination_table,
        r.kinesis_stream,
        r.topic,
        config.aws.region,
        config.aws.endpoint_url.as_deref().map(|u| format!(", endpoint {u}")).unwrap_or_default()
    );
    Ok(())
}

/// Every resource, and the Glue registry when `[schemas] backend = "glue"`
/// (a deployment keeping its schemas embedded needs no Glue permissions).
fn needs(config: &Config) -> provision::Needs {
    provision::Needs {
        schema_registry: config.schemas.backend == crate::config::SchemasBackend::Glue,
        ..provision::Needs::all()
    }
}

/// Checks that every resource exists and answers.
pub async fn check(args: CheckArgs) -> anyhow::Result<()> {
    let config = Config::load(args.config.as_deref(), Figment::new())?;
    let clients = AwsClients::connect(&config.aws).await;
    provision::check(&clients, &config.aws.resources, needs(&config)).await?;
    println!("every AWS resource of the configuration answers");
    Ok(())
}
