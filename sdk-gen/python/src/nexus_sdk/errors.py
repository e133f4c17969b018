"""One error type for every failed Nexus call, decoded from google.rpc.Status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import grpc
from google.rpc import error_details_pb2, status_pb2

__all__ = ["FieldViolation", "NexusError", "STATUS_DETAILS_KEY"]

#: The trailer carrying the serialized google.rpc.Status of a failed call.
STATUS_DETAILS_KEY = "grpc-status-details-bin"


@dataclass(frozen=True)
class FieldViolation:
    """One offending request field (google.rpc.BadRequest.FieldViolation)."""

    field: str
    description: str


class NexusError(Exception):
    """A failed call: gRPC status plus the server's structured details.

    Attributes:
        code: the gRPC status code (``grpc.StatusCode``).
        message: the status message.
        reason: ``ErrorInfo.reason`` (for example ``WRONG_EXPECTED_VERSION``,
            ``SCHEMA_VIOLATION``, ``INSUFFICIENT_FUNDS``), or ``None``.
        domain: ``ErrorInfo.domain`` (``"nexus"`` for the server's errors).
        metadata: ``ErrorInfo.metadata`` (for example ``actual_revision``).
        field_violations: the ``BadRequest`` field violations.
        retry_delay: ``RetryInfo.retry_delay`` in seconds, or ``None``.
        details: every detail as a decoded message (unknown ones stay ``Any``).
    """

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        *,
        reason: str | None = None,
        domain: str | None = None,
        metadata: Mapping[str, str] | None = None,
        field_violations: list[FieldViolation] | None = None,
        retry_delay: float | None = None,
        details: list | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.reason = reason
        self.domain = domain
        self.metadata = dict(metadata or {})
        self.field_violations = list(field_violations or [])
        self.retry_delay = retry_delay
        self.details = list(details or [])
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.code.name}: {self.message}"
        if self.reason:
            text += f" [{self.reason}]"
        if self.metadata:
            text += " " + ", ".join(f"{k}={v}" for k, v in sorted(self.metadata.items()))
        for v in self.field_violations:
            text += f"; {v.field}: {v.description}"
        return text

    def __repr__(self) -> str:
        return f"NexusError({self})"

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError) -> "NexusError":
        """Decodes a ``grpc.RpcError`` (sync or ``grpc.aio.AioRpcError``)."""
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        message = error.details() if hasattr(error, "details") else str(error)
        trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
        raw = None
        for key, value in trailers or ():
            if key == STATUS_DETAILS_KEY:
                raw = value
                break
        if raw is None:
            return cls(code or grpc.StatusCode.UNKNOWN, message or "")
        return cls.from_status(status_pb2.Status.FromString(raw), code=code)

    @classmethod
    def from_status(cls, status: status_pb2.Status, *, code: grpc.StatusCode | None = None) -> "NexusError":
        """Decodes a ``google.rpc.Status``."""
        if code is None:
            code = _CODES.get(status.code, grpc.StatusCode.UNKNOWN)
        reason = domain = retry_delay = None
        metadata: dict[str, str] = {}
        violations: list[FieldViolation] = []
        details: list = []
        for any_ in status.details:
            if any_.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                any_.Unpack(info)
                reason, domain, metadata = info.reason, info.domain, dict(info.metadata)
                details.append(info)
            elif any_.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                any_.Unpack(bad)
                violations += [FieldViolation(v.field, v.description) for v in bad.field_violations]
                details.append(bad)
            elif any_.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
                info = error_details_pb2.RetryInfo()
                any_.Unpack(info)
                retry_delay = info.retry_delay.ToTimedelta().total_seconds()
                details.append(info)
            else:
                details.append(any_)
        return cls(
            code,
            status.message,
            reason=reason or None,
            domain=domain or None,
            metadata=metadata,
            field_violations=violations,
            retry_delay=retry_delay,
            details=details,
        )


_CODES = {c.value[0]: c for c in grpc.StatusCode}
