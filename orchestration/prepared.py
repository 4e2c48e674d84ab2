"""What `make` prepares once per installation for every warehouse (orchestration.cli prepare),
beside the dbt parse in dbt_project/target/: files in build/, each named by the version of
what it was made from, so a file made for other code or packages is never read."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from orchestration.settings import REPO_ROOT

PREPARED_DIR = REPO_ROOT / "build"


def prepared_file(name: str, make: Callable[[], str]) -> Path:
    """build/<name>, written from make() when it is not there yet: `make` prepares it, and a
    night that finds none makes it."""
    path = PREPARED_DIR / name
    if not path.exists():
        text = make()
        PREPARED_DIR.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.{os.getpid()}")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)  # a concurrent night reads a whole file or none
    return path
