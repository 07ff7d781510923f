"""The provider's logic as plain functions (no Airflow, no I/O).

- Idempotency keys from Airflow's task identity, so a task retry re-attaches
  to the run its first try started (and a retry after a failed run starts a
  new one that resumes the pending load packages).
- The event that ends a wait: ``{status, run_id, message, summary,
  run_status}`` with ``status`` one of success, error, cancelled, timeout.
  Unknown run statuses map to ``error`` (fail closed).
- Deadlines as wall-clock epoch seconds (``end_time``), because they cross
  processes (worker -> triggerer).
- What an event means for the task (:func:`outcome`): succeed with the
  summary, fail, and whether to cancel the remote run first.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any, Callable, Dict, List, Mapping, Optional

from ingestd_client import Run, RunEvent, RunStatus, StartRunResult

SUCCESS = "success"
ERROR = "error"
CANCELLED = "cancelled"
TIMEOUT = "timeout"
EVENT_STATUSES = (SUCCESS, ERROR, CANCELLED, TIMEOUT)

#: Keys stay under the daemon's 200-character limit with room for ".tryN".
MAX_BASE_KEY_LENGTH = 180


# ---------------------------------------------------------------- idempotency keys

def idempotency_key(dag_id: str, task_id: str, run_id: str,
                    map_index: Optional[int] = None) -> str:
    """``{dag_id}.{task_id}.{run_id}`` (plus ``.{map_index}`` for mapped tasks).

    Characters outside printable ASCII become ``_``; a key longer than
    MAX_BASE_KEY_LENGTH keeps its start and ends with a hash of the whole
    identity, so it stays unique and deterministic.
    """
    for name, value in (("dag_id", dag_id), ("task_id", task_id), ("run_id", run_id)):
        if not value:
            raise ValueError(f"idempotency_key: {name} is empty")
    parts = [dag_id, task_id, run_id]
    if map_index is not None and map_index >= 0:
        parts.append(str(map_index))
    identity = ".".join(parts)
    key = "".join(c if 0x20 <= ord(c) < 0x7F else "_" for c in identity)
    if len(key) > MAX_BASE_KEY_LENGTH or key != identity:
        digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]
        key = key[:MAX_BASE_KEY_LENGTH - 17] + "." + digest
    return key


def idempotency_key_from_context(context: Mapping[str, Any]) -> str:
    """The key of the task instance in an Airflow context (``context["ti"]``)."""
    ti = context["ti"]
    return idempotency_key(ti.dag_id, ti.task_id, ti.run_id, getattr(ti, "map_index", None))


def retry_keys(base_key: str, try_number: int) -> List[str]:
    """Keys in the order a try walks them: the base key, then ``.try2`` ...
    ``.try{try_number}``."""
    return [base_key] + [f"{base_key}.try{n}" for n in range(2, max(try_number, 1) + 1)]


def start_or_attach(start: Callable[[str], StartRunResult], base_key: str,
                    try_number: int) -> StartRunResult:
    """Starts the task's run, or re-attaches to it.

    Walks :func:`retry_keys`: each key returns the run it first started (or
    starts one); the walk stops at the first run that did not fail or get
    cancelled (live or succeeded: attach, never load twice) and otherwise
    ends with the key of this try. So a retry attaches to a live run, and a
    retry after a failed run starts one new run (which resumes the failed
    run's pending load packages).
    """
    keys = retry_keys(base_key, try_number)
    for index, key in enumerate(keys):
        result = start(key)
        if result.run.status not in (RunStatus.FAILED, RunStatus.CANCELLED) \
                or index == len(keys) - 1:
            return result
    raise AssertionError("unreachable: retry_keys is never empty")


# ---------------------------------------------------------------- statuses and events

def event_status(status: "RunStatus | int | str") -> Optional[str]:
    """The event status for a run status: None while the run is active
    (QUEUED, RUNNING); success/error/cancelled for terminal ones; ``error``
    for anything else (UNSPECIFIED, values this client does not know)."""
    parsed = RunStatus.parse(status)
    if parsed.is_active:
        return None
    if parsed is RunStatus.SUCCEEDED:
        return SUCCESS
    if parsed is RunStatus.CANCELLED:
        return CANCELLED
    return ERROR


def summary_for_xcom(run: Run) -> Dict[str, Any]:
    """The run summary an Airflow task returns (JSON-ready, small):
    rows per table, schema changes, contract violations, load ids."""
    summary = run.summary
    out: Dict[str, Any] = {
        "run_id": run.run_id, "pipeline": run.pipeline, "status": run.status.name,
        "error": run.error.to_dict() if run.error else None,
    }
    if summary is None:
        return out
    out.update({
        "rows_loaded": summary.rows_loaded, "items_extracted": summary.items_extracted,
        "bytes_extracted": summary.bytes_extracted,
        "rows_per_table": summary.rows_per_table, "new_tables": summary.new_tables,
        "new_columns": summary.new_columns, "contract_violations": summary.contract_violations,
        "load_ids": [p.load_id for p in summary.packages],
        "destination": summary.destination, "duration_seconds": summary.duration_seconds,
    })
    return out


def make_event(status: str, run_id: str, message: str,
               summary: Optional[Dict[str, Any]] = None,
               run_status: Optional[str] = None) -> Dict[str, Any]:
    """An event payload (what the trigger yields, JSON-serializable)."""
    if status not in EVENT_STATUSES:
        raise ValueError(f"make_event: status {status!r} is not one of {EVENT_STATUSES}")
    return {"status": status, "run_id": run_id, "message": message, "summary": summary,
            "run_status": run_status}


def run_event(run: Run) -> Optional[Dict[str, Any]]:
    """The event for a run in a final (or unknown) state; None while active."""
    status = event_status(run.status)
    if status is None:
        return None
    if status == SUCCESS:
        message = f"ingestd run {run.run_id} of {run.pipeline} succeeded"
    elif run.status in (RunStatus.FAILED, RunStatus.CANCELLED):
        word = "failed" if run.status is RunStatus.FAILED else "was cancelled"
        why = f": {run.error.code}: {run.error.message}" if run.error else ""
        message = f"ingestd run {run.run_id} of {run.pipeline} {word}{why}"
    else:
        message = (f"ingestd run {run.run_id} of {run.pipeline} has status {run.status.name}, "
                   "which this provider does not know; failing closed (upgrade ingestd_airflow)")
    return make_event(status, run.run_id, message, summary_for_xcom(run), run.status.name)


def timeout_event(run_id: str, timeout: Optional[float] = None) -> Dict[str, Any]:
    after = f" after {timeout:g} s" if timeout is not None else ""
    return make_event(TIMEOUT, run_id,
                      f"ingestd run {run_id} did not finish before the task's timeout{after}")


def error_event(run_id: str, message: str) -> Dict[str, Any]:
    return make_event(ERROR, run_id, message)


# ---------------------------------------------------------------- deadlines

def end_time(timeout: Optional[float], now: float) -> Optional[float]:
    """The wall-clock epoch when a wait of ``timeout`` seconds ends (None: never)."""
    if timeout is None:
        return None
    if timeout <= 0:
        raise ValueError(f"timeout: expected a positive number of seconds or None, got {timeout}")
    return now + float(timeout)


def seconds_left(end: Optional[float], now: float) -> Optional[float]:
    """Seconds until ``end`` (negative once passed); None without a deadline."""
    return None if end is None else end - now


def deadline_passed(end: Optional[float], now: float) -> bool:
    return end is not None and now >= end


# ---------------------------------------------------------------- outcome

@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a task does with an event: ``ok`` (return ``summary``) or fail
    with ``message``; ``cancel_remote``: cancel the run first (timeouts)."""

    ok: bool
    message: str
    run_id: str
    summary: Optional[Dict[str, Any]]
    cancel_remote: bool = False
    timed_out: bool = False


def outcome(event: Any) -> Outcome:
    """Interprets an event; anything malformed or unknown fails (closed)."""
    if not isinstance(event, Mapping):
        return Outcome(False, f"ingestd: expected an event dict, got {type(event).__name__}: "
                       f"{event!r}", "", None)
    status = event.get("status")
    run_id = str(event.get("run_id") or "")
    message = str(event.get("message") or f"ingestd run {run_id}: {status}")
    summary = event.get("summary")
    if status == SUCCESS:
        return Outcome(True, message, run_id, summary)
    if status == TIMEOUT:
        return Outcome(False, message, run_id, summary, cancel_remote=bool(run_id), timed_out=True)
    if status in (ERROR, CANCELLED):
        return Outcome(False, message, run_id, summary)
    return Outcome(False, f"ingestd run {run_id}: unknown event status {status!r} "
                   f"(failing closed): {message}", run_id, summary)


# ---------------------------------------------------------------- logging and links

def describe_event(event: RunEvent) -> str:
    """One log line for a run event."""
    d = event.details
    if event.kind == "progress":
        text = f"{d.get('stage')}: {d.get('rows')} rows, {d.get('bytes')} bytes"
    elif event.kind in ("stage_started", "stage_finished"):
        text = f"{d.get('stage')}" + (f" ({d.get('seconds', 0):.2f} s) {d.get('message', '')}"
                                      if event.kind == "stage_finished" else "")
    elif event.kind == "schema_changed":
        text = (f"schema v{d.get('version')}: new tables {d.get('new_tables')}, "
                f"new columns {d.get('new_columns')}")
    elif event.kind == "contract_violation":
        text = (f"{d.get('table')}.{d.get('column')}: {d.get('entity')} {d.get('mode')}: "
                f"{d.get('message')}")
    elif event.kind == "finished" and event.run is not None:
        text = event.run.status.name
    else:
        text = ", ".join(f"{k}={v}" for k, v in d.items() if v not in ("", 0, [], None))
    return f"ingestd {event.run_id} #{event.sequence} {event.kind}: {text}".rstrip(": ")


def run_url(template: Optional[str], run: Run) -> Optional[str]:
    """The run's link (UI or Grafana) from the connection's
    ``run_url_template`` (``{run_id}`` and ``{pipeline}`` are replaced)."""
    if not template:
        return None
    return template.replace("{run_id}", run.run_id).replace("{pipeline}", run.pipeline)
