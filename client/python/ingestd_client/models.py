"""Plain Python views of the API's messages (proto/ingestd/v1/control.proto).

Every class is a frozen dataclass built by ``from_proto`` and turned into
JSON-ready data by ``to_dict`` (timestamps as ISO 8601 strings, enums as
names), which is what an orchestrator stores (Airflow's XCom). Fields keep the
proto's names and meanings; ``raw`` keeps the message for anything not copied.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from typing import Any, Dict, List, Optional

from ._stubs import pb


class RunStatus(enum.Enum):
    """A run's status. ``UNKNOWN`` stands for a value this client does not know
    (a newer daemon); callers must treat it as a failure (fail closed)."""

    UNSPECIFIED = 0
    QUEUED = 1
    RUNNING = 2
    SUCCEEDED = 3
    FAILED = 4
    CANCELLED = 5
    UNKNOWN = -1

    @classmethod
    def from_proto(cls, value: int) -> "RunStatus":
        try:
            return cls(int(value))
        except ValueError:
            return cls.UNKNOWN

    @classmethod
    def parse(cls, value: "RunStatus | int | str") -> "RunStatus":
        """Accepts a RunStatus, the proto's int, or a name with or without the
        ``RUN_STATUS_`` prefix; anything else is ``UNKNOWN``."""
        if isinstance(value, RunStatus):
            return value
        if isinstance(value, int):
            return cls.from_proto(value)
        name = str(value).upper()
        name = name[len("RUN_STATUS_"):] if name.startswith("RUN_STATUS_") else name
        return cls.__members__.get(name, cls.UNKNOWN)

    @property
    def is_terminal(self) -> bool:
        """The run will not change any more (SUCCEEDED, FAILED, CANCELLED)."""
        return self in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)

    @property
    def is_active(self) -> bool:
        """The run is queued or running (a status this client knows)."""
        return self in (RunStatus.QUEUED, RunStatus.RUNNING)


def _time(msg: Any, field: str) -> Optional[dt.datetime]:
    if not msg.HasField(field):
        return None
    return getattr(msg, field).ToDatetime().replace(tzinfo=dt.timezone.utc)


def _fields(msg: Any) -> Dict[str, Any]:
    """A message's fields (defaults included) as a dict of plain Python values:
    numbers stay numbers (MessageToDict would turn 64-bit ones into strings)."""
    out: Dict[str, Any] = {}
    for field in msg.DESCRIPTOR.fields:
        value = getattr(msg, field.name)
        if field.message_type is not None:
            if field.label == field.LABEL_REPEATED:
                out[field.name] = [_fields(v) for v in value]
            else:
                out[field.name] = _fields(value)
        elif field.label == field.LABEL_REPEATED:
            out[field.name] = list(value)
        else:
            out[field.name] = value
    return out


def _iso(value: Optional[dt.datetime]) -> Optional[str]:
    return value.isoformat() if value is not None else None


def _trigger_name(value: int) -> str:
    try:
        return pb.RunTrigger.Name(value)[len("RUN_TRIGGER_"):]
    except ValueError:
        return "UNKNOWN"


@dataclasses.dataclass(frozen=True)
class RunError:
    """Why a run failed or was cancelled: a canonical code name and a message."""

    code: str
    message: str

    def to_dict(self) -> Dict[str, Any]:
        return {"code": self.code, "message": self.message}


@dataclasses.dataclass(frozen=True)
class PackageSummary:
    """One load package of a finished run (``PackageSummary`` in the proto)."""

    load_id: str
    resumed: bool
    already_loaded: bool
    items_extracted: int
    tables: Dict[str, int]
    new_tables: List[str]
    new_columns: List[str]
    contract_violations: int
    schema_version: int
    extract_seconds: float
    normalize_seconds: float
    load_seconds: float

    @classmethod
    def from_proto(cls, m: Any) -> "PackageSummary":
        return cls(load_id=m.load_id, resumed=m.resumed, already_loaded=m.already_loaded,
                   items_extracted=m.items_extracted,
                   tables={t.table: t.rows for t in m.tables},
                   new_tables=list(m.new_tables), new_columns=list(m.new_columns),
                   contract_violations=m.contract_violations, schema_version=m.schema_version,
                   extract_seconds=m.times.extract_seconds,
                   normalize_seconds=m.times.normalize_seconds,
                   load_seconds=m.times.load_seconds)

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class RunSummary:
    """What a finished run did: per package, and sums over packages."""

    packages: List[PackageSummary]
    items_extracted: int
    rows_loaded: int
    bytes_extracted: int
    contract_violations: int
    destination: str
    duration_seconds: float

    @classmethod
    def from_proto(cls, m: Any) -> "RunSummary":
        return cls(packages=[PackageSummary.from_proto(p) for p in m.packages],
                   items_extracted=m.items_extracted, rows_loaded=m.rows_loaded,
                   bytes_extracted=m.bytes_extracted, contract_violations=m.contract_violations,
                   destination=m.destination, duration_seconds=m.duration_seconds)

    @property
    def rows_per_table(self) -> Dict[str, int]:
        """Rows loaded per table, summed over packages."""
        out: Dict[str, int] = {}
        for package in self.packages:
            for table, rows in package.tables.items():
                out[table] = out.get(table, 0) + rows
        return out

    @property
    def new_tables(self) -> List[str]:
        return [t for p in self.packages for t in p.new_tables]

    @property
    def new_columns(self) -> List[str]:
        return [c for p in self.packages for c in p.new_columns]

    def to_dict(self) -> Dict[str, Any]:
        out = dataclasses.asdict(self)
        out["rows_per_table"] = self.rows_per_table
        out["new_tables"] = self.new_tables
        out["new_columns"] = self.new_columns
        return out


@dataclasses.dataclass(frozen=True)
class Run:
    """One run (``Run`` in the proto). ``summary`` is set for finished runs
    returned by GetRun, RunFinished and PushRecords; ``error`` for failed
    and cancelled ones."""

    run_id: str
    pipeline: str
    pipeline_version: int
    status: RunStatus
    trigger: str
    idempotency_key: str
    requested_by: str
    created_at: Optional[dt.datetime]
    started_at: Optional[dt.datetime]
    finished_at: Optional[dt.datetime]
    deadline_at: Optional[dt.datetime]
    error: Optional[RunError]
    cancel_requested: bool
    summary: Optional[RunSummary]
    raw: Any = dataclasses.field(default=None, repr=False, compare=False)

    @classmethod
    def from_proto(cls, m: Any) -> "Run":
        return cls(run_id=m.run_id, pipeline=m.pipeline, pipeline_version=m.pipeline_version,
                   status=RunStatus.from_proto(m.status), trigger=_trigger_name(m.trigger),
                   idempotency_key=m.idempotency_key, requested_by=m.requested_by,
                   created_at=_time(m, "created_at"), started_at=_time(m, "started_at"),
                   finished_at=_time(m, "finished_at"), deadline_at=_time(m, "deadline_at"),
                   error=RunError(m.error.code, m.error.message) if m.HasField("error") else None,
                   cancel_requested=m.cancel_requested,
                   summary=RunSummary.from_proto(m.summary) if m.HasField("summary") else None,
                   raw=m)

    def to_dict(self) -> Dict[str, Any]:
        """JSON-ready: status as its name, times as ISO 8601, no ``raw``."""
        return {
            "run_id": self.run_id, "pipeline": self.pipeline,
            "pipeline_version": self.pipeline_version, "status": self.status.name,
            "trigger": self.trigger, "idempotency_key": self.idempotency_key,
            "requested_by": self.requested_by, "created_at": _iso(self.created_at),
            "started_at": _iso(self.started_at), "finished_at": _iso(self.finished_at),
            "deadline_at": _iso(self.deadline_at),
            "error": self.error.to_dict() if self.error else None,
            "cancel_requested": self.cancel_requested,
            "summary": self.summary.to_dict() if self.summary else None,
        }


@dataclasses.dataclass(frozen=True)
class StartRunResult:
    """StartRun's answer: the run, and whether this call created it (False:
    the idempotency key re-attached to an earlier run)."""

    run: Run
    created: bool


@dataclasses.dataclass(frozen=True)
class PushResult:
    """PushRecords' answer: the finished push run and the records received."""

    run: Run
    records: int


