//! `nexus health`: asks a server's grpc.health.v1 service whether it is
//! serving, for container HEALTHCHECKs and scripts (exit 0 when SERVING,
//! 1 otherwise).

use std::{process::ExitCode, time::Duration};

use anyhow::Context;
use tonic::transport::Endpoint;
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient};

use crate::auth::client::ClientAuthArgs;

#[derive(Debug, clap::Args)]
pub struct HealthArgs {
    /// The server to ask.
    #[arg(long, default_value = "http://127.0.0.1:50051", env = "NEXUS_HEALTH_SERVER", value_name = "URL")]
    pub server: String,
    /// The service to ask about; "" (the default) is the server as a whole,
    /// which is NOT_SERVING while its event store does not answer.
    #[arg(long, default_value = "", value_name = "NAME")]
    pub service: String,
    /// Longest wait for connecting and for the answer.
    #[arg(long, default_value = "3s", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub timeout: Duration,
    #[command(flatten)]
    pub auth: ClientAuthArgs,
}

/// Prints the status; exit 0 when SERVING, 1 when not or when the server
/// cannot be asked.
pub async fn run(args: HealthArgs) -> ExitCode {
    match status(&args).await {
        Ok(ServingStatus::Serving) => {
            println!("SERVING");
            ExitCode::SUCCESS
        }
        Ok(other) => {
            println!("{}", other.as_str_name());
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("nexus health: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn status(args: &HealthArgs) -> anyhow::Result<ServingStatus> {
    let endpoint = Endpoint::from_shared(args.server.clone()).context("invalid server URL")?;
    let endpoint = args.auth.configure(endpoint)?.connect_timeout(args.timeout).timeout(args.timeout);
    let channel = endpoint.connect().await.with_context(|| format!("cannot connect to {}", args.server))?;
    let mut client = HealthClient::with_interceptor(channel, args.auth.interceptor()?);
    let response = client
        .check(HealthCheckRequest { service: args.service.clone() })
        .await
        .map_err(|status| anyhow::anyhow!("{} answered {:?}: {}", args.server, status.code(), status.message()))?;
    Ok(response.into_inner().status())
}
