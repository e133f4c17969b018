//! Overload protection, a tower layer after authentication:
//!
//! 1. **Per-principal rate limits** (`overload.per_principal_per_minute`,
//!    per-role overrides): over the limit a call gets RESOURCE_EXHAUSTED,
//!    `ErrorInfo` reason `RATE_LIMITED` and `RetryInfo` saying when to retry.
//! 2. **A global concurrency limit** (`overload.max_concurrent_requests`)
//!    with a short, bounded queue: a call waits at most
//!    `overload.max_queue_wait` (and never past its own deadline) for a
//!    slot, and at most `overload.max_queued_requests` calls wait at once.
//!    Anything beyond is shed at once with UNAVAILABLE, reason `OVERLOADED`
//!    and `RetryInfo`: the server does not queue without bound, so its
//!    memory and its latency for admitted calls stay bounded.
//!
//! Health checks pass untouched, so an orchestrator sees a loaded server as
//! alive. A slot is held until the call's handler returns its response;
//! a stream then runs on without one (streams are bounded by their own
//! settings). Request sizes are bounded by `limits.max_message_bytes` in
//! each service; the `grpc-timeout` deadline is enforced by tonic, which
//! drops the call's work when it passes or the client goes away.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use http::{Request, Response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::{
    api::status::ERROR_DOMAIN,
    config::OverloadConfig,
    core::{metrics::metrics, principal::Principal, rate_limit::RateLimits},
};

/// Paths never limited.
const EXEMPT_PREFIXES: &[&str] = &["/grpc.health.v1.Health/"];

/// What a shed call is told to wait before retrying.
const SHED_RETRY_AFTER: Duration = Duration::from_millis(200);

/// The shared limits.
pub struct Overload {
    permits: Option<Arc<Semaphore>>,
    limit: usize,
    queued: AtomicUsize,
    max_queued: usize,
    max_wait: Duration,
    rates: Option<RateLimits>,
}

impl Overload {
    pub fn new(config: &OverloadConfig) -> Self {
        let positive = |n: u32| std::num::NonZeroU32::new(n).unwrap_or(std::num::NonZeroU32::MIN);
        let rates = (config.per_principal_per_minute > 0).then(|| {
            let roles = config.roles.iter().map(|(role, n)| (role.clone(), positive(*n))).collect();
            RateLimits::new(positive(config.per_principal_per_minute), roles)
        });
        Self {
            permits: (config.max_concurrent_requests > 0)
                .then(|| Arc::new(Semaphore::new(config.max_concurrent_requests))),
            limit: config.max_concurrent_requests,
            queued: AtomicUsize::new(0),
            max_queued: config.max_queued_requests,
            max_wait: config.max_queue_wait,
            rates,
        }
    }

    /// A slot for a call whose deadline is `deadline` away, or the status
    /// that sheds it.
    async fn admit(&self, deadline: Option<Duration>) -> Result<Option<OwnedSemaphorePermit>, Status> {
        let Some(permits) = &self.permits else { return Ok(None) };
        if let Ok(permit) = permits.clone().try_acquire_owned() {
            return Ok(Some(permit));
        }
        let wait = deadline.map_or(self.max_wait, |d| d.min(self.max_wait));
        if wait.is_zero() || self.queued.fetch_add(1, Ordering::AcqRel) >= self.max_queued {
            if !wait.is_zero() {
                self.queued.fetch_sub(1, Ordering::AcqRel);
            }
            return Err(self.shed());
        }
        let waited = tokio::time::timeout(wait, permits.clone().acquire_owned()).await;
        self.queued.fetch_sub(1, Ordering::AcqRel);
        match waited {
            Ok(Ok(permit)) => Ok(Some(permit)),
            _ => Err(self.shed()),
        }
    }

    fn shed(&self) -> Status {
        metrics().reject("overloaded");
        let metadata: std::collections::HashMap<String, String> = [
            ("max_concurrent_requests".to_string(), self.limit.to_string()),
            ("retry_after_millis".to_string(), SHED_RETRY_AFTER.as_millis().to_string()),
        ]
        .into_iter()
        .collect();
        let mut details = ErrorDetails::with_error_info("OVERLOADED", ERROR_DOMAIN, metadata);
        details.set_retry_info(Some(SHED_RETRY_AFTER));
        Status::with_error_details(
            Code::Unavailable,
            format!(
                "the server is at its limit of {} concurrent calls; retry after {} ms",
                self.limit,
                SHED_RETRY_AFTER.as_millis()
            ),
            details,
        )
    }

    fn check_rate(&self, principal: Option<&Principal>) -> Result<(), Status> {
        let (Some(rates), Some(principal)) = (&self.rates, principal) else { return Ok(()) };
        rates.check(principal).map_err(|limited| {
            metrics().reject("rate_limited");
            Status::from(limited)
        })
    }
}

/// Adds [`OverloadService`].
#[derive(Clone)]
pub struct OverloadLayer {
    overload: Arc<Overload>,
}

impl OverloadLayer {
    pub fn new(overload: Arc<Overload>) -> Self {
        Self { overload }
    }
}

impl<S> tower_layer::Layer<S> for OverloadLayer {
    type Service = OverloadService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        OverloadService { inner, overload: self.overload.clone() }
    }
}

