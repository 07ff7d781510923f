"""Retry policy: which failures are retried, and how long to wait between tries.

Pure (no I/O, no clock): the sync and async clients run their own loops and
ask this module whether and how long to wait. A call's deadline bounds the
whole loop, retries included, so a retry never outlives its caller's deadline.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Callable, FrozenSet, Optional, Sequence, Tuple

import grpc

#: Trailing metadata key in which a server asks for a minimum retry delay
#: (gRPC's retry pushback, milliseconds; a negative value means "do not retry").
PUSHBACK_KEY = "grpc-retry-pushback-ms"


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter.

    Attempt ``n`` (1-based) that failed with a code in ``retry_codes`` waits
    ``uniform(0, min(max_backoff, initial_backoff * multiplier**(n-1)))``
    seconds (at least the server's pushback when it sent one), then tries
    again, up to ``max_attempts`` attempts in all.

    ``retry_codes`` defaults to UNAVAILABLE only: the daemon also uses
    RESOURCE_EXHAUSTED for "message too large", which no retry fixes, and
    DEADLINE_EXCEEDED means the caller's own deadline (which bounds retries)
    has passed. Add codes if your deployment needs them.
    """

    max_attempts: int = 5
    initial_backoff: float = 0.2
    max_backoff: float = 5.0
    multiplier: float = 2.0
    jitter: bool = True
    retry_codes: FrozenSet[grpc.StatusCode] = frozenset({grpc.StatusCode.UNAVAILABLE})

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"RetryPolicy.max_attempts: must be >= 1, got {self.max_attempts}")
        if self.initial_backoff < 0 or self.max_backoff < 0 or self.multiplier < 1:
            raise ValueError("RetryPolicy: backoffs must be >= 0 and multiplier >= 1")

    @classmethod
    def none(cls) -> "RetryPolicy":
        """A policy that never retries."""
        return cls(max_attempts=1)

    def backoff(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based)."""
        ceiling = min(self.max_backoff, self.initial_backoff * self.multiplier ** (attempt - 1))
        return ceiling * rand() if self.jitter else ceiling


def pushback_seconds(metadata: Optional[Sequence[Tuple[str, object]]]) -> Optional[float]:
    """The server's retry pushback in seconds; -1.0 when it says "don't retry";
    None when it sent none (or an unparsable value)."""
    for key, value in metadata or ():
        if key == PUSHBACK_KEY:
            try:
                ms = int(value.decode() if isinstance(value, bytes) else str(value))
            except ValueError:
                return None
            return -1.0 if ms < 0 else ms / 1000.0
    return None


def next_delay(policy: RetryPolicy, code: Optional[grpc.StatusCode], attempt: int,
               remaining: Optional[float],
               trailing_metadata: Optional[Sequence[Tuple[str, object]]] = None,
               rand: Callable[[], float] = random.random) -> Optional[float]:
    """How long to wait before another attempt, or None to give up.

    Gives up when the code is not retryable, the attempts are used up, the
    server's pushback says not to retry, or the wait would not leave time
    before the deadline (``remaining`` seconds; None means no deadline).
    """
    if code not in policy.retry_codes or attempt >= policy.max_attempts:
        return None
    delay = policy.backoff(attempt, rand)
    pushback = pushback_seconds(trailing_metadata)
    if pushback is not None:
        if pushback < 0:
            return None
        delay = max(delay, pushback)
    if remaining is not None and delay >= remaining:
        return None
    return delay
