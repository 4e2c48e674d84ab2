"""`make serve`: start the server, load the current release, say how to connect, serve until stopped."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

from orchestration.publish.postgres.load import load_current
from orchestration.publish.postgres.server import process_alive, serving_lock, start_server, stop_server
from orchestration.publish.postgres.state import ServeError
from orchestration.settings import Settings


def serve(s: Settings, log: Callable[[str], None] = print) -> int:
    """Serve until SIGINT/SIGTERM; 0 after a clean stop. What keeps it from serving is said in
    one line (exit 1): another `serve` of the same warehouse, a taken port, a bad analysts file."""
    if not s.analyst_password:
        log("set MODU_ANALYST_PASSWORD (the password of the read-only role `analyst`) and run again")
        return 2
    stopping: list[int] = []

    def _stop(signum, _frame):
        stopping.append(signum)

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with serving_lock(s):
            try:
                return _serve(s, log, stopping)
            finally:
                stop_server(s)
    except ServeError as err:
        log(f"serve: {err}")
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(s: Settings, log: Callable[[str], None], stopping: list[int]) -> int:
    state = start_server(s, log)
    try:
        result = load_current(state, s.serving_dir, log=log)
    except Exception as err:  # noqa: BLE001 - the server is up and serves what it held before; say why
        log(f"postgres: loading the current release failed, serving what the server held before: {err!r}")
    else:
        if result is not None:
            log(f"postgres: release {result.release_id} {result.status} ({result.seconds:.2f} s)")
        else:
            log("no release published yet: the next refresh loads one")
    log(f"analysts connect to {state.uri()} (psql takes it as is; password: MODU_ANALYST_PASSWORD; "
        f"a named analyst puts their role in place of analyst), schemas marts and audit")
    log(f"from Python (SQLAlchemy): {state.url()}")
    log(f"state for the publish step: {s.postgres_state}; Ctrl-C stops the server")
    while not stopping:
        if not process_alive(state.pid):
            log(f"PostgreSQL (pid {state.pid}) stopped by itself; see {state.log_file}")
            return 1
        time.sleep(0.5)
    log(f"stopping PostgreSQL (signal {stopping[0]})")
    return 0
