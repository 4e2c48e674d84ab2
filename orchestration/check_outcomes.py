"""Each asset check's outcome in a run (dbt tests and GX expectations alike), read one way.

Three readers need them: the summary `make refresh` prints, the run summary recorded with
the release, and the alert of a failed run. They read the same events from here, so a check
counts as failed, or as only a warning, the same way in all three.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dagster import AssetCheckSeverity, DagsterEvent, DagsterEventType, DagsterInstance


@dataclass(frozen=True)
class CheckOutcome:
    asset: str  # the checked asset, as the UI writes it ("marts/city_indicators")
    check: str
    passed: bool
    severity: str | None = None  # "ERROR" (a failure stops the night) or "WARN" (the night goes on)
    description: str | None = None

    @property
    def warns_only(self) -> bool:
        return self.severity == AssetCheckSeverity.WARN.value

    def about(self) -> dict[str, str | None]:
        """What an alert or a run summary says of a failed check."""
        return {"asset": self.asset, "check": self.check, "severity": self.severity, "description": self.description}


def _outcome(event: DagsterEvent) -> CheckOutcome:
    evaluation = event.event_specific_data
    return CheckOutcome(evaluation.asset_key.to_user_string(), evaluation.check_name, evaluation.passed,
                        evaluation.severity.value if evaluation.severity else None, evaluation.description)


def outcomes_in(events: Iterable[DagsterEvent]) -> list[CheckOutcome]:
    """The outcomes among a run's events (an in-process result's `all_events`)."""
    return [_outcome(e) for e in events if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION]


def outcomes_of_run(instance: DagsterInstance, run_id: str) -> list[CheckOutcome]:
    """The outcomes the instance has recorded for a run so far."""
    return [_outcome(entry.dagster_event)
            for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)]
