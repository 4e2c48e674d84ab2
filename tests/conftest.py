"""Shared fixtures: a refresh of the shipped sample into a temporary warehouse."""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterEvent, DagsterEventType, DagsterInstance, ExecuteInProcessResult
from dagster_shared.serdes import deserialize_value, serialize_value

from orchestration.definitions import build_definitions
from orchestration.settings import REPO_ROOT, Settings

SHIPPED_RAW = REPO_ROOT / "raw"
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


# The modules that take minutes, longest first (seconds measured under `make test`). pytest-xdist
# (--dist loadfile --no-loadscope-reorder, Makefile) hands whole files to the workers in
# collection order, two each to start: a long file collected last would end the suite alone.
LONGEST_MODULES = (
    "test_ui_graphql.py",  # ~330 s: the UI, its daemon and five nights launched through it
    "test_spark_parity.py",  # ~200 s: a Spark session and a night on each engine
    "test_publish_readers.py",  # ~160 s: three nights under live readers, one of them killed
    "test_incremental.py",  # ~95 s
    "test_transform_carry_over.py",  # ~70 s
    "test_reject_share.py",  # ~60 s
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_MODULES.index(name) if name in LONGEST_MODULES else len(LONGEST_MODULES)

    items.sort(key=rank)  # stable: each module's own order is kept


def run_refresh(settings: Settings, messages: list[str] | None = None) -> ExecuteInProcessResult:
    """A night on `settings`; the steps' log messages (context.log) go to `messages` when given."""
    defs = build_definitions(settings)
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("nightly_refresh").execute_in_process(
            instance=instance, raise_on_error=False, run_config=QUIET
        )
        if messages is not None:
            messages.extend(entry.user_message for entry in instance.all_logs(result.run_id)
                            if not entry.is_dagster_event)
        return result


def query_catalog(settings: Settings) -> Callable[[str], list[tuple]]:
    """Query the published marts the way a BI tool does: the serving catalog, read-only."""

    def query(sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(settings.catalog_db), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    return query


@dataclass(frozen=True)
class RecordedRun:
    """A finished run's events, as read back from disk: what the tests ask of an
    ExecuteInProcessResult, for a run that another test process made."""

    run_id: str
    success: bool
    all_events: list[DagsterEvent]

    def get_asset_materialization_events(self) -> list[DagsterEvent]:
        return [e for e in self.all_events if e.event_type == DagsterEventType.ASSET_MATERIALIZATION]


@pytest.fixture(scope="session")
def sample_refresh(tmp_path_factory, worker_id) -> tuple[Settings, RecordedRun]:
    """The nightly refresh of a copy of the shipped raw/ into a fresh warehouse folder.

    Made once per test session: the pytest-xdist workers share it (the first to take the lock
    runs the night, the others wait and read its events). Tests only read it; a test that
    changes a warehouse works on copy_sample_warehouse()."""
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent  # the folder above each worker's own
    base, events_file = shared / "sample", shared / "sample-night.json"
    settings = Settings(raw_dir=base / "raw", warehouse_dir=base / "warehouse", keep_releases=2)
    with open(shared / "sample-night.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not events_file.exists():
            shutil.copytree(SHIPPED_RAW, settings.raw_dir)
            result = run_refresh(settings)
            events_file.write_text(serialize_value(
                RecordedRun(result.run_id, result.success, list(result.all_events)).__dict__), encoding="utf-8")
    recorded = deserialize_value(events_file.read_text(encoding="utf-8"))
    run = RecordedRun(recorded["run_id"], recorded["success"], recorded["all_events"])
    assert run.success, [e.message for e in run.all_events if e.event_type_value == "STEP_FAILURE"]
    return settings, run


@pytest.fixture(scope="session")
def marts(sample_refresh) -> Callable[[str], list[tuple]]:
    return query_catalog(sample_refresh[0])


def copy_sample(dest: Path) -> Path:
    shutil.copytree(SHIPPED_RAW, dest)
    return dest


def copy_sample_warehouse(sample: Settings, base: Path, **overrides) -> Settings:
    """A warehouse that has had the sample's first night (a copy of sample_refresh's raw and
    warehouse folders), for tests whose story starts on the second night."""
    shutil.copytree(sample.raw_dir, base / "raw")
    shutil.copytree(sample.warehouse_dir, base / "warehouse", symlinks=True)
    return Settings(raw_dir=base / "raw", warehouse_dir=base / "warehouse", **{"keep_releases": 2, **overrides})
