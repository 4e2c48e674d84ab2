"""Retries: a held DuckDB lock or an interrupted read is tried again with backoff;
an unreadable file (a data error) fails at once, without a retry."""

import errno
import gzip
import subprocess
import sys
import time

import duckdb
import pytest
from dagster import (
    AssetKey,
    AssetSelection,
    DagsterInstance,
    Definitions,
    Failure,
    define_asset_job,
    in_process_executor,
)
from dagster_dbt import DbtCliResource

import orchestration.ingest.loader as ingest_loader_module
import orchestration.retries as retries_module
from orchestration.retries import (
    MAX_RETRIES,
    backoff_seconds,
    transient_reason,
    transient_text_reason,
)
from orchestration.ingest.assets import ingest_assets
from orchestration.errors import UnreadableFile
from orchestration.resources import resources
from orchestration.settings import Settings
from orchestration.transform.dbt_assets import modu_dbt_assets
from tests.conftest import QUIET, copy_sample

LOCK_MESSAGE = ('IO Error: Could not set lock on file "/w/build/modu.duckdb": Conflicting lock is held in '
                "/usr/bin/python3 (PID 4242). See also https://duckdb.org/docs/stable/connect/concurrency")


# --- what counts as transient -------------------------------------------------------------

@pytest.mark.parametrize("error", [
    duckdb.IOException(LOCK_MESSAGE),
    OSError(errno.EIO, "Input/output error"),
    InterruptedError(errno.EINTR, "Interrupted system call"),
    FileNotFoundError(errno.ENOENT, "No such file or directory"),  # a file moved away while being read
    TimeoutError(errno.ETIMEDOUT, "Connection timed out"),
])
def test_transient_errors_are_recognised(error):
    assert transient_reason(error)


def test_an_interrupted_read_counts_even_where_the_ingest_took_it_for_an_unreadable_file(tmp_path):
    try:
        try:
            raise OSError(errno.EIO, "Input/output error")
        except OSError as exc:
            raise UnreadableFile(tmp_path / "x.csv.gz", f"cannot be decompressed ({exc})") from exc
    except UnreadableFile as wrapped:
        assert transient_reason(wrapped)


@pytest.mark.parametrize("error", [
    UnreadableFile(__import__("pathlib").Path("raw/enterprises/x.csv"), "is neither UTF-8 nor GB18030/GBK text"),
    Failure(description="enterprises ingest stopped", allow_retries=False),
    gzip.BadGzipFile("Not a gzipped file"),
    PermissionError(errno.EACCES, "Permission denied"),
    duckdb.ConversionException("Could not convert string 'x' to INT32"),
    ValueError("a bug"),
])
def test_data_errors_and_bugs_are_not_transient(error):
    assert transient_reason(error) is None


def test_dbt_reports_the_lock_as_text():
    assert transient_text_reason(f"The dbt CLI process failed.\n\nErrors parsed from dbt logs:\n{LOCK_MESSAGE}")
    assert transient_text_reason("Database Error in model city_indicators: Binder Error") is None


def test_ingest_and_dbt_steps_back_off_exponentially():
    assert [backoff_seconds(n) for n in range(MAX_RETRIES)] == [5, 15, 35]
    # No step carries a RetryPolicy: it would retry every exception, a data error or a bug alike.
    for op in [*(a.op for a in ingest_assets), modu_dbt_assets.op]:
        assert op.retry_policy is None


# --- the real steps ------------------------------------------------------------------------

def _run(settings: Settings, key: AssetKey):
    """Materialize one asset (without its checks) the way nightly_refresh does: in process."""
    defs = Definitions(
        assets=[*ingest_assets, modu_dbt_assets],
        jobs=[define_asset_job("one", selection=AssetSelection.assets(key).without_checks(),
                               executor_def=in_process_executor)],
        resources=resources(settings),
    )
    with DagsterInstance.ephemeral() as instance:
        return defs.resolve_job_def("one").execute_in_process(instance=instance, raise_on_error=False,
                                                              run_config=QUIET)


def _events(result, kind):
    return [e for e in result.all_events if e.event_type_value == kind]


@pytest.fixture
def settings(tmp_path):
    return Settings(raw_dir=copy_sample(tmp_path / "raw"), warehouse_dir=tmp_path / "warehouse", keep_releases=2)


