"""The provider's plain functions (ingestd_airflow.runs, .connection); no
Airflow, no daemon."""

from __future__ import annotations

import os
import types
import unittest
from typing import List

from ingestd_airflow import get_provider_info, runs
from ingestd_airflow.connection import settings_from_connection
from ingestd_client import Run, RunError, RunStatus, StartRunResult


def make_run(status: RunStatus, run_id: str = "run-1", error: RunError = None) -> Run:
    return Run(run_id=run_id, pipeline="p", pipeline_version=1, status=status, trigger="MANUAL",
               idempotency_key="k", requested_by="t", created_at=None, started_at=None,
               finished_at=None, deadline_at=None, error=error, cancel_requested=False,
               summary=None)


class IdempotencyKeyTest(unittest.TestCase):
    def test_from_dag_task_and_run_ids(self) -> None:
        self.assertEqual(runs.idempotency_key("dag", "load", "scheduled__2024-01-01T00:00:00"),
                         "dag.load.scheduled__2024-01-01T00:00:00")
        self.assertEqual(runs.idempotency_key("d", "t", "r", map_index=3), "d.t.r.3")
        self.assertEqual(runs.idempotency_key("d", "t", "r", map_index=-1), "d.t.r")

    def test_deterministic_bounded_and_ascii(self) -> None:
        long = runs.idempotency_key("d" * 150, "t" * 100, "r")
        self.assertEqual(long, runs.idempotency_key("d" * 150, "t" * 100, "r"))
        self.assertLessEqual(len(long), runs.MAX_BASE_KEY_LENGTH)
        self.assertNotEqual(long, runs.idempotency_key("d" * 150, "t" * 100, "s"))
        key = runs.idempotency_key("dág", "t", "r")
        self.assertTrue(all(0x20 <= ord(c) < 0x7F for c in key))
        self.assertNotEqual(key, runs.idempotency_key("dæg", "t", "r"))
        with self.assertRaisesRegex(ValueError, "run_id"):
            runs.idempotency_key("d", "t", "")

    def test_from_context(self) -> None:
        ti = types.SimpleNamespace(dag_id="d", task_id="t", run_id="r", map_index=-1)
        self.assertEqual(runs.idempotency_key_from_context({"ti": ti}), "d.t.r")

    def test_start_or_attach_walks_retry_keys(self) -> None:
        seen: List[str] = []
        statuses = {"k": RunStatus.FAILED, "k.try2": RunStatus.RUNNING}

        def start(key: str) -> StartRunResult:
            seen.append(key)
            return StartRunResult(make_run(statuses.get(key, RunStatus.QUEUED), key), True)

        self.assertEqual(runs.start_or_attach(start, "k", 1).run.run_id, "k")
        seen.clear()
        self.assertEqual(runs.start_or_attach(start, "k", 3).run.run_id, "k.try2")
        self.assertEqual(seen, ["k", "k.try2"])
        statuses["k.try2"] = RunStatus.CANCELLED
        self.assertEqual(runs.start_or_attach(start, "k", 3).run.run_id, "k.try3")
        statuses["k"] = RunStatus.SUCCEEDED
        self.assertEqual(runs.start_or_attach(start, "k", 5).run.run_id, "k")


