"""The static report: written at each publish, needs nothing from outside, drawn by a real browser.

Headless Chromium (Debian's package; .ci/run installs it) opens serving/report.html
from disk: the DOM it builds must hold one SVG mark per data point the marts have, and
a screenshot must show the charts' colours.
"""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from orchestration.publish.release import current_release
from orchestration.publish.report import CITY_SERIES_SQL, KIND_COLOURS, PALETTE
from tests.conftest import query_catalog
from tests.serving_helpers import require_command

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                  "--hide-scrollbars", "--mute-audio"]


class Marks(HTMLParser):
    """Elements by class, with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, list[dict]] = {}
        self.tags: Counter = Counter()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags[tag] += 1
        for css in (attributes.get("class") or "").split():
            self.found.setdefault(f"{tag}.{css}", []).append(attributes)


def chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    binary = require_command("chromium", "chromium")
    return subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=180)


def decode_png(data: bytes) -> tuple[int, int, np.ndarray]:
    """Width, height and RGB pixels (h x w x 3) of an 8-bit, non-interlaced RGB or RGBA PNG (what
    Chromium writes). Rows filtered None, Sub and Up are undone with numpy, Average and Paeth byte by byte."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8: pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    stride = width * channels
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        kind, line = raw[y, 0], raw[y, 1:]
        if kind == 0:
            row = line.copy()
        elif kind == 1:
            row = (line.reshape(width, channels).astype(np.uint32).cumsum(axis=0) % 256).astype(np.uint8).reshape(-1)
        elif kind == 2:
            row = line + previous  # uint8 wraps around, as the filter wants
        else:
            row, up = [0] * channels + line.tolist(), [0] * channels + previous.tolist()
            for i in range(channels, stride + channels):
                a, b = row[i - channels], up[i]
                if kind == 3:
                    row[i] = (row[i] + ((a + b) >> 1)) & 0xFF
                    continue
                c = up[i - channels]
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - c - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
            row = np.array(row[channels:], dtype=np.uint8)
        out[y] = row
        previous = row
    return width, height, out.reshape(height, width, channels)[:, :, :3]


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i: i + 2], 16) for i in (1, 3, 5))


@pytest.fixture(scope="module")
def expected(sample_refresh):
    query = query_catalog(sample_refresh[0])
    cities = query(CITY_SERIES_SQL)
    compute = query("SELECT region_code, sum(projects_announced), sum(projects_started), sum(projects_completed) "
                    "FROM marts.compute_buildout GROUP BY 1")
    return {
        "series": len({r[0] for r in cities}),
        "points": len(cities),
        "policies": query("SELECT count(*) FROM marts.policy_timeline WHERE published_on IS NOT NULL")[0][0],
        "bars": sum((a > 0) + (s > 0) + (c > 0) for _, a, s, c in compute),
        "city_values": {(r[0], r[3]): r[4] for r in cities},
    }


def test_the_report_is_written_at_publish_and_fetches_nothing(sample_refresh):
    settings, result = sample_refresh
    page = settings.report_html.read_text(encoding="utf-8")
    release_id = current_release(settings.serving_dir)["release_id"]
    assert f'<meta name="modu-release" content="{release_id}">' in page
    assert "default-src 'none'" in page  # the page may not load anything, not even by mistake
    lowered = page.lower()
    assert "<script" not in lowered and "<link" not in lowered and "@import" not in lowered
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", lowered)
    assert "url(" not in lowered
    metadata = next(e.event_specific_data.materialization.metadata for e in result.get_asset_materialization_events()
                    if e.event_specific_data.materialization.asset_key.path == ["serving", "release"])
    assert metadata["report"].value == str(settings.report_html)
    assert metadata["postgres_status"].value == "skipped"  # no `serve` ran for the sample
    assert "no server running" in metadata["postgres"].value["reason"]


def test_chromium_draws_one_mark_per_data_point(sample_refresh, expected, tmp_path):
    report = sample_refresh[0].report_html
    done = chromium(["--dump-dom", report.as_uri()], tmp_path / "profile")
    assert done.returncode == 0, done.stderr[-2000:]
    marks = Marks()
    marks.feed(done.stdout)
    assert marks.tags["svg"] == 3
    assert {a["data-chart"] for a in marks.found["svg.chart"]} == {"enterprises", "policies", "compute"}
    assert len(marks.found["g.series"]) == expected["series"] > 0
    assert len(marks.found["polyline.line"]) == expected["series"]
    points = marks.found["circle.point"]
    assert len(points) == expected["points"]
    regions = [a["data-region"] for a in marks.found["g.series"]]
    drawn = {}
    for series in marks.found["g.series"]:
        assert int(series["data-points"]) > 0
    # each point's value is the mart's (points follow their series in document order)
    index = 0
    for series in marks.found["g.series"]:
        for _ in range(int(series["data-points"])):
            drawn[(series["data-region"], int(points[index]["data-year"]))] = int(points[index]["data-value"])
            index += 1
    assert drawn == expected["city_values"]
    assert "440300" in regions  # Shenzhen is in the race
    assert len(marks.found["circle.policy"]) == expected["policies"] == 11
    assert len(marks.found["rect.bar"]) == expected["bars"] > 0
    assert all(float(b["width"]) > 0 for b in marks.found["rect.bar"])


def test_a_screenshot_shows_the_charts(sample_refresh, tmp_path):
    shot = tmp_path / "report.png"
    done = chromium([f"--screenshot={shot}", "--window-size=900,1800", sample_refresh[0].report_html.as_uri()],
                    tmp_path / "profile")
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    width, height, pixels = decode_png(shot.read_bytes())
    assert (width, height) == (900, 1800)
    flat = pixels.reshape(-1, 3)
    not_white = np.any(flat != 255, axis=1).mean()
    assert not_white > 0.05 and len(np.unique(flat, axis=0)) > 50

    def count(colour: str) -> int:
        return int(np.all(flat == np.array(_rgb(colour), dtype=np.uint8), axis=1).sum())

    assert count(PALETTE[0]) > 20  # the first city's line and points
    assert count(KIND_COLOURS["started"]) > 500  # the compute bars
