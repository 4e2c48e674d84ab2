"""What the report tests share: headless Chromium (with or without CJK fonts), a PNG
decoder for its screenshots, a parser of the marks a page holds, and a release folder
of Parquet files written from rows a test chooses."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
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