def test_a_duckdb_lock_held_by_another_process_is_retried(settings, monkeypatch):
    """A BI tool (or a stray duckdb shell) has the build database open, and closes it a little later
    (here: as soon as the step has asked for its retry)."""
    settings.build_dir.mkdir(parents=True)
    let_go = settings.build_dir / "let-go"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, os, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True)\n"
         "deadline = time.monotonic() + 60\n"
         "while not os.path.exists(sys.argv[2]) and time.monotonic() < deadline: time.sleep(0.05)\n"
         "c.close()", str(settings.build_db), str(let_go)],
        stdout=subprocess.PIPE, text=True,
    )
    real_request_retry = retries_module.request_retry

    def request_retry(context, reason, *args):
        let_go.touch()
        return real_request_retry(context, reason, *args)

    monkeypatch.setattr(retries_module, "request_retry", request_retry)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        result = _run(settings, AssetKey(["raw", "indicators"]))
    finally:
        let_go.touch()
        holder.wait(timeout=60)
    assert result.success
    (retry,) = _events(result, "STEP_UP_FOR_RETRY")
    assert "Could not set lock" in retry.event_specific_data.error.to_string()
    assert retry.event_specific_data.seconds_to_wait == backoff_seconds(0)
    assert time.monotonic() - started >= backoff_seconds(0)  # it waited before trying again
    assert _events(result, "ASSET_MATERIALIZATION")


def test_an_interrupted_file_read_is_retried(settings, monkeypatch):
    real = ingest_loader_module.ingest_source
    calls = []

    def flaky(con, source, raw_dir, *args, **kwargs):
        calls.append(source.name)
        if len(calls) == 1:
            raise OSError(errno.EIO, "Input/output error", str(raw_dir / source.folder / "article_figures.csv"))
        return real(con, source, raw_dir, *args, **kwargs)

    monkeypatch.setattr(ingest_loader_module, "ingest_source", flaky)
    result = _run(settings, AssetKey(["raw", "indicators"]))
    assert result.success
    assert calls == ["indicators", "indicators"]
    assert len(_events(result, "STEP_UP_FOR_RETRY")) == 1
    assert _events(result, "STEP_RESTARTED")


def test_an_unreadable_file_is_a_data_error_and_is_not_retried(settings):
    (settings.raw_dir / "enterprises" / "broken_export.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    result = _run(settings, AssetKey(["raw", "enterprises"]))
    assert not result.success
    assert not _events(result, "STEP_UP_FOR_RETRY")
    assert len(_events(result, "STEP_START")) == 1
    (failure,) = _events(result, "STEP_FAILURE")
    assert "broken_export.csv" in failure.event_specific_data.user_failure_data.description


class _Invocation:
    """What dbt.cli() returns, for a dbt that ends at once with `error` (or succeeds)."""

    def __init__(self, error: str | None):
        self.error = error
        self.process = type("P", (), {"poll": lambda _s: 0, "terminate": lambda _s: None, "wait": lambda _s: 0})()

    def stream(self):
        return iter(())

    def is_successful(self):
        return self.error is None

    def get_error(self):
        return RuntimeError(f"The dbt CLI process failed.\n\nErrors parsed from dbt logs:\n{self.error}") if self.error else None


def _run_dbt_step(settings, monkeypatch, errors: list[str | None]):
    """Run the real dbt step, with dbt's answers scripted (a real dbt start costs ~15 s per try)."""
    calls = []

    def cli(self, args, **kwargs):
        calls.append(args)
        return _Invocation(errors[min(len(calls), len(errors)) - 1])

    monkeypatch.setattr(DbtCliResource, "cli", cli)
    settings.build_dir.mkdir(parents=True)
    duckdb.connect(str(settings.build_db)).close()
    return _run(settings, AssetKey(["reference", "regions"])), calls


def test_dbt_is_retried_when_another_process_holds_the_database(settings, monkeypatch):
    # dbt runs DuckDB in its own process: the lock error reaches the step as dbt's error text.
    result, calls = _run_dbt_step(settings, monkeypatch, [LOCK_MESSAGE, None])
    assert result.success
    assert len(calls) == 2
    (retry,) = _events(result, "STEP_UP_FOR_RETRY")
    assert retry.event_specific_data.seconds_to_wait == backoff_seconds(0)


def test_a_failed_dbt_model_is_not_retried(settings, monkeypatch):
    result, calls = _run_dbt_step(settings, monkeypatch, ["Database Error in model city_indicators: Binder Error"])
    assert not result.success
    assert len(calls) == 1
    assert not _events(result, "STEP_UP_FOR_RETRY")
    (failure,) = _events(result, "STEP_FAILURE")
    assert "dbt build failed" in failure.event_specific_data.user_failure_data.description


def test_a_bug_fails_the_step_at_once_without_a_retry(settings, monkeypatch):
    def broken(*_args, **_kwargs):
        raise ValueError("a bug: the same code would fail the same way again")

    monkeypatch.setattr(ingest_loader_module, "ingest_source", broken)
    result = _run(settings, AssetKey(["raw", "indicators"]))
    assert not result.success
    assert not _events(result, "STEP_UP_FOR_RETRY") and not _events(result, "STEP_RESTARTED")
    assert len(_events(result, "STEP_START")) == 1
    (failure,) = _events(result, "STEP_FAILURE")
    assert "a bug" in failure.event_specific_data.error.to_string()