class EventMappingTest(unittest.TestCase):
    def test_status_mapping_fails_closed(self) -> None:
        self.assertIsNone(runs.event_status(RunStatus.QUEUED))
        self.assertIsNone(runs.event_status("RUN_STATUS_RUNNING"))
        self.assertEqual(runs.event_status(RunStatus.SUCCEEDED), runs.SUCCESS)
        self.assertEqual(runs.event_status(RunStatus.FAILED), runs.ERROR)
        self.assertEqual(runs.event_status(RunStatus.CANCELLED), runs.CANCELLED)
        self.assertEqual(runs.event_status(RunStatus.UNSPECIFIED), runs.ERROR)
        self.assertEqual(runs.event_status(99), runs.ERROR)
        self.assertEqual(runs.event_status("PAUSED"), runs.ERROR)

    def test_run_events(self) -> None:
        self.assertIsNone(runs.run_event(make_run(RunStatus.RUNNING)))
        ok = runs.run_event(make_run(RunStatus.SUCCEEDED))
        self.assertEqual((ok["status"], ok["run_id"], ok["run_status"]),
                         (runs.SUCCESS, "run-1", "SUCCEEDED"))
        failed = runs.run_event(make_run(RunStatus.FAILED, error=RunError("INTERNAL", "boom")))
        self.assertEqual(failed["status"], runs.ERROR)
        self.assertIn("INTERNAL: boom", failed["message"])
        unknown = runs.run_event(make_run(RunStatus.UNKNOWN))
        self.assertEqual(unknown["status"], runs.ERROR)
        self.assertIn("failing closed", unknown["message"])

    def test_outcomes(self) -> None:
        ok = runs.outcome(runs.make_event(runs.SUCCESS, "r", "fine", {"rows_loaded": 1}))
        self.assertTrue(ok.ok)
        self.assertEqual(ok.summary, {"rows_loaded": 1})
        timeout = runs.outcome(runs.timeout_event("r", 10))
        self.assertFalse(timeout.ok)
        self.assertTrue(timeout.cancel_remote)
        self.assertIn("10 s", timeout.message)
        for status in (runs.ERROR, runs.CANCELLED):
            result = runs.outcome(runs.make_event(status, "r", "m"))
            self.assertFalse(result.ok)
            self.assertFalse(result.cancel_remote)
        self.assertFalse(runs.outcome({"status": "weird", "run_id": "r"}).ok)
        self.assertFalse(runs.outcome(None).ok)
        with self.assertRaises(ValueError):
            runs.make_event("weird", "r", "m")

    def test_deadlines(self) -> None:
        self.assertIsNone(runs.end_time(None, 100.0))
        self.assertEqual(runs.end_time(30, 100.0), 130.0)
        with self.assertRaises(ValueError):
            runs.end_time(0, 100.0)
        self.assertFalse(runs.deadline_passed(None, 1e12))
        self.assertFalse(runs.deadline_passed(130.0, 129.9))
        self.assertTrue(runs.deadline_passed(130.0, 130.0))
        self.assertEqual(runs.seconds_left(130.0, 100.0), 30.0)

    def test_run_url(self) -> None:
        self.assertEqual(runs.run_url("https://g/d?r={run_id}&p={pipeline}",
                                      make_run(RunStatus.RUNNING)), "https://g/d?r=run-1&p=p")
        self.assertIsNone(runs.run_url(None, make_run(RunStatus.RUNNING)))


class ConnectionTest(unittest.TestCase):
    def conn(self, **kw):
        base = dict(conn_id="c", host="ingestd.internal", port=None, password="tok",
                    extra_dejson={})
        base.update(kw)
        return types.SimpleNamespace(**base)

    def test_tls_by_default(self) -> None:
        s = settings_from_connection(self.conn())
        self.assertEqual(s.options.target, "ingestd.internal:50051")
        self.assertEqual(s.options.token, "tok")
        self.assertIsNotNone(s.options.tls)

    def test_insecure_and_schemes(self) -> None:
        s = settings_from_connection(self.conn(port=7000, extra_dejson={"insecure": True}))
        self.assertIsNone(s.options.tls)
        self.assertEqual(s.options.target, "ingestd.internal:7000")
        self.assertIsNone(settings_from_connection(self.conn(host="grpc://h:1")).options.tls)
        s = settings_from_connection(self.conn(host="grpcs://h:2", extra_dejson={
            "ca_file": "/ca.pem", "timeout": 5, "run_url_template": "u/{run_id}"}))
        self.assertEqual(s.options.tls.ca_file, "/ca.pem")
        self.assertEqual((s.timeout, s.run_url_template), (5.0, "u/{run_id}"))

    def test_mistakes_are_named(self) -> None:
        with self.assertRaisesRegex(ValueError, "unknown extra 'insecur'"):
            settings_from_connection(self.conn(extra_dejson={"insecur": True}))
        with self.assertRaisesRegex(ValueError, "host is empty"):
            settings_from_connection(self.conn(host=""))
        with self.assertRaisesRegex(ValueError, "insecure.*ca_file"):
            settings_from_connection(self.conn(extra_dejson={"insecure": True, "ca_file": "x"}))

    def test_provider_info(self) -> None:
        info = get_provider_info()
        self.assertEqual(info["connection-types"][0]["hook-class-name"],
                         "ingestd_airflow.hooks.IngestdHook")


class ExampleDagTest(unittest.TestCase):
    def test_example_dag_compiles(self) -> None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                            "deploy", "airflow", "ingestd_example_dag.py")
        with open(path) as f:
            compile(f.read(), path, "exec")


if __name__ == "__main__":
    unittest.main()
