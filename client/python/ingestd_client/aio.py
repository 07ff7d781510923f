"""The asyncio client (``grpc.aio``): the calls an event loop needs to follow
runs without blocking (Airflow's triggerer): get_version, get_run,
cancel_run, watch_run, start_run.

Same contract as :class:`ingestd_client.IngestdClient`: token, per-call
deadline (retries included), UNAVAILABLE retried with backoff (waiting with
``asyncio.sleep``), IngestdError subclasses on failure. Create it inside the
running event loop (grpc.aio channels belong to the loop that made them) and
close it with ``await client.close()`` or ``async with``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, AsyncIterator, Callable, Optional

import grpc

from ._stubs import pb, pb_grpc
from .channel import DEFAULT_TARGET, ConnectionOptions, TlsOptions
from .client import _ON_ACTIVE, DEFAULT, Timeout, _Default, new_idempotency_key, \
    validate_idempotency_key
from .errors import DeadlineExceeded, from_rpc_error
from .models import Run, RunEvent, StartRunResult, VersionInfo
from .retry import RetryPolicy, next_delay


class AsyncIngestdClient:
    """Async client of one daemon; arguments as :class:`IngestdClient`'s."""

    def __init__(self, target: str = DEFAULT_TARGET, *, token: Optional[str] = None,
                 tls: Optional[TlsOptions] = None, default_timeout: Optional[float] = 30.0,
                 retry: Optional[RetryPolicy] = None,
                 options: Optional[ConnectionOptions] = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.options = options or ConnectionOptions(target=target, token=token, tls=tls)
        self.default_timeout = default_timeout
        self.retry = retry or RetryPolicy()
        self._clock = clock
        self._metadata = self.options.metadata()
        self._channel = self.options.aio_channel()
        self.stub = pb_grpc.ControlStub(self._channel)

    @property
    def target(self) -> str:
        return self.options.target

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> "AsyncIngestdClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _deadline(self, timeout: Timeout) -> Optional[float]:
        seconds = self.default_timeout if isinstance(timeout, _Default) else timeout
        return None if seconds is None else self._clock() + seconds

    def _remaining(self, deadline: Optional[float], method: str) -> Optional[float]:
        if deadline is None:
            return None
        remaining = deadline - self._clock()
        if remaining <= 0:
            raise DeadlineExceeded(f"ingestd {method} at {self.target}: deadline exceeded "
                                   "before the call could be sent (raise timeout=)",
                                   code=grpc.StatusCode.DEADLINE_EXCEEDED, method=method,
                                   target=self.target)
        return remaining

    async def call(self, method: str, request: Any, *, timeout: Timeout = DEFAULT) -> Any:
        """A unary RPC by name with token, deadline and retries."""
        rpc = getattr(self.stub, method)
        deadline = self._deadline(timeout)
        attempt = 0
        while True:
            attempt += 1
            remaining = self._remaining(deadline, method)
            try:
                return await rpc(request, timeout=remaining, metadata=self._metadata)
            except grpc.aio.AioRpcError as err:
                left = None if deadline is None else deadline - self._clock()
                delay = next_delay(self.retry, err.code(), attempt, left,
                                   err.trailing_metadata())
                if delay is None:
                    raise from_rpc_error(err, method=method, target=self.target,
                                         attempts=attempt) from None
                await asyncio.sleep(delay)

    async def get_version(self, *, timeout: Timeout = DEFAULT) -> VersionInfo:
        r = await self.call("GetVersion", pb.GetVersionRequest(), timeout=timeout)
        return VersionInfo(version=r.version, schema_engine_version=r.schema_engine_version)

    async def start_run(self, pipeline: str, *, idempotency_key: Optional[str] = None,
                        timeout_seconds: int = 0, on_active: str = "refuse",
                        timeout: Timeout = DEFAULT) -> StartRunResult:
        key = validate_idempotency_key(idempotency_key or new_idempotency_key())
        if on_active not in _ON_ACTIVE:
            raise ValueError(f"start_run: on_active: expected 'refuse' or 'queue', got {on_active!r}")
        r = await self.call("StartRun", pb.StartRunRequest(
            pipeline=pipeline, idempotency_key=key, timeout_seconds=int(timeout_seconds),
            on_active=_ON_ACTIVE[on_active]), timeout=timeout)
        return StartRunResult(run=Run.from_proto(r.run), created=r.created)

    async def get_run(self, run_id: str, *, timeout: Timeout = DEFAULT) -> Run:
        return Run.from_proto(await self.call("GetRun", pb.GetRunRequest(run_id=run_id),
                                              timeout=timeout))

    async def cancel_run(self, run_id: str, *, timeout: Timeout = DEFAULT) -> Run:
        return Run.from_proto(await self.call("CancelRun", pb.CancelRunRequest(run_id=run_id),
                                              timeout=timeout))

    async def watch_run(self, run_id: str, *, after_sequence: int = 0,
                        timeout: Optional[float] = None) -> AsyncIterator[RunEvent]:
        """As :meth:`IngestdClient.watch_run`: reopens a dropped stream after
        the last sequence seen; ``timeout`` bounds the whole watch."""
        deadline = self._deadline(timeout)
        last = after_sequence
        failures = 0
        while True:
            remaining = self._remaining(deadline, "WatchRun")
            stream = self.stub.WatchRun(pb.WatchRunRequest(run_id=run_id, after_sequence=last),
                                        timeout=remaining, metadata=self._metadata)
            try:
                async for message in stream:
                    failures = 0
                    event = RunEvent.from_proto(message)
                    last = event.sequence
                    yield event
                return
            except grpc.aio.AioRpcError as err:
                failures += 1
                left = None if deadline is None else deadline - self._clock()
                delay = next_delay(self.retry, err.code(), failures, left, err.trailing_metadata())
                if delay is None:
                    raise from_rpc_error(err, method="WatchRun", target=self.target,
                                         attempts=failures) from None
                await asyncio.sleep(delay)
            finally:
                stream.cancel()
