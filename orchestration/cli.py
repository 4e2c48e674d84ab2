"""Command-line entry points behind the Makefile: refresh, ui, docs, serve.

    python -m orchestration.cli prepare   parse the dbt project, plan the metrics' SQL and bundle Data Docs'
                                          Vega ahead of time (make runs it when the project or the
                                          environment changes)
    python -m orchestration.cli refresh   run nightly_refresh now and print a summary
    python -m orchestration.cli ui        Dagster UI + daemon on 127.0.0.1 (schedule and sensor run)
    python -m orchestration.cli docs      the dbt docs as one page that opens from disk (warehouse/dbt-docs/)
    python -m orchestration.cli serve     PostgreSQL on 127.0.0.1 serving the current release (Ctrl-C stops)
    python -m orchestration.cli releases  list the kept releases, the served one marked
    python -m orchestration.cli rollback [--to RELEASE_ID]
                                          serve the release before the served one (or RELEASE_ID)
    python -m orchestration.cli dbt ARGS  run dbt by hand on the warehouse, e.g. `dbt show -s modu_index`
    python -m orchestration.cli metrics ARGS
                                          a metric from the current release, e.g. `--metrics ai_enterprises
                                          --group-by region,metric_time__year` (`metrics --help`)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from orchestration import settings as settings_module
from orchestration.process_exit import exit_now
from orchestration.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, REPO_ROOT

INSTANCE_YAML = """\
# Written by orchestration/cli.py: the Dagster instance of this warehouse folder.
telemetry:
  enabled: false
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    # Runs that write the build database queue behind each other (see automation/jobs.py).
    tag_concurrency_limits:
      - key: modu/writer
        limit: 1
# Dagster's SQLite event log, in its usual folder, with one engine per file kept between
# statements (orchestration/event_log.py): a new engine per event cost a sample night 7 s.
event_log_storage:
  module: orchestration.event_log
  class: ReusingSqliteEventLogStorage
  config:
    base_dir: {events_dir}
"""


def prepare_dagster_home(s: settings_module.Settings) -> Path:
    """DAGSTER_HOME inside the warehouse folder, so runs from `make refresh` show in `make ui`."""
    home = s.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    events_dir = json.dumps(str(home / "history" / "runs"))  # JSON is YAML: any path quoted safely
    (home / "dagster.yaml").write_text(INSTANCE_YAML.format(events_dir=events_dir), encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def prepare() -> int:
    """The dbt manifest and parse the Dagster definitions and every run start from, the metrics'
    SQL every release runs, and the Vega bundle every warehouse's Data Docs copy."""
    from orchestration.quality.data_docs import prepared_vega_bundle
    from orchestration.semantic.publish import prepared_queries
    from orchestration.transform.dbt_run import prepare as prepare_dbt

    s = settings_module.load()
    print(f"dbt manifest: {prepare_dbt(s)}")
    print(f"the metrics' SQL: {prepared_queries(s)}")
    print(f"Data Docs' Vega bundle: {prepared_vega_bundle()}")
    return 0


def refresh() -> int:
    """Run nightly_refresh in this process: short lines on the terminal, the full log in a file,
    the summary, and the alert of a failed run (no daemon may be running to raise it)."""
    from dagster import DagsterInstance

    from orchestration.automation.alerts import CLI_TRIGGER_TAG, alert_failed_run
    from orchestration.automation.run_log import refresh_loggers_config
    from orchestration.definitions import defs
    from orchestration.summary import print_summary

    s = settings_module.load()
    prepare_dagster_home(s)
    run_id = str(uuid.uuid4())  # known before the run starts, so its log file can be named by it
    log_file = s.logs_dir / f"{run_id}.log"
    print(f"modu refresh: raw {s.raw_dir} -> warehouse {s.warehouse_dir}", flush=True)
    print(f"full log (tracebacks included): {log_file}", flush=True)
    with DagsterInstance.get() as instance:
        result = defs.resolve_job_def("nightly_refresh").execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_id=run_id,
            tags=CLI_TRIGGER_TAG,
            run_config=refresh_loggers_config(log_file),
        )
        alert = None if result.success else alert_failed_run(instance, result.run_id, s)
        print_summary(s, result, log_file, alert)
    return 0 if result.success else 1


