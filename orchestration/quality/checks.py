"""Every expectation suite as Dagster asset checks: one step per layer, one check result per expectation.

`gx_raw` checks the raw tables, `gx_marts` the marts, each from one GX context
(layer.py, runner.py). Mart checks are blocking: a failure stops the publish step, so
analysts keep the last good release. Raw checks warn. A suite whose data did not
change since its last validation is not validated again: its results are carried over
and say so (metadata `carried_over_from_run`, the table version and the original check
time). A raw table that only gained files has the new files' rows validated and added to
its previous result (layer.py, landed.py); each check says what it covered: the rows newly
landed (`landed_files`, `rows_validated_now`) plus the rows of run `combined_with_run`
(`rows_validated_before`), with both counts, or the whole table for a check that does not
add up across files; the Data Docs page shows the validation of the new rows only.
Results also go to audit.dq_results.
"""

import json

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetChecksDefinition,
    AssetKey,
    MetadataValue,
    ResourceParam,
    multi_asset_check,
)

from orchestration.quality import layer
from orchestration.quality.results import Landed, SuiteResult, plain
from orchestration.quality.suites import Suite, load_suites
from orchestration.settings import Settings

LAYERS = ("raw", "marts")


def _asset_key(suite: Suite) -> AssetKey:
    return AssetKey([suite.schema, suite.table])


def _spec(suite: Suite, expectation: dict) -> AssetCheckSpec:
    kwargs = expectation["kwargs"]
    return AssetCheckSpec(
        name=expectation["meta"]["check"],
        asset=_asset_key(suite),
        blocking=suite.blocking,
        description=kwargs.get("description") or f"GX {expectation['type']} {json.dumps(kwargs, ensure_ascii=False)}",
    )


def _files(landed: Landed, shown: int = 3) -> str:
    names = sorted(landed.files.values())
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _landed_description(result: SuiteResult, outcome, metadata: dict) -> str:
    """What a check of a night that validated only the newly landed files covered (checks.py docstring)."""
    landed = result.landed
    metadata["landed_files"] = MetadataValue.json(sorted(landed.files.values()))
    metadata["rows_validated_now"] = landed.rows
    metadata["rows_validated_before"] = landed.previous_rows
    new_rows = f"{landed.rows:,} rows newly landed ({_files(landed)})"
    if outcome.check not in landed.combined:
        return (f"checked on the whole table ({landed.rows + landed.previous_rows:,} rows) in this run; the suite's "
                f"other checks validated only the {new_rows} and added them to run {landed.previous_run}'s result")
    metadata["combined_with_run"] = MetadataValue.text(landed.previous_run)
    previous = (landed.previous_counts or {}).get(outcome.check)
    if previous is None or outcome.unexpected_count is None:
        return (f"the {new_rows} could not be validated in this run, so this says nothing of the whole table; "
                f"the next run validates the whole table")
    metadata["unexpected_count_now"] = outcome.unexpected_count - previous
    metadata["unexpected_count_before"] = previous
    return (f"whole table: {outcome.unexpected_count - previous:,} unexpected in the {new_rows}, validated in this "
            f"run, plus {previous:,} in the {landed.previous_rows:,} rows of run {landed.previous_run}'s result "
            f"(checked {landed.previous_checked_at:%Y-%m-%d %H:%M:%S}); its Data Docs page shows the validation "
            f"of the new rows only")


def _check_result(suite: Suite, result: SuiteResult, outcome) -> AssetCheckResult:
    metadata = {"expectation_type": outcome.expectation_type,
                "checked_at": MetadataValue.text(result.checked_at.isoformat(sep=" ", timespec="seconds"))}
    if result.table_version is not None:
        metadata["table_version"] = MetadataValue.text(result.table_version)
    if outcome.data_docs or result.data_docs:
        metadata["data_docs"] = MetadataValue.path(outcome.data_docs or result.data_docs)
    if outcome.unexpected_count is not None:
        metadata["unexpected_count"] = outcome.unexpected_count
    if outcome.observed_value is not None:
        metadata["observed_value"] = str(outcome.observed_value)
    if outcome.sample:
        metadata["unexpected_sample"] = MetadataValue.json(json.loads(json.dumps(outcome.sample, default=plain)))
    if outcome.error:
        metadata["error"] = outcome.error
    description = None
    if result.carried_over:
        metadata["carried_over_from_run"] = MetadataValue.text(result.validated_in)
        description = (f"data unchanged since run {result.validated_in} (table version {result.table_version}, "
                       f"checked {result.checked_at:%Y-%m-%d %H:%M:%S}): its result carried over, not validated again")
    elif result.landed is not None:
        description = _landed_description(result, outcome, metadata)
    return AssetCheckResult(
        asset_key=_asset_key(suite), check_name=outcome.check, passed=outcome.success,
        severity=AssetCheckSeverity.ERROR if suite.blocking else AssetCheckSeverity.WARN,
        metadata=metadata, description=description,
    )


def build_layer_checks(name: str, suites: list[Suite]) -> AssetChecksDefinition:
    """One step that checks every suite of `suites` (one layer), yielding each expectation as its own check."""
    specs = [_spec(suite, e) for suite in suites for e in suite.expectations]

    @multi_asset_check(specs=specs, name=f"gx_{name}", can_subset=True,
                       description=f"GX suites expectations/{name}.*.json, one GX context for the layer")
    def gx_layer_checks(context: AssetCheckExecutionContext, settings: ResourceParam[Settings]):
        selected = {(key.asset_key, key.name) for key in context.selected_asset_check_keys}
        todo = [s for s in suites if any((_asset_key(s), check) in selected for check in s.check_names)]
        for result, suite in zip(layer.check_layer(settings, todo, context.run.run_id, context.log.info), todo):
            for outcome in result.outcomes:
                if (_asset_key(suite), outcome.check) in selected:
                    yield _check_result(suite, result, outcome)

    return gx_layer_checks


def _layers() -> list[AssetChecksDefinition]:
    suites = load_suites()
    return [build_layer_checks(name, [s for s in suites if s.schema == name]) for name in LAYERS]


gx_checks = _layers()
