"""Shared fixtures: a refresh of the shipped sample into a temporary warehouse."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, ExecuteInProcessResult

from orchestration.definitions import build_definitions
from orchestration.settings import REPO_ROOT, Settings

SHIPPED_RAW = REPO_ROOT / "raw"
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def run_refresh(settings: Settings) -> ExecuteInProcessResult:
    defs = build_definitions(settings)
    with DagsterInstance.ephemeral() as instance:
        return defs.resolve_job_def("nightly_refresh").execute_in_process(
            instance=instance, raise_on_error=False, run_config=QUIET
        )


def query_catalog(settings: Settings) -> Callable[[str], list[tuple]]:
    """Query the published marts the way a BI tool does: the serving catalog, read-only."""

    def query(sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(settings.catalog_db), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    return query


@pytest.fixture(scope="session")
def sample_refresh(tmp_path_factory) -> tuple[Settings, ExecuteInProcessResult]:
    """The nightly refresh of a copy of the shipped raw/ into a fresh warehouse folder."""
    base = tmp_path_factory.mktemp("sample")
    raw = base / "raw"
    shutil.copytree(SHIPPED_RAW, raw)
    settings = Settings(raw_dir=raw, warehouse_dir=base / "warehouse", keep_releases=2)
    result = run_refresh(settings)
    assert result.success, [e.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    return settings, result


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
