//! The admin HTTP listener, apart from the gRPC one and loopback by
//! default: `GET /metrics` (Prometheus text format 0.0.4) and `GET /healthz`
//! (200 while the process serves).

use std::net::SocketAddr;

use anyhow::Context;
use axum::{Router, extract::State, http::StatusCode, response::IntoResponse, routing::get};
use prometheus::{Encoder, TextEncoder};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Binds the admin listener. A busy port is reported, not fatal: metrics
/// are for operators, and the gRPC service does not depend on them.
pub async fn bind(listen: SocketAddr) -> Option<TcpListener> {
    match TcpListener::bind(listen).await {
        Ok(listener) => Some(listener),
        Err(e) => {
            tracing::error!(
                %listen,
                error = %e,
                "cannot open the admin listener (metrics, /healthz); set admin.listen (--admin-listen) to a free \
                 address, or admin.enabled = false"
            );
            None
        }
    }
}

/// Serves `/metrics` and `/healthz` until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    registry: prometheus::Registry,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let local = listener.local_addr()?;
    let app =
        Router::new().route("/metrics", get(metrics)).route("/healthz", get(|| async { "ok\n" })).with_state(registry);
    tracing::info!(%local, "admin listening (GET /metrics, GET /healthz)");
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
        .context("admin listener failed")
}

async fn metrics(State(registry): State<prometheus::Registry>) -> impl IntoResponse {
    let encoder = TextEncoder::new();
    let mut body = Vec::new();
    match encoder.encode(&registry.gather(), &mut body) {
        Ok(()) => (StatusCode::OK, [(http::header::CONTENT_TYPE, encoder.format_type().to_string())], body),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(http::header::CONTENT_TYPE, "text/plain".to_string())],
            format!("cannot encode the metrics: {e}\n").into_bytes(),
        ),
    }
}
