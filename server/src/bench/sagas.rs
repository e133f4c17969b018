//! `nexus bench sagas`: completed transfer sagas per second and the
//! duration of a saga, with N sagas running at once against a running
//! server.
//!
//! Each of `--concurrency` workers owns two accounts (opened first, the
//! source with enough money for every transfer) and, in a closed loop,
//! starts a `transfer` saga (the shipped `sagas/transfer.toml`) and follows
//! it with WatchSaga until it ends. A saga's duration is from the StartSaga
//! call to the final transition; every saga must end COMPLETED.

use std::time::Duration;

use anyhow::Context;
use hdrhistogram::Histogram;
use nexus_sdk::{
    json::json_to_struct,
    proto::{
        ExecuteRequest, SagaStatus, StartSagaRequest, WatchSagaRequest, command_service_client::CommandServiceClient,
        saga_service_client::SagaServiceClient,
    },
};
use serde::Serialize;
use serde_json::json;
use tokio::time::Instant;

use crate::auth::client::{AuthedChannel, ClientAuthArgs};

/// Options of `nexus bench sagas`.
#[derive(Debug, Clone, clap::Args)]
pub struct SagaBenchArgs {
    /// Address of the Nexus server.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:50051")]
    pub server: String,
    /// Sagas running at once (one closed-loop worker each).
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub concurrency: usize,
    /// Sagas in all.
    #[arg(long, value_name = "N", default_value_t = 2_000)]
    pub sagas: u64,
    /// Print only one JSON object with the results.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub auth: ClientAuthArgs,
}

#[derive(Debug, Serialize)]
struct Report {
    concurrency: usize,
    sagas: u64,
    completed_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

pub async fn run(args: SagaBenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.concurrency > 0 && args.sagas > 0, "--concurrency and --sagas must be positive");
    let channels = super::connect(&args.server, &args.auth, args.concurrency.min(8)).await?;
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let per_worker = args.sagas.div_ceil(args.concurrency as u64);
    let mut workers = Vec::new();
    for worker in 0..args.concurrency {
        let channel = channels[worker % channels.len()].clone();
        let (from, to) = (format!("bench-saga-{run_id}-{worker}-a"), format!("bench-saga-{run_id}-{worker}-b"));
        let mut commands = CommandServiceClient::new(channel.clone());
        open(&mut commands, &from, i64::try_from(per_worker).unwrap_or(i64::MAX)).await?;
        open(&mut commands, &to, 0).await?;
        workers.push((SagaServiceClient::new(channel), from, to));
    }
    if !args.json {
        eprintln!("{} workers ready; running {} transfer sagas…", args.concurrency, per_worker * workers.len() as u64);
    }
    let started = Instant::now();
    let tasks: Vec<_> = workers
        .into_iter()
        .map(|(mut sagas, from, to)| {
            tokio::spawn(async move {
                let mut durations = Vec::with_capacity(per_worker as usize);
                for _ in 0..per_worker {
                    let began = Instant::now();
                    transfer(&mut sagas, &from, &to).await?;
                    durations.push(began.elapsed());
                }
                anyhow::Ok(durations)
            })
        })
        .collect();
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).context("histogram")?;
    let mut completed = 0u64;
    for task in tasks {
        for duration in task.await.context("a worker panicked")?? {
            histogram.saturating_record(u64::try_from(duration.as_micros()).unwrap_or(u64::MAX));
            completed += 1;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let ms = |us: u64| Duration::from_micros(us).as_secs_f64() * 1000.0;
    let report = Report {
        concurrency: args.concurrency,
        sagas: completed,
        completed_per_second: completed as f64 / elapsed,
        p50_ms: ms(histogram.value_at_quantile(0.5)),
        p99_ms: ms(histogram.value_at_quantile(0.99)),
        max_ms: ms(histogram.max()),
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "nexus bench sagas: {} transfer sagas, {} at once: {:.1} completed/s; duration p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            report.sagas, report.concurrency, report.completed_per_second, report.p50_ms, report.p99_ms, report.max_ms
        );
    }
    Ok(())
}

async fn open(commands: &mut CommandServiceClient<AuthedChannel>, id: &str, balance: i64) -> anyhow::Result<()> {
    let request = ExecuteRequest {
        aggregate_type: "account".into(),
        aggregate_id: id.into(),
        command_type: "OpenAccount".into(),
        payload: json_to_struct(json!({"owner": "bench", "initial_deposit": balance})),
        ..Default::default()
    };
    commands.execute(request).await.with_context(|| format!("opening {id}"))?;
    Ok(())
}

/// Starts one transfer of 1 and waits for its end; an end other than
/// COMPLETED is an error.
async fn transfer(sagas: &mut SagaServiceClient<AuthedChannel>, from: &str, to: &str) -> anyhow::Result<()> {
    let request = StartSagaRequest {
        definition: "transfer".into(),
        input: json_to_struct(json!({"from": from, "to": to, "amount": 1})),
        request_id: String::new(),
    };
    let saga = sagas.start_saga(request).await.context("StartSaga (is sagas/transfer.toml loaded?)")?;
    let saga_id = saga.into_inner().saga.context("StartSaga returned no saga")?.saga_id;
    let mut watch =
        sagas.watch_saga(WatchSagaRequest { saga_id: saga_id.clone(), after_version: 0 }).await?.into_inner();
    let mut last = None;
    while let Some(message) = watch.message().await? {
        last = message.transition.map(|t| (t.status, t.error));
    }
    match last {
        Some((status, _)) if status == SagaStatus::Completed as i32 => Ok(()),
        Some((status, error)) => anyhow::bail!("saga {saga_id} ended {status}: {error}"),
        None => anyhow::bail!("saga {saga_id}: the watch ended without a transition"),
    }
}