/// See the module docs.
#[derive(Clone)]
pub struct OverloadService<S> {
    inner: S,
    overload: Arc<Overload>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B, ResBody> tower_service::Service<Request<B>> for OverloadService<S>
where
    S: tower_service::Service<Request<B>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
    B: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        if EXEMPT_PREFIXES.iter().any(|prefix| request.uri().path().starts_with(prefix)) {
            return Box::pin(self.inner.call(request));
        }
        if let Err(status) = self.overload.check_rate(request.extensions().get::<Principal>()) {
            return Box::pin(std::future::ready(Ok(status.into_http())));
        }
        // The clone that was made ready serves this call; a fresh clone
        // takes its place (tower's usual pattern for services called later).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let overload = self.overload.clone();
        let deadline = grpc_timeout(request.headers());
        Box::pin(async move {
            let permit = match overload.admit(deadline).await {
                Ok(permit) => permit,
                Err(status) => return Ok(status.into_http()),
            };
            let response = inner.call(request).await;
            drop(permit);
            response
        })
    }
}

/// The `grpc-timeout` header: an integer of at most 8 digits and a unit.
fn grpc_timeout(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get("grpc-timeout")?.to_str().ok()?;
    if value.len() < 2 || value.len() > 9 {
        return None;
    }
    let (digits, unit) = value.split_at(value.len() - 1);
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.saturating_mul(3600)),
        "M" => Duration::from_secs(n.saturating_mul(60)),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn overload(limit: usize, queued: usize, wait_ms: u64) -> Arc<Overload> {
        Arc::new(Overload::new(&OverloadConfig {
            max_concurrent_requests: limit,
            max_queued_requests: queued,
            max_queue_wait: Duration::from_millis(wait_ms),
            ..OverloadConfig::default()
        }))
    }

    #[test]
    fn grpc_timeouts_parse() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(grpc_timeout(&headers), None);
        for (value, expected) in
            [("5S", Duration::from_secs(5)), ("250m", Duration::from_millis(250)), ("1H", Duration::from_secs(3600))]
        {
            headers.insert("grpc-timeout", value.parse().unwrap());
            assert_eq!(grpc_timeout(&headers), Some(expected), "{value}");
        }
        for bad in ["S", "5x", "123456789S", "-1S"] {
            headers.insert("grpc-timeout", bad.parse().unwrap());
            assert_eq!(grpc_timeout(&headers), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn a_full_server_queues_briefly_then_sheds_with_retry_info() {
        let overload = overload(1, 1, 50);
        let first = overload.admit(None).await.unwrap();
        assert!(first.is_some());

        // One may wait; it gets the slot when the first call ends.
        let waiting = {
            let overload = overload.clone();
            tokio::spawn(async move { overload.admit(None).await.map(|p| p.is_some()) })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        // A second waiter is over max_queued_requests: shed at once.
        let shed = overload.admit(None).await.unwrap_err();
        assert_eq!(shed.code(), Code::Unavailable);
        assert_eq!(shed.get_details_error_info().unwrap().reason, "OVERLOADED");
        assert_eq!(shed.get_details_retry_info().unwrap().retry_delay, Some(SHED_RETRY_AFTER));
        drop(first);
        assert!(waiting.await.unwrap().unwrap(), "the queued call was admitted");

        // Nobody frees the slot: the waiter is shed after max_queue_wait.
        let _held = overload.admit(None).await.unwrap();
        let started = tokio::time::Instant::now();
        assert_eq!(overload.admit(None).await.unwrap_err().code(), Code::Unavailable);
        assert!(started.elapsed() >= Duration::from_millis(45));
    }

    #[tokio::test]
    async fn a_call_waits_no_longer_than_its_deadline() {
        let overload = overload(1, 1, 600_000);
        let _held = overload.admit(None).await.unwrap();
        // max_queue_wait is ten minutes: only the deadline can end the wait.
        let shed = tokio::time::timeout(Duration::from_secs(60), overload.admit(Some(Duration::from_millis(5))))
            .await
            .expect("the 5 ms deadline ended the wait");
        assert_eq!(shed.unwrap_err().code(), Code::Unavailable);
    }

    #[test]
    fn rate_limits_apply_per_principal() {
        let overload = Overload::new(&OverloadConfig { per_principal_per_minute: 2, ..OverloadConfig::default() });
        let alice = Principal { subject: "alice".into(), ..Principal::anonymous() };
        let bob = Principal { subject: "bob".into(), ..Principal::anonymous() };
        assert!(overload.check_rate(Some(&alice)).is_ok());
        assert!(overload.check_rate(Some(&alice)).is_ok());
        let limited = overload.check_rate(Some(&alice)).unwrap_err();
        assert_eq!(limited.code(), Code::ResourceExhausted);
        assert_eq!(limited.get_details_error_info().unwrap().reason, "RATE_LIMITED");
        assert!(limited.get_details_retry_info().unwrap().retry_delay.is_some());
        assert!(overload.check_rate(Some(&bob)).is_ok(), "bob has a budget of his own");
        assert!(overload.check_rate(None).is_ok(), "no principal (health): not limited");
    }
}
