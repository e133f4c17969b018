//! `nexus bench policy`: what one policy decision costs, in-process, with the
//! policies of a directory (the shipped ones by default).
//!
//! Each scenario calls [`PolicyEngine`] exactly as the server does (the
//! input struct in, a [`Decision`] out, so converting the input is included)
//! from `--threads` threads at once, each recording every decision's latency.
//! Scenarios: one authorization (a writer appending to its tenant's stream;
//! evaluated, and cached), and an append's events check with 1 and with 100
//! order events of `--event-size` bytes on the secondary route (the route
//! whose payloads the shipped policy reads), and with 100 on the core route
//! (given without payloads, as the shipped policy's data asks).

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::Context;
use hdrhistogram::Histogram;
use serde::Serialize;

use super::payload;
use crate::core::{
    policy::{AuthzInput, Decision, EventInput, EventRoute, EventsInput, PolicyEngine, Resource},
    principal::Principal,
};

/// Options of `nexus bench policy`.
#[derive(Debug, Clone, clap::Args)]
pub struct PolicyBenchArgs {
    /// The policy directory.
    #[arg(long, default_value = "policies", value_name = "DIR")]
    pub dir: PathBuf,
    /// Threads deciding at the same time.
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub threads: usize,
    /// Decisions per thread for the single-item scenarios (the 100-event
    /// scenario runs a tenth of them).
    #[arg(long, value_name = "N", default_value_t = 50_000)]
    pub iterations: u64,
    /// Size in bytes of each event's JSON payload.
    #[arg(long, value_name = "BYTES", default_value_t = 256)]
    pub event_size: usize,
    /// Print only one JSON object with the results.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Measurement {
    scenario: &'static str,
    decisions: u64,
    decisions_per_sec: f64,
    p50_us: f64,
    p99_us: f64,
    p999_us: f64,
    max_us: f64,
}

#[derive(Debug, Serialize)]
struct PolicyReport {
    dir: String,
    threads: usize,
    event_size: usize,
    scenarios: Vec<Measurement>,
}

fn writer() -> Principal {
    Principal {
        subject: "walt".into(),
        tenant: "acme".into(),
        roles: vec!["writer".into()],
        scopes: vec!["events:write".into()],
        authenticated: true,
    }
}

/// `count` order events on `route`; their payloads are given to the policy
/// as the server gives them (`payload_routes` of the policy's data).
fn events_input(
    engine: &PolicyEngine,
    count: u32,
    event_size: usize,
    route: EventRoute,
) -> anyhow::Result<EventsInput> {
    let bytes = payload::order_payload(event_size);
    let payload: serde_json::Value = serde_json::from_slice(&bytes).context("benchmark payload")?;
    let events = (0..count)
        .map(|index| EventInput {
            index,
            id: uuid::Uuid::new_v4().to_string(),
            event_type: payload::GOVERNED_EVENT_TYPE.into(),
            content_type: "application/json".into(),
            size: bytes.len(),
            route,
            schema_subject: Some(payload::GOVERNED_EVENT_TYPE.into()),
            schema_version: Some(1),
            payload: if engine.payload_routes().includes(route) { payload.clone() } else { serde_json::Value::Null },
        })
        .collect();
    Ok(EventsInput { principal: writer(), stream: "acme/orders-1".into(), tenant: "acme".into(), events })
}

