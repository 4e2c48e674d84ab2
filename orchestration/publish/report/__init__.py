"""The static report of the race: serving/report.html, redrawn at each publish and rollback.

One HTML file that opens from disk without a server or a network: styles, charts (inline
SVG, drawn here, no JavaScript) and its font (a subset of Noto Sans SC, fonts.py) are all
inside it, and a Content-Security-Policy forbids fetching anything. It reads the Parquet
files of one release folder, so it shows exactly one release, and it is replaced by rename.

    data.py               the release's rows, one reader per chart
    vocab.py              legends and labels from the vocabulary seeds
    svg.py                what the charts share (formats, ticks, colours, legends)
    chart_enterprises.py  the headline: AI enterprises per city, published figures ringed
    chart_figures.py      every other published figure; forecasts dashed
    chart_policies.py     the policy timeline, numbered dots and their list
    chart_compute.py      compute-centre projects per region by stage
    fonts.py              the embedded font subset
    page.py               the page around them

Each mark carries data-* attributes (region, year, value, ...) that tests check against
the release's figures.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from orchestration.publish.report.data import open_release, read
from orchestration.publish.report.page import render
from orchestration.settings import Settings

__all__ = ["write_report", "render"]


def write_report(release_folder: Path, target: Path, settings: Settings | None = None) -> dict[str, int]:
    """Render the report of the release in `release_folder` into `target`, replaced by rename.

    Returns how many marks each chart drew (and the embedded font's size), for the
    publish step's metadata. `settings` sizes the DuckDB connection that reads the release.
    """
    release_folder = Path(release_folder).resolve()
    release = json.loads((release_folder / "release.json").read_text(encoding="utf-8"))
    with open_release(release_folder, settings) as con:
        data = read(con, release)
    page, marks = render(data, settings.report_font_cache if settings else None)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return marks
