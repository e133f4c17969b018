package dev.nexus.sdk;

import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When and how long to wait before retrying a call, and before a subscription or watch
 * reconnects. Immutable; derive variants with the {@code with*} methods.
 *
 * <p>The rule: an error is retried when its code is {@code UNAVAILABLE}, or {@code
 * RESOURCE_EXHAUSTED} / {@code ABORTED} <em>with</em> a {@code RetryInfo} (the server says it is
 * transient and when to come back). Everything else (including {@code ABORTED} with reason
 * {@code WRONG_EXPECTED_VERSION}, which carries no {@code RetryInfo}) fails at once.
 *
 * <p>The wait before retry {@code n} (1-based) is the server's {@code RetryInfo} delay when
 * present, otherwise exponential backoff with jitter: a random duration between half and all of
 * {@code min(maxBackoff, initialBackoff * multiplier^(n-1))}.
 *
 * <p>Only calls that are safe to repeat are retried: reads, appends (the client fills every
 * missing event id once, before the first attempt, so a repeat is deduplicated by the server) and
 * {@code Execute} with a {@code command_id} (filled by default).
 */
public final class RetryPolicy {
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final double multiplier;

  private RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier) {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
    if (initialBackoff.isNegative() || maxBackoff.isNegative() || multiplier < 1.0) {
      throw new IllegalArgumentException("backoffs must be >= 0 and the multiplier >= 1");
    }
    this.maxAttempts = maxAttempts;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.multiplier = multiplier;
  }

  /** 4 attempts, backoff from 100 ms doubling up to 5 s. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(5), 2.0);
  }

  /** One attempt: never retry. */
  public static RetryPolicy none() {
    return defaults().withMaxAttempts(1);
  }

  /**
   * Attempts of a call in all (including the first). For a subscription or watch: reconnect
   * attempts in a row without receiving a message before it gives up.
   */
  public RetryPolicy withMaxAttempts(int maxAttempts) {
    return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier);
  }

  /** Backoff before the first retry, and the cap of every backoff. */
  public RetryPolicy withBackoff(Duration initial, Duration max) {
    return new RetryPolicy(maxAttempts, initial, max, multiplier);
  }

  /** Growth factor of the backoff (at least 1). */
  public RetryPolicy withMultiplier(double multiplier) {
    return new RetryPolicy(maxAttempts, initialBackoff, maxBackoff, multiplier);
  }

  public int maxAttempts() {
    return maxAttempts;
  }

  public Duration initialBackoff() {
    return initialBackoff;
  }

  public Duration maxBackoff() {
    return maxBackoff;
  }

  public double multiplier() {
    return multiplier;
  }

  /** Whether the error is transient by the rule above. */
  public boolean isRetryable(NexusException error) {
    Status.Code code = error.code();
    if (code == Status.Code.UNAVAILABLE) {
      return true;
    }
    return (code == Status.Code.RESOURCE_EXHAUSTED || code == Status.Code.ABORTED)
        && error.retryDelay().isPresent();
  }

  /** The wait before retry number {@code retry} (1-based) after {@code error}. */
  public Duration delay(int retry, NexusException error) {
    if (error != null && error.retryDelay().isPresent()) {
      return error.retryDelay().get();
    }
    double ceiling = initialBackoff.toNanos() * Math.pow(multiplier, Math.max(0, retry - 1));
    long cap = (long) Math.min(maxBackoff.toNanos(), ceiling);
    if (cap <= 0) {
      return Duration.ZERO;
    }
    long half = cap / 2;
    return Duration.ofNanos(half + ThreadLocalRandom.current().nextLong(cap - half + 1));
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts=" + maxAttempts + ", initialBackoff=" + initialBackoff
        + ", maxBackoff=" + maxBackoff + ", multiplier=" + multiplier + '}';
  }
}
