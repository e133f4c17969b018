//! Gauges whose values need a query: projection lag, dead letters, sagas in
//! progress. A task samples them every `telemetry.gauge_interval` and
//! records the values, so a scrape (or an OTLP push) never waits on a
//! backend and a busy scraper cannot hammer SQS or DynamoDB.

use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
    time::Duration,
};

use opentelemetry::KeyValue;
use tokio_util::sync::CancellationToken;

use crate::core::{
    bus::QueueBus,
    metrics::metrics,
    model::now_micros,
    projection::engine::ProjectionEngine,
    saga::{SagaStatus, SagaStore},
};

/// What the sampler reads.
pub struct GaugeSources {
    pub projections: Arc<ProjectionEngine>,
    pub queue: Arc<dyn QueueBus>,
    pub sagas: Arc<dyn SagaStore>,
}

/// Samples until `shutdown`.
pub fn start(sources: GaugeSources, every: Duration, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // Series seen before: a consumer deleted since is set to 0 rather
        // than left at its last value.
        let mut consumers = BTreeSet::new();
        loop {
            sample(&sources, &mut consumers).await;
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(every) => {}
            }
        }
    })
}

async fn sample(sources: &GaugeSources, seen: &mut BTreeSet<String>) {
    let m = metrics();
    for status in sources.projections.list().await {
        let attrs = [KeyValue::new("projection", status.name.clone())];
        m.projection_lag_events.record(status.serving.lag_events, &attrs);
        m.projection_lag.record(status.serving.lag_millis as f64 / 1000.0, &attrs);
    }

    match sources.queue.list_consumers().await {
        Ok(consumers) => {
            let mut now = BTreeSet::new();
            for consumer in consumers {
                let oldest = if consumer.dead_letters == 0 {
                    0.0
                } else {
                    match sources.queue.list_dead_letters(&consumer.name, 1, None).await {
                        Ok(page) => page
                            .dead_letters
                            .first()
                            .map_or(0.0, |d| (now_micros() - d.dead_at_micros).max(0) as f64 / 1_000_000.0),
                        Err(e) => {
                            tracing::debug!(consumer = %consumer.name, error = %e, "cannot read the oldest dead letter");
                            continue;
                        }
                    }
                };
                let attrs = [KeyValue::new("consumer", consumer.name.clone())];
                m.dlq_depth.record(consumer.dead_letters, &attrs);
                m.dlq_oldest_age.record(oldest, &attrs);
                now.insert(consumer.name);
            }
            for gone in seen.difference(&now) {
                let attrs = [KeyValue::new("consumer", gone.clone())];
                m.dlq_depth.record(0, &attrs);
                m.dlq_oldest_age.record(0.0, &attrs);
            }
            *seen = now;
        }
        Err(e) => tracing::debug!(error = %e, "cannot list the queue consumers for the dead-letter gauges"),
    }

    match sources.sagas.active().await {
        Ok(active) => {
            let mut counts: HashMap<SagaStatus, u64> =
                [(SagaStatus::Running, 0), (SagaStatus::Compensating, 0)].into_iter().collect();
            for saga in active {
                *counts.entry(saga.status).or_default() += 1;
            }
            for (status, count) in counts {
                m.sagas.record(count, &[KeyValue::new("status", status.as_str().to_ascii_lowercase())]);
            }
        }
        Err(e) => tracing::debug!(error = %e, "cannot read the sagas in progress"),
    }
}
