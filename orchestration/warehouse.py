"""The one door to the build database: DuckDB connections with modu's settings, and the
lock that queues writers.

Steps (ingest, transform, quality, publish) and automation both use it; it imports
nothing of theirs.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from orchestration.settings import Settings


def duckdb_connect(settings: Settings, path: Path | str = ":memory:", read_only: bool = False,
                   keep_order: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection under the memory limit, threads and spill folder of settings.py."""
    settings.duckdb_spill_dir.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only, config=settings.duckdb_config(keep_order=keep_order))


@contextmanager
def connect(settings: Settings, read_only: bool = False, keep_order: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the build database, closed on exit. Writers hold write_lock() around it."""
    settings.build_db.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb_connect(settings, settings.build_db, read_only=read_only, keep_order=keep_order)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def write_lock(settings: Settings, log: Callable[[str], None] = lambda _m: None) -> Iterator[None]:
    """Serialise every writer of the build database, across processes and runs.

    DuckDB lets one process write a file at a time and fails the others at once;
    waiting here turns that failure into a queue.
    """
    lock_path = settings.build_lock
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        waited_since = None
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if waited_since is None:
                    waited_since = time.monotonic()
                    log(f"waiting for another writer of {settings.build_db} to finish")
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
