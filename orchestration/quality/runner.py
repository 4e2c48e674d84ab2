"""Validate several expectation suites of the build database with one GX context, pushed down to SQL.

One file context, one datasource, a validation definition per suite run one after the
other under one run identifier, one Data Docs build: GX's fixed cost (loading its project, writing its stores,
rendering the index) is paid once per layer, not once per suite. Results come back per
expectation (by its `meta.check` name) with the unexpected count and a sample of
failing values. Validations are named by the Dagster run (`run_name`).

A validation reads its whole table, or only the rows of some landed files of a raw table
(`Target.files`): then GX is given a query asset, `SELECT * FROM raw.<source> WHERE
_file_hash IN (...)`, and every expectation, `{batch}` of a query included, reads those
rows alone (layer.py validates a raw table's newly landed files that way).
"""

from __future__ import annotations

import logging
import os
import re
import string
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from orchestration import warehouse
from orchestration.quality import data_docs, gx_unexpected_rows
from orchestration.sql import literal, qualified
from orchestration.quality.gx_duckdb import (
    connection_string,
    connections_closed_afterwards,
    import_great_expectations,
    register_duckdb_as_persisted_connection_dialect,
)
from orchestration.quality.suites import Suite
from orchestration.settings import Settings

# BASIC gives the unexpected count and a few unexpected values; SUMMARY would add a
# GROUP BY over all unexpected values per expectation, which costs a full scan each.
SAMPLE_SIZE = 5
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": SAMPLE_SIZE}
# A landed file's content hash (sha256, hex): the only text put into a query asset's SQL,
# which GX cannot bind parameters into.
FILE_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass
class CheckOutcome:
    check: str
    expectation_type: str
    success: bool
    unexpected_count: int | None = None
    observed_value: Any = None
    sample: list = field(default_factory=list)
    error: str | None = None
    element_count: int | None = None  # rows GX evaluated the expectation on, when it says
    data_docs: str | None = None  # the page of the validation that computed it, when not its suite's page


@dataclass(frozen=True)
class Target:
    """One validation: expectations of a suite on its whole table, or on the rows of some landed files."""

    suite: Suite
    expectations: list[dict]
    files: tuple[str, ...] | None = None  # content hashes of the landed files whose rows are read; None: all rows
    part: str | None = None  # when a suite is validated in parts: the part's name, a suffix of the GX names
    notes: str | None = None  # what the part is, on its GX suite's Data Docs page

    @property
    def gx_name(self) -> str:
        """The name of its GX suite, data asset and validation definition (and of its Data Docs folder)."""
        return self.suite.name if self.part is None else f"{self.suite.name}.{self.part}"

    @property
    def check_names(self) -> list[str]:
        return [e["meta"]["check"] for e in self.expectations]

    def landed_rows_sql(self, bound: bool = False) -> str:
        """The query of the rows of its landed files: the hashes as `?` parameters, or checked and quoted
        (GX's query asset cannot bind parameters)."""
        bad = [h for h in self.files or () if not FILE_HASH.fullmatch(h)]
        if bad or not self.files:
            raise ValueError(f"{self.gx_name}: not landed files' content hashes: {bad or 'none given'}")
        values = ", ".join("?" if bound else literal(h) for h in self.files)
        return f"SELECT * FROM {qualified(self.suite.schema, self.suite.table)} WHERE _file_hash IN ({values})"

    def rows_query(self, query: str) -> tuple[str, list[str]]:
        """An unexpected-rows query on the rows GX read, as DuckDB runs it: (SQL, its parameters)."""
        if self.files is None:
            return query.format(batch=qualified(self.suite.schema, self.suite.table)), []
        uses = sum(field == "batch" for _, field, _, _ in string.Formatter().parse(query))
        return query.format(batch=f"({self.landed_rows_sql(bound=True)}) AS subselect"), list(self.files) * uses


@dataclass
class Validation:
    target: Target
    outcomes: list[CheckOutcome]  # in the target's order
    data_docs: Path  # the validation's Data Docs page

    @property
    def suite(self) -> Suite:
        return self.target.suite


def _quiet_gx() -> None:
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="great_expectations")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@contextmanager
def _project_config_saved_once(context) -> Iterator[None]:
    """GX writes great_expectations.yml whole (every datasource and asset) after each asset and
    batch definition it is given: twice per validation, 0.4 s of a national night's checks.
    Inside this block the context keeps its changes in memory; the file is written once after."""
    changed = []
    context._save_project_config = lambda: changed.append(True)  # the instance's, over its class's
    try:
        yield
    finally:
        del context._save_project_config
    if changed:
        context._save_project_config()


