"""Expectation suites: versioned JSON in expectations/, one per raw table and per mart.

Each expectation carries `meta.check`, the name of its Dagster asset check. Two
placeholders are filled at run time:

- `@regions@` in a query: the region dimension. Raw tables are checked before dbt
  builds marts.dim_region, so they read the regions seed it is built from.
- `meta.modu_relative_to_previous` on expect_table_row_count_to_be_between: the
  row count must stay within [min_ratio, max_ratio] x the count observed at the
  table's previous successful check (max_ratio null: no upper bound; no bound at
  all on the first run). Marts may grow freely; halving overnight is a bad night.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

from orchestration.settings import REPO_ROOT, SEEDS_DIR

EXPECTATIONS_DIR = REPO_ROOT / "expectations"
REGIONS_SEED_SQL = f"(SELECT region_code FROM read_csv('{SEEDS_DIR / 'regions.csv'}', all_varchar = true))"


@dataclass(frozen=True)
class Suite:
    name: str  # "<schema>.<table>", the table it checks
    expectations: list[dict]

    @property
    def schema(self) -> str:
        return self.name.split(".")[0]

    @property
    def table(self) -> str:
        return self.name.split(".")[1]

    @property
    def check_names(self) -> list[str]:
        return [e["meta"]["check"] for e in self.expectations]

    @property
    def blocking(self) -> bool:
        """Mart checks block publication; raw checks warn."""
        return self.schema == "marts"


def load_suites(folder: Path = EXPECTATIONS_DIR) -> list[Suite]:
    suites = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["name"] != path.stem:
            raise ValueError(f"{path}: suite name {data['name']!r} must match the file name")
        suites.append(Suite(data["name"], data["expectations"]))
    return suites


def resolve(suite: Suite, previous_row_count: int | None) -> list[dict]:
    """The suite's expectations with the run-time placeholders filled in."""
    resolved = []
    for expectation in copy.deepcopy(suite.expectations):
        kwargs = expectation["kwargs"]
        if "unexpected_rows_query" in kwargs:
            kwargs["unexpected_rows_query"] = kwargs["unexpected_rows_query"].replace("@regions@", REGIONS_SEED_SQL)
        bounds = expectation.get("meta", {}).get("modu_relative_to_previous")
        if bounds and previous_row_count is not None:
            kwargs["min_value"] = int(previous_row_count * bounds["min_ratio"])
            if bounds.get("max_ratio") is not None:
                kwargs["max_value"] = int(previous_row_count * bounds["max_ratio"]) + 1
        resolved.append(expectation)
    return resolved
