"""What the report tests share: headless Chromium (with or without CJK fonts), a PNG
decoder for its screenshots, a parser of the marks a page holds, and a release folder
of Parquet files written from rows a test chooses."""

from __future__ import annotations

import io

import json
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
from PIL import Image
import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                  "--hide-scrollbars", "--mute-audio"]
LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")  # Debian's fonts-dejavu-core


def chromium_binary() -> str:
    """Chromium, or a skip that says why: .ci/run installs it (Debian package `chromium`); a test never does."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("headless Chromium is not installed (Debian package `chromium`; .ci/run installs it)")
    return found


def latin_only_fontconfig(folder: Path) -> dict[str, str]:
    """Environment for a process that sees one Latin font and no CJK font at all, as on a
    bare server: a fontconfig whose only font folder holds DejaVu Sans."""
    if not LATIN_FONT.exists():
        pytest.skip(f"{LATIN_FONT} is missing (Debian package fonts-dejavu-core, a dependency of chromium)")
    fonts = folder / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    shutil.copy(LATIN_FONT, fonts / LATIN_FONT.name)
    config = folder / "fonts.conf"
    config.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{fonts}</dir><cachedir>{folder / "cache"}</cachedir></fontconfig>
""", encoding="utf-8")
    return {"FONTCONFIG_FILE": str(config)}


def chromium(args: list[str], profile: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([chromium_binary(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=180, env={**os.environ, **(env or {})})


class Marks(HTMLParser):
    """Elements by tag.class, with their attributes, and the text of each element's class."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, list[dict]] = {}
        self.tags: Counter = Counter()
        self.texts: dict[str, list[str]] = {}
        self._open: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags[tag] += 1
        classes = (attributes.get("class") or "").split()
        keys = [f"{tag}.{css}" for css in classes]  # each class alone, and all of them: text.value.forecast
        if len(classes) > 1:
            keys.append(f"{tag}.{'.'.join(classes)}")
        if not classes:
            keys = [tag]
        for key in keys:
            self.found.setdefault(key, []).append(attributes)
        if tag not in ("circle", "rect", "line", "polyline", "meta", "i", "br"):
            self._open.append(keys)

    def handle_endtag(self, tag):
        if tag not in ("circle", "rect", "line", "polyline", "meta", "i", "br") and self._open:
            self._open.pop()

    def handle_data(self, data):
        if self._open:
            for key in self._open[-1]:
                self.texts.setdefault(key, []).append(data)


def parse(page: str) -> Marks:
    marks = Marks()
    marks.feed(page)
    return marks


def decode_png(data: bytes) -> tuple[int, int, np.ndarray]:
    """Width, height and RGB pixels (h x w x 3) of a PNG (Chromium's screenshots)."""
    with Image.open(io.BytesIO(data)) as image:
        pixels = np.asarray(image.convert("RGB"))
    return pixels.shape[1], pixels.shape[0], pixels

def write_release(folder: Path, tables: dict[str, str], release_id: str = "20240101T000000000000Z-testrel") -> Path:
    """A release folder as publish writes one: <schema>.<table>.parquet per entry of `tables`
    (name -> a DuckDB SELECT giving its rows) and release.json."""
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        for name, select in tables.items():
            target = str(folder / f"{name}.parquet").replace("'", "''")
            con.execute(f"COPY ({select}) TO '{target}' (FORMAT parquet)")
    finally:
        con.close()
    (folder / "release.json").write_text(json.dumps(
        {"release_id": release_id, "created_at": "2024-01-01T00:00:00+00:00", "built_on": "duckdb",
         "tables": {name: 0 for name in tables}}), encoding="utf-8")
    return folder
