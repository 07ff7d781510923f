"""Python client of the ingestd daemon's control API (``ingestd.v1.Control``).

    from ingestd_client import IngestdClient

    with IngestdClient("127.0.0.1:50051", token="...") as client:
        result = client.push_records("events", ({"id": i} for i in range(1000)))
        print(result.run.status, result.run.summary.rows_per_table)

See docs/python-client.md.
"""

from .aio import AsyncIngestdClient
from .channel import ConnectionOptions, TlsOptions
from .client import DEFAULT, IngestdClient, new_idempotency_key, validate_idempotency_key
from .errors import (Cancelled, DeadlineExceeded, FailedPrecondition, IngestdError,
                     InvalidArgument, NotFound, PermissionDenied, ResourceExhausted,
                     Unauthenticated, Unavailable)
from .models import (Column, Contract, PackageSummary, PipelineInfo, PushResult, Run, RunError,
                     RunEvent, RunStatus, RunSummary, Schema, SchemaContract, StartRunResult,
                     Table, TableContract, VersionInfo)
from .retry import RetryPolicy

__version__ = "0.1.0"

__all__ = [
    "AsyncIngestdClient", "Cancelled", "Column", "ConnectionOptions", "Contract", "DEFAULT",
    "DeadlineExceeded", "FailedPrecondition", "IngestdClient", "IngestdError", "InvalidArgument",
    "NotFound", "PackageSummary", "PermissionDenied", "PipelineInfo", "PushResult",
    "ResourceExhausted", "RetryPolicy", "Run", "RunError", "RunEvent", "RunStatus", "RunSummary",
    "Schema", "SchemaContract", "StartRunResult", "Table", "TableContract", "TlsOptions",
    "Unauthenticated", "Unavailable", "VersionInfo", "new_idempotency_key",
    "validate_idempotency_key",
]
