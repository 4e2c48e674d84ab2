"""Check one layer's suites in one step: carry over what unchanged data already answered, validate the rest.

A suite's result is carried over when its table has a version (audit.table_versions,
orchestration/versions.py) equal to the version its latest results were computed on,
and nothing else those results depended on changed: the suite's rules and the seeds
they read, and the versions of other tables its queries read (marts.dim_region). No GX
validation runs for it; its previous results are recorded again for this run, naming
the run that validated. A table without a version, or with a new one, is validated.

Everything happens under the build database's write lock: no writer can change a
table between reading its version and checking it, and no DuckDB writer in another
process meets GX's read-only connections.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from orchestration import versions, warehouse
from orchestration.quality import results, runner
from orchestration.quality.results import SuiteResult
from orchestration.quality.suites import Suite, resolve, suite_version
from orchestration.settings import Settings


def asset_name(suite: Suite) -> str:
    return f"{suite.schema}/{suite.table}"


def inputs_version(suite: Suite, table_versions: dict[str, str]) -> str | None:
    """The version of everything but the table itself that the suite's results depend on; None if unknown."""
    read = [table_versions.get(table) for table in suite.reads]
    if any(version is None for version in read):
        return None
    return versions.digest(suite_version(suite), *(f"{t}={v}" for t, v in zip(suite.reads, read)))


def can_carry_over(previous: SuiteResult | None, suite: Suite, table_version: str | None, inputs: str | None) -> bool:
    return (
        previous is not None
        and table_version is not None
        and inputs is not None
        and previous.table_version == table_version
        and previous.suite_version == inputs
        and sorted(o.check for o in previous.outcomes) == sorted(suite.check_names)
        and not any(o.error for o in previous.outcomes)  # an expectation that raised is tried again
    )


def check_layer(settings: Settings, suites: list[Suite], run_id: str,
                log: Callable[[str], None] = lambda _m: None) -> list[SuiteResult]:
    """Each suite's results for this run, in the order given; recorded in audit.dq_results."""
    with warehouse.write_lock(settings, log):
        with warehouse.connect(settings) as con:
            results.ensure(con)
            table_versions = versions.read_all(con)
            carried, to_validate = {}, []
            for suite in suites:
                version, inputs = table_versions.get(suite.name), inputs_version(suite, table_versions)
                previous = results.latest(con, suite.name)
                if can_carry_over(previous, suite, version, inputs):
                    carried[suite.name] = replace(previous, carried_over=True)
                else:
                    count = results.previous_validated_row_count(con, suite.name, suite.row_count_check)
                    to_validate.append((suite, resolve(suite, count), version, inputs))
        validations = runner.validate(settings, [(suite, expectations) for suite, expectations, _, _ in to_validate],
                                      run_name=run_id)
        checked_at = datetime.now()
        validated = {
            suite.name: SuiteResult(suite=suite.name, asset=asset_name(suite), outcomes=validation.outcomes,
                                    checked_at=checked_at, table_version=version, suite_version=inputs,
                                    data_docs=str(validation.data_docs), validated_in=run_id)
            for (suite, _, version, inputs), validation in zip(to_validate, validations)
        }
        ordered = [carried.get(suite.name) or validated[suite.name] for suite in suites]
        with warehouse.connect(settings) as con:
            con.execute("BEGIN")
            for result in ordered:
                results.record(con, run_id, result, recorded_at=checked_at)
            con.execute("COMMIT")
    for result in ordered:
        failed = sum(not o.success for o in result.outcomes)
        how = f"carried over from run {result.validated_in}" if result.carried_over else f"Data Docs {result.data_docs}"
        log(f"GX {result.suite}: {len(result.outcomes) - failed} passed, {failed} failed; {how}")
    return ordered
