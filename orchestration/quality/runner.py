"""Validate several expectation suites of the build database with one GX context, pushed down to SQL.

One file context, one datasource, a validation definition per suite run one after the
other under one run identifier, one Data Docs build: GX's fixed cost (loading its project, writing its stores,
rendering the index) is paid once per layer, not once per suite. Results come back per
expectation (by its `meta.check` name) with the unexpected count and a sample of
failing values. Validations are named by the Dagster run (`run_name`).
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from orchestration import warehouse
from orchestration.quality import data_docs
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


@dataclass
class CheckOutcome:
    check: str
    expectation_type: str
    success: bool
    unexpected_count: int | None = None
    observed_value: Any = None
    sample: list = field(default_factory=list)
    error: str | None = None


@dataclass
class Validation:
    suite: Suite
    outcomes: list[CheckOutcome]  # in the suite's order
    data_docs: Path  # the validation's Data Docs page


def _quiet_gx() -> None:
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="great_expectations")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def validate(settings: Settings, suites: list[tuple[Suite, list[dict]]], run_name: str) -> list[Validation]:
    """Validate each (suite, its resolved expectations) on its table; one GX context for all of them."""
    if not suites:
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
    settings.quality_dir.mkdir(parents=True, exist_ok=True)
    settings.duckdb_spill_dir.mkdir(parents=True, exist_ok=True)
    layer = "_".join(sorted({suite.schema for suite, _ in suites}))
    with connections_closed_afterwards():
        context = gx.get_context(mode="file", project_root_dir=str(settings.quality_dir))
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        data_docs.configure(context)
        # One datasource per layer, so that one layer's run leaves the other's assets alone.
        datasource = context.data_sources.add_or_update_sql(
            f"build_{layer}",
            connection_string=connection_string(settings.build_db),
            kwargs={"connect_args": {"read_only": True, "config": settings.duckdb_config()}},
        )
        definitions = []
        for suite, expectations in suites:
            batch = datasource.add_table_asset(suite.name, table_name=suite.table, schema_name=suite.schema) \
                .add_batch_definition_whole_table("whole_table")
            gx_suite = context.suites.add_or_update(gx.ExpectationSuite(name=suite.name, expectations=expectations))
            definitions.append(context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)))
        # What a GX checkpoint would do, without storing one: a stored checkpoint names every
        # suite of its last run, and fails to load once one of them is not in the datasource.
        run_id = RunIdentifier(run_name=run_name, run_time=datetime.now(timezone.utc))
        by_suite = {}
        for (suite, _), definition in zip(suites, definitions):
            validation = definition.run(result_format=RESULT_FORMAT, run_id=run_id)
            identifier = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
                run_id=run_id, batch_identifier=validation.batch_id)
            by_suite[suite.name] = (identifier, validation)

    site = settings.data_docs_index.parent
    data_docs.vendor_static_files(site)
    data_docs.prune(context, site, settings.keep_releases)
    # Pages for this run's validations and their suites, and the index: rebuilding every
    # stored validation's page each time would grow with the history.
    context.build_data_docs(resource_identifiers=[
        *(identifier for identifier, _ in by_suite.values()),
        *(ExpectationSuiteIdentifier(name=suite.name) for suite, _ in suites),
    ])
    validations = [Validation(suite, _outcomes(suite, by_suite[suite.name][1]),
                              data_docs.page_of(site, by_suite[suite.name][0])) for suite, _ in suites]
    _sample_unexpected_rows(settings, suites, validations)
    return validations


def _sample_unexpected_rows(settings: Settings, suites: list[tuple[Suite, list[dict]]],
                            validations: list[Validation]) -> None:
    """A few rows of each failed query expectation, as its sample.

    GX returns a query's rows only with result format COMPLETE, which would also list every
    unexpected value of every other expectation; this reads 5 rows, and only on failure.
    """
    failed = [(suite, expectation, outcome)
              for (suite, expectations), validation in zip(suites, validations)
              for expectation, outcome in zip(expectations, validation.outcomes)
              if outcome.expectation_type == "unexpected_rows_expectation" and outcome.unexpected_count]
    if not failed:
        return
    with warehouse.connect(settings, read_only=True) as con:
        for suite, expectation, outcome in failed:
            query = expectation["kwargs"]["unexpected_rows_query"].format(batch=f'"{suite.schema}"."{suite.table}"')
            cursor = con.execute(f"SELECT * FROM ({query}) LIMIT {SAMPLE_SIZE}")
            columns = [d[0] for d in cursor.description]
            outcome.sample = [dict(zip(columns, row)) for row in cursor.fetchall()]


def _outcomes(suite: Suite, validation_result) -> list[CheckOutcome]:
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
        )
    return [outcomes[name] for name in suite.check_names]
