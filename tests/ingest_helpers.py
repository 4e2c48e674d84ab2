"""Ingest landed fixture files the way the refresh does, without Dagster.

`Landing` is one throwaway landing folder plus warehouse under a test's tmp_path:
copy fixture files into raw/<source>/, ingest a source, query the build database.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from orchestration.ingest.loader import SourceReport, ingest_source
from orchestration.ingest.sources import SOURCES
from orchestration import warehouse
from orchestration.settings import Settings

MESSY = Path(__file__).parent / "fixtures" / "messy"


def fixture_path(source: str, name: str) -> Path:
    return MESSY / source / name


class Landing:
    def __init__(self, tmp_path: Path):
        self.raw_dir = tmp_path / "raw"
        self.raw_dir.mkdir(exist_ok=True)
        self.settings = Settings(raw_dir=self.raw_dir, warehouse_dir=tmp_path / "wh", keep_releases=2)

    def land(self, source: str, fixture: str, as_name: str | None = None) -> Path:
        """Copy tests/fixtures/messy/<source>/<fixture> to raw/<source>/<as_name or fixture>."""
        target = self.raw_dir / source / (as_name or fixture)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(fixture_path(source, fixture), target)
        return target

    def remove(self, source: str, name: str) -> None:
        (self.raw_dir / source / name).unlink()

    def ingest(self, source: str) -> SourceReport:
        with warehouse.connect(self.settings, keep_order=True) as con:
            return ingest_source(con, SOURCES[source], self.raw_dir, self.settings.scratch_dir,
                                 parquet_dir=self.settings.raw_parquet_dir)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with warehouse.connect(self.settings, read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def count(self, source: str) -> int:
        return self.query(f"select count(*) from raw.{source}")[0][0]

    def rejected(self, source: str) -> list[tuple]:
        """(file, line, raw, reason) of the source's rejected rows, in file and line order."""
        return self.query(
            "select file, line, raw, reason from audit.rejected_rows where source = ? order by file, line",
            [source],
        )

    def rejected_count(self, source: str) -> int:
        return self.query("select count(*) from audit.rejected_rows where source = ?", [source])[0][0]
