"""Nights cost what landed: a raw table that only gained files is validated on the new files' rows.

raw.<source> is the kept rows of one Parquet file per landed file, and a landed file's rows
never change (orchestration/ingest/). A raw suite's result records which files it describes
(`covered_files`: content hash -> ingested_at, from audit.ingested_files; kept in
audit.dq_covered_files, results.py). When the suite's
rules and inputs are those of its previous result and every file that result covered is
still loaded, as it was then (not withdrawn; not repaired, which would load it again at
another time), the night validates:

- the rows of the new files alone (a GX query asset, runner.Target.files) for each check
  whose count adds up across files, and adds the previous result's count: the whole table's
  unexpected count is the previous one plus the new rows', and the check passes when that
  is 0. Its sample is the new rows' if they have unexpected values, else the previous one;
- the whole table, in the same GX context, for each check that does not add up: the row
  count (cheap: a count of the view), and a query that reads the clock (`current_date`),
  whose answer for the old rows changes with the date.

A check adds up across files ("rows") when each row's verdict depends on that row alone
and on nothing that could have changed since: not-null, between and in-set on a column
(their value sets come from seeds, which are part of the suite's version); lineage
uniqueness when its columns include `_file_hash` (rows of two files never collide); and an
unexpected-rows query of the form `SELECT <*|columns> FROM {batch} [WHERE ...]` that names
`{batch}` once, never names its own table, and has no grouping, window, DISTINCT, LIMIT,
set operation, join, sampling or random function anywhere, or of the form `SELECT ...
FROM {batch} [WHERE ...] GROUP BY <keys> HAVING ...` whose keys include `_file_hash` (a
group never spans two files: the raw suites' lineage uniqueness) and that has none of the
rest (a subquery on a seed,
`@regions@`, or on another table whose version is an input, is fine). A `mostly`, a
suite parameter or any other expectation type makes the whole suite validate whole, as do
a first validation, changed rules or seeds, a previous result with an error or without
recorded files, a withdrawn or repaired file. Marts are always validated whole.
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass

import duckdb

from orchestration.quality.results import Landed, SuiteResult
from orchestration.quality.runner import CheckOutcome, Target, Validation
from orchestration.quality.suites import TABLE_REFERENCE, Suite

ROWS, WHOLE = "rows", "whole"  # a check's scope: adds up across files / read on the whole table
LANDED_PART, WHOLE_PART = "landed_rows", "whole_table"  # GX names of the two validations of a suite
ROW_BY_ROW_TYPES = ("expect_column_values_to_not_be_null", "expect_column_values_to_be_between",
                    "expect_column_values_to_be_in_set")
WHOLE_TABLE_TYPES = ("expect_table_row_count_to_be_between",)
ROWS_QUERY = re.compile(r"\s*SELECT\s+(?:\*|\w+(?:\s*,\s*\w+)*)\s+FROM\s+\{batch\}(?:\s+WHERE\s.*)?;?\s*",
                        re.IGNORECASE | re.DOTALL)
_ACROSS_ROWS = (r"OVER|WINDOW|QUALIFY|DISTINCT|LIMIT|OFFSET|UNION|INTERSECT|EXCEPT|JOIN|"
                r"SAMPLE|TABLESAMPLE|random|setseed|uuid|gen_random_uuid|nextval")
NOT_ROW_BY_ROW = re.compile(rf"\b(?:GROUP\s+BY|HAVING|{_ACROSS_ROWS})\b", re.IGNORECASE)
# A query grouping by keys that include _file_hash: a group never spans two landed files,
# so its count adds up across files like a row's (lineage uniqueness: GROUP BY _file_hash, _line).
PER_FILE_QUERY = re.compile(
    r"\s*SELECT\s+[\w\s,()*]+?\s+FROM\s+\{batch\}(?:\s+WHERE\s.*?)?\s+GROUP\s+BY\s+(?P<keys>\w+(?:\s*,\s*\w+)*)"
    r"\s+HAVING\s.*", re.IGNORECASE | re.DOTALL)
NOT_PER_FILE = re.compile(rf"\b(?:{_ACROSS_ROWS})\b", re.IGNORECASE)
CLOCK = re.compile(r"\b(?:current_date|current_time|current_timestamp|localtime|localtimestamp|now|today|"
                   r"get_current_time|get_current_timestamp|transaction_timestamp)\b", re.IGNORECASE)


def scope(expectation: dict, table: str) -> str | None:
    """ROWS, WHOLE, or None when the result of the expectation on `table` cannot be combined across files."""
    kind, kwargs = expectation["type"], expectation["kwargs"]
    if "mostly" in kwargs or "$PARAMETER" in json.dumps(kwargs):
        return None
    if kind in WHOLE_TABLE_TYPES:
        return WHOLE
    if kind in ROW_BY_ROW_TYPES:
        return ROWS
    if kind == "expect_compound_columns_to_be_unique":
        return ROWS if "_file_hash" in kwargs.get("column_list", []) else None
    if kind == "unexpected_rows_expectation":
        query = kwargs["unexpected_rows_query"]
        batches = sum(name == "batch" for _, name, _, _ in string.Formatter().parse(query) if name is not None)
        reads_itself = table in {".".join(m) for m in TABLE_REFERENCE.findall(query)}  # other rows, by name
        if batches != 1 or reads_itself:
            return None
        grouped = PER_FILE_QUERY.fullmatch(query)
        per_file = (grouped is not None and not NOT_PER_FILE.search(query)
                    and "_file_hash" in {key.strip().lower() for key in grouped["keys"].split(",")})
        if not per_file and (not ROWS_QUERY.fullmatch(query) or NOT_ROW_BY_ROW.search(query)):
            return None
        return WHOLE if CLOCK.search(query) else ROWS
    return None


@dataclass(frozen=True)
class LoadedFile:
    file: str  # as landed, relative to the landing folder
    ingested_at: str  # ISO text: a repaired file is ingested again, at another time
    rows: int  # its kept rows: its rows in raw.<source>


def loaded_files(con: duckdb.DuckDBPyConnection, suite: Suite) -> dict[str, LoadedFile] | None:
    """content hash -> file, of the files behind a raw table; None for a mart or without ingest bookkeeping."""
    if suite.schema != "raw":
        return None
    try:
        rows = con.execute("SELECT file_hash, file, ingested_at, kept FROM audit.ingested_files WHERE source = ?",
                           [suite.table]).fetchall()
    except duckdb.CatalogException:
        return None
    return {h: LoadedFile(file, ingested_at.isoformat(), int(kept or 0)) for h, file, ingested_at, kept in rows}


def covered(files: dict[str, LoadedFile] | None) -> dict[str, str] | None:
    """What a result computed on these files records: content hash -> ingested_at."""
    return None if files is None else {h: f.ingested_at for h, f in sorted(files.items())}


@dataclass(frozen=True)
class Increment:
    """A suite validated on its newly landed files, and how its results are made."""

    previous: SuiteResult
    new_files: dict[str, LoadedFile]
    scopes: dict[str, str]  # check -> ROWS or WHOLE
    previous_rows: int

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.new_files.values())

    def checks(self, wanted: str) -> list[str]:
        return [check for check, s in self.scopes.items() if s == wanted]


def plan(suite: Suite, previous: SuiteResult | None, inputs: str | None,
         files: dict[str, LoadedFile] | None) -> Increment | None:
    """The increment to validate, or None when the suite must be validated whole (module docstring)."""
    if suite.schema != "raw" or previous is None or inputs is None or files is None:
        return None
    if previous.suite_version != inputs or previous.covered_files is None:
        return None
    if sorted(o.check for o in previous.outcomes) != sorted(suite.check_names) or any(o.error for o in previous.outcomes):
        return None
    scopes = {e["meta"]["check"]: scope(e, suite.name) for e in suite.expectations}
    if None in scopes.values() or ROWS not in scopes.values():
        return None
    before = {o.check: o for o in previous.outcomes}
    if any(before[check].unexpected_count is None for check, s in scopes.items() if s == ROWS):
        return None
    still_loaded = all(h in files and files[h].ingested_at == at for h, at in previous.covered_files.items())
    new = {h: f for h, f in sorted(files.items()) if h not in previous.covered_files}
    if not still_loaded or not new:
        return None
    return Increment(previous, new, scopes, sum(files[h].rows for h in previous.covered_files))


def targets(suite: Suite, expectations: list[dict], increment: Increment) -> list[Target]:
    """The validation of the new files' rows, and of the whole table for the checks that need it."""
    by_scope = {ROWS: [], WHOLE: []}
    for expectation in expectations:
        by_scope[increment.scopes[expectation["meta"]["check"]]].append(expectation)
    parts = [Target(suite, by_scope[ROWS], files=tuple(increment.new_files), part=LANDED_PART, notes=(
        f"The checks of {suite.name} whose counts add up across landed files, validated on the rows of the newly "
        f"landed files only (this data asset's query). modu adds each count to the previous result's, so the "
        f"asset checks and audit.dq_results describe the whole table; {suite.name}.{WHOLE_PART} has the others."))]
    if by_scope[WHOLE]:
        parts.append(Target(suite, by_scope[WHOLE], part=WHOLE_PART, notes=(
            f"The checks of {suite.name} that do not add up across landed files, validated on the whole table on a "
            f"night that validated only the newly landed rows for the others ({suite.name}.{LANDED_PART}).")))
    return parts


