"""Reading one release folder: every chart's rows, from the release's own Parquet files.

The report shows exactly one release, so it reads nothing but that folder: each
`<schema>.<table>.parquet` becomes a view of an in-memory DuckDB. A release published
before a mart existed (rollback can serve one) simply lacks it; each reader below says
what it falls back to, and a chart without rows says so on the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.sql import literal as _q
from orchestration.settings import Settings
from orchestration.warehouse import duckdb_connect

# The published AI-enterprise count: the headline indicator of the article and the report.
ENTERPRISE_COUNT = "ai_enterprise_count"
# compute_buildout counts events per stage in these columns (shared/contract/marts.md);
# completed and operational events share projects_completed. The stage names are checked
# against the compute_events seed when the chart is drawn.
STAGE_COLUMNS = {"announced": "projects_announced", "construction_started": "projects_started"}
COMPLETED_COLUMN = "projects_completed"


@contextmanager
def open_release(folder: Path, settings: Settings | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with one view per table file of the release (marts.x, audit.y)."""
    # Without settings (tests drawing a release folder of their own) the connection takes
    # DuckDB's defaults: a release's marts are small, and it writes nothing anywhere.
    con = duckdb_connect(settings) if settings is not None else duckdb.connect(config={})
    try:
        for path in sorted(folder.glob("*.*.parquet")):
            schema, table = path.name[: -len(".parquet")].split(".", 1)
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            con.execute(f'CREATE VIEW "{schema}"."{table}" AS SELECT * FROM read_parquet({_q(path)})')
        yield con
    finally:
        con.close()


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    schema, table = name.split(".")
    return con.execute("SELECT count(*) FROM duckdb_views() WHERE schema_name = ? AND view_name = ?",
                       [schema, table]).fetchone()[0] > 0


def _column(con: duckdb.DuckDBPyConnection, table: str, column: str, default: str = "NULL") -> str:
    """The column, or `default` in a release whose mart predates it (columns may be added)."""
    names = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    return column if column in names else default


@dataclass(frozen=True)
class Region:
    code: str
    name_zh: str
    name_en: str
    level: str

    @property
    def label(self) -> str:
        return f"{self.name_en} {self.name_zh}".strip() if self.name_en else self.name_zh


def is_synthetic_file(path: str | None) -> bool:
    """raw/README.md: a landed file whose name starts with synthetic_ is made up."""
    return bool(path) and path.rsplit("/", 1)[-1].startswith("synthetic_")


@dataclass(frozen=True)
class Figure:
    """One published figure (marts.published_figures, or city_indicators' published count)."""
    region_code: str
    indicator: str
    period: int
    value: Decimal
    value_kind: str
    is_forecast: bool
    source: str | None = None
    source_file: str | None = None

    @property
    def is_synthetic(self) -> bool:
        return is_synthetic_file(self.source_file)


@dataclass(frozen=True)
class Reconciled:
    region_code: str
    indicator: str
    period: int
    published: Decimal
    computed: Decimal | None
    status: str


@dataclass(frozen=True)
class Policy:
    policy_id: str
    region_code: str
    level: str | None
    published_on: date
    precision: str
    doc_type: str
    title: str
    issuer: str | None


@dataclass(frozen=True)
class ComputeRegion:
    region_code: str
    stages: dict[str, int]  # compute_buildout column -> events summed over months
    first_month: date
    last_month: date
    capacity_pflops: Decimal  # completed or operational at the latest month (0: none stated)
    investment_cny: Decimal | None


@dataclass(frozen=True)
class LandedFile:
    source: str
    file: str
    rows: int

    @property
    def is_synthetic(self) -> bool:
        return is_synthetic_file(self.file)


# The policy chart's lanes: the regions with the most documents (ties: the lower code). Only
# their documents are read; a national release has hundreds of thousands.
POLICY_LANES = 12


@dataclass
class ReleaseData:
    release: dict
    regions: dict[str, Region] = field(default_factory=dict)
    counts: dict[str, dict[int, int]] = field(default_factory=dict)  # city -> year -> computed count
    figures: list[Figure] = field(default_factory=list)
    figures_from: str = "marts.published_figures"
    reconciliation: list[Reconciled] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)  # of the POLICY_LANES regions with the most documents
    policy_total: int | None = None  # documents in the release; None: those in `policies`
    compute: list[ComputeRegion] = field(default_factory=list)
    index_rows: list[tuple] = field(default_factory=list)
    landed_files: list[LandedFile] | None = None  # None: the release does not record its files

    def region(self, code: str) -> Region:
        return self.regions.get(code) or Region(code, code, "", "")


