"""``IngestdRunTrigger``: waits for a run in the triggerer, without blocking
its event loop (grpc.aio), and yields exactly one TriggerEvent whose payload
is ``{status: success|error|cancelled|timeout, run_id, message, summary,
run_status}`` (ingestd_airflow.runs). The deadline is checked before the
run's state, so a timed-out wait reports ``timeout`` and the operator
cancels the run."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Dict, Optional, Tuple

from . import runs, waiting
from ._airflow import BaseTrigger, TriggerEvent
from .hooks import IngestdHook


class IngestdRunTrigger(BaseTrigger):
    """Args:
        run_id: the run to wait for.
        ingestd_conn_id: the Airflow connection.
        end_time: wall-clock epoch seconds when the wait times out; None: never.
        poll_interval: seconds between GetRun polls when WatchRun drops.
        timeout: the wait's length in seconds, for the timeout message only.
    """

    def __init__(self, run_id: str, ingestd_conn_id: str = IngestdHook.default_conn_name,
                 end_time: Optional[float] = None, poll_interval: float = 30.0,
                 timeout: Optional[float] = None) -> None:
        super().__init__()
        self.run_id = run_id
        self.ingestd_conn_id = ingestd_conn_id
        self.end_time = end_time
        self.poll_interval = poll_interval
        self.timeout = timeout

    def serialize(self) -> Tuple[str, Dict[str, Any]]:
        return ("ingestd_airflow.triggers.IngestdRunTrigger", {
            "run_id": self.run_id, "ingestd_conn_id": self.ingestd_conn_id,
            "end_time": self.end_time, "poll_interval": self.poll_interval,
            "timeout": self.timeout})

    def _hook(self) -> IngestdHook:
        return IngestdHook(self.ingestd_conn_id)

    async def run(self) -> AsyncIterator[Any]:
        try:
            hook = self._hook()
            # Reading the connection may block (metadata DB / API): not on the loop.
            await asyncio.to_thread(lambda: hook.settings)
            client = hook.get_async_client()
            try:
                event = await waiting.await_event(client, self.run_id, end_time=self.end_time,
                                                  poll_interval=self.poll_interval,
                                                  timeout=self.timeout)
            finally:
                await client.close()
        except Exception as exc:  # noqa: BLE001 - one event, always: fail the task with it
            event = runs.error_event(self.run_id, f"ingestd trigger for {self.run_id}: {exc}")
        yield TriggerEvent(event)
