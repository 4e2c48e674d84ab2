"""What every published table and column means, taken from the dbt manifest.

The marts are dbt models and the published audit tables are dbt sources (schema
audit), each documented column by column in the project's YAML: that is the one home
of their descriptions. A release carries them in descriptions.json, and the serving
catalog and the Postgres endpoint put them where BI tools look (COMMENT ON).

    {"marts.city_indicators": {"description": "...", "columns": {"region_code": "...", ...}}, ...}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FILE = "descriptions.json"
# The one table publish writes itself (release.py), described here where it is made.
RELEASE_INFO = {
    "description": "Which release answered: one row naming the release these tables belong to.",
    "columns": {
        "release_id": "Id of the release (UTC time it was published, then the first 8 characters of the run id).",
        "published_at": "When the release was published (UTC).",
    },
}


def from_manifest(manifest: dict[str, Any], tables: list[str]) -> dict[str, dict]:
    """Descriptions of these published tables ('<schema>.<table>') that the manifest documents."""
    documented: dict[str, dict] = {}
    for props in [*manifest["nodes"].values(), *manifest["sources"].values()]:
        if props["resource_type"] not in ("model", "seed", "source"):
            continue
        name = f"{props['schema']}.{props.get('alias') or props.get('identifier') or props['name']}"
        documented[name] = {
            "description": (props.get("description") or "").strip(),
            "columns": {c: (v.get("description") or "").strip() for c, v in props.get("columns", {}).items()},
        }
    found = {table: documented[table] for table in tables if table in documented}
    found["marts.release_info"] = RELEASE_INFO
    return found


def write(folder: Path, descriptions: dict[str, dict]) -> Path:
    path = folder / FILE
    path.write_text(json.dumps(descriptions, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def read(folder: Path) -> dict[str, dict]:
    path = folder / FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
