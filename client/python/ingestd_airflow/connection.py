"""From an Airflow connection (type ``ingestd``) to client settings.

Connection fields:
- host (optionally ``grpc://`` or ``grpcs://``) and port (default 50051);
- password: the bearer token (empty: the daemon runs without tokens);
- extras (JSON), all optional:
  ``insecure`` (bool): plaintext gRPC; otherwise TLS is on;
  ``ca_file``, ``client_cert_file``, ``client_key_file``, ``tls_server_name``:
  TLS settings (see ingestd_client.TlsOptions);
  ``timeout`` (seconds): deadline of each call (default 30);
  ``run_url_template``: a link to a run, e.g.
  ``https://grafana.example.com/d/ingestd?var-run_id={run_id}``.

TLS is the default because the token crosses the network; a loopback or
test daemon needs ``{"insecure": true}``. Unknown extras are errors (a typo
must not silently turn TLS off).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Mapping, Optional

from ingestd_client import ConnectionOptions, TlsOptions

DEFAULT_PORT = 50051
EXTRA_KEYS = ("insecure", "ca_file", "client_cert_file", "client_key_file", "tls_server_name",
              "timeout", "run_url_template")


@dataclasses.dataclass(frozen=True)
class ConnectionSettings:
    """Everything the hook needs to reach a daemon."""

    options: ConnectionOptions
    timeout: float = 30.0
    run_url_template: Optional[str] = None


def _bool(conn_id: str, key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"connection {conn_id!r}: extra {key!r}: expected true or false, got {value!r}")


def settings_from_connection(conn: Any) -> ConnectionSettings:
    """Reads an Airflow ``Connection`` (or anything with ``conn_id``, ``host``,
    ``port``, ``password`` and ``extra_dejson``/``extra``); raises ValueError
    naming the connection and the field to fix."""
    conn_id = getattr(conn, "conn_id", None) or "ingestd"
    extra = getattr(conn, "extra_dejson", None)
    if extra is None:
        raw = getattr(conn, "extra", None) or "{}"
        extra = json.loads(raw) if isinstance(raw, str) else dict(raw)
    if not isinstance(extra, Mapping):
        raise ValueError(f"connection {conn_id!r}: extra must be a JSON object")
    unknown = sorted(set(extra) - set(EXTRA_KEYS))
    if unknown:
        raise ValueError(f"connection {conn_id!r}: unknown extra {', '.join(map(repr, unknown))} "
                         f"(allowed: {', '.join(EXTRA_KEYS)})")

    host = (getattr(conn, "host", None) or "").strip()
    scheme_tls: Optional[bool] = None
    for scheme, tls in (("grpcs://", True), ("grpc://", False)):
        if host.startswith(scheme):
            host, scheme_tls = host[len(scheme):], tls
    host = host.rstrip("/")
    if not host:
        raise ValueError(f"connection {conn_id!r}: host is empty (the daemon's address, "
                         "e.g. ingestd.internal)")
    port = getattr(conn, "port", None) or DEFAULT_PORT
    if ":" in host and not host.startswith("["):
        host, _, port_text = host.rpartition(":")
        port = int(port_text)

    insecure = _bool(conn_id, "insecure", extra.get("insecure", False))
    if scheme_tls is not None and "insecure" in extra and scheme_tls == insecure:
        raise ValueError(f"connection {conn_id!r}: the host's scheme and extra 'insecure' disagree")
    if scheme_tls is False:
        insecure = True
    tls_keys = [k for k in ("ca_file", "client_cert_file", "client_key_file", "tls_server_name")
                if extra.get(k)]
    if insecure and tls_keys:
        raise ValueError(f"connection {conn_id!r}: extra 'insecure' is true but TLS extras are set "
                         f"({', '.join(tls_keys)}); remove one or the other")
    tls = None if insecure else TlsOptions(
        ca_file=extra.get("ca_file") or None, cert_file=extra.get("client_cert_file") or None,
        key_file=extra.get("client_key_file") or None,
        server_name=extra.get("tls_server_name") or None)

    timeout = float(extra.get("timeout", 30.0))
    if timeout <= 0:
        raise ValueError(f"connection {conn_id!r}: extra 'timeout' must be > 0 seconds")
    token = getattr(conn, "password", None) or None
    return ConnectionSettings(
        options=ConnectionOptions(target=f"{host}:{int(port)}", token=token, tls=tls),
        timeout=timeout, run_url_template=extra.get("run_url_template") or None)
