"""Resources: the warehouse folders and the one door to the build database."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, EnvVar

from orchestration import settings as settings_module

PARSING_SQL = Path(__file__).parent / "ingest" / "parsing.sql"


class WarehouseResource(ConfigurableResource):
    """Where raw files land and where the warehouse lives (MODU_RAW_DIR, MODU_WAREHOUSE_DIR)."""

    raw_dir: str
    warehouse_dir: str
    keep_releases: int = 5
    full_refresh: bool = False
    target: str = "duckdb"  # the engine dbt builds on (MODU_TARGET)
    spark_master: str = "local[*]"  # MODU_SPARK_MASTER, for the spark target
    spark_driver_memory: str = "2g"  # MODU_SPARK_DRIVER_MEMORY, for the spark target

    @classmethod
    def from_settings(cls, s: settings_module.Settings) -> "WarehouseResource":
        return cls(
            raw_dir=str(s.raw_dir),
            warehouse_dir=str(s.warehouse_dir),
            keep_releases=s.keep_releases,
            full_refresh=s.full_refresh,
            target=s.target,
            spark_master=s.spark_master,
            spark_driver_memory=s.spark_driver_memory,
        )

    @property
    def settings(self) -> settings_module.Settings:
        return settings_module.Settings(
            raw_dir=Path(self.raw_dir),
            warehouse_dir=Path(self.warehouse_dir),
            keep_releases=self.keep_releases,
            full_refresh=self.full_refresh,
            target=self.target,
            spark_master=self.spark_master,
            spark_driver_memory=self.spark_driver_memory,
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


class OperationsResource(ConfigurableResource):
    """What the nightly operations need beyond the warehouse folders (all from settings.py):
    freshness windows, where alerts go, and the UI's address for run links."""

    alerts_log: str
    ui_url: str = "http://127.0.0.1:3000"
    alert_webhook: str | None = None
    raw_freshness_hours: float = 48.0
    raw_freshness_overrides: dict[str, float] = {}
    release_freshness_hours: float = 26.0

    @classmethod
    def from_settings(cls, s: settings_module.Settings) -> "OperationsResource":
        return cls(
            alerts_log=str(s.alerts_log),
            ui_url=s.ui_url,
            # Passed as EnvVar when it came from the environment, so the UI's resource page
            # shows the variable's name and not the URL.
            alert_webhook=EnvVar(s.alert_webhook_var) if s.alert_webhook_var else s.alert_webhook,
            raw_freshness_hours=s.raw_freshness_hours,
            raw_freshness_overrides=dict(s.raw_freshness_overrides),
            release_freshness_hours=s.release_freshness_hours,
        )

    def raw_freshness_window(self, source: str) -> float:
        return self.raw_freshness_overrides.get(source, self.raw_freshness_hours)

    def run_link(self, run_id: str) -> str:
        return f"{self.ui_url.rstrip('/')}/runs/{run_id}"
