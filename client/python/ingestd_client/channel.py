"""How to reach a daemon: address, token, TLS; builds gRPC channels from it.

Shared by the sync client (:mod:`ingestd_client.client`) and the async one
(:mod:`ingestd_client.aio`) so both connect the same way.
"""

from __future__ import annotations

import dataclasses
import os
from typing import List, Optional, Tuple

import grpc

DEFAULT_TARGET = "127.0.0.1:50051"
DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class TlsOptions:
    """TLS for the gRPC connection (the daemon's ``--tls-cert-file``...).

    Attributes:
        ca_file: PEM bundle that signed the daemon's certificate; None uses
            the system's roots.
        cert_file, key_file: the client certificate and key (PEM), for
            daemons started with ``--tls-client-ca-file``; both or neither.
        server_name: overrides the name checked against the certificate
            (when the address is not in its subjectAltName).
    """

    ca_file: Optional[str] = None
    cert_file: Optional[str] = None
    key_file: Optional[str] = None
    server_name: Optional[str] = None

    def __post_init__(self) -> None:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("TlsOptions: cert_file and key_file go together "
                             "(a client certificate needs its key); set both or neither")

    def credentials(self) -> grpc.ChannelCredentials:
        """Channel credentials; raises ValueError naming a file it cannot read."""
        return grpc.ssl_channel_credentials(
            root_certificates=_read("TlsOptions.ca_file", self.ca_file),
            private_key=_read("TlsOptions.key_file", self.key_file),
            certificate_chain=_read("TlsOptions.cert_file", self.cert_file))


def _read(what: str, path: Optional[str]) -> Optional[bytes]:
    if path is None:
        return None
    try:
        with open(os.path.expanduser(path), "rb") as f:
            return f.read()
    except OSError as exc:
        raise ValueError(f"{what}: cannot read {path!r}: {exc.strerror}") from exc


@dataclasses.dataclass(frozen=True)
class ConnectionOptions:
    """Where the daemon is and how to authenticate.

    Attributes:
        target: ``HOST:PORT`` of ``ingestd serve --grpc-listen``.
        token: bearer token (sent as ``authorization: Bearer <token>``);
            None when the daemon runs without a tokens file.
        tls: TLS settings; None for plaintext (loopback only, please).
        max_message_bytes: largest message sent or received.
    """

    target: str = DEFAULT_TARGET
    token: Optional[str] = None
    tls: Optional[TlsOptions] = None
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES

    def __post_init__(self) -> None:
        if not self.target or ":" not in self.target:
            raise ValueError(f"ConnectionOptions.target: expected HOST:PORT, got {self.target!r}")
        if self.token is not None and (not self.token or any(c.isspace() for c in self.token)):
            raise ValueError("ConnectionOptions.token: a token is non-empty and has no spaces")

    def metadata(self) -> List[Tuple[str, str]]:
        """Call metadata: the authorization header when a token is set."""
        return [("authorization", f"Bearer {self.token}")] if self.token else []

    def channel_options(self) -> List[Tuple[str, object]]:
        opts: List[Tuple[str, object]] = [
            ("grpc.max_send_message_length", self.max_message_bytes),
            ("grpc.max_receive_message_length", self.max_message_bytes),
            # The client retries itself (retry.py); gRPC's built-in retries
            # would multiply attempts.
            ("grpc.enable_retries", 0),
            # Reconnect soon after a daemon restart (gRPC's default starts at
            # 1 s and grows to 120 s, longer than our retries wait).
            ("grpc.initial_reconnect_backoff_ms", 200),
            ("grpc.min_reconnect_backoff_ms", 200),
            ("grpc.max_reconnect_backoff_ms", 2000),
        ]
        if self.tls is not None and self.tls.server_name:
            opts.append(("grpc.ssl_target_name_override", self.tls.server_name))
        return opts

    def sync_channel(self) -> grpc.Channel:
        if self.tls is None:
            return grpc.insecure_channel(self.target, options=self.channel_options())
        return grpc.secure_channel(self.target, self.tls.credentials(), options=self.channel_options())

    def aio_channel(self) -> "grpc.aio.Channel":
        if self.tls is None:
            return grpc.aio.insecure_channel(self.target, options=self.channel_options())
        return grpc.aio.secure_channel(self.target, self.tls.credentials(),
                                       options=self.channel_options())
