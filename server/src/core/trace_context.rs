//! W3C trace context: taken from gRPC metadata, stored in event metadata
//! (`traceparent`, `tracestate`), and picked up again by whoever consumes
//! the event, so one command's spans form one tree across the bus.
//!
//! Through the global propagator, which `telemetry::init` sets to W3C
//! trace context; the core depends on the OpenTelemetry API only.

use std::{
    collections::BTreeMap,
    sync::atomic::{AtomicBool, Ordering},
};

use opentelemetry::{
    Context, global,
    propagation::{Extractor, Injector},
    trace::TraceContextExt,
};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The metadata key of the W3C `traceparent` header, in gRPC metadata and in
/// an event's custom metadata alike.
pub const TRACEPARENT: &str = "traceparent";
/// The W3C `tracestate` header.
pub const TRACESTATE: &str = "tracestate";

struct Headers<'a>(&'a http::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

struct Map<'a>(&'a BTreeMap<String, String>);

impl Extractor for Map<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

struct MapInjector<'a>(&'a mut BTreeMap<String, String>);

impl Injector for MapInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_string(), value);
    }
}

/// The caller's trace context from request headers (empty when absent or
/// malformed).
pub fn from_headers(headers: &http::HeaderMap) -> Context {
    global::get_text_map_propagator(|p| p.extract(&Headers(headers)))
}

/// The producer's trace context recorded in an event's metadata.
pub fn from_metadata(custom: &BTreeMap<String, String>) -> Context {
    global::get_text_map_propagator(|p| p.extract(&Map(custom)))
}

/// Whether spans are exported at all (set once by the telemetry set-up):
/// without, no span has a context to record, and finding that out per event
/// costs a span lookup.
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Says spans are exported from now on (see [`inject_current`]).
pub fn set_exporting() {
    EXPORTING.store(true, Ordering::Relaxed);
}

/// Records the current span's trace context in event metadata, replacing a
/// `traceparent` the client sent: the consumer's spans then hang under this
/// server's span, which itself continues the client's trace. Without
/// tracing (no exporter) the current span has no context and the client's
/// headers are kept as they came.
pub fn inject_current(custom: &mut BTreeMap<String, String>) {
    if !EXPORTING.load(Ordering::Relaxed) {
        return;
    }
    let context = tracing::Span::current().context();
    if context.span().span_context().is_valid() {
        global::get_text_map_propagator(|p| p.inject_context(&context, &mut MapInjector(custom)));
    }
}

/// Makes `span` a child of the producer's span recorded in an event's
/// metadata (no-op when the event carries none or tracing is off).
pub fn follow(span: &tracing::Span, custom: &BTreeMap<String, String>) {
    if custom.contains_key(TRACEPARENT) {
        let parent = from_metadata(custom);
        if parent.span().span_context().is_valid() {
            let _ = span.set_parent(parent);
        }
    }
}

/// The trace id (32 hex digits) of a `traceparent` value, if well-formed.
pub fn trace_id_of(traceparent: &str) -> Option<&str> {
    let mut parts = traceparent.split('-');
    let (_version, trace_id) = (parts.next()?, parts.next()?);
    (trace_id.len() == 32 && trace_id.bytes().all(|b| b.is_ascii_hexdigit()) && trace_id != "0".repeat(32))
        .then_some(trace_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_of_traceparents() {
        let id = "4bf92f3577b34da6a3ce929d0e0e4736";
        assert_eq!(trace_id_of(&format!("00-{id}-00f067aa0ba902b7-01")), Some(id));
        assert_eq!(trace_id_of("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), None);
        assert_eq!(trace_id_of("00-xyz-00f067aa0ba902b7-01"), None);
        assert_eq!(trace_id_of("garbage"), None);
    }

    #[test]
    fn event_metadata_round_trip() {
        global::set_text_map_propagator(opentelemetry_sdk::propagation::TraceContextPropagator::new());
        let mut custom = BTreeMap::new();
        custom.insert(TRACEPARENT.to_string(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_string());
        let context = from_metadata(&custom);
        let span = context.span();
        let span_context = span.span_context();
        assert!(span_context.is_valid());
        assert_eq!(span_context.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(span_context.span_id().to_string(), "00f067aa0ba902b7");
        assert!(span_context.is_remote());
        assert!(!from_metadata(&BTreeMap::new()).span().span_context().is_valid());
    }
}