def read(con: duckdb.DuckDBPyConnection, release: dict) -> ReleaseData:
    data = ReleaseData(release)
    if has_table(con, "marts.dim_region"):
        data.regions = {r[0]: Region(r[0], r[1] or r[0], r[2] or "", r[3] or "") for r in con.execute(
            "SELECT region_code, name_zh, name_en, level FROM marts.dim_region").fetchall()}
    if has_table(con, "marts.city_indicators"):
        for code, year, count in con.execute("""
                SELECT region_code, year, ai_enterprise_count FROM marts.city_indicators
                WHERE level = 'city' AND ai_enterprise_count IS NOT NULL ORDER BY region_code, year""").fetchall():
            data.counts.setdefault(code, {})[year] = count
    data.figures, data.figures_from = _figures(con)
    if has_table(con, "marts.figure_reconciliation"):
        data.reconciliation = [Reconciled(*r) for r in con.execute("""
            SELECT region_code, indicator, period, published_value, computed_value, status
            FROM marts.figure_reconciliation ORDER BY indicator, period, published_value DESC, region_code""").fetchall()]
    if has_table(con, "marts.policy_timeline"):
        precision = _column(con, "marts.policy_timeline", "published_on_precision")
        issuer = _column(con, "marts.policy_timeline", "issuer")
        data.policy_total = con.execute(
            "SELECT count(*) FROM marts.policy_timeline WHERE published_on IS NOT NULL").fetchone()[0]
        data.policies = [Policy(*r) for r in con.execute(f"""
            WITH lanes AS (
                SELECT region_code FROM marts.policy_timeline WHERE published_on IS NOT NULL
                GROUP BY region_code ORDER BY count(*) DESC, region_code LIMIT {POLICY_LANES})
            SELECT policy_id, region_code, level, published_on, coalesce({precision}, 'day'),
                   coalesce(doc_type, 'other'), coalesce(title, ''), {issuer}
            FROM marts.policy_timeline SEMI JOIN lanes USING (region_code)
            WHERE published_on IS NOT NULL ORDER BY published_on, policy_id""").fetchall()]
    if has_table(con, "marts.compute_buildout"):
        data.compute = _compute(con)
    if has_table(con, "marts.modu_index"):
        data.index_rows = con.execute("""
            SELECT rank, region_code, year, round(score, 1), ai_enterprise_count, policy_count, compute_capacity_pflops
            FROM marts.modu_index
            WHERE year = (SELECT year FROM marts.modu_index GROUP BY year ORDER BY count(*) DESC, year DESC LIMIT 1)
            ORDER BY rank, region_code LIMIT 10""").fetchall()
    if has_table(con, "audit.ingested_files"):
        data.landed_files = [LandedFile(*r) for r in con.execute(
            "SELECT source, file, kept FROM audit.ingested_files ORDER BY source, file").fetchall()]
    return data


def _figures(con: duckdb.DuckDBPyConnection) -> tuple[list[Figure], str]:
    """Every published figure; from a release older than marts.published_figures, the
    actual AI-enterprise counts city_indicators carries (it has no forecasts)."""
    if has_table(con, "marts.published_figures"):
        rows = con.execute("""
            SELECT region_code, indicator, period, value, value_kind, is_forecast, source, source_file
            FROM marts.published_figures ORDER BY indicator, period, is_forecast, value DESC, region_code""").fetchall()
        return [Figure(*r) for r in rows], "marts.published_figures"
    if has_table(con, "marts.city_indicators"):
        rows = con.execute("""
            SELECT region_code, ?, year, ai_enterprise_count_published, 'count', false, NULL, NULL
            FROM marts.city_indicators WHERE ai_enterprise_count_published IS NOT NULL
            ORDER BY year, ai_enterprise_count_published DESC, region_code""", [ENTERPRISE_COUNT]).fetchall()
        return [Figure(*r) for r in rows], "marts.city_indicators"
    return [], "nothing"


def _compute(con: duckdb.DuckDBPyConnection) -> list[ComputeRegion]:
    columns = [*STAGE_COLUMNS.values(), COMPLETED_COLUMN]
    sums = ", ".join(f"sum({c})::BIGINT" for c in columns)
    rows = con.execute(f"""
        SELECT region_code, {sums}, min(month), max(month),
               coalesce(arg_max(cumulative_capacity_pflops, month), 0), sum(investment_announced_cny)
        FROM marts.compute_buildout GROUP BY region_code ORDER BY region_code""").fetchall()
    out = []
    for row in rows:
        stages = dict(zip(columns, row[1: 1 + len(columns)]))
        first, last, capacity, investment = row[1 + len(columns):]
        out.append(ComputeRegion(row[0], stages, first, last, capacity, investment))
    return out
