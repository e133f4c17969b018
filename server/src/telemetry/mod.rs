//! Observability: logs, traces and metrics (see docs/OBSERVABILITY.md).
//!
//! - **Logs** go to stderr through `tracing`, as text or JSON
//!   ([`logs`]), filtered per module by `[log] filter` / `RUST_LOG`.
//! - **Traces**: every gRPC call opens a server span ([`rpc`]); the command
//!   pipeline, the store, the router, projections, watches and sagas open
//!   child spans. With an OTLP endpoint they are exported over OTLP/gRPC
//!   (the same tonic), sampled by `OTEL_TRACES_SAMPLER` or
//!   `telemetry.sample_ratio`. The trace context travels in event metadata
//!   ([`crate::core::trace_context`]), so consumers' spans join the
//!   producer's tree.
//! - **Metrics** ([`crate::core::metrics`]) are OpenTelemetry instruments, read by a
//!   Prometheus exporter (the admin listener's `/metrics`) and, with an
//!   OTLP endpoint, pushed over OTLP too.

pub mod gauges;
pub mod logs;
pub mod rpc;
pub mod sampling;

/// The target of a sampled call's span.
pub(crate) const RPC_TARGET: &str = "nexus_server::telemetry::rpc";
/// The target of an unsampled call's span: the exporter's layer drops it and
/// every span under it before they are built.
pub(crate) const UNSAMPLED_RPC_TARGET: &str = "nexus_server::telemetry::rpc::unsampled";

use std::time::Duration;

use anyhow::Context as _;
use opentelemetry::{global, trace::TracerProvider as _};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::{
    Resource,
    metrics::SdkMeterProvider,
    propagation::TraceContextPropagator,
    runtime,
    trace::{Sampler, SdkTracerProvider},
};
use tracing_subscriber::{
    EnvFilter, Layer as _,
    filter::{FilterExt as _, Targets},
    layer::SubscriberExt,
    util::SubscriberInitExt,
};

use crate::config::{LogConfig, LogFormat, TelemetryConfig};

/// What [`init`] set up; [`Telemetry::shutdown`] flushes it.
pub struct Telemetry {
    tracer: Option<SdkTracerProvider>,
    meters: SdkMeterProvider,
    prometheus: prometheus::Registry,
    otlp: Option<String>,
}

impl Telemetry {
    /// The registry the admin listener renders as Prometheus text.
    pub fn prometheus(&self) -> &prometheus::Registry {
        &self.prometheus
    }

    /// The OTLP endpoint traces and metrics go to, if any.
    pub fn otlp_endpoint(&self) -> Option<&str> {
        self.otlp.as_deref()
    }

    /// Exports what is buffered and stops the exporters (bounded: an
    /// unreachable collector does not hold up the shutdown).
    pub async fn shutdown(self) {
        let Telemetry { tracer, meters, .. } = self;
        let flushing = tokio::task::spawn_blocking(move || {
            if let Some(tracer) = tracer {
                let _ = tracer.shutdown();
            }
            let _ = meters.shutdown();
        });
        if tokio::time::timeout(Duration::from_secs(5), flushing).await.is_err() {
            tracing::warn!("telemetry did not flush within 5 s; some spans or metrics may be lost");
        }
    }
}