@dataclasses.dataclass(frozen=True)
class RunEvent:
    """One event of a run (``RunEvent``). ``kind`` is the proto's oneof name
    (``queued``, ``started``, ``stage_started``, ``progress``, ...,
    ``finished``); ``details`` its fields as a dict (proto field names);
    ``run`` the final run for ``finished`` events, else None."""

    run_id: str
    sequence: int
    time: Optional[dt.datetime]
    kind: str
    details: Dict[str, Any]
    run: Optional[Run] = None
    raw: Any = dataclasses.field(default=None, repr=False, compare=False)

    @classmethod
    def from_proto(cls, m: Any) -> "RunEvent":
        kind = m.WhichOneof("event") or "unknown"
        run: Optional[Run] = None
        details: Dict[str, Any] = {}
        if kind == "finished":
            run = Run.from_proto(m.finished.run)
        elif kind != "unknown":
            details = _fields(getattr(m, kind))
        return cls(run_id=m.run_id, sequence=m.sequence, time=_time(m, "time"), kind=kind,
                   details=details, run=run, raw=m)


@dataclasses.dataclass(frozen=True)
class SchemaContract:
    """Contract modes (``evolve``, ``freeze``, ``discard_row``,
    ``discard_value``); empty string means not set."""

    tables: str = ""
    columns: str = ""
    data_type: str = ""

    @classmethod
    def from_proto(cls, m: Any) -> "SchemaContract":
        return cls(tables=m.tables, columns=m.columns, data_type=m.data_type)


