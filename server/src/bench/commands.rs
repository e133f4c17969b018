//! `nexus bench commands`: closed-loop Execute calls against a running
//! server, for any aggregate type, in-process or remote (HandlerService):
//! commands per second and latency percentiles.
//!
//! Each of `--aggregates` aggregates first gets `--setup-command` (when
//! given), then `--concurrency` clients send `--command` with `--payload` to
//! random aggregates for `--duration`, each call with a fresh command id.
//! Every command must succeed: a failure stops the run with its status.

use std::{sync::Arc, time::Duration};

use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use nexus_sdk::{
    json::json_to_struct,
    proto::{ExecuteRequest, command_service_client::CommandServiceClient},
};
use rand::{Rng, SeedableRng, rngs::SmallRng};
use serde::Serialize;
use tokio::{task::JoinSet, time::Instant};

use crate::auth::client::ClientAuthArgs;

/// Options of `nexus bench commands`.
#[derive(Debug, Clone, clap::Args)]
pub struct CommandBenchArgs {
    /// Address of the Nexus server.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:50051")]
    pub server: String,
    /// The aggregate type.
    #[arg(long, default_value = "account")]
    pub aggregate_type: String,
    /// The command measured.
    #[arg(long, default_value = "DepositMoney")]
    pub command: String,
    /// Its payload (JSON object).
    #[arg(long, default_value = r#"{"amount": 1}"#)]
    pub payload: String,
    /// A command sent once to each aggregate first ("" for none).
    #[arg(long, default_value = "OpenAccount")]
    pub setup_command: String,
    /// Its payload (JSON object).
    #[arg(long, default_value = r#"{"owner": "Bench", "initial_deposit": 0}"#)]
    pub setup_payload: String,
    /// Aggregates the commands are spread over.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub aggregates: usize,
    /// Closed-loop clients.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub concurrency: usize,
    /// How long to measure.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = humantime::parse_duration)]
    pub duration: Duration,
    /// Load before measuring.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = humantime::parse_duration)]
    pub warmup: Duration,
    /// Print only one JSON object with the results.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub auth: ClientAuthArgs,
}

#[derive(Debug, Serialize)]
struct Report {
    aggregate_type: String,
    command: String,
    concurrency: usize,
    aggregates: usize,
    commands_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

fn object(text: &str, flag: &str) -> anyhow::Result<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_str(text).with_context(|| format!("{flag} is not JSON"))?;
    if !value.is_object() {
        bail!("{flag} must be a JSON object");
    }
    Ok(value)
}

pub async fn run(args: CommandBenchArgs) -> anyhow::Result<()> {
    if args.concurrency == 0 || args.aggregates == 0 {
        bail!("--concurrency and --aggregates must be at least 1");
    }
    let payload = object(&args.payload, "--payload")?;
    let setup =
        if args.setup_command.is_empty() { None } else { Some(object(&args.setup_payload, "--setup-payload")?) };
    let channels = super::connect(&args.server, &args.auth, args.concurrency.min(8)).await?;
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let ids: Arc<[String]> = (0..args.aggregates).map(|n| format!("b{run_id}-{n}")).collect();
    let request = |id: &str, command: &str, payload: &serde_json::Value| ExecuteRequest {
        aggregate_type: args.aggregate_type.clone(),
        aggregate_id: id.to_owned(),
        command_type: command.to_owned(),
        payload: json_to_struct(payload.clone()),
        command_id: uuid::Uuid::new_v4().to_string(),
        ..Default::default()
    };
    if !args.json {
        println!(
            "nexus bench commands: {} {} on {} aggregates, {} clients (run {run_id})",
            args.aggregate_type, args.command, args.aggregates, args.concurrency
        );
    }
    if let Some(setup) = &setup {
        let mut client = CommandServiceClient::new(channels[0].clone());
        for id in ids.iter() {
            client
                .execute(request(id, &args.setup_command, setup))
                .await
                .with_context(|| format!("{} on {id} failed", args.setup_command))?;
        }
    }

    let start = Instant::now();
    let measure_from = start + args.warmup;
    let end = measure_from + args.duration;
    let mut load = JoinSet::new();
    for c in 0..args.concurrency {
        let mut client = CommandServiceClient::new(channels[c % channels.len()].clone());
        let ids = ids.clone();
        let requests: Vec<ExecuteRequest> = ids.iter().map(|id| request(id, &args.command, &payload)).collect();
        load.spawn(async move {
            let mut rng = SmallRng::from_rng(&mut rand::rng());
            let mut latencies = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
            let mut count = 0u64;
            while Instant::now() < end {
                let mut request = requests[rng.random_range(0..requests.len())].clone();
                request.command_id = uuid::Uuid::new_v4().to_string();
                let sent = Instant::now();
                client.execute(request).await.context("a command failed")?;
                if sent >= measure_from {
                    count += 1;
                    latencies.record(u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX).max(1))?;
                }
            }
            Ok::<_, anyhow::Error>((count, latencies))
        });
    }
    let mut total = 0u64;
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    while let Some(done) = load.join_next().await {
        let (count, latencies) = done.context("a client task failed")??;
        total += count;
        histogram.add(latencies)?;
    }
    let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
    let report = Report {
        aggregate_type: args.aggregate_type.clone(),
        command: args.command.clone(),
        concurrency: args.concurrency,
        aggregates: args.aggregates,
        commands_per_second: total as f64 / args.duration.as_secs_f64(),
        p50_ms: ms(0.5),
        p99_ms: ms(0.99),
        max_ms: histogram.max() as f64 / 1000.0,
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "  {:.0} commands/s, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            report.commands_per_second, report.p50_ms, report.p99_ms, report.max_ms
        );
    }
    Ok(())
}
