"""``IngestdHook``: the provider's connection to a daemon.

A sync client (:class:`ingestd_client.IngestdClient`) for workers and an
async one (``grpc.aio``, :class:`ingestd_client.AsyncIngestdClient`) for
the triggerer, built from an Airflow connection of type ``ingestd``
(ingestd_airflow.connection documents its fields). Every call carries the
connection's deadline and retries UNAVAILABLE with backoff.

The hook works without Airflow installed when given ``settings=`` (scripts,
tests); with Airflow it is a BaseHook and reads the connection by id.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

from ingestd_client import (AsyncIngestdClient, IngestdClient, RetryPolicy, Run, RunEvent,
                            Schema, StartRunResult)

from . import runs, waiting
from .connection import ConnectionSettings, settings_from_connection

try:  # Airflow 3, then Airflow 2; plain Python without Airflow.
    from airflow.sdk import BaseHook as _HookBase  # type: ignore[import-not-found]
except ImportError:
    try:
        from airflow.hooks.base import BaseHook as _HookBase  # type: ignore[import-not-found]
    except ImportError:
        _HookBase = object  # type: ignore[assignment,misc]

logger = logging.getLogger(__name__)


class IngestdHook(_HookBase):  # type: ignore[misc,valid-type]
    """Calls one daemon.

    Args:
        ingestd_conn_id: the Airflow connection (type ``ingestd``).
        settings: explicit settings instead of a connection (no Airflow needed).
        retry: the retry policy of every call (default: 5 attempts).
    """

    conn_name_attr = "ingestd_conn_id"
    default_conn_name = "ingestd_default"
    conn_type = "ingestd"
    hook_name = "ingestd"

    def __init__(self, ingestd_conn_id: str = default_conn_name, *,
                 settings: Optional[ConnectionSettings] = None,
                 retry: Optional[RetryPolicy] = None) -> None:
        super().__init__()
        self.ingestd_conn_id = ingestd_conn_id
        self._settings = settings
        self._retry = retry
        self._client: Optional[IngestdClient] = None

    # ------------------------------------------------------------ Airflow UI

    @classmethod
    def get_ui_field_behaviour(cls) -> Dict[str, Any]:
        """Connection form: host, port and the token as password."""
        return {
            "hidden_fields": ["schema", "login"],
            "relabeling": {"password": "Bearer token"},
            "placeholders": {
                "host": "ingestd.internal (or grpcs://ingestd.internal)",
                "port": "50051",
                "extra": '{"ca_file": "/etc/ssl/ingestd-ca.pem"}  or  {"insecure": true}',
            },
        }

    # ------------------------------------------------------------ clients

    @property
    def settings(self) -> ConnectionSettings:
        """Settings from ``settings=`` or the Airflow connection (read once)."""
        if self._settings is None:
            get_connection = getattr(self, "get_connection", None)
            if get_connection is None:
                raise RuntimeError(
                    f"IngestdHook({self.ingestd_conn_id!r}): Airflow is not installed, so "
                    "there is no connection to read; pass settings=ConnectionSettings(...)")
            self._settings = settings_from_connection(get_connection(self.ingestd_conn_id))
        return self._settings

    def get_conn(self) -> IngestdClient:
        """The sync client (one per hook, reused)."""
        if self._client is None:
            s = self.settings
            self._client = IngestdClient(options=s.options, default_timeout=s.timeout,
                                         retry=self._retry)
        return self._client

    def get_async_client(self) -> AsyncIngestdClient:
        """A new async client bound to the running event loop; close it."""
        s = self.settings
        return AsyncIngestdClient(options=s.options, default_timeout=s.timeout, retry=self._retry)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    @property
    def _log(self) -> logging.Logger:
        return getattr(self, "log", None) or logger

    # ------------------------------------------------------------ calls

    def start_run(self, pipeline: str, idempotency_key: str, *, timeout_seconds: int = 0,
                  on_active: str = "queue") -> StartRunResult:
        """StartRun (re-attaches when the key was used before)."""
        return self.get_conn().start_run(pipeline, idempotency_key=idempotency_key,
                                         timeout_seconds=timeout_seconds, on_active=on_active)

    def start_or_attach(self, pipeline: str, base_key: str, try_number: int = 1, *,
                        timeout_seconds: int = 0, on_active: str = "queue") -> StartRunResult:
        """The task's run: see :func:`ingestd_airflow.runs.start_or_attach`."""
        return runs.start_or_attach(
            lambda key: self.start_run(pipeline, key, timeout_seconds=timeout_seconds,
                                       on_active=on_active), base_key, try_number)

    def get_run(self, run_id: str) -> Run:
        return self.get_conn().get_run(run_id)

    def cancel_run(self, run_id: str) -> Run:
        return self.get_conn().cancel_run(run_id)

    def watch_run(self, run_id: str, after_sequence: int = 0,
                  timeout: Optional[float] = None) -> Iterator[RunEvent]:
        return self.get_conn().watch_run(run_id, after_sequence=after_sequence, timeout=timeout)

    def get_schema(self, pipeline: str, version: int = 0) -> Schema:
        return self.get_conn().get_schema(pipeline, version=version)

    def wait_for_run(self, run_id: str, *, end_time: Optional[float], poll_interval: float,
                     timeout: Optional[float] = None,
                     on_event: Optional[Callable[[RunEvent], None]] = None) -> Dict[str, Any]:
        """Blocks until the run ends or ``end_time`` (epoch) passes; the event
        (ingestd_airflow.runs). Does not cancel on timeout: the caller does."""
        return waiting.wait_for_event(self.get_conn(), run_id, end_time=end_time,
                                      poll_interval=poll_interval, timeout=timeout,
                                      on_event=on_event)

    def run_url(self, run: Run) -> Optional[str]:
        return runs.run_url(self.settings.run_url_template, run)

    def test_connection(self) -> Tuple[bool, str]:
        """Health/Check plus GetVersion (the spec's GetServerInfo), which also
        proves the token: (ok, message) as Airflow's UI shows it."""
        try:
            client = self.get_conn()
            status = client.health_check(timeout=10)
            version = client.get_version(timeout=10)
        except Exception as exc:  # noqa: BLE001 - reported to the UI, not raised
            return False, str(exc)
        if status != "SERVING":
            return False, f"ingestd at {client.target} is {status}"
        return True, f"ingestd {version.version} at {client.target} is serving"
