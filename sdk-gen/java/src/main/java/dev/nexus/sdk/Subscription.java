package dev.nexus.sdk;

import io.grpc.Context;
import io.grpc.Status;
import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A server stream that survives disconnects: SubscribeAll, SubscribeStream or WatchDocuments.
 *
 * <p>It remembers the resume point of the last message received (SubscribeAll: the position
 * token of the last event, checkpoint or caught-up; SubscribeStream: the revision of the last
 * event; WatchDocuments: the last {@code watch_position}). When the stream fails with a
 * retryable error (see {@link RetryPolicy#isRetryable}, in practice {@code UNAVAILABLE}, as on a
 * server restart) or ends without having been closed, it waits (backoff with jitter, or the
 * server's {@code RetryInfo}) and opens the call again from that point, so no event is lost or
 * repeated. It gives up after {@link RetryPolicy#maxAttempts()} reconnects in a row that received
 * nothing, and then throws the last error.
 *
 * <p>Use it either as a blocking {@link Iterator} on your own thread ({@link #hasNext()} blocks
 * until the next message and throws {@link NexusException} on a terminal error), or with {@link
 * #start} which runs the loop on a daemon thread and calls you back. {@link #close()} cancels it
 * from any thread; the iteration then ends normally.
 *
 * <p>Control messages are yielded too (CaughtUp, Checkpoint, heartbeats, Live, Reset). After a
 * reconnect the server sends CaughtUp (or, for a watch, whatever its resume starts with) again.
 *
 * @param <T> the message type
 */
public final class Subscription<T> implements Iterator<T>, AutoCloseable {
  private final Function<String, Iterator<T>> opener;
  private final Function<T, String> tokenOf;
  private final RetryPolicy policy;
  private final Runnable beforeReconnect;
  private final CountDownLatch closedLatch = new CountDownLatch(1);

  private volatile boolean closed;
  private volatile Context.CancellableContext context;
  private volatile String resumeToken;
  private volatile int reconnects;
  private Iterator<T> current;
  private T next;
  private boolean done;

  Subscription(
      Function<String, Iterator<T>> opener,
      Function<T, String> tokenOf,
      String initialToken,
      RetryPolicy policy,
      Runnable beforeReconnect) {
    this.opener = opener;
    this.tokenOf = tokenOf;
    this.resumeToken = initialToken;
    this.policy = policy;
    this.beforeReconnect = beforeReconnect;
  }

  /** The resume point of the last message received, or null before the first. */
  public String resumeToken() {
    return resumeToken;
  }

  /** How many times the stream has been reopened after a disconnect. */
  public int reconnects() {
    return reconnects;
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed;
  }

  @Override
  public synchronized boolean hasNext() {
    if (next != null) {
      return true;
    }
    int failures = 0;
    while (!done) {
      if (closed) {
        finish();
        return false;
      }
      NexusException cause;
      try {
        if (current == null) {
          current = open();
        }
        if (current.hasNext()) {
          T message = current.next();
          String token = tokenOf.apply(message);
          if (token != null && !token.isEmpty()) {
            resumeToken = token;
          }
          next = message;
          return true;
        }
        cause = new NexusException(Status.Code.UNAVAILABLE, "the server ended the stream", null);
      } catch (RuntimeException e) {
        if (closed) {
          finish();
          return false;
        }
        cause = NexusException.from(e);
        if (!policy.isRetryable(cause)) {
          finish();
          throw cause;
        }
      }
      dropCall();
      failures++;
      if (failures >= policy.maxAttempts()) {
        finish();
        throw cause;
      }
      if (!sleep(policy.delay(failures, cause))) {
        finish();
        return false;
      }
      reconnects++;
      beforeReconnect.run();
    }
    return false;
  }

  @Override
  public synchronized T next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    T message = next;
    next = null;
    return message;
  }

  /**
   * Runs the subscription on a daemon thread: {@code onMessage} gets every message in order;
   * {@code onEnd} is called once at the end with null after {@link #close()}, or with the
   * terminal error (a handler that throws closes the subscription and ends it with that error,
   * as {@code UNKNOWN}).
   */
  public Subscription<T> start(Consumer<? super T> onMessage, Consumer<? super NexusException> onEnd) {
    Thread thread =
        new Thread(
            () -> {
              NexusException error = null;
              try {
                while (hasNext()) {
                  T message = next();
                  try {
                    onMessage.accept(message);
                  } catch (RuntimeException e) {
                    close();
                    error = new NexusException(Status.Code.UNKNOWN, "the message handler failed: " + e, e);
                  }
                }
              } catch (NexusException e) {
                error = e;
              }
              onEnd.accept(error);
            },
            "nexus-subscription");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  /** Cancels the call; safe from any thread and more than once. */
  @Override
  public void close() {
    closed = true;
    closedLatch.countDown();
    Context.CancellableContext ctx = context;
    if (ctx != null) {
      ctx.cancel(null);
    }
  }

  private Iterator<T> open() {
    Context.CancellableContext ctx = Context.current().fork().withCancellation();
    context = ctx;
    if (closed) {
      ctx.cancel(null);
    }
    Context previous = ctx.attach();
    try {
      return opener.apply(resumeToken);
    } finally {
      ctx.detach(previous);
    }
  }

  private void dropCall() {
    current = null;
    Context.CancellableContext ctx = context;
    if (ctx != null) {
      ctx.cancel(null);
    }
  }

  private void finish() {
    done = true;
    dropCall();
  }

  /** Waits; false when closed (or interrupted) meanwhile. */
  private boolean sleep(Duration delay) {
    try {
      return !closedLatch.await(delay.toNanos(), TimeUnit.NANOSECONDS) && !closed;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      return false;
    }
  }
}