@dataclasses.dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    nullable: bool
    primary_key: bool
    merge_key: bool
    variant_of: str
    raw: Any = dataclasses.field(default=None, repr=False, compare=False)


@dataclasses.dataclass(frozen=True)
class Table:
    name: str
    parent: str
    write_disposition: str
    merge_strategy: str
    resource: str
    columns: List[Column]
    schema_contract: SchemaContract

    def column(self, name: str) -> Optional[Column]:
        return next((c for c in self.columns if c.name == name), None)


@dataclasses.dataclass(frozen=True)
class Schema:
    """A pipeline's schema version: tables with dlt's types and hints, and the
    stored dlt schema document as JSON text (``schema_json``)."""

    name: str
    version: int
    version_hash: str
    engine_version: int
    tables: List[Table]
    schema_json: str
    created_at: Optional[dt.datetime]
    raw: Any = dataclasses.field(default=None, repr=False, compare=False)

    @classmethod
    def from_proto(cls, m: Any) -> "Schema":
        tables = [Table(name=t.name, parent=t.parent, write_disposition=t.write_disposition,
                        merge_strategy=t.merge_strategy, resource=t.resource,
                        columns=[Column(name=c.name, data_type=c.data_type, nullable=c.nullable,
                                        primary_key=c.primary_key, merge_key=c.merge_key,
                                        variant_of=c.variant_of, raw=c) for c in t.columns],
                        schema_contract=SchemaContract.from_proto(t.schema_contract))
                  for t in m.tables]
        return cls(name=m.name, version=m.version, version_hash=m.version_hash,
                   engine_version=m.engine_version, tables=tables, schema_json=m.schema_json,
                   created_at=_time(m, "created_at"), raw=m)

    def table(self, name: str) -> Optional[Table]:
        return next((t for t in self.tables if t.name == name), None)


@dataclasses.dataclass(frozen=True)
class TableContract:
    table: str
    from_spec: SchemaContract
    override: Optional[SchemaContract]
    effective: SchemaContract


@dataclasses.dataclass(frozen=True)
class Contract:
    """The contracts in force (GetContract / AlterContract)."""

    pipeline: str
    pipeline_override: Optional[SchemaContract]
    tables: List[TableContract]
    history_length: int
    raw: Any = dataclasses.field(default=None, repr=False, compare=False)

    @classmethod
    def from_proto(cls, m: Any) -> "Contract":
        return cls(
            pipeline=m.pipeline,
            pipeline_override=(SchemaContract.from_proto(m.pipeline_override)
                               if m.HasField("pipeline_override") else None),
            tables=[TableContract(
                table=t.table, from_spec=SchemaContract.from_proto(t.from_spec),
                override=SchemaContract.from_proto(t.override) if t.HasField("override") else None,
                effective=SchemaContract.from_proto(t.effective)) for t in m.tables],
            history_length=len(m.history), raw=m)

    def table(self, name: str) -> Optional[TableContract]:
        return next((t for t in self.tables if t.table == name), None)


@dataclasses.dataclass(frozen=True)
class PipelineInfo:
    """ApplyPipeline's answer, reduced: name, version, created, changed."""

    name: str
    version: int
    created: bool
    changed: bool
    resources: List[str]


@dataclasses.dataclass(frozen=True)
class VersionInfo:
    version: str
    schema_engine_version: int
