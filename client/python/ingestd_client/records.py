"""Turns an iterable of dicts into PushRecords messages.

Records are encoded lazily, one at a time, and packed into messages of at
most ``max_records`` records and about ``max_bytes`` bytes, so memory does not
grow with the iterable (a generator of a billion rows streams).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import uuid
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional

from ._stubs import pb

#: Default bound of one message's records, well under the daemon's 4 MiB.
DEFAULT_MAX_BATCH_BYTES = 1024 * 1024
DEFAULT_MAX_BATCH_RECORDS = 1000


def default_json(value: Any) -> Any:
    """JSON for values ``json`` does not know, as dlt writes them: datetimes
    and dates in ISO 8601, Decimal as its exact text, UUID as text, bytes as
    UTF-8 text. Anything else raises TypeError."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def encode_record(record: Any, index: int,
                  default: Callable[[Any], Any] = default_json) -> str:
    """One record as compact JSON text; raises TypeError naming its position
    when it is not a mapping or holds a value JSON cannot express."""
    if not isinstance(record, Mapping):
        raise TypeError(f"push_records: record {index} is a {type(record).__name__}, "
                        "expected a dict (one JSON object per record)")
    try:
        return json.dumps(record, default=default, separators=(",", ":"),
                          ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"push_records: record {index}: {exc} (pass json_default= to "
                        "convert such values)") from exc


class PushRequestStream:
    """The request iterator of one PushRecords call.

    The first message carries only the pipeline, resource and idempotency
    key; records follow in batches. ``records_pulled`` tells whether the
    caller's iterable was touched, which decides whether a failed call may be
    retried (an untouched iterable can still be sent in full).
    """

    def __init__(self, pipeline: str, records: Iterable[Mapping[str, Any]], *,
                 resource: str = "", idempotency_key: str = "",
                 max_records: int = DEFAULT_MAX_BATCH_RECORDS,
                 max_bytes: int = DEFAULT_MAX_BATCH_BYTES,
                 json_default: Callable[[Any], Any] = default_json) -> None:
        if max_records < 1 or max_bytes < 1:
            raise ValueError("push_records: max_records and max_bytes must be >= 1")
        self._pipeline = pipeline
        self._resource = resource
        self._key = idempotency_key
        self._records = records
        self._max_records = max_records
        self._max_bytes = max_bytes
        self._default = json_default
        self.records_pulled = False
        self.records_sent = 0
        #: An exception raised while encoding (gRPC swallows exceptions raised
        #: by request iterators and just cancels the call; the client re-raises
        #: this one instead of the CANCELLED status).
        self.error: Optional[BaseException] = None

    def __iter__(self) -> Iterator[Any]:
        try:
            yield pb.PushRecordsRequest(pipeline=self._pipeline, resource=self._resource,
                                        idempotency_key=self._key)
            batch: List[str] = []
            size = 0
            for index, record in enumerate(self._records):
                self.records_pulled = True
                text = encode_record(record, index, self._default)
                if batch and (len(batch) >= self._max_records
                              or size + len(text) > self._max_bytes):
                    yield pb.PushRecordsRequest(records=batch)
                    batch, size = [], 0
                batch.append(text)
                size += len(text) + 4
                self.records_sent += 1
            self.records_pulled = True
            if batch:
                yield pb.PushRecordsRequest(records=batch)
        except BaseException as exc:  # noqa: BLE001 - recorded, re-raised by the client
            self.error = exc
            raise
