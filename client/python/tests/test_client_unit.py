"""ingestd_client without a daemon: retry policy, record encoding, health
codec, status model, error mapping, connection options."""

from __future__ import annotations

import datetime as dt
import decimal
import unittest

import grpc

from ingestd_client import (ConnectionOptions, IngestdError, NotFound, RetryPolicy, RunStatus,
                            TlsOptions, Unavailable, validate_idempotency_key)
from ingestd_client import health, records
from ingestd_client.errors import from_rpc_error
from ingestd_client.retry import next_delay, pushback_seconds


class FakeRpcError(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        self._code, self._details = code, details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details


class RetryPolicyTest(unittest.TestCase):
    def test_backoff_grows_to_the_cap(self) -> None:
        p = RetryPolicy(initial_backoff=0.5, max_backoff=3, multiplier=2, jitter=False)
        self.assertEqual([p.backoff(n) for n in range(1, 6)], [0.5, 1, 2, 3, 3])

    def test_jitter_stays_under_the_ceiling(self) -> None:
        p = RetryPolicy(initial_backoff=1, jitter=True)
        self.assertEqual(p.backoff(1, rand=lambda: 0.25), 0.25)

    def test_only_retry_codes_and_attempts_left(self) -> None:
        p = RetryPolicy(max_attempts=3, jitter=False)
        self.assertIsNotNone(next_delay(p, grpc.StatusCode.UNAVAILABLE, 1, None))
        self.assertIsNone(next_delay(p, grpc.StatusCode.UNAVAILABLE, 3, None))
        self.assertIsNone(next_delay(p, grpc.StatusCode.NOT_FOUND, 1, None))
        self.assertIsNone(next_delay(p, grpc.StatusCode.RESOURCE_EXHAUSTED, 1, None))

    def test_deadline_bounds_the_wait(self) -> None:
        p = RetryPolicy(initial_backoff=1, jitter=False)
        self.assertIsNone(next_delay(p, grpc.StatusCode.UNAVAILABLE, 1, remaining=0.5))
        self.assertEqual(next_delay(p, grpc.StatusCode.UNAVAILABLE, 1, remaining=5), 1)

    def test_server_pushback(self) -> None:
        p = RetryPolicy(initial_backoff=0.1, jitter=False)
        self.assertEqual(pushback_seconds([("grpc-retry-pushback-ms", "1500")]), 1.5)
        self.assertEqual(next_delay(p, grpc.StatusCode.UNAVAILABLE, 1, None,
                                    [("grpc-retry-pushback-ms", "2000")]), 2.0)
        self.assertIsNone(next_delay(p, grpc.StatusCode.UNAVAILABLE, 1, None,
                                     [("grpc-retry-pushback-ms", "-1")]))
        self.assertIsNone(pushback_seconds([("other", "1")]))

    def test_invalid_policy(self) -> None:
        with self.assertRaises(ValueError):
            RetryPolicy(max_attempts=0)


class RecordsTest(unittest.TestCase):
    def test_encodes_dlt_friendly_values(self) -> None:
        text = records.encode_record({"at": dt.date(2024, 1, 2), "d": decimal.Decimal("1.50"),
                                      "s": "ü"}, 0)
        self.assertEqual(text, '{"at":"2024-01-02","d":"1.50","s":"ü"}')

    def test_non_dict_and_unserializable_name_the_position(self) -> None:
        with self.assertRaisesRegex(TypeError, "record 4 is a list"):
            records.encode_record([1], 4)
        with self.assertRaisesRegex(TypeError, "record 7: .*object"):
            records.encode_record({"x": object()}, 7)
        with self.assertRaisesRegex(TypeError, "record 1"):
            records.encode_record({"x": float("nan")}, 1)

    def test_batches_by_count_and_bytes(self) -> None:
        stream = records.PushRequestStream("p", ({"i": i} for i in range(5)), resource="r",
                                           idempotency_key="k", max_records=2)
        messages = list(stream)
        self.assertEqual(messages[0].pipeline, "p")
        self.assertEqual(messages[0].idempotency_key, "k")
        self.assertEqual(list(messages[0].records), [])
        self.assertEqual([len(m.records) for m in messages[1:]], [2, 2, 1])
        self.assertEqual(stream.records_sent, 5)
        by_bytes = list(records.PushRequestStream("p", [{"x": "a" * 10}] * 3, max_bytes=20))
        self.assertEqual([len(m.records) for m in by_bytes[1:]], [1, 1, 1])

    def test_untouched_iterable_is_reported(self) -> None:
        stream = records.PushRequestStream("p", iter([{"a": 1}]))
        it = iter(stream)
        next(it)
        self.assertFalse(stream.records_pulled)
        next(it)
        self.assertTrue(stream.records_pulled)


class HealthCodecTest(unittest.TestCase):
    def test_round_trip(self) -> None:
        self.assertEqual(health.encode_request(""), b"")
        self.assertEqual(health.encode_request("ingestd.v1.Control"),
                         b"\x0a\x12ingestd.v1.Control")
        self.assertEqual(health.decode_response(b"\x08\x01"), "SERVING")
        self.assertEqual(health.decode_response(b"\x08\x02"), "NOT_SERVING")
        self.assertEqual(health.decode_response(b""), "UNKNOWN")
        with self.assertRaises(ValueError):
            health.decode_response(b"\x08")


class ModelsAndErrorsTest(unittest.TestCase):
    def test_status_parse_and_unknown(self) -> None:
        self.assertIs(RunStatus.parse("RUN_STATUS_SUCCEEDED"), RunStatus.SUCCEEDED)
        self.assertIs(RunStatus.parse("running"), RunStatus.RUNNING)
        self.assertIs(RunStatus.parse(42), RunStatus.UNKNOWN)
        self.assertIs(RunStatus.parse("PAUSED"), RunStatus.UNKNOWN)
        self.assertTrue(RunStatus.CANCELLED.is_terminal)
        self.assertFalse(RunStatus.UNKNOWN.is_terminal)
        self.assertFalse(RunStatus.UNKNOWN.is_active)

    def test_error_mapping(self) -> None:
        err = from_rpc_error(FakeRpcError(grpc.StatusCode.NOT_FOUND, "run x"), method="GetRun",
                             target="h:1")
        self.assertIsInstance(err, NotFound)
        self.assertEqual(str(err), "ingestd GetRun at h:1 failed: NOT_FOUND: run x")
        err = from_rpc_error(FakeRpcError(grpc.StatusCode.UNAVAILABLE, "down"), method="GetRun",
                             target="h:1", attempts=3)
        self.assertIsInstance(err, Unavailable)
        self.assertIn("after 3 attempts", str(err))
        err = from_rpc_error(FakeRpcError(grpc.StatusCode.DATA_LOSS, "x"), method="M", target="t")
        self.assertIs(type(err), IngestdError)

    def test_options_validation(self) -> None:
        with self.assertRaisesRegex(ValueError, "HOST:PORT"):
            ConnectionOptions(target="localhost")
        with self.assertRaisesRegex(ValueError, "no spaces"):
            ConnectionOptions(token="a b")
        with self.assertRaisesRegex(ValueError, "cert_file and key_file"):
            TlsOptions(cert_file="c.pem")
        self.assertEqual(ConnectionOptions(token="t").metadata(),
                         [("authorization", "Bearer t")])
        with self.assertRaisesRegex(ValueError, "idempotency_key"):
            validate_idempotency_key("tab\there")
        with self.assertRaisesRegex(ValueError, "idempotency_key"):
            validate_idempotency_key("x" * 201)


if __name__ == "__main__":
    unittest.main()
