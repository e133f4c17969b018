package dev.nexus.sdk;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one error type of the SDK: a gRPC status decoded with the {@code google.rpc} details Nexus
 * puts in the {@code grpc-status-details-bin} trailer.
 *
 * <ul>
 *   <li>{@link #code()} and {@link #description()}: the status code and message;
 *   <li>{@link #reason()}, {@link #domain()}, {@link #metadata()}: the {@code ErrorInfo}, for
 *       example {@code WRONG_EXPECTED_VERSION} with {@code actual_revision};
 *   <li>{@link #fieldViolations()}: the {@code BadRequest} field violations of an {@code
 *       INVALID_ARGUMENT};
 *   <li>{@link #retryDelay()}: the {@code RetryInfo} delay, when the server says when to retry.
 * </ul>
 */
public class NexusException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** One offending request field of a {@code BadRequest}. */
  public record FieldViolation(String field, String description) {}

  private final Status.Code code;
  private final String description;
  private final String reason;
  private final String domain;
  private final Map<String, String> metadata;
  private final List<FieldViolation> fieldViolations;
  private final Duration retryDelay;

  /** An error with the given parts (for tests and for errors raised by the SDK itself). */
  public NexusException(
      Status.Code code,
      String description,
      String reason,
      String domain,
      Map<String, String> metadata,
      List<FieldViolation> fieldViolations,
      Duration retryDelay,
      Throwable cause) {
    super(format(code, description, reason), cause);
    this.code = code;
    this.description = description == null ? "" : description;
    this.reason = reason == null ? "" : reason;
    this.domain = domain == null ? "" : domain;
    this.metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(metadata);
    this.fieldViolations = fieldViolations == null ? List.of() : List.copyOf(fieldViolations);
    this.retryDelay = retryDelay;
  }

  /** An error raised by the SDK itself, without server details. */
  public NexusException(Status.Code code, String description, Throwable cause) {
    this(code, description, null, null, null, null, null, cause);
  }

  /**
   * Decodes any throwable of a call: unwraps {@link CompletionException} and {@link
   * ExecutionException}, returns a {@code NexusException} unchanged, decodes a gRPC status and
   * its details, and maps anything else to {@code UNKNOWN}.
   */
  public static NexusException from(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof NexusException e) {
      return e;
    }
    Status status = Status.fromThrowable(t);
    String reason = null;
    String domain = null;
    Map<String, String> metadata = null;
    List<FieldViolation> violations = new ArrayList<>();
    Duration retryDelay = null;
    com.google.rpc.Status details = StatusProto.fromThrowable(t);
    if (details != null) {
      for (Any any : details.getDetailsList()) {
        try {
          if (any.is(ErrorInfo.class)) {
            ErrorInfo info = any.unpack(ErrorInfo.class);
            reason = info.getReason();
            domain = info.getDomain();
            metadata = new LinkedHashMap<>(info.getMetadataMap());
          } else if (any.is(BadRequest.class)) {
            for (BadRequest.FieldViolation v : any.unpack(BadRequest.class).getFieldViolationsList()) {
              violations.add(new FieldViolation(v.getField(), v.getDescription()));
            }
          } else if (any.is(RetryInfo.class)) {
            com.google.protobuf.Duration d = any.unpack(RetryInfo.class).getRetryDelay();
            retryDelay = Duration.ofSeconds(d.getSeconds(), d.getNanos());
          }
        } catch (InvalidProtocolBufferException ignored) {
          // A malformed detail is left out; the status itself still counts.
        }
      }
    }
    String description = status.getDescription();
    if (description == null && status.getCause() != null && status.getCode() == Status.Code.UNKNOWN) {
      description = String.valueOf(status.getCause());
    }
    return new NexusException(
        status.getCode(), description, reason, domain, metadata, violations, retryDelay, t);
  }

  private static String format(Status.Code code, String description, String reason) {
    StringBuilder s = new StringBuilder(code.name());
    if (description != null && !description.isEmpty()) {
      s.append(": ").append(description);
    }
    if (reason != null && !reason.isEmpty()) {
      s.append(" [").append(reason).append(']');
    }
    return s.toString();
  }

  /** The gRPC status code. */
  public Status.Code code() {
    return code;
  }

  /** The status message ("" if none). */
  public String description() {
    return description;
  }

  /** The {@code ErrorInfo} reason, such as {@code INSUFFICIENT_FUNDS} ("" if none). */
  public String reason() {
    return reason;
  }

  /** The {@code ErrorInfo} domain ({@code nexus} for the server's errors; "" if none). */
  public String domain() {
    return domain;
  }

  /** The {@code ErrorInfo} metadata (empty if none). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The {@code BadRequest} field violations (empty if none). */
  public List<FieldViolation> fieldViolations() {
    return fieldViolations;
  }

  /** The {@code RetryInfo} delay, if the server sent one. */
  public Optional<Duration> retryDelay() {
    return Optional.ofNullable(retryDelay);
  }
}
