"""Loading a release folder into the server, in one transaction that ends with the swap.

New schemas `marts_next`, `audit_next` and `metrics_next` are created and filled with COPY
(CSV written by pyarrow from the release's Parquet files; the metrics are the rows MetricFlow's
SQL computed at publish, so Postgres serves the numbers the DuckDB catalog and `make metrics` give), described from the release's descriptions.json
(COMMENT ON TABLE / COLUMN), granted to the readers group, then swapped in (swap.py) and
committed. A load that dies midway (killed, server gone) is rolled back by PostgreSQL and
leaves nothing. Loaders take turns on a lock of a table in the admin's private schema,
which no analyst may lock.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from psycopg import sql

from orchestration.publish.postgres.roles import LOADER_LOCK, grant_release
from orchestration.publish.postgres.state import SERVED_SCHEMAS, ServerState
from orchestration.publish.postgres.swap import STAGED, swap
from orchestration.publish.postgres.typemap import csv_ready, pg_type

COPY_BATCH_ROWS = 65_536
DESCRIPTIONS = "descriptions.json"  # {"<schema>.<table>": {"description": ..., "columns": {name: ...}}}


@dataclass(frozen=True)
class LoadResult:
    status: str  # loaded / unchanged / older
    release_id: str
    served_release_id: str | None
    seconds: float
    tables: dict[str, int]
    terminated_sessions: int = 0
    described: int = 0  # tables and columns given a comment from descriptions.json


def _release_tables(folder: Path) -> list[tuple[str, str, Path]]:
    """(schema, table, file) of the published tables in a release folder."""
    found = []
    for path in sorted(folder.glob("*.parquet")):
        schema, _, table = path.name[: -len(".parquet")].partition(".")
        if schema in SERVED_SCHEMAS and table:
            found.append((schema, table, path))
    return found


def _copy_table(cur: psycopg.Cursor, schema: str, table: str, parquet: Path) -> tuple[int, list[str]]:
    """CREATE TABLE from the Parquet schema, then COPY ... FROM STDIN (CSV) batch by batch.
    Returns the rows and the column names."""
    reader = pq.ParquetFile(parquet)
    arrow_schema = reader.schema_arrow
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(field.name), sql.SQL(pg_type(field.type))) for field in arrow_schema
    )
    target = sql.Identifier(schema, table)
    cur.execute(sql.SQL("CREATE TABLE {} ({})").format(target, columns))
    names = sql.SQL(", ").join(sql.Identifier(field.name) for field in arrow_schema)
    options = pa_csv.WriteOptions(include_header=False, quoting_style="all_valid")  # NULL unquoted, '' quoted
    rows = 0
    with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(target, names)) as copy:
        for batch in reader.iter_batches(batch_size=COPY_BATCH_ROWS):
            buffer = io.BytesIO()
            pa_csv.write_csv(csv_ready(batch), buffer, options)
            copy.write(buffer.getbuffer())
            rows += batch.num_rows
    return rows, arrow_schema.names


def read_descriptions(folder: Path) -> dict[str, dict]:
    """descriptions.json of a release ({} when it has none); its shape is checked, a bad one is an error."""
    path = folder / DESCRIPTIONS
    if not path.exists():
        return {}
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise ValueError(f"{path} is not JSON: {err}") from None
    expected = '{"<schema>.<table>": {"description": "...", "columns": {"<column>": "..."}}}'
    if not isinstance(found, dict):
        raise ValueError(f"{path}: expected {expected}")
    for key, entry in found.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("description", ""), (str, type(None))):
            raise ValueError(f"{path}: {key!r} must be {{\"description\": \"...\", \"columns\": {{...}}}}")
        columns = entry.get("columns", {})
        if not isinstance(columns, dict) or not all(isinstance(v, (str, type(None))) for v in columns.values()):
            raise ValueError(f"{path}: the columns of {key!r} must map column names to descriptions")
    return found


def _describe(cur: psycopg.Cursor, descriptions: dict[str, dict], loaded: dict[str, list[str]]) -> tuple[int, list[str]]:
    """COMMENT ON TABLE / COLUMN of the staged tables; returns how many comments were made and
    what was described but is not in the release (skipped)."""
    made, skipped = 0, []
    for key, entry in sorted(descriptions.items()):
        if key not in loaded:
            skipped.append(key)
            continue
        schema, table = key.split(".", 1)
        target = sql.Identifier(STAGED.format(schema), table)
        statements = []
        if entry.get("description"):
            statements.append(sql.SQL("COMMENT ON TABLE {} IS {}").format(target, sql.Literal(entry["description"])))
        for column, text in sorted((entry.get("columns") or {}).items()):
            if column not in loaded[key]:
                skipped.append(f"{key}.{column}")
            elif text:
                statements.append(sql.SQL("COMMENT ON COLUMN {} IS {}").format(
                    sql.Identifier(STAGED.format(schema), table, column), sql.Literal(text)))
        if statements:  # one round trip per table
            cur.execute(sql.SQL("; ").join(statements))
            made += len(statements)
    return made, skipped


def served_release(con: psycopg.Connection) -> str | None:
    if con.execute("SELECT to_regclass('marts.release_info')").fetchone()[0] is None:
        return None
    row = con.execute("SELECT max(release_id) FROM marts.release_info").fetchone()
    return row[0] if row else None


def _take_loader_lock(con: psycopg.Connection) -> None:
    con.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(sql.Identifier(*LOADER_LOCK)))


def load_release(state: ServerState, folder: Path, *, force: bool = False,
                 log: Callable[[str], None] = lambda _m: None) -> LoadResult:
    """Load the release in `folder` and swap it in, all in one transaction.

    Skips a release already served and one older than the served one (a slow publish
    must not put an older release back over a newer one), unless force.
    """
    with psycopg.connect(state.conninfo()) as con:
        _take_loader_lock(con)
        return _load_locked(con, folder.resolve(), reload_same=force, allow_older=force, log=log)


def load_current(state: ServerState, serving_dir: Path,
                 log: Callable[[str], None] = lambda _m: None) -> LoadResult | None:
    """Make the server serve what serving/current points to, older or not (when `serve` starts,
    after a rollback); None when nothing is published yet. The link is read under the loaders'
    lock, so a publish that switches it meanwhile loads its own release after this one, never before."""
    with psycopg.connect(state.conninfo()) as con:
        _take_loader_lock(con)
        link = serving_dir / "current"
        if not (link / "release.json").exists():
            return None
        return _load_locked(con, link.resolve(), reload_same=False, allow_older=True, log=log)


def _load_locked(con: psycopg.Connection, folder: Path, *, reload_same: bool, allow_older: bool,
                 log: Callable[[str], None]) -> LoadResult:
    release_id = json.loads((folder / "release.json").read_text(encoding="utf-8"))["release_id"]
    started = time.monotonic()
    served = served_release(con)
    if served is not None and ((served == release_id and not reload_same) or (served > release_id and not allow_older)):
        con.rollback()
        status = "unchanged" if served == release_id else "older"
        return LoadResult(status, release_id, served, time.monotonic() - started, {})
    descriptions = read_descriptions(folder)  # a broken file stops the load before anything is written
    counts: dict[str, int] = {}
    columns: dict[str, list[str]] = {}
    with con.cursor() as cur:
        for schema in SERVED_SCHEMAS:
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(STAGED.format(schema))))
            cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(STAGED.format(schema))))
        for schema, table, path in _release_tables(folder):
            key = f"{schema}.{table}"
            counts[key], columns[key] = _copy_table(cur, STAGED.format(schema), table, path)
            cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(STAGED.format(schema), table)))
        described, skipped = _describe(cur, descriptions, columns)
        for schema in SERVED_SCHEMAS:
            cur.execute(sql.SQL("COMMENT ON SCHEMA {} IS {}").format(
                sql.Identifier(STAGED.format(schema)), sql.Literal(f"modu release {release_id}")))
        grant_release(con, suffix=STAGED.format(""))
    if skipped:
        log(f"postgres: {DESCRIPTIONS} describes what release {release_id} does not hold, skipped: "
            f"{', '.join(skipped[:10])}{' ...' if len(skipped) > 10 else ''}")
    loaded = time.monotonic()
    terminated = swap(con, log)
    con.commit()
    log(f"postgres: release {release_id} loaded in {loaded - started:.2f} s, swapped in "
        f"{time.monotonic() - loaded:.2f} s ({sum(counts.values())} rows, {described} descriptions)")
    return LoadResult("loaded", release_id, served, time.monotonic() - started, counts, terminated, described)
