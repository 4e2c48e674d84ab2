"""Every environment variable modu reads, read here and nowhere else.

Paths are resolved to absolute paths once, so child processes (dbt) and the
Dagster daemon see the same folders whatever their working directory.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
# The dbt of this Python environment, found even when its bin/ is not on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt") if (Path(sys.executable).parent / "dbt").exists() else (
    shutil.which("dbt") or "dbt"
)
# What a night's dbt step runs: modu-dbt (pyproject's [project.scripts]) hands the command to a
# dbt process started ahead when there is one, and is dbt otherwise (transform/warm_dbt.py).
DBT_LAUNCHER = str(Path(sys.executable).parent / "modu-dbt") if (Path(sys.executable).parent / "modu-dbt").exists() \
    else DBT_EXECUTABLE
# Set by the dbt step for modu-dbt, not by users: the socket of the dbt process started ahead.
WARM_DBT_SOCKET_VARIABLE = "MODU_DBT_WARM_SOCKET"


def warm_dbt_socket() -> str | None:
    return os.environ.get(WARM_DBT_SOCKET_VARIABLE) or None


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    warehouse_dir: Path
    keep_releases: int = 5  # releases kept in serving/releases/, and runs whose GX Data Docs are kept (MODU_KEEP_RELEASES)
    full_refresh: bool = False  # rebuild incremental dbt models from scratch (MODU_FULL_REFRESH=1)
    postgres_port: int = 5433  # port of `make serve` on 127.0.0.1 (MODU_PG_PORT; 0 = any free port)
    analyst_password: str | None = field(default=None, repr=False)  # read-only role of `make serve` (MODU_ANALYST_PASSWORD)
    # Operations (automation/freshness.py, automation/alerts.py); see docs/operations.md.
    raw_freshness_hours: float = 48.0  # a raw source with no new file for longer fails its check (MODU_RAW_FRESHNESS_HOURS)
    raw_freshness_overrides: tuple[tuple[str, float], ...] = ()  # per source (MODU_RAW_FRESHNESS_HOURS_<SOURCE>)
    release_freshness_hours: float = 26.0  # the served release may be this old (MODU_RELEASE_FRESHNESS_HOURS)
    alert_webhook: str | None = field(default=None, repr=False)  # failed runs are POSTed here (MODU_ALERT_WEBHOOK)
    ui_port: int = 3000  # port of `make ui` on 127.0.0.1 (MODU_UI_PORT)
    ui_url: str = "http://127.0.0.1:3000"  # base of run links in alerts (MODU_UI_URL; load() defaults it to the UI's own address)
    # The reject-share guard on every landed file (ingest/checks.py): rejected rows / data lines.
    reject_warn_share: float = 0.05  # above it, the file's raw check warns (MODU_REJECT_WARN_SHARE)
    reject_fail_share: float = 0.5  # above it, the night stops before publishing (MODU_REJECT_FAIL_SHARE)
    reject_fail_min_lines: int = 1000  # files with fewer data lines only warn (MODU_REJECT_FAIL_MIN_LINES)
    # The assets' code references link to the files on the repository's host when a URL is set.
    git_url: str | None = None  # e.g. https://github.com/org/modu (MODU_GIT_URL)
    git_branch: str = "main"  # the branch those links name (MODU_GIT_BRANCH)
    # The engine dbt builds on: 'duckdb' (embedded, the default) or 'spark' (MODU_TARGET;
    # see docs/scale-out.md). Ingest, checks and publishing are the same on both.
    target: str = "duckdb"
    spark_master: str = "local[*]"  # spark.master of the spark target's session (MODU_SPARK_MASTER)
    spark_driver_memory: str = "2g"  # spark.driver.memory of that session (MODU_SPARK_DRIVER_MEMORY)
    # Every DuckDB connection modu opens (ingest, dbt through profiles.yml, GX, publish) is
    # capped here and spills to build/duckdb-spill/ beyond it: DuckDB's own default is 80% of
    # RAM, which let a national night grow to 7 GB instead of spilling.
    duckdb_memory_limit: str = "700MB"  # MODU_DUCKDB_MEMORY_LIMIT
    duckdb_threads: int = field(default_factory=lambda: os.cpu_count() or 2)  # MODU_DUCKDB_THREADS
    dbt_threads: int = 4  # dbt models and tests run at once on DuckDB (MODU_DBT_THREADS)
    # --- The Postgres endpoint of `make serve`: what every analyst session is held to ---------
    # (enforced by the server itself, see orchestration/publish/postgres/guard.py and
    # docs/bi-tools.md; the admin that loads releases is exempt)
    pg_statement_timeout_seconds: float = 300.0  # longest statement; SET cannot raise it (MODU_PG_STATEMENT_TIMEOUT_SECONDS)
    pg_memory_limit_mb: int = 256  # memory a session may add beyond its size at login (MODU_PG_MEMORY_LIMIT_MB)
    pg_temp_file_limit_mb: int = 1024  # temporary files of one session's spilling sorts and hashes (MODU_PG_TEMP_FILE_LIMIT_MB)
    pg_connections_per_role: int = 10  # connections each analyst role may hold at once (MODU_PG_CONNECTIONS_PER_ROLE)
    pg_analysts_file: Path | None = None  # named analysts {"name": "password", ...}, mode 0600 (MODU_PG_ANALYSTS_FILE)

    @property
    def build_dir(self) -> Path:
        return self.warehouse_dir / "build"

    @property
    def build_db(self) -> Path:
        """The private DuckDB the refresh writes; no reader ever opens it."""
        return self.build_dir / "modu.duckdb"

    @property
    def report_font_cache(self) -> Path:
        """Fonts cut for the report, reused while the page shows the same characters."""
        return self.build_dir / "report-fonts"

    @property
    def build_lock(self) -> Path:
        return self.build_dir / "modu.duckdb.writer-lock"

    @property
    def raw_parquet_dir(self) -> Path:
        """The raw layer as Parquet, <source>/<source>.parquet: what dbt's sources read on every engine."""
        return self.warehouse_dir / "raw"

    @property
    def spark_dir(self) -> Path:
        """The local Spark's table files (tables/) and metastore (metastore_db/), MODU_TARGET=spark only."""
        return self.warehouse_dir / "spark"

    @property
    def spark_tables_dir(self) -> Path:
        """Spark's table files, <schema>.db/<table>/part-*.parquet (the profile's spark.sql.warehouse.dir)."""
        return self.spark_dir / "tables"

    @property
    def duckdb_spill_dir(self) -> Path:
        """Where DuckDB writes what does not fit under duckdb_memory_limit."""
        return self.build_dir / "duckdb-spill"

    def duckdb_config(self, keep_order: bool = False) -> dict[str, object]:
        """The settings of every DuckDB connection modu opens (duckdb.connect(config=...)).

        Results keep insertion order only where a reader needs it (keep_order: the ingest
        numbers rows in file order); elsewhere dropping it lets DuckDB stream and spill.
        """
        return {
            "memory_limit": self.duckdb_memory_limit,
            "threads": self.duckdb_threads,
            "temp_directory": str(self.duckdb_spill_dir),
            "preserve_insertion_order": keep_order,
            # A query naming a table that does not exist fails, instead of reading a Python
            # variable of that name from the caller's frame.
            "python_enable_replacements": False,
        }

    @property
    def scratch_dir(self) -> Path:
        """Transcoded copies of non-UTF-8 files live here while they are ingested."""
        return self.build_dir / "scratch"

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's target folder (artifacts, logs, the parse it reuses), kept from night to night."""
        return self.build_dir / "dbt"

    @property
    def serving_dir(self) -> Path:
        return self.warehouse_dir / "serving"

    @property
    def catalog_db(self) -> Path:
        """The read-only DuckDB catalog BI tools open: views over the current release."""
        return self.serving_dir / "modu.duckdb"

    @property
    def quality_dir(self) -> Path:
        """The GX project; its Data Docs are at gx/uncommitted/data_docs/local_site/index.html."""
        return self.warehouse_dir / "quality"

    @property
    def data_docs_index(self) -> Path:
        return self.quality_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"

    @property
    def report_html(self) -> Path:
        """The static report of the race, regenerated at each publish; opens without a server."""
        return self.serving_dir / "report.html"

    @property
    def postgres_dir(self) -> Path:
        """The Postgres endpoint of `make serve`: data/ (PGDATA), server.json while it runs, its log."""
        return self.warehouse_dir / "postgres"

    @property
    def postgres_state(self) -> Path:
        """Written by `serve` while the server runs: host, port, admin credentials (mode 0600)."""
        return self.postgres_dir / "server.json"

    @property
    def dagster_home(self) -> Path:
        return self.warehouse_dir / "dagster"

    @property
    def alerts_log(self) -> Path:
        """One JSON line per failed run: job, failed steps, errors, link to the run."""
        return self.warehouse_dir / "alerts" / "alerts.jsonl"

    @property
    def logs_dir(self) -> Path:
        """The full log of each `make refresh` run (tracebacks included), <run_id>.log."""
        return self.warehouse_dir / "logs"

    @property
    def dbt_docs_dir(self) -> Path:
        """`make docs`: the dbt docs site, static_index.html opens from disk."""
        return self.warehouse_dir / "dbt-docs"

    def run_link(self, run_id: str) -> str:
        """The run's page in the Dagster UI, for alerts."""
        return f"{self.ui_url.rstrip('/')}/runs/{run_id}"

    def raw_freshness_window(self, source: str) -> float:
        """Hours a raw source may go without a new file: its override, else MODU_RAW_FRESHNESS_HOURS."""
        return dict(self.raw_freshness_overrides).get(source, self.raw_freshness_hours)

    def dbt_env(self) -> dict[str, str]:
        """Variables the dbt profile reads (see dbt_project/profiles.yml)."""
        return {
            "MODU_BUILD_DB": str(self.build_db),
            "MODU_RAW_PARQUET_DIR": str(self.raw_parquet_dir),
            "MODU_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "MODU_DUCKDB_THREADS": str(self.duckdb_threads),
            "MODU_DUCKDB_TEMP_DIR": str(self.duckdb_spill_dir),
            "MODU_DBT_THREADS": str(self.dbt_threads),
            "MODU_SPARK_DIR": str(self.spark_dir),
            "MODU_SPARK_MASTER": self.spark_master,
            "MODU_SPARK_DRIVER_MEMORY": self.spark_driver_memory,
            # A local Spark binds its driver to loopback instead of guessing an interface.
            "SPARK_LOCAL_IP": os.environ.get("SPARK_LOCAL_IP", "127.0.0.1"),
        }


