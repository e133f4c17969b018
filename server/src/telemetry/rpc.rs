//! The outermost gRPC layer: one server span per call (the root of the
//! call's span tree, a child of the caller's `traceparent`) and the
//! `rpc.server.call.duration` histogram, measured until the last byte of the
//! response, so streaming calls count their whole life.
//!
//! The span carries the fields every log line of the call repeats:
//! `trace_id`, `correlation_id` (the `x-correlation-id` header, or later
//! the command's) and `principal` (recorded once authenticated).

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::{Arc, LazyLock, RwLock},
    task::{Context, Poll, ready},
    time::Instant,
};

use http::{HeaderMap, Request, Response};
use http_body::{Body, Frame, SizeHint};
use opentelemetry::{
    KeyValue,
    trace::{TraceContextExt, TraceId},
};
use tonic::Code;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::core::{metrics::metrics, trace_context as context};

/// A sampled call's span: everything the exporter shows. Its target tells
/// the exporter's filter it is sampled (from the callsite's metadata alone).
macro_rules! sampled_span {
    ($names:expr) => {
        tracing::info_span!(
            target: super::RPC_TARGET,
            "rpc",
            otel.name = $names.full_name.as_str(),
            otel.kind = "server",
            otel.status_code = Empty,
            rpc.system = "grpc",
            rpc.service = &*$names.service,
            rpc.method = &*$names.method,
            rpc.grpc.status_code = Empty,
            trace_id = Empty,
            correlation_id = Empty,
            principal = Empty,
        )
    };
}

/// Every other call's span (no exporter, or not sampled): only what log
/// lines repeat, all but the principal given when it opens, so the log
/// layers format it once. Its target keeps it, and every span under it,
/// from the exporter.
macro_rules! lean_span {
    ($names:expr, $trace_id:expr) => {
        tracing::info_span!(
            target: super::UNSAMPLED_RPC_TARGET,
            "rpc",
            rpc.method = &*$names.method,
            trace_id = %$trace_id,
            correlation_id = Empty,
            principal = Empty,
        )
    };
}

/// Adds [`RpcService`] around the gRPC routes.
#[derive(Debug, Clone, Default)]
pub struct RpcLayer;

impl<S> tower_layer::Layer<S> for RpcLayer {
    type Service = RpcService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RpcService { inner }
    }
}

/// See the module docs.
#[derive(Debug, Clone)]
pub struct RpcService<S> {
    inner: S,
}

impl<S, B, ResBody> tower_service::Service<Request<B>> for RpcService<S>
where
    S: tower_service::Service<Request<B>, Response = Response<ResBody>>,
    ResBody: Body<Data = bytes::Bytes> + Send + 'static,
    ResBody::Error: Into<tonic::codegen::StdError>,
{
    type Response = Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = RpcFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let names = CallNames::of(request.uri().path());
        let parent = context::from_headers(request.headers());
        let remote = parent.span().span_context().clone();
        // Sampling is decided here, once per call: an unsampled call's spans
        // are never built for the exporter (see super::sampling).
        let sampled = super::sampling::sample(&remote);
        let mut unsampled = None;
        let span = if sampled {
            let span = sampled_span!(names);
            if remote.is_valid() {
                let _ = span.set_parent(parent);
            }
            let own = span.context().span().span_context().trace_id();
            let trace_id = if own != TraceId::INVALID { own } else { remote.trace_id() };
            // (TraceId displays as the 32 hex digits of a traceparent.)
            span.record("trace_id", tracing::field::display(trace_id));
            span
        } else {
            // The caller's trace id, or (no tracing and no caller's trace)
            // one of our own: it still ties the call's log lines together.
            let trace_id = if remote.is_valid() { remote.trace_id() } else { context::new_trace_id() };
            unsampled = Some(trace_id);
            lean_span!(names, trace_id)
        };
        if let Some(correlation) = request.headers().get("x-correlation-id").and_then(|v| v.to_str().ok()) {
            span.record("correlation_id", correlation);
        }
        let inner = {
            let _scope = context::Scope::enter(unsampled);
            span.in_scope(|| self.inner.call(request))
        };
        RpcFuture { inner, call: Some(Finish { names, span, unsampled, start: Instant::now() }) }
    }
}