def validate(settings: Settings, targets: list[Target], run_name: str) -> list[Validation]:
    """Validate each target; one GX context for all."""
    if not targets:
        return []
    _quiet_gx()
    gx = import_great_expectations()
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    register_duckdb_as_persisted_connection_dialect()
    gx_unexpected_rows.register()
    settings.quality_dir.mkdir(parents=True, exist_ok=True)
    settings.duckdb_spill_dir.mkdir(parents=True, exist_ok=True)
    layer = "_".join(sorted({t.suite.schema for t in targets}))
    with connections_closed_afterwards():
        context = gx.get_context(mode="file", project_root_dir=str(settings.quality_dir))
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        data_docs.configure(context)
        definitions = []
        with _project_config_saved_once(context):
            # One datasource per layer, so that one layer's run leaves the other's assets alone.
            datasource = context.data_sources.add_or_update_sql(
                f"build_{layer}",
                connection_string=connection_string(settings.build_db),
                kwargs={"connect_args": {"read_only": True, "config": settings.duckdb_config()}},
            )
            for target in targets:
                suite = target.suite
                if target.files is None:
                    asset = datasource.add_table_asset(target.gx_name, table_name=suite.table, schema_name=suite.schema)
                else:
                    asset = datasource.add_query_asset(target.gx_name, query=target.landed_rows_sql())
                batch = asset.add_batch_definition_whole_table("whole_table")
                gx_suite = context.suites.add_or_update(
                    gx.ExpectationSuite(name=target.gx_name, expectations=target.expectations, notes=target.notes))
                definitions.append(context.validation_definitions.add_or_update(
                    gx.ValidationDefinition(name=target.gx_name, data=batch, suite=gx_suite)))
        # What a GX checkpoint would do, without storing one: a stored checkpoint names every
        # suite of its last run, and fails to load once one of them is not in the datasource.
        run_id = RunIdentifier(run_name=run_name, run_time=datetime.now(timezone.utc))
        by_target = {}
        for target, definition in zip(targets, definitions):
            validation = definition.run(result_format=RESULT_FORMAT, run_id=run_id)
            identifier = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=target.gx_name),
                run_id=run_id, batch_identifier=validation.batch_id)
            by_target[target.gx_name] = (identifier, validation)

    site = settings.data_docs_index.parent
    data_docs.vendor_static_files(site)
    data_docs.prune(context, site, settings.keep_releases)
    # Pages for this run's validations and their suites, and the index: rebuilding every
    # stored validation's page each time would grow with the history.
    context.build_data_docs(resource_identifiers=[
        *(identifier for identifier, _ in by_target.values()),
        *(ExpectationSuiteIdentifier(name=target.gx_name) for target in targets),
    ])
    validations = [Validation(target, _outcomes(target, by_target[target.gx_name][1]),
                              data_docs.page_of(site, by_target[target.gx_name][0])) for target in targets]
    _sample_unexpected_rows(settings, validations)
    return validations


def _sample_unexpected_rows(settings: Settings, validations: list[Validation]) -> None:
    """A few rows of each failed query expectation, as its sample.

    GX returns a query's rows only with result format COMPLETE, which would also list every
    unexpected value of every other expectation; this reads 5 rows, and only on failure.
    """
    failed = [(validation.target, expectation, outcome)
              for validation in validations
              for expectation, outcome in zip(validation.target.expectations, validation.outcomes)
              if outcome.expectation_type == "unexpected_rows_expectation" and outcome.unexpected_count]
    if not failed:
        return
    with warehouse.connect(settings, read_only=True) as con:
        for target, expectation, outcome in failed:
            query, parameters = target.rows_query(expectation["kwargs"]["unexpected_rows_query"])
            cursor = con.execute(f"SELECT * FROM ({query}) LIMIT {SAMPLE_SIZE}", parameters)
            columns = [d[0] for d in cursor.description]
            outcome.sample = [dict(zip(columns, row)) for row in cursor.fetchall()]


def _outcomes(target: Target, validation_result) -> list[CheckOutcome]:
    outcomes = {}
    for r in validation_result.results:
        check = r.expectation_config.meta["check"]
        is_rows_query = r.expectation_config.type == "unexpected_rows_expectation"
        error = r.exception_info.get("exception_message") if r.exception_info.get("raised_exception") else None
        outcomes[check] = CheckOutcome(
            check=check,
            expectation_type=r.expectation_config.type,
            success=bool(r.success),
            # An UnexpectedRowsExpectation reports the count of its query's rows as observed_value.
            unexpected_count=r.result.get("unexpected_count", r.result.get("observed_value") if is_rows_query else None),
            observed_value=None if is_rows_query else r.result.get("observed_value"),
            sample=list(r.result.get("partial_unexpected_list") or []),
            error=error,
            element_count=r.result.get("element_count"),
        )
    return [outcomes[name] for name in target.check_names]
