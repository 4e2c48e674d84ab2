"""Releases of the marts: immutable Parquet folders behind an atomically switched link.

    serving/releases/<release_id>/<schema>.<table>.parquet   one file per published table
    serving/releases/<release_id>/marts.release_info.parquet one row: which release this is
    serving/releases/<release_id>/release.json               what is in it
    serving/current -> releases/<release_id>                 switched with one rename
    serving/modu.duckdb                                      views over the current release's files

Readers open only serving/: the build database stays private to the refresh, so a
BI tool can never hold the file a refresh writes. The link is replaced by rename(2),
which is atomic, and a release folder is never changed after it is written.

The catalog's views name the files of one release (releases/<id>/...), not
serving/current: a query that joins two marts opens two files, and a link switched
between the two opens would mix two releases. The catalog itself is replaced by
rename, so a connection sees one whole release, the one current when it opened the
catalog; it sees the next one when it reconnects. Pruning keeps the newest
MODU_KEEP_RELEASES releases, so a connection stays valid that many releases long.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from orchestration.publish import descriptions as described
from orchestration.sql import identifier, literal

PUBLISHED_SCHEMAS = ("marts", "audit")
RELEASE_INFO = "marts.release_info"
# The catalog is written in the storage format of DuckDB 1.0 (serialization version 2,
# file version number 64), which every DuckDB 1.x reads: BI drivers ship older DuckDBs
# than the one that builds the warehouse. 1.5.5 would write 0.10.2's format by default;
# naming the version keeps a future default from silently locking older readers out.
CATALOG_STORAGE_VERSION = "v1.0.0"


@dataclass(frozen=True)
class Release:
    release_id: str
    folder: Path
    tables: dict[str, int]  # "<schema>.<table>" -> rows


def new_release_id(run_id: str) -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + run_id[:8]


def write_release(
    build_db: Path, serving_dir: Path, release_id: str, tables: list[str], built_on: str = "duckdb",
    descriptions: dict[str, dict] | None = None, duckdb_config: dict | None = None,
    versions: dict[str, str] | None = None,
) -> Release:
    """Copy the tables ('<schema>.<table>') out of the build database into a new release folder.

    built_on names the engine dbt built the marts on (MODU_TARGET); release.json records it.
    descriptions (descriptions.py) go with the release as descriptions.json; duckdb_config is
    the connection's settings (settings.duckdb_config()). versions are the tables' versions
    (orchestration/versions.py): a table whose version the served release already holds is
    not copied again but hard-linked from that release's file (release folders never change,
    so two releases may share a file).
    """
    releases = serving_dir / "releases"
    staging = releases / f".{release_id}.partial"
    staging.mkdir(parents=True, exist_ok=True)
    versions = versions or {}
    served = _served_versions(serving_dir)
    counts: dict[str, int] = {}
    con = duckdb.connect(str(build_db), read_only=True, config=duckdb_config or {})
    try:
        for table in tables:
            target = staging / f"{table}.parquet"
            if table in versions and table in served and served[table][0] == versions[table]:
                os.link(served[table][1], target)
                counts[table] = served[table][2]
                continue
            con.execute(f"COPY {table} TO {literal(target)} (FORMAT parquet, COMPRESSION zstd)")
            counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()
    created_at = datetime.now(timezone.utc)
    _write_release_info(staging / f"{RELEASE_INFO}.parquet", release_id, created_at, duckdb_config)
    counts[RELEASE_INFO] = 1
    if descriptions is not None:
        described.write(staging, descriptions)
    (staging / "release.json").write_text(
        json.dumps({"release_id": release_id, "created_at": created_at.isoformat(), "built_on": built_on,
                    "tables": counts, "versions": {t: versions[t] for t in tables if t in versions}},
                   ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    folder = releases / release_id
    os.rename(staging, folder)  # a release folder appears whole or not at all
    return Release(release_id, folder, counts)


def _served_versions(serving_dir: Path) -> dict[str, tuple[str, Path, int]]:
    """table -> (version, file, rows) of the served release's versioned tables."""
    current = serving_dir / "current"
    manifest = current / "release.json"
    if not manifest.exists():
        return {}
    folder = current.resolve()
    about = json.loads(manifest.read_text(encoding="utf-8"))
    return {table: (version, folder / f"{table}.parquet", about["tables"][table])
            for table, version in about.get("versions", {}).items()
            if (folder / f"{table}.parquet").exists() and table in about.get("tables", {})}


