"""IngestdHook and the waiting loops against a real daemon, without Airflow
(the hook takes explicit settings)."""

from __future__ import annotations

import asyncio
import json
import os
import time
import unittest

from ingestd_airflow import runs, waiting
from ingestd_airflow.connection import ConnectionSettings
from ingestd_airflow.hooks import IngestdHook
from ingestd_client import ConnectionOptions, RunStatus
from tests.support.daemon import OPERATE_TOKEN
from tests.support.fixtures import DaemonTestCase, SlowApi, files_spec, slow_rest_spec


class HookTest(DaemonTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.api = SlowApi(pages=2000, delay=0.05)
        cls.admin.apply_pipeline(files_spec("orders", cls.workdir, rows=20))
        cls.admin.apply_pipeline(slow_rest_spec("slow", cls.workdir, cls.api.base_url))
        cls.missing = os.path.join(cls.workdir, "later.jsonl")
        cls.admin.apply_pipeline({"name": "flaky", "resources": [
            {"name": "rows", "source": {"kind": "files", "paths": [cls.missing]}}]})
        cls.hook = IngestdHook(settings=ConnectionSettings(
            ConnectionOptions(cls.daemon.target, token=OPERATE_TOKEN), timeout=20,
            run_url_template="https://grafana.example/d/ingestd?var-run_id={run_id}"))

    @classmethod
    def tearDownClass(cls) -> None:
        cls.hook.close()
        super().tearDownClass()
        cls.api.close()

    def test_test_connection(self) -> None:
        ok, message = self.hook.test_connection()
        self.assertTrue(ok, message)
        self.assertIn("serving", message)
        bad = IngestdHook(settings=ConnectionSettings(
            ConnectionOptions(self.daemon.target, token="nope")))
        ok, message = bad.test_connection()
        self.assertFalse(ok)
        self.assertIn("UNAUTHENTICATED", message)

    def test_retry_reattaches_then_waits_for_the_summary(self) -> None:
        key = runs.idempotency_key("dag", "load_orders", "manual__1")
        first = self.hook.start_or_attach("orders", key, try_number=1)
        retry = self.hook.start_or_attach("orders", key, try_number=2)
        self.assertTrue(first.created)
        self.assertEqual(retry.run.run_id, first.run.run_id)
        event = self.hook.wait_for_run(first.run.run_id, end_time=time.time() + 60,
                                       poll_interval=0.5)
        self.assertEqual(event["status"], runs.SUCCESS, event)
        self.assertEqual(event["summary"]["rows_per_table"], {"orders": 20, "orders__tags": 40})
        json.dumps(event)  # XCom and TriggerEvent payloads must be JSON
        self.assertTrue(self.hook.run_url(first.run).endswith(first.run.run_id))

    def test_retry_after_a_failed_run_starts_a_new_one(self) -> None:
        key = runs.idempotency_key("dag", "load_flaky", "manual__1")
        first = self.hook.start_or_attach("flaky", key, try_number=1)
        failed = self.hook.wait_for_run(first.run.run_id, end_time=None, poll_interval=0.5)
        self.assertEqual(failed["status"], runs.ERROR)
        self.assertIn("later.jsonl", failed["message"])
        with open(self.missing, "w") as f:
            f.write('{"id": 1}\n')
        second = self.hook.start_or_attach("flaky", key, try_number=2)
        self.assertNotEqual(second.run.run_id, first.run.run_id)
        self.assertEqual(second.run.idempotency_key, key + ".try2")
        done = self.hook.wait_for_run(second.run.run_id, end_time=None, poll_interval=0.5)
        self.assertEqual(done["status"], runs.SUCCESS, done)

    def test_wait_times_out_and_the_caller_cancels(self) -> None:
        run = self.hook.start_run("slow", runs.idempotency_key("dag", "slow", "t1")).run
        started = time.monotonic()
        event = self.hook.wait_for_run(run.run_id, end_time=time.time() + 1.0,
                                       poll_interval=0.2, timeout=1.0)
        self.assertLess(time.monotonic() - started, 10)
        self.assertEqual(event["status"], runs.TIMEOUT)
        outcome = runs.outcome(event)
        self.assertTrue(outcome.cancel_remote)
        self.hook.cancel_run(outcome.run_id)
        final = self.hook.wait_for_run(run.run_id, end_time=time.time() + 30, poll_interval=0.2)
        self.assertEqual(final["status"], runs.CANCELLED)

    def test_unknown_run_is_an_error_event(self) -> None:
        event = self.hook.wait_for_run("run-00000000000000ff", end_time=None, poll_interval=0.1)
        self.assertEqual(event["status"], runs.ERROR)
        self.assertIn("NOT_FOUND", event["message"])

    def test_async_wait(self) -> None:
        run = self.hook.start_run("orders", runs.idempotency_key("dag", "async", "r1")).run

        async def wait() -> dict:
            client = self.hook.get_async_client()
            try:
                return await waiting.await_event(client, run.run_id, end_time=time.time() + 60,
                                                 poll_interval=0.5)
            finally:
                await client.close()

        event = asyncio.run(wait())
        self.assertEqual(event["status"], runs.SUCCESS, event)
        self.assertEqual(self.hook.get_run(run.run_id).status, RunStatus.SUCCEEDED)


if __name__ == "__main__":
    unittest.main()
