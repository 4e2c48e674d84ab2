"""The reject-share guard on every landed file, with real files: a mostly rejected export of
1,200 lines stops the night before publishing (the previous release stays served, the run
alerts, naming the file and its share) and keeps it stopped while it stays landed; a small
mostly rejected file and a 6% file only warn."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetCheckSeverity, AssetKey

from orchestration import settings as settings_module
from orchestration.automation.alerts import read_alerts
from orchestration.ingest.checks import CHECK_NAME, FileShare, judge
from orchestration.publish.release import current_release
from orchestration.settings import REPO_ROOT, Settings
from tests.conftest import copy_sample_warehouse, run_refresh

HEADER = "project,region,event,event_date,capacity,investment,operator,source,source_quote\n"


def compute_export(path, data_lines: int, rejected: int) -> None:
    """A compute-centre export of `data_lines` rows whose first `rejected` rows name a region that
    does not exist; the others are new, valid projects."""
    rows = []
    for i in range(data_lines):
        region = "亚特兰蒂斯" if i < rejected else "合肥"
        rows.append(f"{path.stem}项目{i:04d},{region},开工,2024-03,,,,{path.stem},测试导出第{i}行\n")
    path.write_text(HEADER + "".join(rows), encoding="utf-8")


# --- the rule -------------------------------------------------------------------------------

def _judge(*files: FileShare, warn=0.05, fail=0.5, min_lines=1000):
    return judge("compute", list(files), warn, fail, min_lines)


def test_shares_at_the_thresholds_pass_and_above_them_warn_or_fail():
    assert _judge(FileShare("compute/a.csv", 1000, 950, 50)).passed  # exactly 5%
    warned = _judge(FileShare("compute/a.csv", 1000, 949, 51))
    assert (warned.passed, warned.severity) == (False, AssetCheckSeverity.WARN)
    half = _judge(FileShare("compute/a.csv", 1000, 500, 500))  # exactly 50%: warns, does not stop
    assert half.severity == AssetCheckSeverity.WARN and not half.failing
    stopped = _judge(FileShare("compute/a.csv", 1000, 499, 501))
    assert (stopped.passed, stopped.severity) == (False, AssetCheckSeverity.ERROR)
    assert "compute/a.csv: 50.1% of its 1,000 data lines rejected (501)" in stopped.description


def test_only_files_of_the_minimum_size_are_held_to_the_failing_share():
    small = _judge(FileShare("compute/small.csv", 999, 1, 998))
    assert small.severity == AssetCheckSeverity.WARN and not small.failing
    assert "compute/small.csv: above the failing share, but under 1,000 data lines" in small.description
    both = _judge(FileShare("compute/small.csv", 999, 1, 998), FileShare("compute/big.csv", 1000, 0, 1000))
    assert [f.file for f in both.failing] == ["compute/big.csv"]
    assert [f.file for f in both.warning] == ["compute/small.csv"]
    assert both.metadata["files_above_warn_share"] == 2 and both.metadata["worst_file"] == "compute/big.csv"


def test_no_file_or_empty_files_pass():
    assert _judge().passed and "no file has landed" in _judge().description
    assert _judge(FileShare("compute/empty.csv", 0, 0, 0)).passed


def test_thresholds_come_from_the_environment(monkeypatch):
    for name in ("MODU_REJECT_WARN_SHARE", "MODU_REJECT_FAIL_SHARE", "MODU_REJECT_FAIL_MIN_LINES"):
        monkeypatch.delenv(name, raising=False)
    s = settings_module.load()
    assert (s.reject_warn_share, s.reject_fail_share, s.reject_fail_min_lines) == (0.05, 0.5, 1000)
    monkeypatch.setenv("MODU_REJECT_WARN_SHARE", "0.1")
    monkeypatch.setenv("MODU_REJECT_FAIL_SHARE", "0.8")
    monkeypatch.setenv("MODU_REJECT_FAIL_MIN_LINES", "200")
    s = settings_module.load()
    assert (s.reject_warn_share, s.reject_fail_share, s.reject_fail_min_lines) == (0.1, 0.8, 200)
    monkeypatch.setenv("MODU_REJECT_FAIL_SHARE", "80")  # a percentage where a share is meant
    with pytest.raises(ValueError, match="MODU_REJECT_FAIL_SHARE=80.0: expected a share between 0 and 1"):
        settings_module.load()
    monkeypatch.setenv("MODU_REJECT_FAIL_SHARE", "0.05")
    with pytest.raises(ValueError, match="MODU_REJECT_WARN_SHARE=0.1 is above MODU_REJECT_FAIL_SHARE=0.05"):
        settings_module.load()


# --- real files, real nights --------------------------------------------------------------

@pytest.fixture(scope="module")
def published(sample_refresh, tmp_path_factory):
    """A warehouse after the sample's first night: the release the bad nights must leave served."""
    return copy_sample_warehouse(sample_refresh[0], tmp_path_factory.mktemp("rejects"), keep_releases=5)