def _write_release_info(target: Path, release_id: str, created_at: datetime,
                        duckdb_config: dict | None = None) -> None:
    """One row naming the release, in the release itself: a reader that joins it to the
    marts can tell which release answered (Postgres serves the same table)."""
    con = duckdb.connect(config=duckdb_config or {})
    try:
        con.execute(
            "CREATE TABLE release_info AS SELECT ?::VARCHAR AS release_id, ?::TIMESTAMPTZ AS published_at",
            [release_id, created_at],
        )
        con.execute(f"COPY release_info TO {literal(target)} (FORMAT parquet, COMPRESSION zstd)")
    finally:
        con.close()


def switch_current(serving_dir: Path, release: Release) -> None:
    link = serving_dir / "current"
    tmp = serving_dir / f".current.{release.release_id}"
    tmp.unlink(missing_ok=True)
    os.symlink(Path("releases") / release.release_id, tmp)
    os.replace(tmp, link)


def write_catalog(serving_dir: Path, release: Release, catalog: Path, duckdb_config: dict | None = None) -> None:
    """A small DuckDB file of views over one release's files, replaced by rename.

    A reader that has the old catalog open keeps its file and its release (whole);
    a reader that opens the catalog afterwards gets the new one. Written in the
    storage format CATALOG_STORAGE_VERSION so that older DuckDB readers open it.
    Every view and column the release's descriptions.json describes carries it as its
    comment, where BI tools browsing the catalog read it.
    """
    descriptions = described.read(release.folder)
    tmp = catalog.with_name(f".{catalog.name}.{release.release_id}")
    tmp.unlink(missing_ok=True)
    tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
    con = duckdb.connect(config=duckdb_config or {})
    try:
        con.execute(f"ATTACH {literal(tmp)} AS serving_catalog (STORAGE_VERSION '{CATALOG_STORAGE_VERSION}')")
        for schema in sorted({t.split(".")[0] for t in release.tables}):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS serving_catalog.{schema}")
        for table in sorted(release.tables):
            path = release.folder / f"{table}.parquet"
            con.execute(f"CREATE VIEW serving_catalog.{table} AS SELECT * FROM read_parquet({literal(path)})")
            about = descriptions.get(table, {})
            if about.get("description"):
                con.execute(f"COMMENT ON VIEW serving_catalog.{table} IS {literal(about['description'])}")
            columns = {c for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'serving_catalog' "
                "AND schema_name = ? AND table_name = ?", table.split(".")).fetchall()}
            for column, text in about.get("columns", {}).items():
                if text and column in columns:
                    con.execute(f"COMMENT ON COLUMN serving_catalog.{table}.{identifier(column)} IS {literal(text)}")
        con.execute("DETACH serving_catalog")
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


class RollbackError(Exception):
    """A rollback that cannot be done; nothing was changed."""


def list_releases(serving_dir: Path) -> list[dict]:
    """Every complete release kept in serving/releases, oldest first, with `current` marked."""
    releases = serving_dir / "releases"
    link = serving_dir / "current"
    current_id = Path(os.readlink(link)).name if link.is_symlink() else None
    found = []
    if releases.is_dir():
        for folder in sorted(p for p in releases.iterdir() if p.is_dir() and not p.name.startswith(".")):
            manifest = folder / "release.json"
            if manifest.exists():  # a release folder appears whole; one without its manifest is not one
                info = json.loads(manifest.read_text(encoding="utf-8"))
                found.append({**info, "folder": str(folder), "current": folder.name == current_id})
    return found


def rollback(serving_dir: Path, catalog: Path, to: str | None = None,
             duckdb_config: dict | None = None) -> tuple[str | None, Release]:
    """Serve the release before the current one (or release `to`): switch serving/current and
    rewrite the catalog, as a publish does. Returns (the release served until now, the one served now)."""
    releases = list_releases(serving_dir)
    current = next((r for r in releases if r["current"]), None)
    current_id = current["release_id"] if current else None
    if to is not None:
        target = next((r for r in releases if r["release_id"] == to), None)
        if target is None:
            kept = ", ".join(r["release_id"] for r in releases) or "none"
            raise RollbackError(f"release {to} is not kept in {serving_dir / 'releases'} (kept: {kept})")
    else:
        if current_id is None:
            raise RollbackError(f"no release is served from {serving_dir / 'current'}: nothing to roll back")
        older = [r for r in releases if r["release_id"] < current_id]
        if not older:
            raise RollbackError(
                f"no release older than the served {current_id} is kept in {serving_dir / 'releases'}"
            )
        target = older[-1]
    release = Release(target["release_id"], Path(target["folder"]), dict(target["tables"]))
    if release.release_id != current_id:
        switch_current(serving_dir, release)
    write_catalog(serving_dir, release, catalog, duckdb_config)
    return current_id, release
