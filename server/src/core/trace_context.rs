//! W3C trace context: taken from gRPC metadata, stored in event metadata
//! (`traceparent`, `tracestate`), and picked up again by whoever consumes
//! the event, so one command's spans form one tree across the bus.
//!
//! Through the global propagator, which `telemetry::init` sets to W3C
//! trace context; the core depends on the OpenTelemetry API only.

use std::{
    cell::Cell,
    collections::BTreeMap,
    future::Future,
    pin::Pin,
    sync::atomic::{AtomicBool, Ordering},
    task::{Context as TaskContext, Poll},
};

use opentelemetry::{
    Context, global,
    propagation::{Extractor, Injector},
    trace::{TraceContextExt, TraceId},
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

thread_local! {
    /// The trace whose work this thread is polling, when that trace is not
    /// sampled (set by [`Scope`]).
    static UNSAMPLED: Cell<Option<TraceId>> = const { Cell::new(None) };
}

/// Whether the work being polled on this thread belongs to a trace that is
/// not sampled: no span opened for it may be exported.
pub fn unsampled() -> bool {
    UNSAMPLED.get().is_some()
}

/// Says, until dropped, which sampling decision the work polled on this
/// thread falls under: `Some(trace)` for a trace that is not sampled,
/// `None` for a sampled one (or none at all). The RPC layer holds one
/// around every poll of a call; [`carry`] holds one around every poll of
/// work the call spawned.
#[must_use]
pub struct Scope {
    previous: Option<TraceId>,
}

impl Scope {
    pub fn enter(unsampled: Option<TraceId>) -> Self {
        Self { previous: UNSAMPLED.replace(unsampled) }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        UNSAMPLED.set(self.previous);
    }
}

pin_project_lite::pin_project! {
    /// A future polled under the sampling decision of the code that made it
    /// (see [`carry`]).
    pub struct Carried<F> {
        #[pin]
        inner: F,
        unsampled: Option<TraceId>,
    }
}

impl<F: Future> Future for Carried<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _scope = Scope::enter(*this.unsampled);
        this.inner.poll(cx)
    }
}

/// `future`, to be spawned, keeps the sampling decision of the work that
/// spawns it: a saga started by an unsampled call exports none of its
/// steps, where without this they would start exported traces of their own.
pub fn carry<F: Future>(future: F) -> Carried<F> {
    within(UNSAMPLED.get(), future)
}

/// `future`, polled as work of the not-sampled trace `unsampled` (`None`:
/// of a sampled trace, or of none).
pub fn within<F: Future>(unsampled: Option<TraceId>, future: F) -> Carried<F> {
    Carried { inner: future, unsampled }
}

/// A fresh random trace id (for work that has none from a caller).
pub fn new_trace_id() -> TraceId {
    TraceId::from(rand::random::<u128>().max(1))
}

/// What the trace context recorded in an event's metadata says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// No (well-formed) `traceparent`: the event was written untraced.
    Untraced,
    /// A sampled trace: consumers' spans join it.
    Sampled,
    /// A trace that is not sampled: consumers open no spans for it and
    /// work they start stays unsampled.
    Unsampled(TraceId),
}

/// Reads the sampling decision of the trace recorded in `custom` (cheaply:
/// consumers ask this of every event).
pub fn recorded(custom: &BTreeMap<String, String>) -> Recorded {
    match custom.get(TRACEPARENT).and_then(|t| parse(t)).map(|(id, sampled)| (TraceId::from_hex(id), sampled)) {
        Some((Ok(_), true)) => Recorded::Sampled,
        Some((Ok(trace_id), false)) => Recorded::Unsampled(trace_id),
        _ => Recorded::Untraced,
    }
}

/// The trace id (32 hex digits) and sampled flag of a well-formed
/// `traceparent` (W3C trace context, version 00 or a later one).
fn parse(traceparent: &str) -> Option<(&str, bool)> {
    let mut parts = traceparent.split('-');
    let (version, trace_id, parent, flags) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    let well_formed = hex(version, 2)
        && version != "ff"
        && (version != "00" || parts.next().is_none())
        && hex(trace_id, 32)
        && trace_id.bytes().any(|b| b != b'0')
        && hex(parent, 16)
        && parent.bytes().any(|b| b != b'0')
        && hex(flags, 2);
    let flags = u8::from_str_radix(flags, 16).ok()?;
    well_formed.then_some((trace_id, flags & 1 == 1))
}

/// Records the current span's trace context in event metadata, replacing a
/// `traceparent` the client sent: the consumer's spans then hang under this
/// server's span, which itself continues the client's trace. Work of a
/// trace that is not sampled, and any work without tracing (no exporter),
/// records nothing and keeps the client's headers as they came: consumers
/// open spans only for events of sampled traces (see [`recorded`]).
pub fn inject_current(custom: &mut BTreeMap<String, String>) {
    if !EXPORTING.load(Ordering::Relaxed) || unsampled() {
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
    parse(traceparent).map(|(trace_id, _)| trace_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_decision_is_read_from_the_traceparent() {
        let with = |traceparent: &str| BTreeMap::from([(TRACEPARENT.to_string(), traceparent.to_string())]);
        let id = "4bf92f3577b34da6a3ce929d0e0e4736";
        assert_eq!(recorded(&with(&format!("00-{id}-00f067aa0ba902b7-01"))), Recorded::Sampled);
        assert_eq!(
            recorded(&with(&format!("00-{id}-00f067aa0ba902b7-00"))),
            Recorded::Unsampled(TraceId::from_hex(id).expect("hex"))
        );
        assert_eq!(recorded(&BTreeMap::new()), Recorded::Untraced);
        for broken in [
            "garbage".to_string(),
            format!("00-{}-00f067aa0ba902b7-01", "0".repeat(32)),
            format!("00-{id}-0000000000000000-01"),
            format!("00-{id}-00f067aa0ba902b7-01-extra"),
            format!("ff-{id}-00f067aa0ba902b7-01"),
            format!("00-{id}-00f067aa0ba902b7-zz"),
        ] {
            assert_eq!(recorded(&with(&broken)), Recorded::Untraced, "{broken}");
        }
        // What the propagator writes reads back the same.
        global::set_text_map_propagator(opentelemetry_sdk::propagation::TraceContextPropagator::new());
        for sampled in [true, false] {
            use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceState};
            let trace_id = TraceId::from(99u128);
            let flags = if sampled { TraceFlags::SAMPLED } else { TraceFlags::default() };
            let span = SpanContext::new(trace_id, SpanId::from(5u64), flags, true, TraceState::default());
            let mut custom = BTreeMap::new();
            let context = Context::new().with_remote_span_context(span);
            global::get_text_map_propagator(|p| p.inject_context(&context, &mut MapInjector(&mut custom)));
            let want = if sampled { Recorded::Sampled } else { Recorded::Unsampled(trace_id) };
            assert_eq!(recorded(&custom), want);
        }
    }

    #[tokio::test]
    async fn spawned_work_keeps_the_decision_of_its_spawner() {
        let trace_id = TraceId::from(7u128);
        let (carried, bare) = {
            let _scope = Scope::enter(Some(trace_id));
            assert!(unsampled());
            (tokio::spawn(carry(async { unsampled() })), tokio::spawn(async { unsampled() }))
        };
        assert!(!unsampled(), "the scope ends with its guard");
        assert!(carried.await.expect("task"), "carried work stays unsampled");
        assert!(!bare.await.expect("task"), "work spawned bare knows nothing of it");
        let _sampled = Scope::enter(None);
        assert!(!carry(async { unsampled() }).await);
    }

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
