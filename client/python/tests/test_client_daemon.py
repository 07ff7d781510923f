"""ingestd_client against a real `ingestd serve` (INGESTD_BINARY)."""

from __future__ import annotations

import datetime as dt
import decimal
import shutil
import tempfile
import threading
import time
import unittest


from ingestd_client import (DeadlineExceeded, FailedPrecondition, IngestdClient, InvalidArgument,
                            NotFound, PermissionDenied, RetryPolicy, RunStatus, TlsOptions,
                            Unauthenticated, Unavailable)
from tests.support.daemon import (ADMIN_TOKEN, OPERATE_TOKEN, READ_TOKEN, Daemon, free_port,
                                  make_self_signed_cert)
from tests.support.fixtures import DaemonTestCase, SlowApi, files_spec, push_spec, slow_rest_spec


def wait_until_running(client: IngestdClient, run_id: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while client.get_run(run_id).status is not RunStatus.RUNNING:
        if time.monotonic() > deadline:
            raise AssertionError(f"{run_id} did not start within {timeout} s")
        time.sleep(0.05)


class ClientTest(DaemonTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.api = SlowApi(pages=2000, delay=0.05)
        cls.admin.apply_pipeline(files_spec("orders", cls.workdir, rows=50))
        cls.admin.apply_pipeline(files_spec("contracts", cls.workdir, rows=5))
        cls.admin.apply_pipeline(push_spec("events", cls.workdir))
        cls.admin.apply_pipeline(slow_rest_spec("slow", cls.workdir, cls.api.base_url))
        cls.operator = IngestdClient(cls.daemon.target, token=OPERATE_TOKEN, default_timeout=20)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.operator.close()
        super().tearDownClass()
        cls.api.close()

    def test_version_and_health(self) -> None:
        self.assertEqual(self.admin.get_version().schema_engine_version, 11)
        self.assertEqual(self.admin.health_check(), "SERVING")

    def test_start_run_with_idempotency_key_reattaches(self) -> None:
        first = self.operator.start_run("orders", idempotency_key="dag.task.2024-01-01")
        second = self.operator.start_run("orders", idempotency_key="dag.task.2024-01-01",
                                         on_active="queue")
        self.assertTrue(first.created)
        self.assertFalse(second.created)
        self.assertEqual(first.run.run_id, second.run.run_id)
        self.assertEqual(second.run.idempotency_key, "dag.task.2024-01-01")
        self.operator.wait_for_run(first.run.run_id, timeout=60)

    def test_start_run_without_key_gets_a_generated_one(self) -> None:
        run = self.operator.start_run("orders", on_active="queue").run
        self.assertTrue(run.idempotency_key.startswith("ingestd-client-"))
        self.operator.wait_for_run(run.run_id, timeout=60)

    def test_watch_run_until_finished_then_get_run(self) -> None:
        started = self.operator.start_run("orders", on_active="queue")
        events = list(self.operator.watch_run(started.run.run_id, timeout=60))
        sequences = [e.sequence for e in events]
        self.assertEqual(sequences, sorted(sequences))
        self.assertEqual(events[0].kind, "queued")
        self.assertEqual(events[-1].kind, "finished")
        final = events[-1].run
        self.assertIs(final.status, RunStatus.SUCCEEDED)
        self.assertIn("stage_finished", {e.kind for e in events})

        run = self.operator.get_run(started.run.run_id)
        self.assertIs(run.status, RunStatus.SUCCEEDED)
        self.assertTrue(run.status.is_terminal)
        self.assertEqual(run.summary.rows_per_table["orders"], 50)
        self.assertEqual(run.summary.rows_per_table["orders__tags"], 100)
        self.assertEqual(run.to_dict()["status"], "SUCCEEDED")

        # Reconnecting after a sequence replays only what came later.
        later = list(self.operator.watch_run(run.run_id, after_sequence=sequences[2]))
        self.assertEqual([e.sequence for e in later], sequences[3:])

    def test_cancel_run(self) -> None:
        run = self.operator.start_run("slow", on_active="queue").run
        wait_until_running(self.operator, run.run_id)
        cancelled = self.operator.cancel_run(run.run_id)
        self.assertTrue(cancelled.cancel_requested)
        final = self.operator.wait_for_run(run.run_id, timeout=30)
        self.assertIs(final.status, RunStatus.CANCELLED)
        self.assertEqual(final.error.code, "CANCELLED")
        # Idempotent: a finished run comes back unchanged.
        self.assertIs(self.operator.cancel_run(run.run_id).status, RunStatus.CANCELLED)

    def test_get_schema(self) -> None:
        self.operator.run("orders", timeout=60)
        schema = self.admin.get_schema("orders")
        table = schema.table("orders")
        self.assertIsNotNone(table)
        self.assertEqual(table.column("id").data_type, "bigint")
        self.assertTrue(table.column("id").primary_key)
        self.assertEqual(schema.table("orders__tags").parent, "orders")
        self.assertIn('"orders"', schema.schema_json)
        with self.assertRaises(NotFound):
            self.admin.get_schema("contracts", version=999)

    def test_alter_contract(self) -> None:
        contract = self.admin.alter_contract("contracts", columns="freeze")
        self.assertEqual(contract.pipeline_override.columns, "freeze")
        self.assertEqual(contract.table("orders").effective.columns, "freeze")
        cleared = self.admin.alter_contract("contracts", clear=True)
        self.assertIsNone(cleared.pipeline_override)
        self.assertGreaterEqual(cleared.history_length, 2)
        with self.assertRaises(InvalidArgument) as ctx:
            self.admin.alter_contract("contracts", columns="melt")
        self.assertIn("melt", str(ctx.exception))
        with self.assertRaises(PermissionDenied) as ctx:
            self.operator.alter_contract("contracts", columns="freeze")
        self.assertIn("admin", str(ctx.exception))

    def test_push_records_from_a_generator(self) -> None:
        pulled = []

        def records():
            for i in range(2500):
                pulled.append(i)
                yield {"id": i, "at": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
                       "price": decimal.Decimal("1.10"), "nested": {"k": i % 3}}

        result = self.operator.push_records("events", records(), max_batch_records=1000)
        self.assertEqual(result.records, 2500)
        self.assertEqual(len(pulled), 2500)
        self.assertIs(result.run.status, RunStatus.SUCCEEDED, result.run.error)
        self.assertEqual(result.run.trigger, "PUSH")
        self.assertEqual(result.run.summary.rows_per_table["events"], 2500)

    def test_push_records_idempotency_key(self) -> None:
        first = self.operator.push_records("events", [{"id": 1}], idempotency_key="push-once")
        second = self.operator.push_records("events", [{"id": 1}], idempotency_key="push-once")
        self.assertEqual(first.run.run_id, second.run.run_id)

    def test_push_rejects_a_non_dict_record_and_loads_nothing(self) -> None:
        with self.assertRaises(TypeError) as ctx:
            self.operator.push_records("events", [{"id": 1}, {"id": 2}, ["not", "a", "dict"]])
        self.assertIn("record 2", str(ctx.exception))

    def test_push_to_a_pipeline_without_push_resource(self) -> None:
        with self.assertRaises(FailedPrecondition):
            self.operator.push_records("orders", [{"id": 1}])

    def test_not_found(self) -> None:
        with self.assertRaises(NotFound) as ctx:
            self.operator.get_run("run-0000000000000000")
        self.assertIn("GetRun", str(ctx.exception))

    def test_bad_token_is_a_clear_error(self) -> None:
        with IngestdClient(self.daemon.target, token="wrong-token") as bad:
            with self.assertRaises(Unauthenticated) as ctx:
                bad.get_version()
        message = str(ctx.exception)
        self.assertIn("UNAUTHENTICATED", message)
        self.assertIn("token", message)
        self.assertNotIn("wrong-token", message)
        with IngestdClient(self.daemon.target) as none:
            with self.assertRaises(Unauthenticated):
                none.get_version()

    def test_read_token_cannot_start_runs(self) -> None:
        with IngestdClient(self.daemon.target, token=READ_TOKEN) as reader:
            reader.get_version()
            with self.assertRaises(PermissionDenied) as ctx:
                reader.start_run("orders")
        self.assertIn("operate", str(ctx.exception))

    def test_deadlines(self) -> None:
        run = self.operator.start_run("slow", on_active="queue").run
        try:
            wait_until_running(self.operator, run.run_id)
            started = time.monotonic()
            with self.assertRaises(DeadlineExceeded):
                list(self.operator.watch_run(run.run_id, timeout=0.5))
            self.assertLess(time.monotonic() - started, 5)
            with self.assertRaises(DeadlineExceeded):
                self.operator.get_run(run.run_id, timeout=0)
        finally:
            self.operator.cancel_run(run.run_id)
            self.operator.wait_for_run(run.run_id, timeout=30)


class RetryTest(unittest.TestCase):
    """UNAVAILABLE is retried with backoff: the daemon starts late or restarts."""

    def setUp(self) -> None:
        self.workdir = tempfile.mkdtemp(prefix="ingestd-pytest-retry-")
        self.daemon = Daemon(self.workdir, grpc_port=free_port())
        self.sleeps: list = []

    def tearDown(self) -> None:
        self.daemon.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def client(self, retry: RetryPolicy) -> IngestdClient:
        def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)
            time.sleep(seconds)
        return IngestdClient(f"127.0.0.1:{self.daemon.grpc_port}", token=ADMIN_TOKEN,
                             retry=retry, sleep=sleep)

    def test_retries_until_the_daemon_is_up(self) -> None:
        starter = threading.Timer(1.5, self.daemon.start)
        starter.start()
        try:
            with self.client(RetryPolicy(max_attempts=40, initial_backoff=0.1,
                                         max_backoff=0.5)) as client:
                self.assertEqual(client.get_version(timeout=30).version, "0.1.0")
        finally:
            starter.join()
        self.assertGreater(len(self.sleeps), 0)

    def test_gives_up_after_max_attempts(self) -> None:
        with self.client(RetryPolicy(max_attempts=3, initial_backoff=0.05, jitter=False)) as c:
            with self.assertRaises(Unavailable) as ctx:
                c.get_version(timeout=10)
        self.assertEqual(self.sleeps, [0.05, 0.1])
        self.assertIn("after 3 attempts", str(ctx.exception))
        self.assertIn("is `ingestd serve` running", str(ctx.exception))

    def test_no_retry_policy_fails_at_once(self) -> None:
        with self.client(RetryPolicy.none()) as c:
            with self.assertRaises(Unavailable):
                c.get_version(timeout=10)
        self.assertEqual(self.sleeps, [])

    def test_daemon_restart_is_retried_and_watch_resumes(self) -> None:
        self.daemon.start()
        with self.client(RetryPolicy(max_attempts=40, initial_backoff=0.1,
                                     max_backoff=0.5)) as client:
            client.apply_pipeline(files_spec("orders", self.workdir, rows=10))
            run = client.run("orders", timeout=60)
            self.assertIs(run.status, RunStatus.SUCCEEDED)
            self.daemon.stop()
            restarter = threading.Timer(1.0, self.daemon.start)
            restarter.start()
            try:
                again = client.get_run(run.run_id, timeout=30)
            finally:
                restarter.join()
            self.assertEqual(again.summary.rows_loaded, run.summary.rows_loaded)
            events = list(client.watch_run(run.run_id, timeout=30))
            self.assertEqual(events[-1].kind, "finished")


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.workdir = tempfile.mkdtemp(prefix="ingestd-pytest-tls-")
        cls.cert, key = make_self_signed_cert(cls.workdir)
        cls.daemon = Daemon(cls.workdir, tls=(cls.cert, key)).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.daemon.stop()
        shutil.rmtree(cls.workdir, ignore_errors=True)

    def test_calls_over_tls(self) -> None:
        with IngestdClient(self.daemon.target, token=READ_TOKEN,
                           tls=TlsOptions(ca_file=self.cert)) as client:
            self.assertEqual(client.get_version().version, "0.1.0")
            self.assertEqual(client.health_check(), "SERVING")
        port = self.daemon.target.rsplit(":", 1)[1]
        with IngestdClient(f"localhost:{port}", token=READ_TOKEN,
                           tls=TlsOptions(ca_file=self.cert, server_name="localhost")) as client:
            self.assertEqual(client.get_version().version, "0.1.0")

    def test_plaintext_client_cannot_talk_to_a_tls_daemon(self) -> None:
        with IngestdClient(self.daemon.target, token=READ_TOKEN,
                           retry=RetryPolicy.none()) as client:
            with self.assertRaises(Unavailable):
                client.get_version(timeout=5)

    def test_unreadable_ca_file_names_the_option(self) -> None:
        with self.assertRaises(ValueError) as ctx:
            IngestdClient(self.daemon.target, tls=TlsOptions(ca_file="/nonexistent/ca.pem"))
        self.assertIn("TlsOptions.ca_file", str(ctx.exception))


class MutualTlsTest(unittest.TestCase):
    """A daemon started with --tls-client-ca-file admits only clients whose
    certificate that CA signed."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.workdir = tempfile.mkdtemp(prefix="ingestd-pytest-mtls-")
        cls.cert, key = make_self_signed_cert(cls.workdir)
        cls.client_cert, cls.client_key = make_self_signed_cert(cls.workdir, "client")
        cls.stranger_cert, cls.stranger_key = make_self_signed_cert(cls.workdir, "stranger")
        cls.daemon = Daemon(cls.workdir, tls=(cls.cert, key), client_ca=cls.client_cert).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.daemon.stop()
        shutil.rmtree(cls.workdir, ignore_errors=True)

    def test_certified_client_gets_in(self) -> None:
        tls = TlsOptions(ca_file=self.cert, cert_file=self.client_cert, key_file=self.client_key)
        with IngestdClient(self.daemon.target, token=READ_TOKEN, tls=tls) as client:
            self.assertEqual(client.get_version().version, "0.1.0")

    def test_client_without_a_certificate_is_refused(self) -> None:
        with IngestdClient(self.daemon.target, token=READ_TOKEN, tls=TlsOptions(ca_file=self.cert),
                           retry=RetryPolicy.none()) as client:
            with self.assertRaises(Unavailable):
                client.get_version(timeout=5)

    def test_client_certificate_the_ca_did_not_sign_is_refused(self) -> None:
        tls = TlsOptions(ca_file=self.cert, cert_file=self.stranger_cert, key_file=self.stranger_key)
        with IngestdClient(self.daemon.target, token=READ_TOKEN, tls=tls,
                           retry=RetryPolicy.none()) as client:
            with self.assertRaises(Unavailable):
                client.get_version(timeout=5)

    def test_half_a_client_certificate_is_a_clear_error(self) -> None:
        with self.assertRaises(ValueError) as ctx:
            TlsOptions(ca_file=self.cert, cert_file=self.client_cert)
        self.assertIn("cert_file and key_file go together", str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
