"""Resources: the warehouse folders and the one door to the build database."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from orchestration import settings as settings_module

PARSING_SQL = Path(__file__).parent / "ingest" / "parsing.sql"


class WarehouseResource(ConfigurableResource):
    """Where raw files land and where the warehouse lives (MODU_RAW_DIR, MODU_WAREHOUSE_DIR)."""

    raw_dir: str
    warehouse_dir: str
    keep_releases: int = 5

    @classmethod
    def from_settings(cls, s: settings_module.Settings) -> "WarehouseResource":
        return cls(raw_dir=str(s.raw_dir), warehouse_dir=str(s.warehouse_dir), keep_releases=s.keep_releases)

    @property
    def settings(self) -> settings_module.Settings:
        return settings_module.Settings(
            raw_dir=Path(self.raw_dir), warehouse_dir=Path(self.warehouse_dir), keep_releases=self.keep_releases
        )

    @contextmanager
    def write_lock(self, log: Callable[[str], None] = lambda _m: None) -> Iterator[None]:
        """Serialise every writer of the build database, across processes and runs.

        DuckDB lets one process write a file at a time and fails the others at once;
        waiting here turns that failure into a queue.
        """
        lock_path = self.settings.build_lock
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
                        log(f"waiting for another writer of {self.settings.build_db} to finish")
                    time.sleep(0.5)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the build database with modu's parsing macros; closed on exit.

        Callers that write hold write_lock() around it.
        """
        path = self.settings.build_db
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
        try:
            if not read_only:
                con.execute(PARSING_SQL.read_text(encoding="utf-8"))
            yield con
        finally:
            con.close()
