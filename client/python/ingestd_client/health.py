"""The standard ``grpc.health.v1.Health/Check`` call without generated stubs.

Debian's python3-grpcio does not ship ``grpc_health``, and the health
messages are tiny: the request is ``{string service = 1}`` and the answer
``{ServingStatus status = 1}``. This module encodes and decodes exactly that.
"""

from __future__ import annotations

METHOD = "/grpc.health.v1.Health/Check"
STATUS_NAMES = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def encode_request(service: str) -> bytes:
    """HealthCheckRequest{service}; "" asks about the whole server."""
    data = service.encode("utf-8")
    return b"" if not data else b"\x0a" + _varint(len(data)) + data


def decode_response(data: bytes) -> str:
    """The status name of a HealthCheckResponse ("SERVING", ...). Unknown
    fields are skipped; a malformed message raises ValueError."""
    status = 0
    i = 0

    def read_varint() -> int:
        nonlocal i
        shift = value = 0
        while True:
            if i >= len(data):
                raise ValueError("health response: truncated varint")
            byte = data[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    while i < len(data):
        key = read_varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            value = read_varint()
            if field == 1:
                status = value
        elif wire == 2:
            i += read_varint()
        elif wire == 5:
            i += 4
        elif wire == 1:
            i += 8
        else:
            raise ValueError(f"health response: unsupported wire type {wire}")
    return STATUS_NAMES.get(status, f"STATUS_{status}")