/// Runs `decide` `iterations` times on each of `threads` threads; every
/// decision must allow (a denying benchmark input is a broken benchmark).
fn measure(
    scenario: &'static str,
    threads: usize,
    iterations: u64,
    decide: Arc<dyn Fn() -> Decision + Send + Sync>,
) -> anyhow::Result<Measurement> {
    let first = decide();
    anyhow::ensure!(first.allow, "{scenario}: the benchmark input was denied: {:?}", first.reasons);
    let warmup = (iterations / 10).max(1);
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let decide = Arc::clone(&decide);
            std::thread::spawn(move || -> anyhow::Result<Histogram<u64>> {
                let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).context("histogram")?;
                for _ in 0..warmup {
                    decide();
                }
                for _ in 0..iterations {
                    let t = Instant::now();
                    let decision = decide();
                    histogram.saturating_record(t.elapsed().as_nanos() as u64);
                    anyhow::ensure!(decision.allow, "denied: {:?}", decision.reasons);
                }
                Ok(histogram)
            })
        })
        .collect();
    let mut merged = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).context("histogram")?;
    for handle in handles {
        let histogram = handle.join().map_err(|_| anyhow::anyhow!("a benchmark thread panicked"))??;
        merged.add(&histogram).context("merging histograms")?;
    }
    let elapsed = started.elapsed().max(Duration::from_nanos(1));
    let us = |ns: u64| (ns as f64 / 10.0).round() / 100.0;
    let decisions = iterations * threads as u64;
    Ok(Measurement {
        scenario,
        decisions,
        // Includes the warmup, so slightly low.
        decisions_per_sec: ((decisions + warmup * threads as u64) as f64 / elapsed.as_secs_f64()).round(),
        p50_us: us(merged.value_at_quantile(0.50)),
        p99_us: us(merged.value_at_quantile(0.99)),
        p999_us: us(merged.value_at_quantile(0.999)),
        max_us: us(merged.max()),
    })
}

pub fn run_policy(args: PolicyBenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.threads > 0 && args.iterations > 0, "--threads and --iterations must be positive");
    let engine = Arc::new(PolicyEngine::load(&args.dir).map_err(anyhow::Error::msg)?);

    let authz = AuthzInput {
        service: "nexus.v1.EventStoreService".into(),
        method: "AppendToStream".into(),
        principal: writer(),
        resource: Resource::stream("acme/orders-1"),
        correlation_id: Some("0b6f3c1e-bench".into()),
    };
    let one = events_input(&engine, 1, args.event_size, EventRoute::Secondary)?;
    let hundred = events_input(&engine, 100, args.event_size, EventRoute::Secondary)?;
    let hundred_core = events_input(&engine, 100, args.event_size, EventRoute::Core)?;

    let mut scenarios = Vec::new();
    // Every call names another stream, so every decision is evaluated (the
    // engine caches decisions by input); then the same input again and again.
    let e = Arc::clone(&engine);
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let fresh = authz.clone();
    scenarios.push(measure(
        "authz",
        args.threads,
        args.iterations,
        Arc::new(move || {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let mut input = fresh.clone();
            input.resource = Resource::stream(format!("acme/orders-{n}"));
            e.authorize(&input)
        }),
    )?);
    let e = Arc::clone(&engine);
    scenarios.push(measure("authz cached", args.threads, args.iterations, Arc::new(move || e.authorize(&authz)))?);
    let e = Arc::clone(&engine);
    scenarios.push(measure("events x1", args.threads, args.iterations, Arc::new(move || e.check_events(&one)))?);
    let e = Arc::clone(&engine);
    scenarios.push(measure(
        "events x100",
        args.threads,
        (args.iterations / 10).max(1),
        Arc::new(move || e.check_events(&hundred)),
    )?);
    let e = Arc::clone(&engine);
    scenarios.push(measure(
        "events x100 core",
        args.threads,
        (args.iterations / 10).max(1),
        Arc::new(move || e.check_events(&hundred_core)),
    )?);

    let report = PolicyReport {
        dir: args.dir.display().to_string(),
        threads: args.threads,
        event_size: payload::order_payload(args.event_size).len(),
        scenarios,
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
        return Ok(());
    }
    println!(
        "nexus bench policy: policies in {}, {} thread(s), {}-byte events (secondary route unless marked core)",
        report.dir, report.threads, report.event_size
    );
    for m in &report.scenarios {
        println!(
            "  {:<12} {:>9} decisions  {:>9.0}/s   p50 {:.2} µs   p99 {:.2} µs   p99.9 {:.2} µs   max {:.2} µs",
            m.scenario, m.decisions, m.decisions_per_sec, m.p50_us, m.p99_us, m.p999_us, m.max_us
        );
    }
    Ok(())
}
