"""Releases of the marts: immutable Parquet folders behind an atomically switched link.

    serving/releases/<release_id>/<schema>.<table>.parquet   one file per published table
    serving/releases/<release_id>/release.json               what is in it
    serving/current -> releases/<release_id>                 switched with one rename
    serving/modu.duckdb                                      views over serving/current

Readers open only serving/: the build database stays private to the refresh, so a
BI tool can never hold the file a refresh writes. The link is replaced by rename(2),
which is atomic, and a release folder is never changed after it is written.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("marts", "audit")


@dataclass(frozen=True)
class Release:
    release_id: str
    folder: Path
    tables: dict[str, int]  # "<schema>.<table>" -> rows


def _q(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def new_release_id(run_id: str) -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + run_id[:8]


def write_release(build_db: Path, serving_dir: Path, release_id: str, tables: list[str]) -> Release:
    """Copy the tables ('<schema>.<table>') out of the build database into a new release folder."""
    releases = serving_dir / "releases"
    staging = releases / f".{release_id}.partial"
    staging.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        for table in tables:
            target = staging / f"{table}.parquet"
            con.execute(f"COPY {table} TO {_q(target)} (FORMAT parquet, COMPRESSION zstd)")
            counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()
    (staging / "release.json").write_text(
        json.dumps({"release_id": release_id, "created_at": datetime.now(timezone.utc).isoformat(), "tables": counts},
                   ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    folder = releases / release_id
    os.rename(staging, folder)  # a release folder appears whole or not at all
    return Release(release_id, folder, counts)


def switch_current(serving_dir: Path, release: Release) -> None:
    link = serving_dir / "current"
    tmp = serving_dir / f".current.{release.release_id}"
    tmp.unlink(missing_ok=True)
    os.symlink(Path("releases") / release.release_id, tmp)
    os.replace(tmp, link)


def write_catalog(serving_dir: Path, release: Release, catalog: Path) -> None:
    """A small DuckDB file of views over serving/current, replaced by rename.

    A reader that has the old catalog open keeps its file; the views of both read
    through serving/current, so new queries see the new release either way.
    """
    tmp = catalog.with_name(f".{catalog.name}.{release.release_id}")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        for schema in sorted({t.split(".")[0] for t in release.tables}):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        for table in sorted(release.tables):
            path = serving_dir / "current" / f"{table}.parquet"
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet({_q(path)})")
    finally:
        con.close()
    os.replace(tmp, catalog)


def prune(serving_dir: Path, keep: int) -> list[str]:
    """Remove all but the newest `keep` releases (never the current one) and stale partials."""
    releases = serving_dir / "releases"
    current = os.readlink(serving_dir / "current") if (serving_dir / "current").is_symlink() else None
    current_id = Path(current).name if current else None
    finished = sorted(p for p in releases.iterdir() if p.is_dir() and not p.name.startswith("."))
    doomed = [p for p in finished[: max(len(finished) - keep, 0)] if p.name != current_id]
    doomed += [p for p in releases.iterdir() if p.name.startswith(".") and p.name.endswith(".partial")]
    for path in doomed:
        shutil.rmtree(path, ignore_errors=True)
    return [p.name for p in doomed]


def current_release(serving_dir: Path) -> dict | None:
    manifest = serving_dir / "current" / "release.json"
    return json.loads(manifest.read_text(encoding="utf-8")) if manifest.exists() else None