TARGETS = ("duckdb", "spark")


def _reject_shares() -> tuple[float, float]:
    """MODU_REJECT_WARN_SHARE and MODU_REJECT_FAIL_SHARE: shares of 0..1, the warning one no larger."""
    shares = {variable: _env(variable, name, float) for variable, name in (
        ("MODU_REJECT_WARN_SHARE", "reject_warn_share"), ("MODU_REJECT_FAIL_SHARE", "reject_fail_share"))}
    for variable, value in shares.items():
        if not 0 <= value <= 1:
            raise ValueError(f"{variable}={value!r}: expected a share between 0 and 1 (0.05 is 5%)")
    warn, fail = shares.values()
    if warn > fail:
        raise ValueError(f"MODU_REJECT_WARN_SHARE={warn} is above MODU_REJECT_FAIL_SHARE={fail}")
    return warn, fail


def _target() -> str:
    target = (os.environ.get("MODU_TARGET") or "duckdb").strip().lower()
    if target not in TARGETS:
        raise ValueError(f"MODU_TARGET={target!r}: expected one of {', '.join(TARGETS)}")
    return target


def _default(name: str):
    """A setting's default: the one written on its field above."""
    f = next(f for f in fields(Settings) if f.name == name)
    return f.default_factory() if f.default_factory is not MISSING else f.default


