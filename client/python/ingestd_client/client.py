"""The synchronous client of ``ingestd serve`` (service ``ingestd.v1.Control``).

Contract of every method:
- It sends the bearer token (if any) and carries a deadline: ``timeout``
  seconds for the whole call, retries included (default: the client's
  ``default_timeout``; ``None`` means no deadline). Long calls (watch_run,
  wait_for_run, push_records) default to no deadline.
- UNAVAILABLE (daemon down, restarting or shutting down) is retried with
  exponential backoff and jitter (:class:`~ingestd_client.retry.RetryPolicy`).
  StartRun is retried safely because every StartRun carries an idempotency
  key (one is generated when the caller gives none).
- Failures raise :class:`~ingestd_client.errors.IngestdError` subclasses.

A client owns one channel; use it as a context manager or call ``close()``.
It is safe to share between threads (gRPC channels are).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Union

import grpc

from . import health
from ._stubs import pb, pb_grpc
from .channel import DEFAULT_TARGET, ConnectionOptions, TlsOptions
from .errors import DeadlineExceeded, IngestdError, from_rpc_error
from .models import (Contract, PipelineInfo, PushResult, Run, RunEvent, Schema,
                     StartRunResult, VersionInfo)
from .records import (DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_BATCH_RECORDS,
                      PushRequestStream, default_json)
from .retry import RetryPolicy, next_delay


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


#: Sentinel: "use the client's default_timeout".
DEFAULT = _Default()
Timeout = Union[float, None, _Default]

_ON_ACTIVE = {"refuse": pb.ON_ACTIVE_REFUSE, "queue": pb.ON_ACTIVE_QUEUE}


def new_idempotency_key() -> str:
    """A fresh random key, used when a caller starts a run without one."""
    return f"ingestd-client-{uuid.uuid4().hex}"


def validate_idempotency_key(key: str) -> str:
    """Checks the daemon's rule (1 to 200 printable ASCII characters) before
    sending, so the error names the argument."""
    if not 1 <= len(key) <= 200 or any(not (0x20 <= ord(c) < 0x7F) for c in key):
        raise ValueError(f"idempotency_key: expected 1 to 200 printable ASCII characters, "
                         f"got {key!r}")
    return key


class IngestdClient:
    """A typed client of one daemon.

    Args:
        target: ``HOST:PORT`` of the daemon's gRPC address.
        token: bearer token; None when the daemon has no tokens file.
        tls: TLS settings (:class:`TlsOptions`); None for plaintext.
        default_timeout: deadline in seconds of unary calls without their own.
        retry: the retry policy (:class:`RetryPolicy`); ``RetryPolicy.none()``
            disables retries.
        options: a whole :class:`ConnectionOptions` instead of target/token/tls.
    """

    def __init__(self, target: str = DEFAULT_TARGET, *, token: Optional[str] = None,
                 tls: Optional[TlsOptions] = None, default_timeout: Optional[float] = 30.0,
                 retry: Optional[RetryPolicy] = None,
                 options: Optional[ConnectionOptions] = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.options = options or ConnectionOptions(target=target, token=token, tls=tls)
        self.default_timeout = default_timeout
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._metadata = self.options.metadata()
        self._channel = self.options.sync_channel()
        self.stub = pb_grpc.ControlStub(self._channel)
        self._health = self._channel.unary_unary(
            health.METHOD, request_serializer=health.encode_request,
            response_deserializer=health.decode_response)

    # ------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Closes the channel; calls in flight fail with CANCELLED."""
        self._channel.close()

    def __enter__(self) -> "IngestdClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def target(self) -> str:
        return self.options.target

    # ------------------------------------------------------------ plumbing

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

    def call(self, method: str, request: Any, *, timeout: Timeout = DEFAULT,
             retry: bool = True) -> Any:
        """Calls a unary RPC of the stub by name with the client's token,
        deadline and retries; returns the response message. The typed methods
        below are built on it; use it for calls they do not cover (e.g.
        ``call("ListRuns", pb.ListRunsRequest(...))``)."""
        rpc = getattr(self.stub, method)
        deadline = self._deadline(timeout)
        attempt = 0
        while True:
            attempt += 1
            remaining = self._remaining(deadline, method)
            try:
                return rpc(request, timeout=remaining, metadata=self._metadata)
            except grpc.RpcError as err:
                delay = None
                if retry:
                    left = None if deadline is None else deadline - self._clock()
                    delay = next_delay(self.retry, err.code(), attempt, left,
                                       err.trailing_metadata())
                if delay is None:
                    raise from_rpc_error(err, method=method, target=self.target,
                                         attempts=attempt) from None
                self._sleep(delay)

    # ------------------------------------------------------------ server

    def get_version(self, *, timeout: Timeout = DEFAULT) -> VersionInfo:
        """The daemon's version (GetVersion; the spec's GetServerInfo). Role: read."""
        r = self.call("GetVersion", pb.GetVersionRequest(), timeout=timeout)
        return VersionInfo(version=r.version, schema_engine_version=r.schema_engine_version)

    def health_check(self, service: str = "", *, timeout: Timeout = DEFAULT) -> str:
        """``grpc.health.v1.Health/Check``: "SERVING", "NOT_SERVING", ...
        Needs no token. Retried on UNAVAILABLE like every call."""
        deadline = self._deadline(timeout)
        attempt = 0
        while True:
            attempt += 1
            remaining = self._remaining(deadline, "Health/Check")
            try:
                return self._health(service, timeout=remaining)
            except grpc.RpcError as err:
                left = None if deadline is None else deadline - self._clock()
                delay = next_delay(self.retry, err.code(), attempt, left, err.trailing_metadata())
                if delay is None:
                    raise from_rpc_error(err, method="Health/Check", target=self.target,
                                         attempts=attempt) from None
                self._sleep(delay)

    # ------------------------------------------------------------ pipelines

    def apply_pipeline(self, spec: Union[Mapping[str, Any], str], *, dry_run: bool = False,
                       timeout: Timeout = DEFAULT) -> PipelineInfo:
        """Creates or updates a pipeline from its spec (a dict or JSON text;
        docs/pipeline-spec.md). Paths in it should be absolute. Role: admin."""
        text = spec if isinstance(spec, str) else json.dumps(spec)
        r = self.call("ApplyPipeline", pb.ApplyPipelineRequest(spec_json=text, dry_run=dry_run),
                      timeout=timeout)
        return PipelineInfo(name=r.pipeline.name, version=r.pipeline.version, created=r.created,
                            changed=r.changed, resources=list(r.pipeline.resources))

    # ------------------------------------------------------------ runs

    def start_run(self, pipeline: str, *, idempotency_key: Optional[str] = None,
                  timeout_seconds: int = 0, on_active: str = "refuse",
                  timeout: Timeout = DEFAULT) -> StartRunResult:
        """Starts (or queues) a run of ``pipeline``. Role: operate.

        Args:
            idempotency_key: the same key for the same pipeline returns the
                run it first started (``created`` False), whatever its status;
                derive it from your own task identity so retries re-attach.
                None: a random key (so this call's own retries are safe).
            timeout_seconds: server-side deadline of the run (0: the spec's).
            on_active: "refuse" (FailedPrecondition when a run is active) or
                "queue" (wait behind it).
        """
        key = validate_idempotency_key(idempotency_key or new_idempotency_key())
        if on_active not in _ON_ACTIVE:
            raise ValueError(f"start_run: on_active: expected 'refuse' or 'queue', got {on_active!r}")
        if timeout_seconds < 0:
            raise ValueError(f"start_run: timeout_seconds: expected >= 0, got {timeout_seconds}")
        r = self.call("StartRun", pb.StartRunRequest(
            pipeline=pipeline, idempotency_key=key, timeout_seconds=int(timeout_seconds),
            on_active=_ON_ACTIVE[on_active]), timeout=timeout)
        return StartRunResult(run=Run.from_proto(r.run), created=r.created)

    def get_run(self, run_id: str, *, timeout: Timeout = DEFAULT) -> Run:
        """One run, with its summary once finished. NotFound if unknown. Role: read."""
        return Run.from_proto(self.call("GetRun", pb.GetRunRequest(run_id=run_id),
                                        timeout=timeout))

    def cancel_run(self, run_id: str, *, timeout: Timeout = DEFAULT) -> Run:
        """Asks the run to stop (cooperative; the returned status may still be
        RUNNING for a moment). Idempotent. Role: operate."""
        return Run.from_proto(self.call("CancelRun", pb.CancelRunRequest(run_id=run_id),
                                        timeout=timeout))

    def watch_run(self, run_id: str, *, after_sequence: int = 0,
                  timeout: Optional[float] = None) -> Iterator[RunEvent]:
        """Yields the run's events (history first, then live), ending with the
        ``finished`` event, whose ``run`` is the final run. Role: read.

        A dropped stream (UNAVAILABLE) is reopened after the last sequence
        seen, so no event is lost or repeated. ``timeout`` bounds the whole
        watch (None: none). Closing the iterator early cancels the stream.
        """
        deadline = self._deadline(timeout)
        last = after_sequence
        failures = 0
        while True:
            remaining = self._remaining(deadline, "WatchRun")
            stream = self.stub.WatchRun(pb.WatchRunRequest(run_id=run_id, after_sequence=last),
                                        timeout=remaining, metadata=self._metadata)
            try:
                for message in stream:
                    failures = 0
                    event = RunEvent.from_proto(message)
                    last = event.sequence
                    yield event
                return
            except grpc.RpcError as err:
                failures += 1
                left = None if deadline is None else deadline - self._clock()
                delay = next_delay(self.retry, err.code(), failures, left, err.trailing_metadata())
                if delay is None:
                    raise from_rpc_error(err, method="WatchRun", target=self.target,
                                         attempts=failures) from None
                self._sleep(delay)
            finally:
                stream.cancel()

    def wait_for_run(self, run_id: str, *, timeout: Optional[float] = None,
                     on_event: Optional[Callable[[RunEvent], None]] = None) -> Run:
        """Watches the run until it finishes and returns the final run (with
        summary). ``on_event`` sees every event. DeadlineExceeded when
        ``timeout`` passes first (the run goes on: cancel it if you must)."""
        for event in self.watch_run(run_id, timeout=timeout):
            if on_event is not None:
                on_event(event)
            if event.run is not None:
                return event.run
        # The stream closed without RunFinished (should not happen): ask.
        return self.get_run(run_id)

    def run(self, pipeline: str, *, idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None, on_event: Optional[Callable[[RunEvent], None]] = None,
            ) -> Run:
        """Starts a run (or re-attaches by key) and waits for it: the finished run."""
        started = self.start_run(pipeline, idempotency_key=idempotency_key)
        return self.wait_for_run(started.run.run_id, timeout=timeout, on_event=on_event)

    # ------------------------------------------------------------ schemas and contracts

    def get_schema(self, pipeline: str, *, version: int = 0,
                   timeout: Timeout = DEFAULT) -> Schema:
        """The newest schema (or ``version``). NotFound before the first run. Role: read."""
        return Schema.from_proto(self.call(
            "GetSchema", pb.GetSchemaRequest(pipeline=pipeline, version=version), timeout=timeout))

    def get_contract(self, pipeline: str, *, timeout: Timeout = DEFAULT) -> Contract:
        """Contracts from the spec, overrides and the effective ones. Role: read."""
        return Contract.from_proto(self.call(
            "GetContract", pb.GetContractRequest(pipeline=pipeline), timeout=timeout))

    def alter_contract(self, pipeline: str, *, table: str = "", tables: str = "",
                       columns: str = "", data_type: str = "", clear: bool = False,
                       timeout: Timeout = DEFAULT) -> Contract:
        """Overrides the contract of the pipeline (``table`` empty) or of one
        root table, from the next run on; ``clear`` removes the override.
        Modes: "evolve", "freeze", "discard_row", "discard_value"; empty
        leaves an entity as the spec says. Role: admin."""
        if not clear and not (tables or columns or data_type):
            raise ValueError("alter_contract: set at least one of tables=, columns=, "
                             "data_type= (or clear=True)")
        request = pb.AlterContractRequest(
            pipeline=pipeline, table=table, clear=clear,
            contract=pb.SchemaContract(tables=tables, columns=columns, data_type=data_type))
        return Contract.from_proto(self.call("AlterContract", request, timeout=timeout))

    # ------------------------------------------------------------ push

    def push_records(self, pipeline: str, records: Iterable[Mapping[str, Any]], *,
                     resource: str = "", idempotency_key: Optional[str] = None,
                     timeout: Optional[float] = None,
                     max_batch_records: int = DEFAULT_MAX_BATCH_RECORDS,
                     max_batch_bytes: int = DEFAULT_MAX_BATCH_BYTES,
                     json_default: Callable[[Any], Any] = default_json) -> PushResult:
        """Loads ``records`` (any iterable of dicts, e.g. a generator) into
        the pipeline's push resource as one load package, and returns the
        finished run: dlt's ``pipeline.run(data)``. Role: operate.

        Records stream as they are produced (memory does not grow). The
        daemon answers when the load finished; a failed load is a run with
        status FAILED, not an exception. UNAVAILABLE is retried only while
        the iterable is untouched (a consumed generator cannot be replayed).
        A record that is not a dict, or not JSON-serializable, raises
        TypeError naming its position, and nothing of the stream is loaded.
        """
        key = validate_idempotency_key(idempotency_key) if idempotency_key else ""
        deadline = self._deadline(timeout)
        attempt = 0
        while True:
            attempt += 1
            stream = PushRequestStream(pipeline, records, resource=resource, idempotency_key=key,
                                       max_records=max_batch_records, max_bytes=max_batch_bytes,
                                       json_default=json_default)
            remaining = self._remaining(deadline, "PushRecords")
            try:
                r = self.stub.PushRecords(iter(stream), timeout=remaining, metadata=self._metadata)
                return PushResult(run=Run.from_proto(r.run), records=r.records)
            except grpc.RpcError as err:
                if stream.error is not None:
                    raise stream.error from None
                delay = None
                if not stream.records_pulled:
                    left = None if deadline is None else deadline - self._clock()
                    delay = next_delay(self.retry, err.code(), attempt, left,
                                       err.trailing_metadata())
                if delay is None:
                    raise from_rpc_error(err, method="PushRecords", target=self.target,
                                         attempts=attempt) from None
                self._sleep(delay)


__all__ = ["IngestdClient", "IngestdError", "DEFAULT", "new_idempotency_key",
           "validate_idempotency_key"]
