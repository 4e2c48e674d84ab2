"""Expectation suites: versioned JSON in expectations/, one per raw table and per mart.

Each expectation carries `meta.check`, the name of its Dagster asset check. Placeholders
are filled at run time, so a vocabulary or a region list lives only in its seed:

- `@regions@` in a query: the region dimension. Raw tables are checked before dbt
  builds marts.dim_region, so they read the regions seed it is built from.
- `@vocabulary:<seed>@` as a `value_set`: the values of the vocabulary seed
  dbt_project/seeds/<seed>.csv (its first column, the key: levels, doc_types,
  compute_events); `@vocabulary:<seed>.<column>@`: the distinct non-empty values of
  one of its columns (units.currency). A value set is never a list in the JSON.
- `meta.modu_relative_to_previous` on expect_table_row_count_to_be_between: the
  row count must stay within [min_ratio, max_ratio] x the count observed at the
  table's previous validated, successful check (max_ratio null: no upper bound; no
  bound at all on the first run). Marts may grow freely; halving overnight is a bad night.

A suite's version (`suite_version`) digests its JSON and the seeds it reads: a result
computed under another version of the rules is never carried over (see layer.py).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from orchestration import versions
from orchestration.settings import REPO_ROOT, SEEDS_DIR

EXPECTATIONS_DIR = REPO_ROOT / "expectations"
REGIONS_SEED = "regions"
REGIONS_PLACEHOLDER = "@regions@"
REGIONS_SEED_SQL = f"(SELECT region_code FROM read_csv('{SEEDS_DIR / 'regions.csv'}', all_varchar = true))"
VOCABULARY = re.compile(r"@vocabulary:([a-z_]+)(?:\.([a-z_]+))?@")
TABLE_REFERENCE = re.compile(r"\b(raw|staging|intermediate|reference|marts|audit)\.([a-z_][a-z0-9_]*)\b")
IN_SET_TYPES = ("expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set",
                "expect_column_distinct_values_to_be_in_set")


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

    @property
    def row_count_check(self) -> str | None:
        """The check whose bounds follow the previous validated row count, if the suite has one."""
        return next((e["meta"]["check"] for e in self.expectations
                     if e.get("meta", {}).get("modu_relative_to_previous")), None)

    @property
    def reads(self) -> list[str]:
        """Other tables the suite's queries read (marts.dim_region): their versions are inputs of its results."""
        queries = " ".join(e["kwargs"].get("unexpected_rows_query", "") for e in self.expectations)
        return sorted({".".join(m) for m in TABLE_REFERENCE.findall(queries)} - {self.name})

    @property
    def seeds(self) -> list[str]:
        """The seeds (file stems) the suite's placeholders read."""
        text = json.dumps(self.expectations)
        found = {REGIONS_SEED} if REGIONS_PLACEHOLDER in text else set()
        found |= {match.group(1) for match in VOCABULARY.finditer(text)}
        return sorted(found)


def load_suites(folder: Path = EXPECTATIONS_DIR) -> list[Suite]:
    suites = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["name"] != path.stem:
            raise ValueError(f"{path}: suite name {data['name']!r} must match the file name")
        suite = Suite(data["name"], data["expectations"])
        for expectation in suite.expectations:
            _check_value_set(path, expectation)
        suites.append(suite)
    return suites


def _check_value_set(path: Path, expectation: dict) -> None:
    """Fail at load, naming the file, when a value set is written out or names no vocabulary."""
    if expectation["type"] not in IN_SET_TYPES:
        return
    value_set = expectation["kwargs"].get("value_set")
    where = f"{path}: {expectation['meta']['check']}"
    match = VOCABULARY.fullmatch(value_set) if isinstance(value_set, str) else None
    if match is None:
        raise ValueError(f"{where}: value_set must be a '@vocabulary:<seed>[.<column>]@' placeholder "
                         f"(the values live in dbt_project/seeds/), not {value_set!r}")
    vocabulary(match.group(1), match.group(2))  # raises when the seed or column does not exist


def vocabulary(seed: str, column: str | None = None) -> list[str]:
    """The values of a vocabulary seed: its key (first column) or the distinct non-empty values of `column`."""
    path = SEEDS_DIR / f"{seed}.csv"
    if not path.exists():
        raise ValueError(f"vocabulary {seed!r}: no seed {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        key = column or fields[0]
        if key not in fields:
            raise ValueError(f"vocabulary {seed}.{key}: {path} has no column {key!r} (columns: {', '.join(fields)})")
        values = [(row[key] or "").strip() for row in reader]
    return list(dict.fromkeys(v for v in values if v))


def suite_version(suite: Suite) -> str:
    """A digest of the suite's rules: its expectations and the content of every seed they read."""
    seeds = [hashlib.sha256((SEEDS_DIR / f"{seed}.csv").read_bytes()).hexdigest() for seed in suite.seeds]
    return versions.digest(json.dumps(suite.expectations, sort_keys=True), *suite.seeds, *seeds)


def resolve(suite: Suite, previous_row_count: int | None) -> list[dict]:
    """The suite's expectations with the run-time placeholders filled in."""
    resolved = []
    for expectation in copy.deepcopy(suite.expectations):
        kwargs = expectation["kwargs"]
        if "unexpected_rows_query" in kwargs:
            kwargs["unexpected_rows_query"] = kwargs["unexpected_rows_query"].replace(REGIONS_PLACEHOLDER, REGIONS_SEED_SQL)
        if isinstance(kwargs.get("value_set"), str):
            match = VOCABULARY.fullmatch(kwargs["value_set"])
            kwargs["value_set"] = vocabulary(match.group(1), match.group(2))
        bounds = expectation.get("meta", {}).get("modu_relative_to_previous")
        if bounds and previous_row_count is not None:
            kwargs["min_value"] = int(previous_row_count * bounds["min_ratio"])
            if bounds.get("max_ratio") is not None:
                kwargs["max_value"] = int(previous_row_count * bounds["max_ratio"]) + 1
        resolved.append(expectation)
    return resolved