def ui() -> int:
    s = settings_module.load()
    prepare_dagster_home(s)
    dagster = Path(sys.executable).parent / "dagster"
    cmd = [str(dagster), "dev", "-w", str(REPO_ROOT / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(s.ui_port)]
    print(f"Dagster UI on http://127.0.0.1:{cmd[-1]} (DAGSTER_HOME={s.dagster_home})", flush=True)
    return subprocess.call(cmd, cwd=REPO_ROOT)


def docs() -> int:
    """The dbt docs site as one static page that opens from disk (dbt docs generate --static)."""
    from orchestration import warehouse

    s = settings_module.load()
    target = s.dbt_docs_dir
    env = {**os.environ, **s.dbt_env()}
    if not s.build_db.exists():
        print(f"docs: no build database at {s.build_db} yet: run `make refresh` first (the docs read the "
              "built tables' columns from it)", file=sys.stderr)
        return 1
    # dbt reads the build database's catalog: wait for a running refresh instead of failing on its lock.
    with warehouse.write_lock(s, lambda message: print(f"docs: {message}", flush=True)):
        code = subprocess.call(
            [DBT_EXECUTABLE, "docs", "generate", "--static", "--profiles-dir", ".", "--target-path", str(target),
             "--log-path", str(target / "logs")],
            cwd=DBT_PROJECT_DIR, env=env,
        )
    page = target / "static_index.html"
    if code != 0 or not page.exists():
        print(f"docs: dbt docs generate failed (exit {code}); its log is in {target / 'logs'}", file=sys.stderr)
        return code or 1
    # index.html loads manifest.json over HTTP (`dbt docs serve`) and stays blank from disk:
    # the static page carries both files inline, so only it is kept.
    (target / "index.html").unlink(missing_ok=True)
    print(f"dbt docs: {page.as_uri()}  (one file: open it in a browser, no server needed)")
    return 0


def serve() -> int:
    from orchestration.publish import postgres

    # A supervisor reading a pipe or a log file sees each line (the URL above all) while the
    # server runs, not when the buffer fills.
    sys.stdout.reconfigure(line_buffering=True)
    return postgres.serve(settings_module.load(), log=print)


def releases() -> int:
    from orchestration.publish.release import list_releases

    s = settings_module.load()
    kept = list_releases(s.serving_dir)
    if not kept:
        print(f"no release in {s.serving_dir / 'releases'}")
    for r in kept:
        print(f"{'*' if r['current'] else ' '} {r['release_id']}  published {r['created_at']}  "
              f"{sum(r['tables'].values()):,} rows in {len(r['tables'])} tables")
    return 0


def rollback(to: str | None = None) -> int:
    """Serve the previous release (or `to`): switch serving/current atomically, rewrite the catalog,
    redraw serving/report.html from the release now served."""
    from orchestration.publish.release import RollbackError
    from orchestration.publish.release import rollback as roll_back
    from orchestration.publish.report import write_report

    s = settings_module.load()
    try:
        before, now = roll_back(s.serving_dir, s.catalog_db, to, s.duckdb_config())
    except RollbackError as err:
        print(f"rollback: {err}", file=sys.stderr)
        return 1
    print(f"rollback: served release {before or '(none)'} -> {now.release_id}")
    print(f"  serving/current -> {now.folder}; catalog {s.catalog_db} rewritten")
    redrawn = True
    try:
        write_report(now.folder, s.report_html, s)
        print(f"  report {s.report_html} redrawn")
    except Exception as err:  # noqa: BLE001 - the release is rolled back; say the report is not, and hide it
        # A report left in place would show the withdrawn release as if it were served.
        s.report_html.unlink(missing_ok=True)
        print(f"rollback: report {s.report_html} could not be redrawn ({err!r}); removed it so that it does not "
              f"show the withdrawn release", file=sys.stderr)
        redrawn = False
    from orchestration.publish import postgres

    # the Postgres endpoint of `make serve`, if it runs, serves what serving/current now names
    pg = postgres.serve_current(s)
    if pg["status"] in ("loaded", "unchanged"):
        print(f"  postgres endpoint: release {pg['release_id']} {pg['status']}")
    elif pg["status"] == "skipped":
        print(f"  postgres endpoint: {pg['reason']}")
    else:  # the files and the catalog are rolled back either way
        print(f"  postgres endpoint not rolled back: {pg['error']} (restart `make serve`)")
    print("  the next refresh publishes anew: stop nightly_refresh_schedule and raw_drop_sensor in the UI "
          "to keep this release served (docs/operations.md)")
    return 0 if redrawn else 1


def dbt(args: list[str]) -> int:
    """dbt with the profile's variables set from the settings, in the dbt project folder. It
    shares the nights' target folder (its parse is reused) and leaves the prepared manifest be."""
    from orchestration.transform.dbt_run import dbt_environment, run_target_dir

    s = settings_module.load()
    target = run_target_dir(s)
    with dbt_environment(s):
        return subprocess.call([DBT_EXECUTABLE, *args, "--profiles-dir", ".", "--target", s.target,
                                "--target-path", str(target), "--log-path", str(target / "logs")],
                               cwd=DBT_PROJECT_DIR)


def metrics(args: list[str]) -> int:
    """Query the semantic layer from the current release (orchestration/semantic/cli.py)."""
    from orchestration.semantic.cli import run

    return run(settings_module.load(), args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="modu", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["prepare", "refresh", "ui", "docs", "serve", "releases", "rollback", "dbt",
                                            "metrics"])
    parser.add_argument("--to", metavar="RELEASE_ID", help="rollback: the release to serve (default: the one before)")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["dbt"]:  # everything after `dbt` is dbt's
        return dbt(argv[1:])
    if argv[:1] == ["metrics"]:  # everything after `metrics` is the metrics command's
        return metrics(argv[1:])
    args = parser.parse_args(argv)
    if args.command == "rollback":
        return rollback(args.to)
    return {"prepare": prepare, "refresh": refresh, "ui": ui, "docs": docs, "serve": serve,
            "releases": releases}[args.command]()


if __name__ == "__main__":
    exit_now(main())
