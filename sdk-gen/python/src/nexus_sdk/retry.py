"""Retries with exponential backoff and full jitter that honour RetryInfo.

The rule (deliberately simple):

* Only calls that are safe to repeat are retried: reads, appends (the event
  ids are filled once, before the first attempt, so a repeat is deduplicated
  by the server) and Execute with a ``command_id`` (the client fills one by
  default). Everything else is tried once.
* A failure is retried when its code is ``UNAVAILABLE``, or when it is
  ``RESOURCE_EXHAUSTED`` or ``ABORTED`` *and* the server attached a
  ``RetryInfo`` (for example RATE_LIMITED). An ``ABORTED`` without RetryInfo
  (``WRONG_EXPECTED_VERSION``) is a real conflict and is raised at once.
* The wait before attempt ``n`` (n >= 1) is a random value in
  ``[0, min(max_backoff, initial_backoff * multiplier ** (n - 1))]``, but at
  least the RetryInfo delay when one was given.
* At most ``max_attempts`` attempts (including the first); the last error is
  raised.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import grpc

from .errors import NexusError

__all__ = ["RetryPolicy", "is_retryable"]


def is_retryable(error: NexusError) -> bool:
    """Whether the rule above retries ``error``."""
    if error.code == grpc.StatusCode.UNAVAILABLE:
        return True
    if error.code in (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.ABORTED):
        return error.retry_delay is not None
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry (also used for reconnecting streams).

    ``max_attempts`` counts every attempt including the first; ``None`` means
    unbounded (only sensible for subscriptions and watches). ``1`` disables
    retries.
    """

    max_attempts: int | None = 5
    initial_backoff: float = 0.1
    max_backoff: float = 5.0
    multiplier: float = 2.0

    def exhausted(self, attempts: int) -> bool:
        """True when ``attempts`` attempts have been made and no more are allowed."""
        return self.max_attempts is not None and attempts >= self.max_attempts

    def delay(self, attempt: int, error: NexusError | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.max_backoff, self.initial_backoff * self.multiplier ** max(0, attempt - 1))
        wait = random.uniform(0, ceiling)
        if error is not None and error.retry_delay is not None:
            wait = max(wait, error.retry_delay)
        return wait


#: Used when nothing else is given: 5 attempts, 0.1 s .. 5 s.
DEFAULT_RETRY = RetryPolicy()
#: Reconnects of subscriptions and watches: unbounded, 0.1 s .. 5 s, counted
#: per outage (a received message resets the count).
DEFAULT_RECONNECT = RetryPolicy(max_attempts=None)
#: No retry.
NO_RETRY = RetryPolicy(max_attempts=1)