/// The OTLP endpoint from the configuration or the standard variables.
fn otlp_endpoint(config: &TelemetryConfig) -> Option<String> {
    let sdk_disabled = std::env::var("OTEL_SDK_DISABLED").is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    if sdk_disabled {
        return None;
    }
    config
        .otlp_endpoint
        .clone()
        .or_else(|| std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").ok())
        .or_else(|| std::env::var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").ok())
        .filter(|e| !e.trim().is_empty())
}

/// Installs logging, tracing and metrics for the process. Call once, inside
/// the tokio runtime (the OTLP exporters run on it), before the server
/// starts (instruments bind to the provider installed here).
pub fn init(log: &LogConfig, config: &TelemetryConfig) -> anyhow::Result<Telemetry> {
    global::set_text_map_propagator(TraceContextPropagator::new());
    let otlp = otlp_endpoint(config);
    let resource = Resource::builder().with_service_name(service_name()).build();

    let tracer = match &otlp {
        Some(endpoint) => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(endpoint.clone())
                .build()
                .context("cannot set up the OTLP span exporter")?;
            let processor = opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor::builder(
                exporter,
                runtime::Tokio,
            )
            .build();
            // Calls are sampled when they arrive (sampling::sample, from
            // OTEL_TRACES_SAMPLER or telemetry.sample_ratio); what reaches
            // the SDK is kept, except under a caller's "not sampled".
            sampling::configure(sampling::Sampling::from_env(config.sample_ratio));
            crate::core::trace_context::set_exporting();
            let builder = SdkTracerProvider::builder()
                .with_span_processor(processor)
                .with_resource(resource.clone())
                .with_sampler(Sampler::ParentBased(Box::new(Sampler::AlwaysOn)));
            Some(builder.build())
        }
        None => None,
    };

    let prometheus = prometheus::Registry::new();
    let exporter = opentelemetry_prometheus::exporter()
        .with_registry(prometheus.clone())
        .build()
        .context("cannot set up the Prometheus exporter")?;
    let mut meters = SdkMeterProvider::builder().with_reader(exporter).with_resource(resource);
    if let Some(endpoint) = &otlp {
        let exporter = opentelemetry_otlp::MetricExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint.clone())
            .build()
            .context("cannot set up the OTLP metric exporter")?;
        let interval = std::env::var("OTEL_METRIC_EXPORT_INTERVAL")
            .ok()
            .and_then(|ms| ms.parse::<u64>().ok())
            .map_or(config.metrics_interval, Duration::from_millis);
        let reader = opentelemetry_sdk::metrics::periodic_reader_with_async_runtime::PeriodicReader::builder(
            exporter,
            runtime::Tokio,
        )
        .with_interval(interval)
        .build();
        meters = meters.with_reader(reader);
    }
    let meters = meters.build();
    global::set_meter_provider(meters.clone());

    init_logging(log, config, tracer.as_ref())?;
    if let Some(endpoint) = &otlp {
        tracing::info!(endpoint, "exporting traces and metrics over OTLP/gRPC");
    }
    Ok(Telemetry { tracer, meters, prometheus, otlp })
}

fn service_name() -> String {
    std::env::var("OTEL_SERVICE_NAME").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| "nexus".into())
}

/// Logs only, for the commands that are not the server.
pub fn init_logging_only(log: &LogConfig) {
    let _ = init_logging(log, &TelemetryConfig::default(), None);
}

fn init_logging(log: &LogConfig, config: &TelemetryConfig, tracer: Option<&SdkTracerProvider>) -> anyhow::Result<()> {
    let from_env = std::env::var(EnvFilter::DEFAULT_ENV).ok().filter(|f| !f.trim().is_empty());
    let filter = Directives::parse(from_env.as_deref().unwrap_or(&log.filter));
    let layers = layers(log.format, filter, config, tracer)?;
    tracing_subscriber::registry().with(layers).try_init().context("a global tracing subscriber is already installed")
}

type BoxedLayer = Box<dyn tracing_subscriber::Layer<tracing_subscriber::Registry> + Send + Sync>;

/// A level-per-module filter (`nexus_server=debug,info`).
///
/// Plain `target=level` lists become a [`Targets`] filter, whose answer
/// tracing caches per callsite. An [`EnvFilter`] is kept for the lists that
/// need one (span-field directives such as `[append{stream=x}]=trace`): it
/// takes a lock to look up the span on every span open, enter, exit and
/// close, and a call's span is entered on every poll of its future.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // made once at start-up
enum Directives {
    Static(Targets),
    Dynamic(EnvFilter),
}

impl Directives {
    /// Never fails: like `RUST_LOG`, directives it cannot read are left out.
    fn parse(directives: &str) -> Self {
        Self::targets(directives).map_or_else(|| Self::Dynamic(EnvFilter::new(directives)), Self::Static)
    }

    /// Refuses directives it cannot read (the trace filter is configuration,
    /// and a typo there is the operator's to fix).
    fn try_parse(directives: &str) -> anyhow::Result<Self> {
        match Self::targets(directives) {
            Some(targets) => Ok(Self::Static(targets)),
            None => Ok(Self::Dynamic(EnvFilter::try_new(directives)?)),
        }
    }

    /// The directives as a [`Targets`] filter, if they are a plain
    /// `target=level` list. Anything with brackets or braces is left to
    /// `EnvFilter`: `Targets` would read `[append]=trace` (the spans named
    /// `append`) as a target named `[append`.
    fn targets(directives: &str) -> Option<Targets> {
        if directives.contains(['[', ']', '{', '}', '"']) {
            return None;
        }
        directives.parse().ok()
    }

