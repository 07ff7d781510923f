"""The provider's Airflow classes (operator, sensor, trigger, hook by
connection id) against a real daemon, imported on top of the TEST-ONLY
Airflow stand-in (tests/airflow_stand_in/). Run in a process of its own."""

from __future__ import annotations

import asyncio
import json
import os
import time
import unittest

from tests.airflow_stand_in_support import StandInTaskInstance, stand_in_context  # first

from airflow.exceptions import AirflowException, AirflowSensorTimeout, TaskDeferred
from airflow.hooks.base import BaseHook
from airflow.triggers.base import TriggerEvent

from ingestd_airflow import runs
from ingestd_airflow.hooks import IngestdHook
from ingestd_airflow.operators import IngestdRunOperator
from ingestd_airflow.sensors import IngestdRunSensor
from ingestd_airflow.triggers import IngestdRunTrigger
from ingestd_client import IngestdClient, RunStatus
from tests.support.daemon import OPERATE_TOKEN
from tests.support.fixtures import DaemonTestCase, SlowApi, files_spec, slow_rest_spec

CONN_ID = "ingestd_test"


def run_trigger(trigger: IngestdRunTrigger) -> list:
    """Drives trigger.run() as the triggerer does; returns every event."""
    async def collect() -> list:
        return [event async for event in trigger.run()]
    return asyncio.run(collect())


