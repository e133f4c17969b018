//! Reconnection backoff shared by the long-running workers.

use std::time::Duration;

use tonic::Code;

/// Exponential backoff with jitter between reconnection attempts.
///
/// Attempt `n` (counted from 0 per outage; a successful connection resets
/// it) waits a random time between half and all of
/// `min(initial * 2^n, max)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The delay before the first reconnection attempt of an outage.
    pub initial: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl Default for Backoff {
    /// 200 ms, doubling up to 5 s.
    fn default() -> Self {
        Self { initial: Duration::from_millis(200), max: Duration::from_secs(5) }
    }
}

impl Backoff {
    /// The delay before attempt `attempt` (0-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.initial.saturating_mul(1u32 << attempt.min(20)).min(self.max);
        // Jitter in [0.5, 1.0) so that many workers do not reconnect in step.
        let random = (uuid::Uuid::new_v4().as_u128() % 1024) as f64 / 1024.0;
        ceiling.mul_f64(0.5 + random / 2.0)
    }
}

/// Status codes that another attempt will not fix: the workers return them
/// instead of reconnecting. Everything else (UNAVAILABLE, a server restart,
/// DEADLINE_EXCEEDED, a transport error surfacing as UNKNOWN or INTERNAL,
/// CANCELLED, ...) makes them reconnect.
pub(crate) fn is_fatal(code: Code) -> bool {
    matches!(
        code,
        Code::InvalidArgument
            | Code::FailedPrecondition
            | Code::AlreadyExists
            | Code::NotFound
            | Code::PermissionDenied
            | Code::Unauthenticated
            | Code::Unimplemented
            | Code::OutOfRange
            | Code::DataLoss
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_within_bounds() {
        let backoff = Backoff { initial: Duration::from_millis(100), max: Duration::from_secs(1) };
        for _ in 0..50 {
            let first = backoff.delay(0);
            assert!(first >= Duration::from_millis(50) && first < Duration::from_millis(100), "{first:?}");
            let third = backoff.delay(2);
            assert!(third >= Duration::from_millis(200) && third < Duration::from_millis(400), "{third:?}");
            let late = backoff.delay(1000);
            assert!(late >= Duration::from_millis(500) && late < Duration::from_secs(1), "{late:?}");
        }
    }

    #[test]
    fn only_permanent_errors_are_fatal() {
        assert!(is_fatal(Code::PermissionDenied));
        assert!(is_fatal(Code::InvalidArgument));
        assert!(!is_fatal(Code::Unavailable));
        assert!(!is_fatal(Code::Unknown));
        assert!(!is_fatal(Code::DeadlineExceeded));
    }
}
