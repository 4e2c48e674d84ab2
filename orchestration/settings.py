"""Every environment variable modu reads, read here and nowhere else.

Paths are resolved to absolute paths once, so child processes (dbt) and the
Dagster daemon see the same folders whatever their working directory.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
# The dbt of this Python environment, found even when its bin/ is not on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt") if (Path(sys.executable).parent / "dbt").exists() else (
    shutil.which("dbt") or "dbt"
)


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    warehouse_dir: Path
    keep_releases: int

    @property
    def build_dir(self) -> Path:
        return self.warehouse_dir / "build"

    @property
    def build_db(self) -> Path:
        """The private DuckDB the refresh writes; no reader ever opens it."""
        return self.build_dir / "modu.duckdb"

    @property
    def build_lock(self) -> Path:
        return self.build_dir / "modu.duckdb.writer-lock"

    @property
    def scratch_dir(self) -> Path:
        """Transcoded copies of non-UTF-8 files live here while they are ingested."""
        return self.build_dir / "scratch"

    @property
    def dbt_target_dir(self) -> Path:
        return self.build_dir / "dbt"

    @property
    def serving_dir(self) -> Path:
        return self.warehouse_dir / "serving"

    @property
    def catalog_db(self) -> Path:
        """The read-only DuckDB catalog BI tools open: views over the current release."""
        return self.serving_dir / "modu.duckdb"

    @property
    def quality_dir(self) -> Path:
        """The GX project; its Data Docs are at gx/uncommitted/data_docs/local_site/index.html."""
        return self.warehouse_dir / "quality"

    @property
    def data_docs_index(self) -> Path:
        return self.quality_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"

    @property
    def dagster_home(self) -> Path:
        return self.warehouse_dir / "dagster"

    def dbt_env(self) -> dict[str, str]:
        """Variables the dbt profile reads (see dbt_project/profiles.yml)."""
        return {"MODU_BUILD_DB": str(self.build_db)}


def load() -> Settings:
    return Settings(
        raw_dir=Path(os.environ.get("MODU_RAW_DIR", REPO_ROOT / "raw")).resolve(),
        warehouse_dir=Path(os.environ.get("MODU_WAREHOUSE_DIR", REPO_ROOT / "warehouse")).resolve(),
        keep_releases=int(os.environ.get("MODU_KEEP_RELEASES", "5")),
    )