class AirflowClassesTest(DaemonTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.api = SlowApi(pages=4000, delay=0.05)
        cls.admin.apply_pipeline(files_spec("orders", cls.workdir, rows=30))
        cls.admin.apply_pipeline(slow_rest_spec("slow", cls.workdir, cls.api.base_url))
        os.environ[f"AIRFLOW_CONN_{CONN_ID.upper()}"] = json.dumps({
            "conn_type": "ingestd", "host": "127.0.0.1",
            "port": int(cls.daemon.target.rsplit(":", 1)[1]), "password": OPERATE_TOKEN,
            "extra": {"insecure": True, "timeout": 20,
                      "run_url_template": "https://grafana.example/d/ingestd?var-run_id={run_id}"}})
        cls.client = IngestdClient(cls.daemon.target, token=OPERATE_TOKEN)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.client.close()
        super().tearDownClass()
        cls.api.close()

    def operator(self, task_id: str, **kw) -> IngestdRunOperator:
        kw.setdefault("pipeline", "orders")
        return IngestdRunOperator(task_id=task_id, ingestd_conn_id=CONN_ID, poll_interval=0.2,
                                  **kw)

    def finish(self, run_id: str) -> None:
        self.client.cancel_run(run_id)
        self.client.wait_for_run(run_id, timeout=30)

    def test_hook_is_an_airflow_hook_reading_the_connection(self) -> None:
        self.assertTrue(issubclass(IngestdHook, BaseHook))
        hook = IngestdHook(CONN_ID)
        self.assertEqual(hook.settings.options.target, self.daemon.target)
        self.assertTrue(hook.test_connection()[0])

    def test_operator_waits_and_returns_the_summary(self) -> None:
        ti = StandInTaskInstance("dag", "load", "manual__1")
        summary = self.operator("load").execute(stand_in_context(ti))
        self.assertEqual(summary["status"], "SUCCEEDED")
        self.assertEqual(summary["rows_per_table"]["orders"], 30)
        self.assertEqual(ti.xcom["run_id"], summary["run_id"])
        self.assertTrue(ti.xcom["run_url"].endswith(summary["run_id"]))
        run = self.client.get_run(summary["run_id"])
        self.assertEqual(run.idempotency_key, "dag.load.manual__1")
        # An Airflow retry re-attaches: same run, nothing loaded twice.
        retry_ti = StandInTaskInstance("dag", "load", "manual__1", try_number=2)
        again = self.operator("load").execute(stand_in_context(retry_ti))
        self.assertEqual(again["run_id"], summary["run_id"])

    def test_operator_without_waiting_returns_the_run_id(self) -> None:
        ti = StandInTaskInstance("dag", "fire", "manual__1")
        run_id = self.operator("fire", pipeline="slow",
                               wait_for_termination=False).execute(stand_in_context(ti))
        try:
            self.assertTrue(run_id.startswith("run-"))
            sensor = IngestdRunSensor(task_id="wait", run_id=run_id, ingestd_conn_id=CONN_ID,
                                      poke_interval=0.1)
            self.assertFalse(sensor.poke(stand_in_context(ti)))
        finally:
            self.finish(run_id)
        with self.assertRaisesRegex(AirflowException, "cancelled"):
            sensor.poke(stand_in_context(ti))

    def test_deferrable_operator_does_not_defer_a_finished_run(self) -> None:
        ti = StandInTaskInstance("dag", "deferred_done", "manual__1")
        first = self.operator("deferred_done").execute(stand_in_context(ti))
        # The retry finds the run already SUCCEEDED: no deferral, summary at once.
        retry = StandInTaskInstance("dag", "deferred_done", "manual__1", try_number=2)
        summary = self.operator("deferred_done", deferrable=True).execute(stand_in_context(retry))
        self.assertEqual(summary["run_id"], first["run_id"])

    def test_deferrable_operator_defers_then_completes(self) -> None:
        ti = StandInTaskInstance("dag", "deferred_slow", "manual__1")
        op = self.operator("deferred_slow", pipeline="slow", deferrable=True, timeout=600)
        with self.assertRaises(TaskDeferred) as ctx:
            op.execute(stand_in_context(ti))
        deferred = ctx.exception
        self.assertIsNone(deferred.timeout)
        self.assertEqual(deferred.method_name, "execute_complete")
        path, kwargs = deferred.trigger.serialize()
        self.assertEqual(path, "ingestd_airflow.triggers.IngestdRunTrigger")
        self.assertEqual(kwargs["run_id"], ti.xcom["run_id"])
        self.assertGreater(kwargs["end_time"], time.time() + 500)
        json.dumps(kwargs)
        # The triggerer rebuilds the trigger from its serialized form.
        self.client.cancel_run(kwargs["run_id"])
        events = run_trigger(IngestdRunTrigger(**kwargs))
        self.assertEqual(len(events), 1)
        self.assertIsInstance(events[0], TriggerEvent)
        self.assertEqual(events[0].payload["status"], runs.CANCELLED)
        with self.assertRaisesRegex(AirflowException, "cancelled"):
            self.operator("deferred_slow", pipeline="slow").execute_complete(
                stand_in_context(ti), events[0].payload)

    def test_trigger_yields_one_success_event(self) -> None:
        run = self.client.start_run("orders", on_active="queue").run
        events = run_trigger(IngestdRunTrigger(run.run_id, CONN_ID, end_time=time.time() + 60,
                                               poll_interval=0.2))
        self.assertEqual(len(events), 1)
        payload = events[0].payload
        self.assertEqual(payload["status"], runs.SUCCESS, payload)
        self.assertEqual(payload["summary"]["rows_per_table"]["orders"], 30)

    def test_trigger_timeout_then_execute_complete_cancels_the_run(self) -> None:
        run = self.client.start_run("slow", on_active="queue").run
        try:
            events = run_trigger(IngestdRunTrigger(run.run_id, CONN_ID,
                                                   end_time=time.time() + 1.0,
                                                   poll_interval=0.2, timeout=1.0))
            self.assertEqual(len(events), 1)
            self.assertEqual(events[0].payload["status"], runs.TIMEOUT)
            op = self.operator("timeout", pipeline="slow")
            ti = StandInTaskInstance("dag", "timeout", "manual__1")
            with self.assertRaisesRegex(AirflowException, "timeout"):
                op.execute_complete(stand_in_context(ti), events[0].payload)
            self.assertTrue(self.client.get_run(run.run_id).cancel_requested)
            final = self.client.wait_for_run(run.run_id, timeout=30)
            self.assertIs(final.status, RunStatus.CANCELLED)
        finally:
            self.finish(run.run_id)

    def test_trigger_with_a_bad_connection_still_yields_one_error_event(self) -> None:
        events = run_trigger(IngestdRunTrigger("run-1", "no_such_connection"))
        self.assertEqual(len(events), 1)
        self.assertEqual(events[0].payload["status"], runs.ERROR)
        self.assertIn("no_such_connection", events[0].payload["message"])

    def test_non_deferrable_timeout_cancels_the_run(self) -> None:
        ti = StandInTaskInstance("dag", "slow_timeout", "manual__1")
        op = self.operator("slow_timeout", pipeline="slow", timeout=1.0)
        with self.assertRaisesRegex(AirflowException, "timeout"):
            op.execute(stand_in_context(ti))
        final = self.client.wait_for_run(ti.xcom["run_id"], timeout=30)
        self.assertIs(final.status, RunStatus.CANCELLED)

    def test_on_kill_cancels_the_run(self) -> None:
        ti = StandInTaskInstance("dag", "killed", "manual__1")
        op = self.operator("killed", pipeline="slow", wait_for_termination=False)
        run_id = op.execute(stand_in_context(ti))
        op.on_kill()
        final = self.client.wait_for_run(run_id, timeout=30)
        self.assertIs(final.status, RunStatus.CANCELLED)

    def test_sensor_poke_and_deferrable(self) -> None:
        run = self.client.run("orders", timeout=60)
        ti = StandInTaskInstance("dag", "sense", "manual__1")
        sensor = IngestdRunSensor(task_id="sense", run_id=run.run_id, ingestd_conn_id=CONN_ID,
                                  poke_interval=0.1, timeout=30)
        sensor.execute(stand_in_context(ti))
        self.assertEqual(ti.xcom["summary"]["run_id"], run.run_id)
        # Deferrable and already finished: no deferral.
        deferrable = IngestdRunSensor(task_id="sense", run_id=run.run_id,
                                      ingestd_conn_id=CONN_ID, deferrable=True)
        self.assertEqual(deferrable.execute(stand_in_context(ti))["run_id"], run.run_id)

    def test_deferrable_sensor_defers_and_times_out(self) -> None:
        run = self.client.start_run("slow", on_active="queue").run
        try:
            sensor = IngestdRunSensor(task_id="sense_slow", run_id=run.run_id,
                                      ingestd_conn_id=CONN_ID, deferrable=True,
                                      poke_interval=0.2, timeout=1)
            ti = StandInTaskInstance("dag", "sense_slow", "manual__1")
            with self.assertRaises(TaskDeferred) as ctx:
                sensor.execute(stand_in_context(ti))
            events = run_trigger(ctx.exception.trigger)
            with self.assertRaises(AirflowSensorTimeout):
                sensor.execute_complete(stand_in_context(ti), events[0].payload)
            # The sensor does not own the run: it is not cancelled.
            self.assertFalse(self.client.get_run(run.run_id).cancel_requested)
        finally:
            self.finish(run.run_id)

    def test_unknown_event_fails_closed(self) -> None:
        ti = StandInTaskInstance("dag", "x", "manual__1")
        with self.assertRaisesRegex(AirflowException, "failing closed"):
            self.operator("x").execute_complete(stand_in_context(ti),
                                                {"status": "paused", "run_id": "run-1"})


if __name__ == "__main__":
    unittest.main()
