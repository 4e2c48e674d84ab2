"""Helpers of the operations tests: a local webhook, the Dagster UI as `make ui` starts it,
and its GraphQL API."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from orchestration.loopback import free_port
from orchestration.settings import REPO_ROOT


class Webhook:
    """An HTTP server on 127.0.0.1 that keeps what is POSTed to it and answers `status`.

    It stops by itself after `lifetime` seconds, whatever the test does; it waits `delay`
    seconds before it answers, like a slow chat service."""

    def __init__(self, status: int = 200, lifetime: float = 120, delay: float = 0):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append({"path": self.path, "content_type": self.headers.get("Content-Type"),
                                 "body": json.loads(body)})
                time.sleep(delay)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/modu"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.timer = threading.Timer(lifetime, self.stop)
        self.timer.daemon = True
        self._stopped = False

    def __enter__(self) -> "Webhook":
        self.thread.start()
        self.timer.start()
        return self

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self.server.shutdown()
            self.server.server_close()

    def __exit__(self, *_exc) -> None:
        self.timer.cancel()
        self.stop()
        self.thread.join(timeout=5)


def wait_for(what: str, probe: Callable[[], Any], timeout: float, interval: float = 1.0) -> Any:
    """Call probe until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = probe()
            if value:
                return value
        except Exception as err:  # noqa: BLE001 - a server that is still starting refuses connections
            last_error = err
        time.sleep(interval)
    raise TimeoutError(f"{what}: not within {timeout:.0f} s" + (f" (last error: {last_error!r})" if last_error else ""))


def _group_alive(pgid: int) -> bool:
    """Does any process of the group still run (zombies waiting to be reaped do not count)?"""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


class DagsterUI:
    """`python -m orchestration.cli ui` (what `make ui` runs) on a free loopback port, its own
    process group, DAGSTER_HOME inside the given warehouse folder."""

    def __init__(self, raw_dir: Path, warehouse_dir: Path, log_path: Path, extra_env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "MODU_UI_URL")},
            "MODU_RAW_DIR": str(raw_dir),
            "MODU_WAREHOUSE_DIR": str(warehouse_dir),
            "MODU_UI_PORT": str(self.port),
            "PYTHONDONTWRITEBYTECODE": "1",
            **(extra_env or {}),
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 240) -> "DagsterUI":
        log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - kept open while the UI runs
        self.process = subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", "ui"], cwd=REPO_ROOT, env=self.env,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        wait_for("the UI's code location loaded", self._loaded, timeout, interval=2)
        return self

    def _loaded(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"the UI exited with {self.process.returncode}; see {self.log_path}")
        data = self.graphql("{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
                            "locationOrLoadError { __typename } } } } }")
        entries = data["workspaceOrError"]["locationEntries"]
        return any(e["name"] == "modu" and e["loadStatus"] == "LOADED"
                   and e["locationOrLoadError"]["__typename"] == "RepositoryLocation" for e in entries)

    def stop(self, grace: float = 10) -> None:
        """End the UI, its daemon, code server and any run it launched: they share one process group."""
        if self.process is None:
            return
        pgid = self.process.pid
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and _group_alive(pgid):
            self.process.poll()
            time.sleep(0.3)
        if _group_alive(pgid):
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=10)

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 60) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"{self.url}/graphql", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.loads(response.read())
        if payload.get("errors"):
            raise AssertionError(f"GraphQL errors: {payload['errors']}")
        return payload["data"]
