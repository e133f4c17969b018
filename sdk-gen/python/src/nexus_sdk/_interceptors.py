"""Channel interceptors: bearer token on every call, default unary deadline."""

from __future__ import annotations

import grpc
import grpc.aio


def _details(details: grpc.aio.ClientCallDetails, token_header: str | None, timeout: float | None):
    metadata = grpc.aio.Metadata()
    for key, value in details.metadata or ():
        metadata.add(key, value)
    if token_header is not None and "authorization" not in metadata:
        metadata.add("authorization", token_header)
    return grpc.aio.ClientCallDetails(
        method=details.method,
        timeout=details.timeout if details.timeout is not None else timeout,
        metadata=metadata,
        credentials=details.credentials,
        wait_for_ready=details.wait_for_ready,
    )


class _Unary(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, token_header: str | None, timeout: float | None) -> None:
        self._token, self._timeout = token_header, timeout

    async def intercept_unary_unary(self, continuation, client_call_details, request):
        return await continuation(_details(client_call_details, self._token, self._timeout), request)


class _ServerStream(grpc.aio.UnaryStreamClientInterceptor):
    # Streams are long-lived: no default deadline.
    def __init__(self, token_header: str | None) -> None:
        self._token = token_header

    async def intercept_unary_stream(self, continuation, client_call_details, request):
        return await continuation(_details(client_call_details, self._token, None), request)


class _ClientStream(grpc.aio.StreamUnaryClientInterceptor):
    def __init__(self, token_header: str | None) -> None:
        self._token = token_header

    async def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        return await continuation(_details(client_call_details, self._token, None), request_iterator)


class _BidiStream(grpc.aio.StreamStreamClientInterceptor):
    def __init__(self, token_header: str | None) -> None:
        self._token = token_header

    async def intercept_stream_stream(self, continuation, client_call_details, request_iterator):
        return await continuation(_details(client_call_details, self._token, None), request_iterator)


def interceptors(token: str | None, default_timeout: float | None) -> list:
    header = None
    if token is not None and token.strip():
        header = f"Bearer {token.strip()}"
    return [_Unary(header, default_timeout), _ServerStream(header), _ClientStream(header), _BidiStream(header)]
