"""Check one layer's suites in one step: carry over what unchanged data already answered,
validate only the newly landed rows of a raw table that just gained files, validate the rest.

A suite's result is carried over when its table has a version (audit.table_versions,
orchestration/versions.py) equal to the version its latest results were computed on,
and nothing else those results depended on changed: the suite's rules and the seeds
they read, and the versions of other tables its queries read (marts.dim_region). No GX
validation runs for it; its previous results are recorded again for this run, naming
the run that validated.

A raw table whose version changed only because files landed (every file its latest
results covered is still loaded as it was, and the suite's rules and inputs are the same)
is validated on the new files' rows, and each outcome is the previous count plus the new
rows' (landed.py), so it still describes the whole table; the checks that do not add up
across files (the row count, a query that reads the clock) are read on the whole table in
the same GX context. Any other table without a version, or with a new one, is validated
whole.

Everything happens under the build database's write lock: no writer can change a
table between reading its version and checking it, and no DuckDB writer in another
process meets GX's read-only connections.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from orchestration import versions, warehouse
from orchestration.quality import landed, results, runner
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


@dataclass
class _Job:
    """A suite to validate tonight: whole, or on its newly landed files (increment)."""

    suite: Suite
    expectations: list[dict]
    table_version: str | None
    inputs: str | None
    files: dict[str, landed.LoadedFile] | None
    increment: landed.Increment | None

    def targets(self) -> list[runner.Target]:
        if self.increment is None:
            return [runner.Target(self.suite, self.expectations)]
        return landed.targets(self.suite, self.expectations, self.increment)

    def result(self, validations: list[runner.Validation], run_id: str, checked_at: datetime) -> SuiteResult:
        outcomes, how = validations[0].outcomes, None
        if self.increment is not None:
            outcomes, how = landed.combine(self.suite, self.increment, validations)
        return SuiteResult(suite=self.suite.name, asset=asset_name(self.suite), outcomes=outcomes,
                           checked_at=checked_at, table_version=self.table_version, suite_version=self.inputs,
                           data_docs=str(validations[0].data_docs), validated_in=run_id,
                           covered_files=landed.covered(self.files), landed=how)


def check_layer(settings: Settings, suites: list[Suite], run_id: str,
                log: Callable[[str], None] = lambda _m: None) -> list[SuiteResult]:
    """Each suite's results for this run, in the order given; recorded in audit.dq_results."""
    with warehouse.write_lock(settings, log):
        with warehouse.connect(settings) as con:
            results.ensure(con)
            table_versions = versions.read_all(con)
            carried, jobs = {}, []
            for suite in suites:
                version, inputs = table_versions.get(suite.name), inputs_version(suite, table_versions)
                previous = results.latest(con, suite.name)
                if can_carry_over(previous, suite, version, inputs):
                    carried[suite.name] = replace(previous, carried_over=True)
                    continue
                count = results.previous_validated_row_count(con, suite.name, suite.row_count_check)
                files = landed.loaded_files(con, suite)
                jobs.append(_Job(suite, resolve(suite, count), version, inputs, files,
                                 landed.plan(suite, previous, inputs, files)))
        targets = [job.targets() for job in jobs]
        validations = runner.validate(settings, [t for parts in targets for t in parts], run_name=run_id)
        checked_at = datetime.now()
        validated, position = {}, 0
        for job, parts in zip(jobs, targets):
            validated[job.suite.name] = job.result(validations[position:position + len(parts)], run_id, checked_at)
            position += len(parts)
        ordered = [carried.get(suite.name) or validated[suite.name] for suite in suites]
        with warehouse.connect(settings) as con:
            con.execute("BEGIN")
            for result in ordered:
                results.record(con, run_id, result, recorded_at=checked_at)
            con.execute("COMMIT")
    for result in ordered:
        failed = sum(not o.success for o in result.outcomes)
        log(f"GX {result.suite}: {len(result.outcomes) - failed} passed, {failed} failed; {_how(result)}")
    return ordered


def _how(result: SuiteResult) -> str:
    if result.carried_over:
        return f"carried over from run {result.validated_in}"
    if result.landed is not None:
        return (f"validated the {result.landed.rows:,} rows of {len(result.landed.files)} newly landed file(s) "
                f"and added them to run {result.landed.previous_run}'s result; Data Docs {result.data_docs}")
    return f"Data Docs {result.data_docs}"
