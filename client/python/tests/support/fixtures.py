"""Pipeline specs and a slow paginated HTTP API for tests."""

from __future__ import annotations

import json
import os
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Optional
from urllib.parse import parse_qs, urlparse

from ingestd_client import IngestdClient

from .daemon import ADMIN_TOKEN, Daemon


def files_spec(name: str, workdir: str, rows: int = 50) -> Dict[str, Any]:
    """A pipeline that loads ``rows`` JSONL records from a file into SQLite."""
    path = os.path.join(workdir, f"{name}.jsonl")
    with open(path, "w") as f:
        for i in range(rows):
            f.write(json.dumps({"id": i, "name": f"item {i}", "tags": ["a", "b"]}) + "\n")
    return {"name": name,
            "destination": {"kind": "sqlite", "path": os.path.join(workdir, f"{name}.sqlite")},
            "resources": [{"name": "orders", "primary_key": "id",
                           "source": {"kind": "files", "paths": [path]}}]}


def push_spec(name: str, workdir: str) -> Dict[str, Any]:
    """A pipeline with one push resource ``events``."""
    return {"name": name,
            "destination": {"kind": "sqlite", "path": os.path.join(workdir, f"{name}.sqlite")},
            "resources": [{"name": "events", "source": {"kind": "push"}}]}


def slow_rest_spec(name: str, workdir: str, base_url: str) -> Dict[str, Any]:
    """A REST pipeline against :class:`SlowApi`: it pages for a long time."""
    return {"name": name,
            "destination": {"kind": "sqlite", "path": os.path.join(workdir, f"{name}.sqlite")},
            "rest_api": {
                "client": {"base_url": base_url,
                           "paginator": {"type": "json_link", "next_url_path": "next"}},
                "resources": [{"name": "items",
                               "endpoint": {"path": "items", "data_selector": "data"}}]}}


class SlowApi:
    """A paginated JSON API on 127.0.0.1 that waits ``delay`` seconds per page
    and has ``pages`` pages: a run against it lasts pages * delay seconds."""

    def __init__(self, pages: int = 600, delay: float = 0.1) -> None:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                query = parse_qs(urlparse(self.path).query)
                page = int(query.get("page", ["0"])[0])
                time.sleep(api.delay)
                body: Dict[str, Any] = {"data": [{"id": page, "value": f"page {page}"}]}
                if page + 1 < api.pages:
                    body["next"] = f"/items?page={page + 1}"
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                try:
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the run was cancelled mid-request

            def log_message(self, *args: Any) -> None:
                pass

        self.pages = pages
        self.delay = delay
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class DaemonTestCase(unittest.TestCase):
    """A test case with one daemon for the class and an admin client.

    Subclasses set ``TLS = True`` to serve TLS. ``cls.daemon``, ``cls.admin``
    (an IngestdClient with the admin token) and ``cls.workdir`` are set.
    """

    daemon: Daemon
    admin: IngestdClient
    workdir: str
    _tmp: Optional[Any] = None

    @classmethod
    def setUpClass(cls) -> None:
        import tempfile
        cls._tmp = tempfile.TemporaryDirectory(prefix="ingestd-pytest-")
        cls.workdir = cls._tmp.name
        cls.daemon = Daemon(cls.workdir).start()
        cls.admin = IngestdClient(cls.daemon.target, token=ADMIN_TOKEN, default_timeout=20)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.admin.close()
        cls.daemon.stop()
        if cls._tmp is not None:
            cls._tmp.cleanup()
