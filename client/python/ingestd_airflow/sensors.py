"""``IngestdRunSensor``: waits for a run started elsewhere (for example by
IngestdRunOperator with ``wait_for_termination=False``).

Poke mode asks GetRun each poke; deferrable mode checks once, then defers
to IngestdRunTrigger until the sensor's ``timeout``. Succeeded: done, the
summary pushed to XCom (key ``summary``). Failed, cancelled or an unknown
status: the task fails (fail closed). The sensor does not cancel the run on
its own timeout: the run is not its own.
"""

from __future__ import annotations

import time
from typing import Any, Dict, Optional, Sequence

from . import runs
from ._airflow import AirflowException, AirflowSensorTimeout, BaseSensorOperator
from .hooks import IngestdHook
from .triggers import IngestdRunTrigger

DEFAULT_DEFERRABLE_TIMEOUT = 7 * 24 * 3600.0


class IngestdRunSensor(BaseSensorOperator):
    """Args:
        run_id: the run to wait for (templated, e.g. from the operator's XCom).
        ingestd_conn_id: the Airflow connection (type ``ingestd``).
        deferrable: wait in the triggerer.
    """

    template_fields: Sequence[str] = ("run_id",)

    def __init__(self, *, run_id: str, ingestd_conn_id: str = IngestdHook.default_conn_name,
                 deferrable: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.run_id = run_id
        self.ingestd_conn_id = ingestd_conn_id
        self.deferrable = deferrable

    @property
    def hook(self) -> IngestdHook:
        if getattr(self, "_hook", None) is None:
            self._hook = IngestdHook(self.ingestd_conn_id)
        return self._hook

    def _finish(self, context: Dict[str, Any], event: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        result = runs.outcome(event)
        if result.timed_out:
            raise AirflowSensorTimeout(result.message)
        if not result.ok:
            raise AirflowException(result.message)
        context["ti"].xcom_push(key="summary", value=result.summary)
        self.log.info("%s", result.message)
        return result.summary

    def poke(self, context: Dict[str, Any]) -> bool:
        event = runs.run_event(self.hook.get_run(self.run_id))
        if event is None:
            return False
        self._finish(context, event)
        return True

    def execute(self, context: Dict[str, Any]) -> Any:
        if not self.deferrable:
            return super().execute(context)
        event = runs.run_event(self.hook.get_run(self.run_id))
        if event is None:
            timeout = float(self.timeout) if self.timeout else DEFAULT_DEFERRABLE_TIMEOUT
            self.defer(trigger=IngestdRunTrigger(run_id=self.run_id,
                                                 ingestd_conn_id=self.ingestd_conn_id,
                                                 end_time=runs.end_time(timeout, time.time()),
                                                 poll_interval=float(self.poke_interval),
                                                 timeout=timeout),
                       method_name="execute_complete", timeout=None)
        return self._finish(context, event)

    def execute_complete(self, context: Dict[str, Any], event: Any) -> Any:
        return self._finish(context, event)
