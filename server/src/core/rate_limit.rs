//! Per-principal rate limits: a number of calls per minute, with overrides
//! per role. GCRA through `governor`: a principal may spend its whole minute
//! at once, then one call comes back every `60 s / per_minute`.
//!
//! A principal is its subject within its tenant. Its limit is the most
//! generous of its roles' limits, a role without an override counting as
//! the default (so a principal with no roles has the default).

use std::{
    collections::BTreeMap,
    num::NonZeroU32,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    middleware::NoOpMiddleware,
    state::keyed::DefaultKeyedStateStore,
};

use super::principal::Principal;

/// Checks between two sweeps of principals whose budget is full again.
const SWEEP_EVERY: u64 = 1024;

/// (subject, tenant).
type Key = (String, String);

type Keyed<C> = RateLimiter<Key, DefaultKeyedStateStore<Key>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// A call over the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rate limit of {per_minute} calls per minute reached; retry in {} ms", retry_after.as_millis())]
pub struct RateLimited {
    /// The principal's limit.
    pub per_minute: u32,
    /// The time until a call will be accepted (more than zero).
    pub retry_after: Duration,
}

/// Rate limits keyed by principal.
pub struct RateLimits<C: Clock = DefaultClock> {
    default: NonZeroU32,
    roles: BTreeMap<String, NonZeroU32>,
    /// One keyed limiter per distinct limit (the default and every role's).
    limiters: BTreeMap<NonZeroU32, Keyed<C>>,
    clock: C,
    checks: AtomicU64,
}

impl RateLimits {
    /// `per_minute` for every principal, `roles` overriding it per role.
    pub fn new(per_minute: NonZeroU32, roles: BTreeMap<String, NonZeroU32>) -> Self {
        Self::with_clock(per_minute, roles, DefaultClock::default())
    }
}

impl<C: Clock + Clone> RateLimits<C> {
    pub fn with_clock(per_minute: NonZeroU32, roles: BTreeMap<String, NonZeroU32>, clock: C) -> Self {
        let limiters = std::iter::once(per_minute)
            .chain(roles.values().copied())
            .map(|n| (n, RateLimiter::hashmap_with_clock(Quota::per_minute(n), clock.clone())))
            .collect();
        Self { default: per_minute, roles, limiters, clock, checks: AtomicU64::new(0) }
    }

    /// The limit that applies to `principal`.
    pub fn per_minute(&self, principal: &Principal) -> NonZeroU32 {
        principal
            .roles
            .iter()
            .map(|role| self.roles.get(role).copied().unwrap_or(self.default))
            .max()
            .unwrap_or(self.default)
    }

    /// Counts one call of `principal`, or says how long it must wait.
    pub fn check(&self, principal: &Principal) -> Result<(), RateLimited> {
        let per_minute = self.per_minute(principal);
        let Some(limiter) = self.limiters.get(&per_minute) else {
            // Every limit a principal can have has its limiter.
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            for limiter in self.limiters.values() {
                limiter.retain_recent();
            }
        }
        let key = (principal.subject.clone(), principal.tenant.clone());
        limiter.check_key(&key).map_err(|not_until| RateLimited {
            per_minute: per_minute.get(),
            retry_after: not_until.wait_time_from(self.clock.now()).max(Duration::from_millis(1)),
        })
    }
}

#[cfg(test)]
mod tests {
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn principal(subject: &str, tenant: &str, roles: &[&str]) -> Principal {
        Principal {
            subject: subject.into(),
            tenant: tenant.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            scopes: Vec::new(),
            authenticated: true,
        }
    }

    fn n(value: u32) -> NonZeroU32 {
        NonZeroU32::new(value).expect("non-zero")
    }

    #[test]
    fn the_call_after_the_budget_waits_until_one_comes_back() {
        let clock = FakeRelativeClock::default();
        let limits = RateLimits::with_clock(n(10), BTreeMap::new(), clock.clone());
        let alice = principal("alice", "acme", &["reader"]);
        for call in 1..=10 {
            assert_eq!(limits.check(&alice), Ok(()), "call {call} is within 10 per minute");
        }
        let refused = limits.check(&alice).expect_err("the 11th call within a minute");
        assert_eq!(refused.per_minute, 10);
        // One call comes back every 6 s.
        assert_eq!(refused.retry_after, Duration::from_secs(6));
        clock.advance(Duration::from_secs(2));
        assert_eq!(limits.check(&alice).expect_err("still too early").retry_after, Duration::from_secs(4));
        clock.advance(Duration::from_secs(4));
        assert_eq!(limits.check(&alice), Ok(()), "allowed once the delay has passed");
        assert!(limits.check(&alice).is_err(), "and only that one");
    }

    #[test]
    fn principals_are_counted_apart_by_subject_and_tenant() {
        let limits = RateLimits::with_clock(n(1), BTreeMap::new(), FakeRelativeClock::default());
        assert!(limits.check(&principal("alice", "acme", &["reader"])).is_ok());
        assert!(limits.check(&principal("alice", "acme", &["reader"])).is_err());
        assert!(limits.check(&principal("alice", "globex", &["reader"])).is_ok(), "same subject, other tenant");
        assert!(limits.check(&principal("bob", "acme", &["reader"])).is_ok(), "other subject");
    }

    #[test]
    fn the_most_generous_role_wins() {
        let roles = BTreeMap::from([("admin".to_string(), n(600)), ("guest".to_string(), n(2))]);
        let limits = RateLimits::with_clock(n(10), roles, FakeRelativeClock::default());
        assert_eq!(limits.per_minute(&principal("a", "", &["admin", "guest"])).get(), 600);
        assert_eq!(limits.per_minute(&principal("r", "", &["reader", "guest"])).get(), 10, "reader has the default");
        assert_eq!(limits.per_minute(&principal("g", "", &["guest"])).get(), 2);
        assert_eq!(limits.per_minute(&principal("n", "", &[])).get(), 10);

        let guest = principal("g", "", &["guest"]);
        assert!(limits.check(&guest).is_ok() && limits.check(&guest).is_ok());
        let refused = limits.check(&guest).expect_err("a guest has 2 per minute");
        assert_eq!((refused.per_minute, refused.retry_after), (2, Duration::from_secs(30)));
        let admin = principal("a", "", &["admin"]);
        for _ in 0..600 {
            limits.check(&admin).expect("an admin has 600 per minute");
        }
        assert_eq!(limits.check(&admin).expect_err("the 601st").retry_after, Duration::from_millis(100));
    }
}
