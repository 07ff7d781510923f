"""Waiting for a run to end, as an event (runs.make_event): sync for
workers, async for the triggerer. Both:

1. check the deadline (``end_time``, wall-clock epoch) before looking at
   the run: past it, the event is ``timeout``;
2. follow the run with WatchRun (after the last sequence seen) and finish
   on RunFinished;
3. when the stream drops or ends without RunFinished, ask GetRun and, while
   the run is active, wait ``poll_interval`` seconds and go back to 1.

Errors that no wait fixes (NotFound, PermissionDenied, ...) end the wait
with an ``error`` event; UNAVAILABLE keeps waiting (the client retried
already) until the deadline.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import aclosing, closing
from typing import Any, Callable, Dict, Optional, Tuple

from ingestd_client import (AsyncIngestdClient, Cancelled, DeadlineExceeded, IngestdClient,
                            IngestdError, RunEvent, Unavailable)

from . import runs

log = logging.getLogger(__name__)

#: Deadline of one GetRun while polling.
POLL_CALL_TIMEOUT = 30.0


def _transient(exc: IngestdError) -> bool:
    return isinstance(exc, (Unavailable, Cancelled, DeadlineExceeded))


def _call_timeout(left: Optional[float]) -> float:
    return POLL_CALL_TIMEOUT if left is None else max(0.001, min(POLL_CALL_TIMEOUT, left))


def _watch(client: IngestdClient, run_id: str, after: int, left: Optional[float],
           on_event: Optional[Callable[[RunEvent], None]]) -> Tuple[Optional[Dict[str, Any]], int]:
    """Follows the stream; (final event or None, last sequence seen)."""
    with closing(client.watch_run(run_id, after_sequence=after, timeout=left)) as events:
        for event in events:
            after = event.sequence
            if on_event is not None:
                on_event(event)
            if event.run is not None and runs.run_event(event.run) is not None:
                return runs.run_event(event.run), after
    return None, after


async def _awatch(client: AsyncIngestdClient, run_id: str, after: int,
                  left: Optional[float]) -> Tuple[Optional[Dict[str, Any]], int]:
    async with aclosing(client.watch_run(run_id, after_sequence=after, timeout=left)) as events:
        async for event in events:
            after = event.sequence
            if event.run is not None and runs.run_event(event.run) is not None:
                return runs.run_event(event.run), after
    return None, after


def wait_for_event(client: IngestdClient, run_id: str, *, end_time: Optional[float],
                   poll_interval: float, timeout: Optional[float] = None,
                   on_event: Optional[Callable[[RunEvent], None]] = None,
                   now: Callable[[], float] = time.time,
                   sleep: Callable[[float], None] = time.sleep) -> Dict[str, Any]:
    """Blocks until the run ends or ``end_time`` passes; returns the event.
    ``timeout`` only words the timeout message."""
    last = 0
    while True:
        left = runs.seconds_left(end_time, now())
        if left is not None and left <= 0:
            return runs.timeout_event(run_id, timeout)
        try:
            final, last = _watch(client, run_id, last, left, on_event)
            if final is not None:
                return final
        except IngestdError as exc:
            if not _transient(exc):
                return runs.error_event(run_id, str(exc))
            log.info("ingestd: watching %s: %s; polling instead", run_id, exc)
        try:
            final = runs.run_event(client.get_run(run_id, timeout=_call_timeout(left)))
        except IngestdError as exc:
            if not _transient(exc):
                return runs.error_event(run_id, str(exc))
            final = None
        if final is not None:
            return final
        left = runs.seconds_left(end_time, now())
        sleep(poll_interval if left is None else max(0.0, min(poll_interval, left)))


async def await_event(client: AsyncIngestdClient, run_id: str, *, end_time: Optional[float],
                      poll_interval: float, timeout: Optional[float] = None,
                      now: Callable[[], float] = time.time) -> Dict[str, Any]:
    """The async twin of :func:`wait_for_event` (never blocks the loop)."""
    last = 0
    while True:
        left = runs.seconds_left(end_time, now())
        if left is not None and left <= 0:
            return runs.timeout_event(run_id, timeout)
        try:
            final, last = await _awatch(client, run_id, last, left)
            if final is not None:
                return final
        except IngestdError as exc:
            if not _transient(exc):
                return runs.error_event(run_id, str(exc))
            log.info("ingestd: watching %s: %s; polling instead", run_id, exc)
        try:
            final = runs.run_event(await client.get_run(run_id, timeout=_call_timeout(left)))
        except IngestdError as exc:
            if not _transient(exc):
                return runs.error_event(run_id, str(exc))
            final = None
        if final is not None:
            return final
        left = runs.seconds_left(end_time, now())
        await asyncio.sleep(poll_interval if left is None else max(0.0, min(poll_interval, left)))
