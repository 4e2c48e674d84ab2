"""Helpers of the serving tests: real clients, a `serve` process, releases, a reader process.

    python -m tests.serving_helpers reader MODE TARGET OUT STOP_FILE MAX_SECONDS

runs a reader that queries the published marts in a loop (MODE duckdb: a fresh
read-only connection to the catalog per query, as BI tools with no pool do;
duckdb-held: one connection for the whole run; postgres: a psycopg connection as
`analyst`, reopened every 100 queries) until STOP_FILE exists or MAX_SECONDS pass,
then writes a JSON summary to OUT: each distinct answer with how often it came, the
order in which releases appeared, and every error.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.publish.release import PUBLISHED_SCHEMAS
from orchestration.settings import REPO_ROOT, Settings

ANALYST_PASSWORD = "analyst-secret-for-tests"

# One statement: the release that answered and what it holds. Subqueries over several
# marts and audit tables and a join of two marts, so an answer mixing two releases shows
# as a release_id whose counts are another release's.
FINGERPRINT_SQL = """
SELECT (SELECT max(release_id) FROM marts.release_info) AS release_id,
       (SELECT count(*) FROM marts.policy_timeline) AS policies,
       (SELECT count(*) FROM audit.rejected_rows) AS rejected,
       (SELECT count(*) FROM audit.dq_results) AS dq_results,
       (SELECT count(*) FROM marts.city_indicators c JOIN marts.dim_region r ON r.region_code = c.region_code)
           AS joined,
       (SELECT count(*) FROM marts.policy_timeline p JOIN marts.release_info i ON true) AS policies_joined
"""


def require_command(command: str, debian_package: str) -> str:
    """The path of a client the tests drive, or the test is skipped saying which package to
    install (.ci/run installs it; the README says so). Tests never install system packages."""
    found = shutil.which(command)
    if found:
        return found
    pytest.skip(f"`{command}` is missing (Debian package {debian_package}; .ci/run installs it)")


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment under which a child process loads exactly `settings` (Postgres limits included)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODU_PG_")}
    return {
        **env,
        "MODU_RAW_DIR": str(settings.raw_dir),
        "MODU_WAREHOUSE_DIR": str(settings.warehouse_dir),
        "MODU_KEEP_RELEASES": str(settings.keep_releases),
        "MODU_ANALYST_PASSWORD": ANALYST_PASSWORD,
        "MODU_PG_STATEMENT_TIMEOUT_SECONDS": str(settings.pg_statement_timeout_seconds),
        "MODU_PG_MEMORY_LIMIT_MB": str(settings.pg_memory_limit_mb),
        "MODU_PG_TEMP_FILE_LIMIT_MB": str(settings.pg_temp_file_limit_mb),
        "MODU_PG_CONNECTIONS_PER_ROLE": str(settings.pg_connections_per_role),
        **({"MODU_PG_ANALYSTS_FILE": str(settings.pg_analysts_file)} if settings.pg_analysts_file else {}),
        "PYTHONDONTWRITEBYTECODE": "1",
        **extra,
    }


def start_serve(settings: Settings, port: int, log_path: Path, timeout: float = 120) -> subprocess.Popen:
    """`python -m orchestration.cli serve` in the background; returns once it has loaded (or found no) release."""
    log = open(log_path, "w", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "serve"], cwd=REPO_ROOT,
        env=env_for(settings, MODU_PG_PORT=str(port)), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_path.read_text(encoding="utf-8")
        if "analysts connect to" in text:
            return proc
        if proc.poll() is not None:
            raise AssertionError(f"serve exited with {proc.returncode}:\n{text}")
        time.sleep(0.2)
    stop_serve(proc)
    raise AssertionError(f"serve did not come up in {timeout} s:\n{log_path.read_text(encoding='utf-8')}")


def stop_serve(proc: subprocess.Popen) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode


def release_connection(folder: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the release's schemas (marts, audit, metrics) over one release folder's
    files: ground truth."""
    con = duckdb.connect()
    for schema in PUBLISHED_SCHEMAS:
        con.execute(f"CREATE SCHEMA {schema}")
    for path in folder.glob("*.parquet"):
        table = path.name[: -len(".parquet")]
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    return con


def expected_fingerprint(folder: Path) -> list:
    con = release_connection(folder)
    try:
        return list(con.execute(FINGERPRINT_SQL).fetchone())
    finally:
        con.close()


def _reader(mode: str, target: str, out: Path, stop_file: Path, max_seconds: float) -> None:
    answers: dict[str, int] = {}
    sequence: list[str] = []
    errors: list[str] = []
    error_count = 0
    queries = 0
    held = None
    deadline = time.monotonic() + max_seconds
    started = time.time()

    def ask() -> list:
        nonlocal held
        if mode == "duckdb":
            con = duckdb.connect(target, read_only=True)
            try:
                return list(con.execute(FINGERPRINT_SQL).fetchone())
            finally:
                con.close()
        if mode == "duckdb-held":
            if held is None:
                held = duckdb.connect(target, read_only=True)
            return list(held.execute(FINGERPRINT_SQL).fetchone())
        import psycopg

        if held is None or queries % 100 == 0:
            if held is not None:
                held.close()
            held = psycopg.connect(target, autocommit=True)
        return list(held.execute(FINGERPRINT_SQL).fetchone())

    while time.monotonic() < deadline and not stop_file.exists():
        try:
            answer = ask()
            key = json.dumps(answer)
            answers[key] = answers.get(key, 0) + 1
            if not sequence or sequence[-1] != answer[0]:
                sequence.append(answer[0])
        except Exception as err:  # noqa: BLE001 - every error is the finding
            if len(errors) < 50:
                errors.append(f"{time.time() - started:.2f}s {type(err).__name__}: {err}")
            error_count += 1
            held = None if mode != "duckdb-held" else held
        queries += 1
        time.sleep(0.05)  # some 20 answers a second per reader: thousands a test, little of the 2 cores the nights need
    out.write_text(json.dumps({"mode": mode, "queries": queries, "answers": answers, "sequence": sequence,
                               "errors": errors, "error_count": error_count, "stopped_by": "file" if stop_file.exists() else "deadline"}))


def start_reader(mode: str, target: str, out: Path, stop_file: Path, max_seconds: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.serving_helpers", "reader", mode, target, str(out), str(stop_file),
         str(max_seconds)],
        cwd=REPO_ROOT, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


if __name__ == "__main__":
    if sys.argv[1] == "reader":
        _reader(sys.argv[2], sys.argv[3], Path(sys.argv[4]), Path(sys.argv[5]), float(sys.argv[6]))
