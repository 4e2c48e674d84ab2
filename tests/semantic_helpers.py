"""Asking the metrics command in-process, and comparing its rows with what a table serves."""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation

from orchestration.semantic.cli import run
from orchestration.settings import Settings

# The metrics of issue 18, each with its view in every release.
THE_NINE = {"ai_enterprises", "ai_enterprise_growth", "ai_enterprises_per_million_residents", "ai_output_share_of_gdp",
            "policy_documents", "plans_in_force", "compute_capacity_pflops", "compute_projects_started",
            "investment_announced_cny"}


def ask(settings: Settings, *argv: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `python -m orchestration.cli metrics ARGV` on these settings."""
    out, err = io.StringIO(), io.StringIO()
    return run(settings, list(argv), out, err), out.getvalue(), err.getvalue()


def same_value(row) -> tuple:
    """A row as comparable values: numbers as Decimals (the command's table gives a DECIMAL sum as a
    float, 2570000000000.0; the view 2570000000000.00), the rest as text, null as ''."""
    found = []
    for value in row:
        text = "" if value is None else str(value)
        try:
            found.append((0, Decimal(text), ""))
        except InvalidOperation:
            found.append((1, Decimal(0), text))
    return tuple(found)
