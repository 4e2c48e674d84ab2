"""The UI, tested as its users use it: `make ui` (Dagster webserver + daemon) on loopback,
driven through its GraphQL API.

One warehouse lives through an evening here, in order: the UI shows the asset graph (with
owners, kinds and code references), the checks, the schedules and the sensors; the
freshness checks have run as soon as the daemon started; a nightly_refresh launched from it
succeeds, the release says what changed and the UI shows it fresh; the marts are published
again; an unreadable file lands, the raw-drop sensor starts a refresh that fails, and the
alert sensor writes (and posts) an alert naming the failing step with a link to the run;
the last good release stays served; a failing run launched from the UI, its re-execution
and a `make refresh` beside the daemon each alert once; the file is removed and the sensor
starts the night that publishes again; `rollback` serves the one before it.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

import duckdb
import pytest
from dagster import AssetKey

from orchestration.automation.alerts import read_alerts
from orchestration.definitions import defs
from orchestration.ingest.sources import SOURCES
from orchestration.publish.release import current_release
from orchestration.settings import REPO_ROOT, Settings
from tests.conftest import SHIPPED_RAW
from tests.ops_helpers import DagsterUI, Webhook, wait_for

REPO = {"repositoryLocationName": "modu", "repositoryName": "__repository__"}
RUN_QUERY = """query Run($runId: ID!) { runOrError(runId: $runId) { __typename
    ... on Run { runId status jobName tags { key value } stepStats { stepKey status } } } }"""
LAUNCH = """mutation Launch($params: ExecutionParams!) { launchRun(executionParams: $params) { __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } } } }"""
RELEASE_MATERIALIZATION = """{ assetOrError(assetKey: {path: ["serving", "release"]}) { ... on Asset {
    assetMaterializations(limit: 1) { runId metadataEntries { label __typename
        ... on TextMetadataEntry { text } ... on MarkdownMetadataEntry { mdStr }
        ... on JsonMetadataEntry { jsonString } ... on IntMetadataEntry { intValue } } } } } }"""


@pytest.fixture(scope="module")
def evening(tmp_path_factory):
    base = tmp_path_factory.mktemp("ui")
    raw = base / "raw"
    shutil.copytree(SHIPPED_RAW, raw)
    now = time.time()
    for path in raw.rglob("*"):  # the sample "lands" now, so the freshness checks see it fresh
        os.utime(path, (now, now))
    settings = Settings(raw_dir=raw, warehouse_dir=base / "warehouse", keep_releases=5)
    with Webhook(lifetime=900) as hook:
        ui = DagsterUI(raw, settings.warehouse_dir, base / "ui.log", {"MODU_ALERT_WEBHOOK": hook.url})
        try:
            ui.start()
            yield {"ui": ui, "settings": settings, "hook": hook, "state": {}}
        finally:
            ui.stop()


def _launch(ui: DagsterUI, job: str, asset_selection: list[list[str]] | None = None) -> str:
    selector = {**REPO, "jobName": job}
    if asset_selection is not None:
        selector["assetSelection"] = [{"path": p} for p in asset_selection]  # with the checks they carry
    data = ui.graphql(LAUNCH, {"params": {"selector": selector, "runConfigData": {}}})["launchRun"]
    assert data["__typename"] == "LaunchRunSuccess", data
    return data["run"]["runId"]


def _wait_run(ui: DagsterUI, run_id: str, timeout: float) -> dict:
    def finished():
        run = ui.graphql(RUN_QUERY, {"runId": run_id})["runOrError"]
        return run if run["status"] in ("SUCCESS", "FAILURE", "CANCELED") else None

    return wait_for(f"run {run_id} finished", finished, timeout, interval=2)


def _release_metadata(ui: DagsterUI) -> tuple[str, dict]:
    (m,) = ui.graphql(RELEASE_MATERIALIZATION)["assetOrError"]["assetMaterializations"]
    values = {}
    for e in m["metadataEntries"]:
        values[e["label"]] = (e.get("text") or e.get("mdStr") or e.get("intValue")
                              if "jsonString" not in e else json.loads(e["jsonString"]))
    return m["runId"], values


def test_the_ui_shows_every_asset_of_the_graph(evening):
    ui = evening["ui"]
    nodes = ui.graphql("""{ assetNodes { assetKey { path } groupName jobNames kinds
        owners { __typename ... on TeamAssetOwner { team } }
        metadataEntries { label ... on CodeReferencesMetadataEntry { codeReferences {
            ... on LocalFileCodeReference { filePath lineNumber } } } } } }""")["assetNodes"]
    shown = {tuple(n["assetKey"]["path"]): n for n in nodes}
    expected = {tuple(k.path) for k in defs.resolve_all_asset_keys()}
    assert expected <= set(shown)
    for source in SOURCES:
        assert shown[("raw", source)]["groupName"] == "raw"
    groups = {n["groupName"] for n in nodes}
    assert {"raw", "reference", "staging", "intermediate", "marts", "serving"} <= groups
    assert sum(1 for k in shown if k[0] == "staging") >= 4
    assert {("marts", m) for m in ("dim_region", "city_indicators", "policy_timeline", "policy_cadence",
                                   "compute_buildout", "modu_index", "figure_reconciliation")} <= set(shown)
    assert "nightly_refresh" in shown[("serving", "release")]["jobNames"]
    for key in expected:
        node = shown[key]
        assert node["owners"] == [{"__typename": "TeamAssetOwner", "team": "data-platform"}], key
        assert node["kinds"], key
        (references,) = [e["codeReferences"] for e in node["metadataEntries"] if "codeReferences" in e]
        assert references and all((REPO_ROOT / r["filePath"]).is_file() for r in references), key
    mart = [r["filePath"] for r in [e for e in shown[("marts", "city_indicators")]["metadataEntries"]
                                    if "codeReferences" in e][0]["codeReferences"]]
    assert mart == [str(REPO_ROOT / "dbt_project/models/marts/city_indicators.sql"),
                    str(REPO_ROOT / "dbt_project/models/marts/city_indicators.yml")]


def test_the_ui_shows_the_checks(evening):
    ui = evening["ui"]
    nodes = ui.graphql("{ assetNodes { assetKey { path } assetChecksOrError { __typename "
                       "... on AssetChecks { checks { name } } } } }")["assetNodes"]
    checks = {tuple(n["assetKey"]["path"]): {c["name"] for c in n["assetChecksOrError"].get("checks", [])}
              for n in nodes}
    for source in SOURCES:
        assert {"newest_file_is_fresh", "rejected_share_per_file"} <= checks[("raw", source)]
    assert "release_is_fresh" in checks[("serving", "release")]
    assert "unique_policy_timeline_policy_id" in checks[("marts", "policy_timeline")]  # a dbt test
    assert "ai_enterprise_count_not_negative" in checks[("marts", "city_indicators")]  # a GX expectation


def test_the_ui_shows_the_schedules_and_sensors_running(evening):
    ui = evening["ui"]
    (repo,) = ui.graphql("""{ repositoriesOrError { ... on RepositoryConnection { nodes { name
        schedules { name cronSchedule executionTimezone pipelineName scheduleState { status } }
        sensors { name sensorType sensorState { status } } } } } }""")["repositoriesOrError"]["nodes"]
    schedules = {s["name"]: s for s in repo["schedules"]}
    nightly = schedules["nightly_refresh_schedule"]
    assert (nightly["cronSchedule"], nightly["executionTimezone"], nightly["pipelineName"]) == (
        "0 2 * * *", "Asia/Shanghai", "nightly_refresh")
    assert nightly["scheduleState"]["status"] == "RUNNING"
    sensors = {s["name"]: s for s in repo["sensors"]}
    assert sensors["raw_drop_sensor"]["sensorState"]["status"] == "RUNNING"
    assert sensors["freshness_checks_sensor"]["sensorState"]["status"] == "RUNNING"
    assert sensors["run_failure_alert_sensor"]["sensorType"] == "RUN_STATUS"
    assert sensors["run_failure_alert_sensor"]["sensorState"]["status"] == "RUNNING"
    daemons = ui.graphql("{ instance { daemonHealth { allDaemonStatuses { daemonType healthy } } } }")
    healthy = {d["daemonType"]: d["healthy"] for d in daemons["instance"]["daemonHealth"]["allDaemonStatuses"]}
    assert healthy["SENSOR"] and healthy["SCHEDULER"] and healthy["QUEUED_RUN_COORDINATOR"]
    assert healthy["FRESHNESS_DAEMON"]  # evaluates serving/release's freshness policy
    # The settings resource is on the resource page; the webhook (it may carry a token) is not shown.
    resource = ui.graphql("""query R($s: ResourceSelector!) { topLevelResourceDetailsOrError(resourceSelector: $s) {
        __typename ... on ResourceDetails { name configuredValues { key value type } } } }""",
                          {"s": {**REPO, "resourceName": "settings"}})["topLevelResourceDetailsOrError"]
    assert resource["__typename"] == "ResourceDetails" and resource["name"] == "settings"
    assert evening["hook"].url not in json.dumps(resource)


CHECK_EXECUTIONS = """query E($key: AssetKeyInput!, $check: String!) {
    assetCheckExecutions(assetKey: $key, checkName: $check, limit: 1) { runId status
        evaluation { severity description } } }"""


def test_freshness_is_checked_as_soon_as_the_daemon_starts(evening):
    ui = evening["ui"]

    def freshness_run():  # launched by freshness_checks_sensor on its first tick, not at the next :30
        runs = ui.graphql("""{ runsOrError(filter: {tags: [{key: "dagster/sensor_name", value: "freshness_checks_sensor"}]}) {
            ... on Runs { results { runId status } } } }""")["runsOrError"]["results"]
        return runs[0] if runs and runs[0]["status"] in ("SUCCESS", "FAILURE") else None

    run = wait_for("the first freshness run", freshness_run, timeout=180, interval=3)
    fresh = ui.graphql(CHECK_EXECUTIONS, {"key": {"path": ["raw", "compute"]}, "check": "newest_file_is_fresh"})
    (execution,) = fresh["assetCheckExecutions"]
    assert execution["runId"] == run["runId"] and execution["status"] == "SUCCEEDED"  # the sample landed now
    release = ui.graphql(CHECK_EXECUTIONS, {"key": {"path": ["serving", "release"]}, "check": "release_is_fresh"})
    assert release["assetCheckExecutions"][0]["status"] == "FAILED"  # nothing is served yet, and it says so
    assert run["status"] == "FAILURE"


def test_a_nightly_refresh_launched_from_the_ui_succeeds(evening):
    ui, state = evening["ui"], evening["state"]
    run_id = _launch(ui, "nightly_refresh")
    run = _wait_run(ui, run_id, timeout=600)
    assert run["status"] == "SUCCESS", f"see {ui.log_path}: {run['stepStats']}"
    assert {"raw__enterprises", "serving__release"} <= {s["stepKey"] for s in run["stepStats"]}
    first = current_release(evening["settings"].serving_dir)
    assert first is not None and first["release_id"].endswith(run_id[:8])
    state["first"] = first["release_id"]
    materialized_by, meta = _release_metadata(ui)
    assert materialized_by == run_id
    assert meta["checks_failed"] == 0
    assert "| marts.policy_timeline | 11 | new |" in meta["what_changed"]

    def fresh_in_the_ui():  # Dagster's freshness policy of serving/release, evaluated by the daemon
        node = ui.graphql("""{ assetNodeOrError(assetKey: {path: ["serving", "release"]}) { ... on AssetNode {
            freshnessStatusInfo { freshnessStatus } } } }""")["assetNodeOrError"]
        return node["freshnessStatusInfo"]["freshnessStatus"] == "HEALTHY"

    wait_for("serving/release shown fresh", fresh_in_the_ui, timeout=120, interval=3)


def test_a_second_publish_says_what_changed(evening):
    ui, state, settings = evening["ui"], evening["state"], evening["settings"]
    # Meanwhile an unreadable export lands: the raw-drop sensor will start a refresh that fails
    # (next test). It queues behind this run, which only publishes the marts again.
    (settings.raw_dir / "enterprises" / "broken_export.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff")
    run_id = _launch(ui, "nightly_refresh", asset_selection=[["serving", "release"]])
    assert _wait_run(ui, run_id, timeout=300)["status"] == "SUCCESS"
    second = current_release(settings.serving_dir)["release_id"]
    assert second != state["first"]
    state["second"] = second
    _, meta = _release_metadata(ui)
    assert meta["previous_release_id"] == state["first"]
    assert meta["mart_rows_change"]["marts.policy_timeline"] == 0
    con = duckdb.connect(str(settings.catalog_db), read_only=True)
    try:
        kept = con.execute("SELECT count(DISTINCT run_id) FROM audit.run_summaries").fetchone()[0]
    finally:
        con.close()
    assert kept == 2  # both nights' summaries are published with the release


def test_a_broken_night_alerts_and_keeps_the_last_good_release(evening):
    ui, state, settings, hook = evening["ui"], evening["state"], evening["settings"], evening["hook"]
    assert (settings.raw_dir / "enterprises" / "broken_export.csv").exists()  # landed in the previous test

    def sensor_run():  # the raw-drop sensor notices the file (it looks every 60 s) and starts a refresh
        runs = ui.graphql("""{ runsOrError(filter: {tags: [{key: "modu/trigger", value: "raw_drop"}]}) {
            ... on Runs { results { runId } } } }""")["runsOrError"]["results"]
        return runs[0]["runId"] if runs else None

    run_id = wait_for("the raw-drop sensor started a refresh", sensor_run, timeout=240, interval=3)
    run = _wait_run(ui, run_id, timeout=300)
    assert run["status"] == "FAILURE" and run["jobName"] == "nightly_refresh"
    failed = [s["stepKey"] for s in run["stepStats"] if s["status"] == "FAILURE"]
    assert failed == ["raw__enterprises"]

    def alert():
        return next((a for a in read_alerts(settings.alerts_log) if a["run_id"] == run_id), None)

    recorded = wait_for("the alert of the failed run", alert, timeout=180, interval=2)
    assert recorded["job"] == "nightly_refresh" and recorded["step"] == "raw__enterprises"
    assert "broken_export.csv" in recorded["error"]
    assert recorded["trigger"] == "sensor raw_drop_sensor"
    assert recorded["link"] == f"{ui.url}/runs/{run_id}"  # MODU_UI_URL defaults to the UI's own port
    with urllib.request.urlopen(recorded["link"], timeout=30) as page:
        assert page.status == 200  # the link opens the run in the UI
    assert recorded["webhook"] == {"status": 200}
    posted = [p["body"] for p in hook.received if p["body"]["run_id"] == run_id]
    assert len(posted) == 1 and posted[0]["step"] == "raw__enterprises"
    # the served release is the last good one
    assert current_release(settings.serving_dir)["release_id"] == state["second"]
    state["sensor_run"] = run_id


def _alerts_of(settings: Settings, run_id: str) -> list[dict]:
    return [a for a in read_alerts(settings.alerts_log) if a["run_id"] == run_id]


def test_a_failing_run_launched_from_the_ui_and_its_re_execution_alert_once_each(evening):
    ui, settings, hook = evening["ui"], evening["settings"], evening["hook"]
    run_id = _launch(ui, "nightly_refresh")  # the broken export is still landed
    assert _wait_run(ui, run_id, timeout=300)["status"] == "FAILURE"
    (alert,) = wait_for("the UI run's alert", lambda: _alerts_of(settings, run_id), timeout=120, interval=2)
    assert alert["trigger"] == "manual" and alert["step"] == "raw__enterprises"

    again = ui.graphql("""mutation R($p: ReexecutionParams!) { launchRunReexecution(reexecutionParams: $p) {
        __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }""",
                       {"p": {"parentRunId": run_id, "strategy": "FROM_FAILURE"}})["launchRunReexecution"]
    assert again["__typename"] == "LaunchRunSuccess", again
    child = again["run"]["runId"]
    assert _wait_run(ui, child, timeout=300)["status"] == "FAILURE"
    (retried,) = wait_for("the re-execution's alert", lambda: _alerts_of(settings, child), timeout=120, interval=2)
    assert retried["trigger"] == f"re-execution of run {run_id}" and retried["step"] == "raw__enterprises"
    time.sleep(35)  # two more ticks of the alert sensor: nothing is alerted twice
    assert len(_alerts_of(settings, run_id)) == len(_alerts_of(settings, child)) == 1
    assert sorted(p["body"]["run_id"] for p in hook.received if p["body"]["run_id"] in (run_id, child)) == sorted(
        [run_id, child])


def test_make_refresh_beside_the_daemon_alerts_once(evening):
    ui, settings, hook = evening["ui"], evening["settings"], evening["hook"]
    env = {**ui.env}
    done = subprocess.run([sys.executable, "-m", "orchestration.cli", "refresh"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    run_id = next(line.split("(run ")[1].rstrip(")") for line in done.stdout.splitlines()
                  if line.startswith("nightly_refresh FAILED (run "))
    assert f"alert: written to {settings.alerts_log}" in done.stdout  # the refresh alerted its own run
    (alert,) = _alerts_of(settings, run_id)
    assert alert["trigger"] == "make refresh" and alert["link"] == f"{ui.url}/runs/{run_id}"

    def seen_by_the_daemon():  # its sensor looks at every run of the instance, this one too
        state = ui.graphql("""query S($s: SensorSelector!) { sensorOrError(sensorSelector: $s) { ... on Sensor {
            sensorState { ticks(limit: 20) { logEvents { events { message } } } } } } }""",
                           {"s": {**REPO, "sensorName": "run_failure_alert_sensor"}})["sensorOrError"]
        return any(f"run {run_id} was alerted already" in e["message"]
                   for tick in state["sensorState"]["ticks"] for e in tick["logEvents"]["events"])

    wait_for("the daemon's alert sensor saw the refresh's run", seen_by_the_daemon, timeout=120, interval=3)
    assert len(_alerts_of(settings, run_id)) == 1
    assert [p["body"]["run_id"] for p in hook.received].count(run_id) == 1


def test_removing_the_file_starts_the_night_that_publishes_again(evening):
    ui, state, settings = evening["ui"], evening["state"], evening["settings"]
    (settings.raw_dir / "enterprises" / "broken_export.csv").unlink()

    def removal_run():
        runs = ui.graphql("""{ runsOrError(filter: {tags: [{key: "modu/removed_files",
            value: "enterprises/broken_export.csv"}]}) { ... on Runs { results { runId } } } }""")["runsOrError"]
        return runs["results"][0]["runId"] if runs["results"] else None

    run_id = wait_for("the raw-drop sensor saw the removal", removal_run, timeout=240, interval=3)
    assert _wait_run(ui, run_id, timeout=600)["status"] == "SUCCESS"
    third = current_release(settings.serving_dir)["release_id"]
    assert third not in (state["first"], state["second"]) and third.endswith(run_id[:8])
    state["third"] = third


def test_rollback_serves_the_release_before(evening):
    settings, state = evening["settings"], evening["state"]
    env = {**os.environ, "MODU_WAREHOUSE_DIR": str(settings.warehouse_dir), "MODU_RAW_DIR": str(settings.raw_dir)}
    done = subprocess.run([sys.executable, "-m", "orchestration.cli", "rollback"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"served release {state['third']} -> {state['second']}" in done.stdout
    assert current_release(settings.serving_dir)["release_id"] == state["second"]
    assert os.readlink(settings.serving_dir / "current") == os.path.join("releases", state["second"])
    con = duckdb.connect(str(settings.catalog_db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM marts.policy_timeline").fetchone()[0] == 11
        summaries = con.execute("SELECT count(DISTINCT run_id) FROM audit.run_summaries").fetchone()[0]
    finally:
        con.close()
    assert summaries == 2  # the catalog reads the second release: it knew the first two nights
    assert AssetKey(["serving", "release"]) in defs.resolve_all_asset_keys()
