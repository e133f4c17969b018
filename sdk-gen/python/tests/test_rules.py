"""The retry rule and error decoding, on values (no server needed)."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2

from nexus_sdk import NexusError, RetryPolicy, is_retryable


def _status(code: int, reason: str, retry_seconds: float | None = None) -> status_pb2.Status:
    status = status_pb2.Status(code=code, message="m")
    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=reason, domain="nexus", metadata={"k": "v"}))
    status.details.append(info)
    bad = any_pb2.Any()
    bad.Pack(error_details_pb2.BadRequest(field_violations=[{"field": "f", "description": "d"}]))
    status.details.append(bad)
    if retry_seconds is not None:
        retry = any_pb2.Any()
        retry.Pack(error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(nanos=int(retry_seconds * 1e9))))
        status.details.append(retry)
    return status


def test_decodes_every_detail():
    err = NexusError.from_status(_status(8, "RATE_LIMITED", 0.25))
    assert err.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert (err.reason, err.domain, err.metadata) == ("RATE_LIMITED", "nexus", {"k": "v"})
    assert [(v.field, v.description) for v in err.field_violations] == [("f", "d")]
    assert err.retry_delay == 0.25
    assert "RATE_LIMITED" in str(err)


def test_retry_rule():
    assert is_retryable(NexusError.from_status(_status(14, "SHUTTING_DOWN")))
    assert is_retryable(NexusError.from_status(_status(8, "RATE_LIMITED", 1)))
    assert not is_retryable(NexusError.from_status(_status(8, "QUOTA")))
    assert not is_retryable(NexusError.from_status(_status(10, "WRONG_EXPECTED_VERSION")))
    assert is_retryable(NexusError.from_status(_status(10, "BUSY", 1)))
    assert not is_retryable(NexusError.from_status(_status(3, "SCHEMA_VIOLATION", 1)))


def test_backoff_is_bounded_and_honours_retry_info():
    policy = RetryPolicy(max_attempts=3, initial_backoff=0.1, max_backoff=0.4)
    assert all(0 <= policy.delay(n) <= min(0.4, 0.1 * 2 ** (n - 1)) for n in range(1, 10) for _ in range(50))
    slow = NexusError.from_status(_status(14, "SHUTTING_DOWN", 2.0))
    assert all(policy.delay(1, slow) == 2.0 for _ in range(20))
    assert not policy.exhausted(2) and policy.exhausted(3)
    assert not RetryPolicy(max_attempts=None).exhausted(10**6)
