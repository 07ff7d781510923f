"""Starts and stops a real ``ingestd serve`` for tests.

The binary comes from the environment variable INGESTD_BINARY (CTest sets it
to the built ``ingestd``). Each daemon gets its own data directory, a tokens
file with one token per role (READ_TOKEN, OPERATE_TOKEN, ADMIN_TOKEN), free
ports (port 0 unless a port is given) and, on request, a self-signed TLS
certificate made with the openssl CLI.
"""

from __future__ import annotations

import json
import os
import queue
import random
import re
import signal
import socket
import subprocess
import threading
from typing import List, Optional, Tuple

READ_TOKEN = "read-token-0123"
OPERATE_TOKEN = "operate-token-4567"
ADMIN_TOKEN = "admin-token-89ab"

_SERVING = re.compile(r"^ingestd \S+ serving grpc=(\S+) http=(\S+) data_dir=")


def daemon_binary() -> str:
    """The ingestd binary under test; fails with the fix when unset."""
    path = os.environ.get("INGESTD_BINARY", "")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError(
            f"INGESTD_BINARY={path!r} is not an executable: set it to the built ingestd "
            "(CTest does: INGESTD_BINARY=$<TARGET_FILE:ingestd>)")
    return path


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1 (for a daemon started later).

    Taken below the kernel's ephemeral range: every other test binds port 0,
    which the kernel serves from that range, so a port picked there could be
    handed to a parallel test before our daemon binds it (seen in CI)."""
    low = 32768
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(max(1024, low // 2), low)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free TCP port below the ephemeral range on 127.0.0.1")


def make_self_signed_cert(directory: str, name: str = "server") -> Tuple[str, str]:
    """A certificate for CN=localhost with SANs localhost and 127.0.0.1,
    usable by a server and as a client certificate; returns (cert_path,
    key_path) named after ``name``."""
    cert = os.path.join(directory, f"{name}.crt")
    key = os.path.join(directory, f"{name}.key")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", key, "-out", cert, "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-addext", "extendedKeyUsage=serverAuth,clientAuth"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return cert, key


class Daemon:
    """One ``ingestd serve`` process.

    Args:
        workdir: a temporary directory owned by the test (data dir, tokens
            file and logs go under it).
        grpc_port: 0 for a free port chosen by the daemon.
        tls: (cert, key) paths to serve TLS.
        client_ca: with tls, the PEM that must have signed every client's
            certificate (``--tls-client-ca-file``).
        auth: write and pass a tokens file.
    """

    def __init__(self, workdir: str, *, grpc_port: int = 0,
                 tls: Optional[Tuple[str, str]] = None, client_ca: Optional[str] = None,
                 auth: bool = True) -> None:
        self.workdir = workdir
        self.data_dir = os.path.join(workdir, "data")
        self.grpc_port = grpc_port
        self.tls = tls
        self.client_ca = client_ca
        self.auth = auth
        self.target = ""
        self.http_target = ""
        self._proc: Optional[subprocess.Popen] = None
        self._lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self._stderr_path = os.path.join(workdir, "ingestd.stderr.log")

    def _args(self) -> List[str]:
        args = [daemon_binary(), "serve", "--data-dir", self.data_dir,
                "--grpc-listen", f"127.0.0.1:{self.grpc_port}", "--http-listen", "127.0.0.1:0",
                "--shutdown-grace-seconds", "2", "--log-level", "debug"]
        if self.auth:
            tokens = os.path.join(self.workdir, "tokens.json")
            with open(tokens, "w") as f:
                json.dump({"tokens": [
                    {"name": "reader", "role": "read", "token": READ_TOKEN},
                    {"name": "operator", "role": "operate", "token": OPERATE_TOKEN},
                    {"name": "admin", "role": "admin", "token": ADMIN_TOKEN},
                ]}, f)
            args += ["--tokens-file", tokens]
        if self.tls:
            args += ["--tls-cert-file", self.tls[0], "--tls-key-file", self.tls[1]]
            if self.client_ca:
                args += ["--tls-client-ca-file", self.client_ca]
        return args

    def start(self, timeout: float = 30.0) -> "Daemon":
        """Starts the process and waits for its "serving" line."""
        self._lines = queue.Queue()  # a fresh one: a restart must not see the old EOF
        stderr = open(self._stderr_path, "ab")
        self._proc = subprocess.Popen(self._args(), stdout=subprocess.PIPE, stderr=stderr,
                                      cwd=self.workdir, text=True)
        stderr.close()
        threading.Thread(target=self._read_stdout, args=(self._proc, self._lines),
                         daemon=True).start()
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                self.stop()
                raise RuntimeError(f"ingestd did not print its serving line within {timeout} s; "
                                   f"stderr:\n{self.stderr_tail()}")
            if line is None:
                code = self.stop(timeout=5)
                raise RuntimeError(f"ingestd exited before serving (exit {code}); "
                                   f"stderr:\n{self.stderr_tail()}")
            match = _SERVING.match(line)
            if match:
                self.target, self.http_target = match.group(1), match.group(2)
                self.grpc_port = int(self.target.rsplit(":", 1)[1])
                return self

    @staticmethod
    def _read_stdout(proc: subprocess.Popen, lines: "queue.Queue[Optional[str]]") -> None:
        assert proc.stdout is not None
        with proc.stdout:
            for line in proc.stdout:
                lines.put(line.rstrip("\n"))
        lines.put(None)

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, then waits (SIGKILL after ``timeout``); the exit code."""
        proc, self._proc = self._proc, None
        if proc is None:
            return 0
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                return proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                return proc.wait()
        return proc.returncode

    def stderr_tail(self, lines: int = 40) -> str:
        try:
            with open(self._stderr_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no stderr log)"