    /// As a filter for a layer, or to combine with others.
    fn boxed(self) -> Box<dyn tracing_subscriber::layer::Filter<tracing_subscriber::Registry> + Send + Sync> {
        match self {
            Self::Static(targets) => Box::new(targets),
            Self::Dynamic(env) => Box::new(env),
        }
    }
}

/// The process's tracing layers: logs filtered by `filter`, and with a
/// tracer the OTLP exporter's.
fn layers(
    format: LogFormat,
    filter: Directives,
    config: &TelemetryConfig,
    tracer: Option<&SdkTracerProvider>,
) -> anyhow::Result<Vec<BoxedLayer>> {
    // The layers present, in a Vec: tracing-subscriber's `Option` layer,
    // when `None`, makes the registry enable every span callsite that all
    // the other filters refuse (h2's trace spans, for one: built on every
    // frame, then seen by no layer), which cost more than all the rest of
    // the telemetry together.
    let mut layers: Vec<BoxedLayer> = Vec::new();
    // Colours only for a terminal: a log file or pipeline gets plain text.
    use std::io::IsTerminal;
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(std::io::stderr().is_terminal());
    match format {
        // Text shows a line's spans with their fields, formatted by the fmt
        // layer when each span opens.
        LogFormat::Text => layers.push(fmt.with_filter(filter.boxed()).boxed()),
        // JSON lines carry only the call's request fields, kept by
        // `RequestFieldsLayer` (which sees only spans, and only down to
        // INFO, where the call spans are), so spans' fields go unformatted.
        LogFormat::Json => {
            layers.push(
                logs::RequestFieldsLayer.with_filter(Static { spans: tracing::Level::INFO, events: None }).boxed(),
            );
            let fmt = fmt.event_format(logs::JsonFormat).fmt_fields(logs::NoSpanFields);
            layers.push(fmt.with_filter(filter.boxed()).boxed());
        }
    }
    if let Some(provider) = tracer {
        let filter = Directives::try_parse(&config.trace_filter)
            .with_context(|| format!("telemetry.trace_filter {:?} is not a tracing filter", config.trace_filter))?;
        // Spans as the filter says; log events only from WARN up (they
        // become span events).
        let events = Static { spans: tracing::Level::TRACE, events: Some(tracing::Level::WARN) };
        // Each of the layer's defaults below costs work on every span, or on
        // every poll of a future inside one, for an attribute the span tree
        // does not need: busy/idle time (two clock reads per enter and
        // exit), source location and thread (five attributes), the target
        // (the span's name says what it is), and an OTel context activated
        // on every enter (nothing here reads `Context::current`;
        // trace_context reads the span's own).
        let layer = tracing_opentelemetry::layer()
            .with_tracer(provider.tracer("nexus"))
            .with_tracked_inactivity(false)
            .with_location(false)
            .with_threads(false)
            .with_target(false)
            .with_context_activation(false);
        // The unsampled-call check first: it is one thread-local read, and
        // under sampling it refuses most spans before the others are asked.
        layers.push(layer.with_filter(sampling::SampledCalls.and(filter.boxed()).and(events)).boxed());
    }
    Ok(layers)
}

/// A per-layer filter decided by a callsite's kind and level alone, so
/// tracing caches the answer per callsite (a closure filter would be asked
/// again on every event of every crate, hyper's and h2's included).
#[derive(Debug, Clone, Copy)]
struct Static {
    /// Spans down to this level pass.
    spans: tracing::Level,
    /// Events down to this level pass; `None`: no events.
    events: Option<tracing::Level>,
}

impl Static {
    fn passes(&self, metadata: &tracing::Metadata<'_>) -> bool {
        if metadata.is_span() {
            *metadata.level() <= self.spans
        } else {
            self.events.is_some_and(|level| *metadata.level() <= level)
        }
    }
}

impl<S> tracing_subscriber::layer::Filter<S> for Static {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: &tracing_subscriber::layer::Context<'_, S>) -> bool {
        self.passes(metadata)
    }

    fn callsite_enabled(&self, metadata: &'static tracing::Metadata<'static>) -> tracing::subscriber::Interest {
        if self.passes(metadata) {
            tracing::subscriber::Interest::always()
        } else {
            tracing::subscriber::Interest::never()
        }
    }

    fn max_level_hint(&self) -> Option<tracing_subscriber::filter::LevelFilter> {
        let most = self.events.map_or(self.spans, |events| self.spans.max(events));
        Some(tracing_subscriber::filter::LevelFilter::from_level(most))
    }
}

