"""Errors raised by the ingestd client.

Every failed call raises an :class:`IngestdError` subclass chosen by the gRPC
status code, so callers catch what they can act on (``NotFound``,
``FailedPrecondition``...) instead of inspecting ``grpc.RpcError``. The
message names the call and the daemon's address and keeps the daemon's own
message, which already says what to fix (see proto/ingestd/v1/control.proto).
"""

from __future__ import annotations

from typing import Dict, Optional, Type

import grpc


class IngestdError(Exception):
    """A call to the daemon failed.

    Attributes:
        code: the gRPC status code (``grpc.StatusCode``), or ``None`` for
            errors found by the client before any call (bad arguments).
        method: the RPC name, e.g. ``"StartRun"``.
        details: the daemon's message, unchanged.
        target: the daemon's address.
    """

    def __init__(self, message: str, *, code: Optional[grpc.StatusCode] = None,
                 method: str = "", details: str = "", target: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.method = method
        self.details = details
        self.target = target


class InvalidArgument(IngestdError):
    """INVALID_ARGUMENT: the request is wrong; the message names the field."""


class NotFound(IngestdError):
    """NOT_FOUND: unknown pipeline, run or schema version."""


class FailedPrecondition(IngestdError):
    """FAILED_PRECONDITION: a run is active, the pipeline is paused, ..."""


class ResourceExhausted(IngestdError):
    """RESOURCE_EXHAUSTED: message too large or too many queued runs."""


class Unauthenticated(IngestdError):
    """UNAUTHENTICATED: missing or unknown token."""


class PermissionDenied(IngestdError):
    """PERMISSION_DENIED: the token's role is too low for the call."""


class Unavailable(IngestdError):
    """UNAVAILABLE: the daemon is unreachable or shutting down (retried)."""


class DeadlineExceeded(IngestdError):
    """DEADLINE_EXCEEDED: the call's deadline passed (retries included)."""


class Cancelled(IngestdError):
    """CANCELLED: the call was cancelled (by the client or the server)."""


_BY_CODE: Dict[grpc.StatusCode, Type[IngestdError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
    grpc.StatusCode.CANCELLED: Cancelled,
}

_HINTS: Dict[grpc.StatusCode, str] = {
    grpc.StatusCode.UNAUTHENTICATED:
        " (pass the daemon's bearer token: IngestdClient(token=...); "
        "tokens come from the daemon's --tokens-file)",
    grpc.StatusCode.PERMISSION_DENIED:
        " (use a token whose role allows this call; roles: read < operate < admin)",
    grpc.StatusCode.UNAVAILABLE:
        " (is `ingestd serve` running at that address, with matching TLS settings?)",
}


def from_rpc_error(err: grpc.RpcError, *, method: str, target: str,
                   attempts: int = 1) -> IngestdError:
    """Converts a failed gRPC call into the matching :class:`IngestdError`.

    Works for sync (``grpc.RpcError`` with ``code()``/``details()``) and
    ``grpc.aio.AioRpcError`` alike.
    """
    code = err.code() if callable(getattr(err, "code", None)) else None
    details = (err.details() if callable(getattr(err, "details", None)) else None) or ""
    cls = _BY_CODE.get(code, IngestdError) if code is not None else IngestdError
    code_name = code.name if code is not None else "UNKNOWN"
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    message = f"ingestd {method} at {target} failed{tries}: {code_name}: {details}"
    message += _HINTS.get(code, "") if code is not None else ""
    return cls(message, code=code, method=method, details=details, target=target)
