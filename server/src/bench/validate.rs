//! `nexus bench validate`: what checking one event against its schema costs,
//! measured in-process on one thread, without the network or the store.
//!
//! Each iteration does what the append path does for a governed JSON event:
//! parse the payload and run the compiled validator. The same loop with the
//! JSON well-formedness check only (what an ungoverned event costs) is
//! measured first, so the difference is the cost of validation itself.

use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use serde::Serialize;

use super::payload;
use crate::core::schema::{DataFormat, SubjectConfig, format::ParsedSchema};

/// Options of `nexus bench validate`.
#[derive(Debug, Clone, clap::Args)]
pub struct ValidateBenchArgs {
    /// Size in bytes of the event payload (an order with about one line item
    /// per 100 bytes).
    #[arg(long, value_name = "BYTES", default_value_t = 1024)]
    pub event_size: usize,
    /// Events checked per measurement.
    #[arg(long, value_name = "N", default_value_t = 200_000)]
    pub iterations: u64,
    /// Print only one JSON object with the results.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Measurement {
    events_per_sec: f64,
    p50_us: f64,
    p99_us: f64,
    p999_us: f64,
    max_us: f64,
}

#[derive(Debug, Serialize)]
struct ValidateReport {
    event_size: usize,
    iterations: u64,
    /// JSON well-formedness check only (ungoverned events).
    well_formed_only: Measurement,
    /// Parsing into a JSON value, the first half of validation.
    parsed: Measurement,
    /// Parse + schema validation (governed events).
    validated: Measurement,
    /// Extra time per event that validation adds, at the median.
    added_p50_us: f64,
}

fn measure(iterations: u64, mut check: impl FnMut() -> bool) -> anyhow::Result<Measurement> {
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).context("histogram")?;
    let started = Instant::now();
    for _ in 0..iterations {
        let t = Instant::now();
        anyhow::ensure!(check(), "the benchmark payload failed its check");
        histogram.saturating_record(t.elapsed().as_nanos() as u64);
    }
    let elapsed = started.elapsed().max(Duration::from_nanos(1));
    let us = |ns: u64| (ns as f64 / 10.0).round() / 100.0;
    Ok(Measurement {
        events_per_sec: (iterations as f64 / elapsed.as_secs_f64()).round(),
        p50_us: us(histogram.value_at_quantile(0.50)),
        p99_us: us(histogram.value_at_quantile(0.99)),
        p999_us: us(histogram.value_at_quantile(0.999)),
        max_us: us(histogram.max()),
    })
}

pub fn run_validate(args: ValidateBenchArgs) -> anyhow::Result<()> {
    let schema = ParsedSchema::parse(DataFormat::Json, payload::SCHEMA, &SubjectConfig::default())
        .map_err(anyhow::Error::msg)?;
    let data = payload::order_payload(args.event_size);
    let warmup = (args.iterations / 10).max(1);
    measure(warmup, || serde_json::from_slice::<serde::de::IgnoredAny>(&data).is_ok())?;
    let well_formed_only = measure(args.iterations, || serde_json::from_slice::<serde::de::IgnoredAny>(&data).is_ok())?;
    let parsed = measure(args.iterations, || serde_json::from_slice::<serde_json::Value>(&data).is_ok())?;
    measure(warmup, || schema.validate("application/json", &data).is_ok())?;
    let validated = measure(args.iterations, || schema.validate("application/json", &data).is_ok())?;
    let report = ValidateReport {
        event_size: data.len(),
        iterations: args.iterations,
        added_p50_us: ((validated.p50_us - well_formed_only.p50_us) * 100.0).round() / 100.0,
        well_formed_only,
        parsed,
        validated,
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "nexus bench validate: {}-byte order events, {} iterations, one thread",
            report.event_size, report.iterations
        );
        for (name, m) in [
            ("well-formed only", &report.well_formed_only),
            ("parsed to a value", &report.parsed),
            ("schema validated", &report.validated),
        ] {
            println!(
                "  {name:<17} {:>9.0} events/s   p50 {:.2} µs   p99 {:.2} µs   p99.9 {:.2} µs   max {:.2} µs",
                m.events_per_sec, m.p50_us, m.p99_us, m.p999_us, m.max_us
            );
        }
        println!("  validation adds {:.2} µs per event at the median", report.added_p50_us);
    }
    Ok(())
}