#[cfg(test)]
mod tests {
    use tracing::Level;
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// Which spans the process's layers enable, under a scoped subscriber.
    fn enabled_spans(format: LogFormat, tracer: Option<&SdkTracerProvider>) -> Vec<(&'static str, bool)> {
        let _turn = SUBSCRIBERS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let config = TelemetryConfig::default();
        let layers = layers(format, Directives::parse("info"), &config, tracer).unwrap_or_else(|e| panic!("{e:#}"));
        let subscriber = tracing_subscriber::registry().with(layers);
        tracing::subscriber::with_default(subscriber, || {
            vec![
                ("h2 trace span", !tracing::span!(target: "h2::proto", Level::TRACE, "pop_frame").is_disabled()),
                ("hyper debug span", !tracing::span!(target: "hyper", Level::DEBUG, "conn").is_disabled()),
                ("our debug span", !tracing::span!(target: "nexus_server::core", Level::DEBUG, "step").is_disabled()),
                ("a call's span", !tracing::span!(target: RPC_TARGET, Level::INFO, "rpc").is_disabled()),
                (
                    "an unsampled call's span",
                    !tracing::span!(target: UNSAMPLED_RPC_TARGET, Level::INFO, "rpc").is_disabled(),
                ),
            ]
        })
    }

    /// Tests that install a scoped subscriber take turns: tracing caches
    /// each callsite's interest process-wide, combined over the live
    /// subscribers, so two at once see each other's answers.
    static SUBSCRIBERS: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// Which of a few callsites a filter lets through, as a lone layer.
    fn passed(filter: Directives) -> Vec<bool> {
        let _turn = SUBSCRIBERS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let layer = tracing_subscriber::layer::Identity::new().with_filter(filter.boxed()).boxed();
        let subscriber = tracing_subscriber::registry().with(vec![layer]);
        tracing::subscriber::with_default(subscriber, || {
            vec![
                !tracing::span!(target: "nexus_server::core", Level::DEBUG, "step").is_disabled(),
                !tracing::span!(target: "nexus_server::core", Level::TRACE, "detail").is_disabled(),
                !tracing::span!(target: "nexus_server", Level::INFO, "rpc").is_disabled(),
                !tracing::span!(target: "h2::proto", Level::DEBUG, "frame").is_disabled(),
                !tracing::span!(target: "hyper", Level::INFO, "conn").is_disabled(),
                !tracing::span!(target: "hyper", Level::WARN, "conn").is_disabled(),
            ]
        })
    }

    #[test]
    fn level_lists_become_a_static_filter_that_agrees_with_env_filter() {
        for directives in ["nexus_server=debug,info", "warn,nexus_server::core=trace", "info", "off"] {
            let chosen = Directives::parse(directives);
            assert!(matches!(chosen, Directives::Static(_)), "{directives}: {chosen:?}");
            assert_eq!(
                passed(chosen),
                passed(Directives::Dynamic(EnvFilter::new(directives))),
                "{directives}: a Targets filter passes what an EnvFilter would"
            );
        }
        for spans in ["info,[append{stream=orders}]=trace", "info,[append]=trace", "nexus_server[{stream}]=debug"] {
            assert!(matches!(Directives::parse(spans), Directives::Dynamic(_)), "{spans}: needs an EnvFilter");
        }
        assert!(Directives::try_parse("info,[bad").is_err(), "a broken trace filter is refused");
    }

    #[test]
    fn no_layer_set_turns_on_spans_nobody_reads() {
        let tracer = SdkTracerProvider::builder().build();
        for format in [LogFormat::Text, LogFormat::Json] {
            let off = enabled_spans(format, None);
            assert_eq!(
                off,
                vec![
                    ("h2 trace span", false),
                    ("hyper debug span", false),
                    ("our debug span", false),
                    ("a call's span", true),
                    ("an unsampled call's span", true),
                ],
                "{format:?}, no exporter"
            );
            let exporting = enabled_spans(format, Some(&tracer));
            assert_eq!(
                exporting,
                vec![
                    ("h2 trace span", false),
                    ("hyper debug span", false),
                    ("our debug span", true),
                    ("a call's span", true),
                    ("an unsampled call's span", true),
                ],
                "{format:?}, exporting"
            );
        }
    }
}
