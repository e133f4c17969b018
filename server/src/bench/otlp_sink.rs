//! `nexus bench otlp-sink`: an OTLP/gRPC collector that only counts what it
//! receives, so that the cost of exporting traces and metrics can be
//! measured against a receiver on the same machine (scripts/bench-observability).

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use anyhow::Context;
use opentelemetry_proto::tonic::collector::{
    metrics::v1::{
        ExportMetricsServiceRequest, ExportMetricsServiceResponse,
        metrics_service_server::{MetricsService, MetricsServiceServer},
    },
    trace::v1::{
        ExportTraceServiceRequest, ExportTraceServiceResponse,
        trace_service_server::{TraceService, TraceServiceServer},
    },
};
use tonic::{Request, Response, Status};

/// Arguments of `nexus bench otlp-sink`.
#[derive(Debug, clap::Args)]
pub struct OtlpSinkArgs {
    /// Where to listen (loopback).
    #[arg(long, default_value = "127.0.0.1:4317")]
    pub listen: SocketAddr,
}

#[derive(Default)]
struct Counts {
    spans: AtomicU64,
    points: AtomicU64,
    exports: AtomicU64,
}

#[derive(Clone, Default)]
struct Sink(Arc<Counts>);

#[tonic::async_trait]
impl TraceService for Sink {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let spans: usize =
            request.get_ref().resource_spans.iter().flat_map(|r| &r.scope_spans).map(|s| s.spans.len()).sum();
        self.0.spans.fetch_add(spans as u64, Ordering::Relaxed);
        self.0.exports.fetch_add(1, Ordering::Relaxed);
        Ok(Response::new(ExportTraceServiceResponse { partial_success: None }))
    }
}

#[tonic::async_trait]
impl MetricsService for Sink {
    async fn export(
        &self,
        request: Request<ExportMetricsServiceRequest>,
    ) -> Result<Response<ExportMetricsServiceResponse>, Status> {
        let metrics: usize =
            request.get_ref().resource_metrics.iter().flat_map(|r| &r.scope_metrics).map(|s| s.metrics.len()).sum();
        self.0.points.fetch_add(metrics as u64, Ordering::Relaxed);
        self.0.exports.fetch_add(1, Ordering::Relaxed);
        Ok(Response::new(ExportMetricsServiceResponse { partial_success: None }))
    }
}

/// Serves until SIGINT/SIGTERM, then prints what it received.
pub async fn run(args: OtlpSinkArgs) -> anyhow::Result<()> {
    let sink = Sink::default();
    let counts = sink.0.clone();
    eprintln!("otlp-sink listening on {}", args.listen);
    tonic::transport::Server::builder()
        .add_service(TraceServiceServer::new(sink.clone()).max_decoding_message_size(64 * 1024 * 1024))
        .add_service(MetricsServiceServer::new(sink))
        .serve_with_shutdown(args.listen, crate::server::shutdown_signal())
        .await
        .with_context(|| format!("cannot serve OTLP on {}", args.listen))?;
    println!(
        "otlp-sink received {} spans and {} metrics in {} exports",
        counts.spans.load(Ordering::Relaxed),
        counts.points.load(Ordering::Relaxed),
        counts.exports.load(Ordering::Relaxed)
    );
    Ok(())
}
