"""What the Spark parity tests need beyond comparing marts: the messy fixtures landed in one folder.

Comparing two releases' marts lives in benchmarks/marts_diff.py, which the engines benchmark uses too.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.ingest_helpers import MESSY


def land_messy_fixtures(raw_dir: Path) -> Path:
    """Every messy ingest fixture that a source can load (bad_* files fail their source whole)."""
    for folder in sorted(p for p in MESSY.iterdir() if p.is_dir()):
        (raw_dir / folder.name).mkdir(parents=True, exist_ok=True)
        for fixture in sorted(folder.iterdir()):
            if not fixture.name.startswith("bad_"):
                shutil.copyfile(fixture, raw_dir / folder.name / fixture.name)
    return raw_dir