def _served(settings: Settings) -> tuple[str, str]:
    return os.readlink(settings.serving_dir / "current"), current_release(settings.serving_dir)["release_id"]


def _check(result) -> object:
    (evaluation,) = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
                     and e.event_specific_data.asset_key == AssetKey(["raw", "compute"])
                     and e.event_specific_data.check_name == CHECK_NAME]
    return evaluation


def test_a_mostly_rejected_export_stops_the_night_and_the_last_release_stays(published):
    settings = published
    before = _served(settings)
    compute_export(settings.raw_dir / "compute" / "bad_export.csv", data_lines=1200, rejected=1032)  # 86%
    env = {**os.environ, "MODU_RAW_DIR": str(settings.raw_dir), "MODU_WAREHOUSE_DIR": str(settings.warehouse_dir),
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("DAGSTER_HOME", None)
    done = subprocess.run([sys.executable, "-m", "orchestration.cli", "refresh"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    said = "compute/bad_export.csv: 86.0% of its 1,200 data lines rejected (1,032)"
    assert f"failed step raw__compute_{CHECK_NAME}: raw/compute: {said}" in done.stdout
    assert f"  failed check raw/compute: {CHECK_NAME}\n" in done.stdout  # its description is the step's error
    assert _served(settings) == before  # serving/current names the same release folder
    # the terminal has the summary, not the tracebacks; the log file it names has them
    assert "Stack Trace" not in done.stdout + done.stderr and "Traceback" not in done.stdout + done.stderr
    log_file = Path(next(line for line in done.stdout.splitlines()
                         if line.startswith("full log (tracebacks included): ")).split(": ", 1)[1])
    assert log_file.parent == settings.logs_dir
    logged = log_file.read_text(encoding="utf-8")
    assert "Stack Trace" in logged and said in logged and "raise Failure(" in logged
    (alert,) = read_alerts(settings.alerts_log)
    assert alert["step"] == f"raw__compute_{CHECK_NAME}" and said in alert["error"]
    assert alert["trigger"] == "make refresh"
    (check,) = alert["failed_checks"]
    assert (check["asset"], check["check"], check["severity"]) == ("raw/compute", CHECK_NAME, "ERROR")
    assert "the last good release stays served" in check["description"]

    # The file stays landed: the next night stops again, though it loads nothing new.
    again = run_refresh(settings)
    assert not again.success
    evaluation = _check(again)
    assert not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR and said in evaluation.description
    ingest = next(e.event_specific_data.materialization for e in again.all_events
                  if e.event_type_value == "ASSET_MATERIALIZATION"
                  and e.event_specific_data.materialization.asset_key == AssetKey(["raw", "compute"]))
    assert ingest.metadata["files_loaded_now"].value == 0
    assert not [e for e in again.all_events if e.event_type_value == "STEP_START" and e.step_key in (
        "modu_dbt_assets", "serving__release")]
    assert _served(settings) == before
    (settings.raw_dir / "compute" / "bad_export.csv").unlink()


def test_a_small_mostly_rejected_file_and_a_six_percent_file_only_warn(published):
    settings = published
    before = _served(settings)
    assert not (settings.raw_dir / "compute" / "bad_export.csv").exists()
    compute_export(settings.raw_dir / "compute" / "small_export.csv", data_lines=300, rejected=258)  # 86%
    compute_export(settings.raw_dir / "compute" / "mild_export.csv", data_lines=1000, rejected=60)  # 6%
    result = run_refresh(settings)
    assert result.success, [e.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    evaluation = _check(result)
    assert not evaluation.passed and evaluation.severity == AssetCheckSeverity.WARN
    assert "compute/small_export.csv: 86.0% of its 300 data lines rejected (258)" in evaluation.description
    assert "compute/mild_export.csv: 6.0% of its 1,000 data lines rejected (60)" in evaluation.description
    assert evaluation.metadata["files_above_warn_share"].value == 2
    assert evaluation.metadata["files_above_fail_share"].value == 0
    after = _served(settings)
    assert after != before and after[1].endswith(result.run_id[:8])  # tonight published
