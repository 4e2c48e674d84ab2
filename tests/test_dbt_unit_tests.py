"""The dbt unit tests, run where dbt Labs recommends running them: in development and CI
(`make test`), not in a night (orchestration/transform/dbt_run.NIGHT_EXCLUDES).

A unit test checks a model's logic on the fixtures beside it, but dbt reads the column types
of the model's inputs from the database, so they run on a copy of the warehouse the sample's
night built, through the command a developer uses:
`python -m orchestration.cli dbt test --select test_type:unit`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from orchestration.settings import REPO_ROOT
from orchestration.transform import dbt_run
from tests.conftest import copy_sample_warehouse


def test_every_dbt_unit_test_runs_and_passes(sample_refresh, tmp_path):
    settings = copy_sample_warehouse(sample_refresh[0], tmp_path)
    env = {**os.environ, "MODU_RAW_DIR": str(settings.raw_dir), "MODU_WAREHOUSE_DIR": str(settings.warehouse_dir)}
    done = subprocess.run([sys.executable, "-m", "orchestration.cli", "dbt", "test", "--select", "test_type:unit"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    results = json.loads((settings.dbt_target_dir / "run_results.json").read_text(encoding="utf-8"))
    statuses = {r["unique_id"]: r["status"] for r in results["results"]
                if not r["unique_id"].startswith("operation.")}  # the on-run-start hook
    unit_tests = set(dbt_run.manifest()["unit_tests"])
    assert len(unit_tests) >= 27  # one or more beside every model with logic worth a fixture
    assert set(statuses) == unit_tests
    assert {uid: status for uid, status in statuses.items() if status != "pass"} == {}, done.stdout[-3000:]
    assert done.returncode == 0