def _env(variable: str, name: str, cast=str):
    """MODU_<variable> cast to the field's type, or the field's default when unset or blank."""
    value = os.environ.get(variable, "")
    return cast(value) if value.strip() else _default(name)


def load() -> Settings:
    ui_port = _env("MODU_UI_PORT", "ui_port", int)
    reject_warn_share, reject_fail_share = _reject_shares()
    return Settings(
        raw_dir=Path(os.environ.get("MODU_RAW_DIR") or REPO_ROOT / "raw").resolve(),
        warehouse_dir=Path(os.environ.get("MODU_WAREHOUSE_DIR") or REPO_ROOT / "warehouse").resolve(),
        keep_releases=_env("MODU_KEEP_RELEASES", "keep_releases", int),
        full_refresh=os.environ.get("MODU_FULL_REFRESH", "").lower() in ("1", "true", "yes"),
        postgres_port=_env("MODU_PG_PORT", "postgres_port", int),
        analyst_password=_env("MODU_ANALYST_PASSWORD", "analyst_password"),
        raw_freshness_hours=_env("MODU_RAW_FRESHNESS_HOURS", "raw_freshness_hours", float),
        raw_freshness_overrides=tuple(sorted(
            (name[len(_RAW_FRESHNESS_PREFIX):].lower(), float(value))
            for name, value in os.environ.items()
            if name.startswith(_RAW_FRESHNESS_PREFIX) and value.strip()
        )),
        release_freshness_hours=_env("MODU_RELEASE_FRESHNESS_HOURS", "release_freshness_hours", float),
        alert_webhook=_env("MODU_ALERT_WEBHOOK", "alert_webhook"),
        target=_target(),
        spark_master=_env("MODU_SPARK_MASTER", "spark_master"),
        spark_driver_memory=_env("MODU_SPARK_DRIVER_MEMORY", "spark_driver_memory"),
        duckdb_memory_limit=_env("MODU_DUCKDB_MEMORY_LIMIT", "duckdb_memory_limit"),
        duckdb_threads=_env("MODU_DUCKDB_THREADS", "duckdb_threads", int),
        dbt_threads=_env("MODU_DBT_THREADS", "dbt_threads", int),
        ui_port=ui_port,
        ui_url=(os.environ.get("MODU_UI_URL", "").strip() or f"http://127.0.0.1:{ui_port}").rstrip("/"),
        reject_warn_share=reject_warn_share,
        reject_fail_share=reject_fail_share,
        reject_fail_min_lines=_env("MODU_REJECT_FAIL_MIN_LINES", "reject_fail_min_lines", int),
        git_url=_env("MODU_GIT_URL", "git_url", lambda v: v.strip().rstrip("/")),
        git_branch=_env("MODU_GIT_BRANCH", "git_branch", str.strip),
        pg_statement_timeout_seconds=_env("MODU_PG_STATEMENT_TIMEOUT_SECONDS", "pg_statement_timeout_seconds", float),
        pg_memory_limit_mb=_env("MODU_PG_MEMORY_LIMIT_MB", "pg_memory_limit_mb", int),
        pg_temp_file_limit_mb=_env("MODU_PG_TEMP_FILE_LIMIT_MB", "pg_temp_file_limit_mb", int),
        pg_connections_per_role=_env("MODU_PG_CONNECTIONS_PER_ROLE", "pg_connections_per_role", int),
        pg_analysts_file=_env("MODU_PG_ANALYSTS_FILE", "pg_analysts_file", lambda v: Path(v).resolve()),
    )


_RAW_FRESHNESS_PREFIX = "MODU_RAW_FRESHNESS_HOURS_"  # + source name, e.g. MODU_RAW_FRESHNESS_HOURS_ENTERPRISES=720
