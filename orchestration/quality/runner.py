"""Run one expectation suite against one table of the build database with GX, pushed down to SQL.

Results come back per expectation (by its `meta.check` name) with the unexpected
count and a sample of failing values; GX writes its Data Docs each run.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration.quality.gx_duckdb import (
    connection_string,
    connections_closed_afterwards,
    import_great_expectations,
    register_duckdb_as_persisted_connection_dialect,
)
from orchestration.quality.suites import Suite, resolve

DATASOURCE = "build"
# BASIC gives the unexpected count and a few unexpected values; SUMMARY would add a
# GROUP BY over all unexpected values per expectation, which costs a full scan each.
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 5}


@dataclass
class CheckOutcome:
    check: str
    expectation_type: str
    success: bool
    unexpected_count: int | None = None
    observed_value: Any = None
    sample: list = field(default_factory=list)
    error: str | None = None


def _quiet_gx() -> None:
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="great_expectations")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def run_suite(
    suite: Suite, build_db: Path, gx_root: Path, previous_row_count: int | None
) -> tuple[list[CheckOutcome], Path]:
    """Validate `suite` against its table; returns the outcomes and the Data Docs index."""
    _quiet_gx()
    gx = import_great_expectations()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    register_duckdb_as_persisted_connection_dialect()
    gx_root.mkdir(parents=True, exist_ok=True)
    with connections_closed_afterwards():
        context = gx.get_context(mode="file", project_root_dir=str(gx_root))
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        datasource = context.data_sources.add_or_update_sql(
            DATASOURCE,
            connection_string=connection_string(build_db),
            kwargs={"connect_args": {"read_only": True}},
        )
        asset = datasource.add_table_asset(suite.name, table_name=suite.table, schema_name=suite.schema)
        batch = asset.add_batch_definition_whole_table("whole_table")
        gx_suite = context.suites.add_or_update(
            gx.ExpectationSuite(name=suite.name, expectations=resolve(suite, previous_row_count))
        )
        validation = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
        )
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=suite.name,
                validation_definitions=[validation],
                result_format=RESULT_FORMAT,
            )
        )
        result = checkpoint.run()
    # Data Docs for this validation only (and the index): rebuilding every stored
    # validation's page on each check step would grow with the history.
    (identifier,) = result.run_results.keys()
    context.build_data_docs(resource_identifiers=[identifier])
    docs = Path(context.get_docs_sites_urls()[0]["site_url"].removeprefix("file://"))
    (validation_result,) = result.run_results.values()
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
    return [outcomes[name] for name in suite.check_names], docs