def combine(suite: Suite, increment: Increment, validations: list[Validation]) -> tuple[list[CheckOutcome], Landed]:
    """The suite's outcomes on the whole table, in its order, from the previous result and tonight's validations."""
    tonight = {o.check: (o, str(v.data_docs)) for v in validations for o in v.outcomes}
    before = {o.check: o for o in increment.previous.outcomes}
    outcomes = []
    for check in suite.check_names:
        new, page = tonight[check]
        if increment.scopes[check] == WHOLE:
            outcomes.append(CheckOutcome(**{**vars(new), "data_docs": page}))
            continue
        old = before[check]
        if new.error or new.unexpected_count is None:  # not known for the whole table: validated whole next time
            error = new.error or "GX gave no unexpected count for the landed rows"
            outcomes.append(CheckOutcome(**{**vars(new), "success": False, "error": error}))
            continue
        total = old.unexpected_count + new.unexpected_count
        outcomes.append(CheckOutcome(
            check=check, expectation_type=new.expectation_type, success=total == 0, unexpected_count=total,
            observed_value=new.observed_value, sample=new.sample if new.unexpected_count else old.sample,
            element_count=new.element_count))
    previous = increment.previous
    landed = Landed(files={h: f.file for h, f in increment.new_files.items()}, previous_run=previous.validated_in,
                    combined=tuple(increment.checks(ROWS)), rows=increment.rows,
                    previous_rows=increment.previous_rows, previous_checked_at=previous.checked_at,
                    previous_counts={c: before[c].unexpected_count for c in increment.checks(ROWS)})
    return outcomes, landed
