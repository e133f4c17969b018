//! Head sampling, decided once per call when it arrives.
//!
//! The OpenTelemetry SDK samples when a span is started, but by then
//! `tracing-opentelemetry` has already built it (attributes converted, the
//! parent looked up), and so has every span under it: sampling one call in
//! ten saved almost nothing (docs/BENCHMARKS.md). So the RPC layer decides
//! first: a sampled call's span has the target [`super::RPC_TARGET`], an
//! unsampled one [`super::UNSAMPLED_RPC_TARGET`], and [`SampledCalls`], the
//! exporter layer's filter, drops the latter and every span opened under
//! it before anything is built. Logs see both alike. The decision travels
//! on: into work the call spawns ([`trace_context::carry`]) and, as a
//! `traceparent` with the sampled flag off, into the events it writes, so
//! their consumers do not start traces of their own.
//!
//! The decision follows `OTEL_TRACES_SAMPLER` (and `_ARG`) like the SDK
//! would: `always_on`, `always_off`, `traceidratio`, and their
//! `parentbased_` forms, which follow the caller's `traceparent` flag. Unset:
//! `parentbased_traceidratio` at `telemetry.sample_ratio`.

use std::sync::OnceLock;

use opentelemetry::trace::SpanContext;
use tracing_subscriber::layer::Context;

use super::UNSAMPLED_RPC_TARGET;
use crate::core::trace_context;

/// How calls are sampled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampling {
    /// Share of calls sampled (without a caller's decision to follow).
    pub ratio: f64,
    /// Follow the caller's sampled flag when it sent a `traceparent`.
    pub parent_based: bool,
}

impl Sampling {
    /// From `OTEL_TRACES_SAMPLER`/`OTEL_TRACES_SAMPLER_ARG`, else the ratio.
    pub fn from_env(default_ratio: f64) -> Self {
        Self::parse(
            std::env::var("OTEL_TRACES_SAMPLER").ok().as_deref(),
            std::env::var("OTEL_TRACES_SAMPLER_ARG").ok().as_deref(),
            default_ratio,
        )
    }

    fn parse(sampler: Option<&str>, arg: Option<&str>, default_ratio: f64) -> Self {
        let ratio =
            || arg.and_then(|a| a.trim().parse::<f64>().ok()).filter(|r| (0.0..=1.0).contains(r)).unwrap_or(1.0);
        let (ratio, parent_based) = match sampler.map(str::trim) {
            Some("always_on") => (1.0, false),
            Some("always_off") => (0.0, false),
            Some("traceidratio") => (ratio(), false),
            Some("parentbased_always_on") => (1.0, true),
            Some("parentbased_always_off") => (0.0, true),
            Some("parentbased_traceidratio") => (ratio(), true),
            _ => (default_ratio, true),
        };
        Self { ratio, parent_based }
    }

    fn decide(&self, remote: &SpanContext, draw: f64) -> bool {
        if self.parent_based && remote.is_valid() {
            return remote.is_sampled();
        }
        draw < self.ratio
    }
}

static SAMPLING: OnceLock<Sampling> = OnceLock::new();

/// Sets the process's sampling (once; [`super::init`] does, when exporting).
pub fn configure(sampling: Sampling) {
    let _ = SAMPLING.set(sampling);
}

/// Whether a call whose caller sent `remote` (maybe invalid) is sampled.
/// Without an exporter none is: nothing would read a sampled span's extra
/// fields.
pub fn sample(remote: &SpanContext) -> bool {
    match SAMPLING.get() {
        None => false,
        Some(sampling) if sampling.ratio >= 1.0 && !sampling.parent_based => true,
        Some(sampling) => sampling.decide(remote, rand::random::<f64>()),
    }
}

/// The exporter layer's filter: no unsampled call's span, nor any span
/// opened while the work of an unsampled trace is polled (its call, or what
/// the call spawned: see [`trace_context::Scope`]).
#[derive(Debug, Clone, Copy)]
pub struct SampledCalls;

impl<S> tracing_subscriber::layer::Filter<S> for SampledCalls {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: &Context<'_, S>) -> bool {
        !metadata.is_span() || (metadata.target() != UNSAMPLED_RPC_TARGET && !trace_context::unsampled())
    }

    fn callsite_enabled(&self, metadata: &'static tracing::Metadata<'static>) -> tracing::subscriber::Interest {
        if !metadata.is_span() {
            tracing::subscriber::Interest::always()
        } else if metadata.target() == UNSAMPLED_RPC_TARGET {
            tracing::subscriber::Interest::never()
        } else {
            tracing::subscriber::Interest::sometimes()
        }
    }

    /// No limit of its own; said, so that the filters it is combined with
    /// still give the process its maximum level (without a hint, tracing
    /// would assume TRACE and check every trace callsite of every crate).
    fn max_level_hint(&self) -> Option<tracing_subscriber::filter::LevelFilter> {
        Some(tracing_subscriber::filter::LevelFilter::TRACE)
    }
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::{SpanId, TraceFlags, TraceId, TraceState};

    use super::*;

    fn remote(sampled: bool) -> SpanContext {
        let flags = if sampled { TraceFlags::SAMPLED } else { TraceFlags::default() };
        SpanContext::new(TraceId::from(7u128), SpanId::from(9u64), flags, true, TraceState::default())
    }

    #[test]
    fn the_standard_sampler_variables_are_understood() {
        let p = Sampling::parse;
        assert_eq!(p(None, None, 0.25), Sampling { ratio: 0.25, parent_based: true });
        assert_eq!(p(Some("always_off"), None, 1.0), Sampling { ratio: 0.0, parent_based: false });
        assert_eq!(p(Some("traceidratio"), Some("0.1"), 1.0), Sampling { ratio: 0.1, parent_based: false });
        assert_eq!(p(Some("parentbased_traceidratio"), Some("0.5"), 1.0), Sampling { ratio: 0.5, parent_based: true });
        assert_eq!(p(Some("parentbased_traceidratio"), Some("7"), 1.0).ratio, 1.0, "an invalid ratio means 1.0");
        assert_eq!(p(Some("parentbased_always_off"), None, 1.0), Sampling { ratio: 0.0, parent_based: true });
    }

    #[test]
    fn decisions_follow_the_caller_or_the_ratio() {
        let tenth = Sampling { ratio: 0.1, parent_based: true };
        assert!(tenth.decide(&remote(true), 0.99), "the caller sampled it");
        assert!(!tenth.decide(&remote(false), 0.0), "the caller did not");
        assert!(tenth.decide(&SpanContext::empty_context(), 0.05));
        assert!(!tenth.decide(&SpanContext::empty_context(), 0.15));
        let ratio_only = Sampling { ratio: 0.1, parent_based: false };
        assert!(!ratio_only.decide(&remote(true), 0.5), "traceidratio ignores the caller");
        // About a tenth of random draws.
        let kept =
            (0..10_000).filter(|i| tenth.decide(&SpanContext::empty_context(), f64::from(*i) / 10_000.0)).count();
        assert_eq!(kept, 1_000);
    }
}