/// A call's names (`/package.Service/Method` split) and its metric
/// attributes, made once per path and shared by every call of it.
#[derive(Debug)]
struct CallNames {
    service: Arc<str>,
    method: Arc<str>,
    full_name: String,
    /// `rpc.system`, `rpc.service`, `rpc.method`.
    attributes: [KeyValue; 3],
}

/// Paths seen so far. Bounded: paths are the client's to choose, and a path
/// no service answers is only ever recorded as "unknown".
static CALL_NAMES: LazyLock<RwLock<HashMap<String, Arc<CallNames>>>> = LazyLock::new(Default::default);
const MAX_CALL_NAMES: usize = 1024;

impl CallNames {
    fn of(path: &str) -> Arc<Self> {
        if let Some(names) = CALL_NAMES.read().ok().and_then(|known| known.get(path).cloned()) {
            return names;
        }
        let names = Arc::new(Self::split(path));
        if let Ok(mut known) = CALL_NAMES.write()
            && known.len() < MAX_CALL_NAMES
        {
            known.insert(path.to_string(), names.clone());
        }
        names
    }

    fn split(path: &str) -> Self {
        let trimmed = path.trim_start_matches('/');
        let (service, method) = trimmed.split_once('/').unwrap_or((trimmed, ""));
        Self::named(service, method)
    }

    fn named(service: &str, method: &str) -> Self {
        let (service, method): (Arc<str>, Arc<str>) = (service.into(), method.into());
        Self {
            full_name: format!("{service}/{method}"),
            attributes: [
                KeyValue::new("rpc.system", "grpc"),
                KeyValue::new("rpc.service", service.clone()),
                KeyValue::new("rpc.method", method.clone()),
            ],
            service,
            method,
        }
    }

    /// The names a path no service answers is recorded under.
    fn unknown() -> Arc<Self> {
        static UNKNOWN: LazyLock<Arc<CallNames>> = LazyLock::new(|| Arc::new(CallNames::named("unknown", "unknown")));
        UNKNOWN.clone()
    }
}

/// What is recorded once the call's status is known.
struct Finish {
    names: Arc<CallNames>,
    span: tracing::Span,
    /// The call's trace when it is not sampled (the exporter gets none of
    /// its spans).
    unsampled: Option<TraceId>,
    start: Instant,
}

impl Finish {
    /// Enters the call's span (and, unsampled, tells the exporter's filter
    /// so) for one poll.
    fn enter(&self) -> (context::Scope, tracing::span::Entered<'_>) {
        (context::Scope::enter(self.unsampled), self.span.enter())
    }

    fn done(self, code: Code, message: Option<&str>) {
        let Finish { names, span, start, .. } = self;
        // (Only the sampled span has these fields; on the lean one they are
        // no-ops.)
        span.record("rpc.grpc.status_code", code as i32);
        if is_server_error(code) {
            span.record("otel.status_code", "ERROR");
        }
        if code == Code::OutOfRange && message.is_some_and(|m| m.contains("message length too large")) {
            metrics().reject("too_large");
        }
        let elapsed = start.elapsed();
        // An access log at DEBUG, on the call's span (so with its trace id,
        // correlation id and principal).
        tracing::debug!(parent: &span, code = ?code, micros = elapsed.as_micros() as u64, "rpc finished");
        // A path no service answers is the client's to choose: it must not
        // mint a metric series.
        let names = if code == Code::Unimplemented { CallNames::unknown() } else { names };
        let [system, service, method] = names.attributes.clone();
        metrics().rpc_duration.record(
            elapsed.as_secs_f64(),
            &[system, service, method, KeyValue::new("rpc.grpc.status_code", code as i64)],
        );
    }
}

/// The codes OpenTelemetry counts as a server span's error.
fn is_server_error(code: Code) -> bool {
    matches!(
        code,
        Code::Unknown
            | Code::DeadlineExceeded
            | Code::Unimplemented
            | Code::Internal
            | Code::Unavailable
            | Code::DataLoss
    )
}

/// The `grpc-status` (and message) of headers or trailers, if present.
fn status_of(headers: &HeaderMap) -> Option<(Code, Option<String>)> {
    let code = headers.get("grpc-status")?.to_str().ok()?.parse::<i32>().ok()?;
    let message = headers.get("grpc-message").and_then(|v| v.to_str().ok()).map(percent_decode);
    Some((Code::from_i32(code), message))
}

