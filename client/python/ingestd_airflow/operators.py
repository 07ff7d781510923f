"""``IngestdRunOperator``: runs a pipeline of an ingestd daemon.

- The idempotency key defaults to ``{dag_id}.{task_id}.{run_id}`` (plus the
  map index), so a retried task re-attaches to the run its first try
  started; a retry after a failed run starts one new run, which resumes the
  pending load packages (runs.start_or_attach).
- Pushes ``run_id`` (and ``run_url`` when the connection has a
  ``run_url_template``) to XCom and returns the run summary.
- ``wait_for_termination=False`` returns the run id right away (pair it with
  IngestdRunSensor).
- ``deferrable=True``: checks the run first and defers only while it is
  active, to IngestdRunTrigger with ``defer(timeout=None)``: the trigger
  enforces ``timeout`` itself, so ``execute_complete`` always runs and
  cancels the remote run on timeout.
- ``on_kill`` cancels the run.
"""

from __future__ import annotations

import time
from typing import Any, Dict, Optional, Sequence

from . import runs
from ._airflow import AirflowException, BaseOperator
from .hooks import IngestdHook
from .triggers import IngestdRunTrigger


class IngestdRunOperator(BaseOperator):
    """Args:
        pipeline: the pipeline to run (templated).
        ingestd_conn_id: the Airflow connection (type ``ingestd``).
        idempotency_key: overrides the key derived from the task (templated).
        wait_for_termination: wait for the run to end (default) or return its id.
        deferrable: wait in the triggerer instead of the worker.
        poll_interval: seconds between polls when the event stream drops.
        timeout: seconds to wait for the run; then it is cancelled and the
            task fails. None: wait as long as the run takes.
        run_timeout_seconds: the run's own deadline, enforced by the daemon
            (StartRun.timeout_seconds; 0: the spec's).
        on_active: "queue" (default: wait behind a scheduled run of the same
            pipeline) or "refuse" (fail instead).
    """

    template_fields: Sequence[str] = ("pipeline", "idempotency_key")
    ui_color = "#e8f4fd"

    def __init__(self, *, pipeline: str, ingestd_conn_id: str = IngestdHook.default_conn_name,
                 idempotency_key: Optional[str] = None, wait_for_termination: bool = True,
                 deferrable: bool = False, poll_interval: float = 30.0,
                 timeout: Optional[float] = None, run_timeout_seconds: int = 0,
                 on_active: str = "queue", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if timeout is not None and timeout <= 0:
            raise ValueError(f"IngestdRunOperator({pipeline!r}): timeout must be > 0 or None")
        if poll_interval <= 0:
            raise ValueError(f"IngestdRunOperator({pipeline!r}): poll_interval must be > 0")
        self.pipeline = pipeline
        self.ingestd_conn_id = ingestd_conn_id
        self.idempotency_key = idempotency_key
        self.wait_for_termination = wait_for_termination
        self.deferrable = deferrable
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.run_timeout_seconds = run_timeout_seconds
        self.on_active = on_active
        self.run_id: Optional[str] = None

    @property
    def hook(self) -> IngestdHook:
        if getattr(self, "_hook", None) is None:
            self._hook = IngestdHook(self.ingestd_conn_id)
        return self._hook

    def execute(self, context: Dict[str, Any]) -> Any:
        base_key = self.idempotency_key or runs.idempotency_key_from_context(context)
        try_number = int(getattr(context.get("ti"), "try_number", 1) or 1)
        started = self.hook.start_or_attach(self.pipeline, base_key, try_number,
                                            timeout_seconds=self.run_timeout_seconds,
                                            on_active=self.on_active)
        run = started.run
        self.run_id = run.run_id
        self.log.info("ingestd: %s run %s of %s (key %s, status %s)",
                      "started" if started.created else "re-attached to", run.run_id,
                      self.pipeline, run.idempotency_key, run.status.name)
        ti = context["ti"]
        ti.xcom_push(key="run_id", value=run.run_id)
        url = self.hook.run_url(run)
        if url:
            ti.xcom_push(key="run_url", value=url)
        if not self.wait_for_termination:
            return run.run_id

        end_time = runs.end_time(self.timeout, time.time())
        if self.deferrable:
            event = runs.run_event(self.hook.get_run(run.run_id))  # check before deferring
            if event is None:
                self.defer(trigger=IngestdRunTrigger(run_id=run.run_id,
                                                     ingestd_conn_id=self.ingestd_conn_id,
                                                     end_time=end_time,
                                                     poll_interval=self.poll_interval,
                                                     timeout=self.timeout),
                           method_name="execute_complete", timeout=None)
            return self.execute_complete(context, event)

        event = self.hook.wait_for_run(
            run.run_id, end_time=end_time, poll_interval=self.poll_interval, timeout=self.timeout,
            on_event=lambda e: self.log.info("%s", runs.describe_event(e)))
        return self.execute_complete(context, event)

    def execute_complete(self, context: Dict[str, Any], event: Any) -> Any:
        """Ends the task from an event: returns the summary (XCom) on success;
        on timeout cancels the run, then fails; otherwise fails."""
        result = runs.outcome(event)
        if result.cancel_remote:
            self.log.warning("ingestd: %s; cancelling run %s", result.message, result.run_id)
            self.hook.cancel_run(result.run_id)
        if not result.ok:
            raise AirflowException(result.message)
        self.log.info("%s", result.message)
        return result.summary

    def on_kill(self) -> None:
        if self.run_id:
            self.log.info("ingestd: task killed; cancelling run %s", self.run_id)
            self.hook.cancel_run(self.run_id)