/// grpc-message is percent-encoded; only the ASCII text matters here.
fn percent_decode(message: &str) -> String {
    message.replace("%20", " ").replace("%3A", ":")
}

pin_project_lite::pin_project! {
    /// The future of [`RpcService`].
    pub struct RpcFuture<F> {
        #[pin]
        inner: F,
        call: Option<Finish>,
    }
}

impl<F, ResBody, E> Future for RpcFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: Body<Data = bytes::Bytes> + Send + 'static,
    ResBody::Error: Into<tonic::codegen::StdError>,
{
    type Output = Result<Response<tonic::body::Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = {
            let _entered = this.call.as_ref().map(Finish::enter);
            ready!(this.inner.poll(cx))
        };
        let call = this.call.take();
        Poll::Ready(match result {
            Ok(response) => {
                // A trailers-only response (every error tonic returns) has
                // its status in the headers; otherwise it comes in trailers.
                let call = match (call, status_of(response.headers())) {
                    (Some(call), Some((code, message))) => {
                        call.done(code, message.as_deref());
                        None
                    }
                    (call, _) => call,
                };
                Ok(response.map(|inner| tonic::body::Body::new(RpcBody { inner, call })))
            }
            Err(error) => {
                if let Some(call) = call {
                    call.done(Code::Internal, None);
                }
                Err(error)
            }
        })
    }
}

pin_project_lite::pin_project! {
    /// The response body of [`RpcService`]: records the call when the
    /// trailers pass, or as CANCELLED when dropped before (the client went
    /// away, or a deadline passed).
    pub struct RpcBody<B> {
        #[pin]
        inner: B,
        call: Option<Finish>,
    }

    impl<B> PinnedDrop for RpcBody<B> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(call) = this.project().call.take() {
                call.done(Code::Cancelled, None);
            }
        }
    }
}

impl<B: Body> Body for RpcBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = {
            let _entered = this.call.as_ref().map(Finish::enter);
            ready!(this.inner.poll_frame(cx))
        };
        match &frame {
            Some(Ok(frame)) => {
                if let Some(trailers) = frame.trailers_ref()
                    && let Some(call) = this.call.take()
                {
                    let (code, message) = status_of(trailers).unwrap_or((Code::Ok, None));
                    call.done(code, message.as_deref());
                }
            }
            Some(Err(_)) => {
                if let Some(call) = this.call.take() {
                    call.done(Code::Internal, None);
                }
            }
            None => {
                if let Some(call) = this.call.take() {
                    call.done(Code::Ok, None);
                }
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_split_into_service_and_method() {
        let call = CallNames::of("/nexus.v1.CommandService/Execute");
        assert_eq!((&*call.service, &*call.method), ("nexus.v1.CommandService", "Execute"));
        assert_eq!(call.full_name, "nexus.v1.CommandService/Execute");
        assert_eq!(call.attributes[2], KeyValue::new("rpc.method", "Execute"));
        assert!(Arc::ptr_eq(&call, &CallNames::of("/nexus.v1.CommandService/Execute")), "made once per path");
        let odd = CallNames::of("/nothing");
        assert_eq!((&*odd.service, &*odd.method), ("nothing", ""));
        assert_eq!(format!("{}", TraceId::from(0xab_u128)), format!("{:030}ab", 0));
    }

    #[test]
    fn statuses_from_headers() {
        let mut headers = HeaderMap::new();
        assert!(status_of(&headers).is_none());
        headers.insert("grpc-status", "11".parse().unwrap_or_else(|_| unreachable!()));
        headers.insert(
            "grpc-message",
            "Error,%20decoded%20message%20length%20too%20large".parse().unwrap_or_else(|_| unreachable!()),
        );
        let (code, message) = status_of(&headers).unwrap_or_else(|| unreachable!());
        assert_eq!(code, Code::OutOfRange);
        assert_eq!(message.as_deref(), Some("Error, decoded message length too large"));
        assert!(is_server_error(Code::Unavailable) && !is_server_error(Code::NotFound));
    }
}
