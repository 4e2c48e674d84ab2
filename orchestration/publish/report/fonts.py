"""The page's own font: Noto Sans SC, cut down to the characters the page shows, inline.

A reader's machine may have no CJK font at all (many servers and containers have none),
and then every Chinese label is a box. So the page brings its font along: the glyphs of
exactly the characters it shows, as a base64 WOFF in an @font-face (a data: URL, which the
page's Content-Security-Policy allows for fonts and nothing else). Latin text uses the
same font, so labels measure the same on every machine.

The full font comes from the `pylopdf-fonts-zh-cn` wheel (Noto Sans SC 2.004 by Adobe and
Google, SIL Open Font License 1.1, which allows embedding subsets in documents).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

FAMILY = "modu Noto Sans SC"


def source_font() -> Path:
    try:
        import pylopdf_fonts_zh_cn
    except ImportError as err:  # a clear word instead of a report full of boxes
        raise RuntimeError("the report embeds Noto Sans SC from the pylopdf-fonts-zh-cn package, which is not "
                           "installed: run `make` (it installs requirements.lock)") from err
    return pylopdf_fonts_zh_cn.sans_path()


class _Text(HTMLParser):
    """The text a browser draws: element content outside <style>, <script> and <title>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script", "title"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.chunks.append(data)


def visible_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return "".join(parser.chunks)


def is_cjk(char: str) -> bool:
    """A Han character, CJK punctuation or a full-width form: the glyphs Latin fonts lack."""
    name = unicodedata.name(char, "")
    return name.startswith(("CJK ", "FULLWIDTH ", "IDEOGRAPHIC ")) or 0x3000 <= ord(char) <= 0x303F


@dataclass(frozen=True)
class Embedded:
    css: str  # the @font-face rule
    woff_bytes: int  # size of the subset font
    characters: int  # characters it was cut to


SUBSETS_KEPT = 4  # cut fonts kept in the cache folder: a night's page usually needs the last one again


def subset(text: str, cache_dir: Path | None = None) -> bytes:
    """The font cut to the characters of `text`, as WOFF (zlib; WOFF2 would need brotli).

    Cutting takes seconds when the page names many regions; with a cache folder, a page
    whose characters were cut before reuses that font (the file is named by a digest of
    the source font and the characters)."""
    characters = sorted({ord(c) for c in text if c.isprintable()})
    if cache_dir is None:
        return _cut(characters)
    source = source_font()
    key = hashlib.sha256(json.dumps([source.name, source.stat().st_size, CUT_VERSION, characters]).encode())
    cached = cache_dir / f"{key.hexdigest()[:32]}.woff"
    if cached.exists():
        os.utime(cached)  # recently used: kept by the pruning below
        return cached.read_bytes()
    data = _cut(characters)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_name(f".{cached.name}.{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, cached)
    for old in sorted(cache_dir.glob("*.woff"), key=lambda p: p.stat().st_mtime)[:-SUBSETS_KEPT]:
        old.unlink(missing_ok=True)
    return data


CUT_VERSION = "1"  # raise when the options below change, so no font cut the old way is reused


def _cut(characters: list[int]) -> bytes:
    from fontTools import subset as ft_subset

    options = ft_subset.Options()
    options.flavor = "woff"
    options.layout_features = ["kern", "palt"]  # spacing only; the page needs no ligatures or vertical forms
    options.hinting = False  # browsers rasterise CJK outlines well unhinted; hints only add bytes
    options.desubroutinize = True  # compresses better in a small subset
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]  # keep the copyright and the OFL notice in the font
    options.notdef_outline = True
    font = ft_subset.load_font(str(source_font()), options)
    try:
        cutter = ft_subset.Subsetter(options)
        cutter.populate(unicodes=characters)
        cutter.subset(font)
        out = io.BytesIO()
        ft_subset.save_font(font, out, options)
    finally:
        font.close()
    return out.getvalue()


def embed(markup: str, cache_dir: Path | None = None) -> Embedded:
    """The @font-face rule for the text `markup` shows."""
    text = visible_text(markup)
    data = subset(text, cache_dir)
    css = (f'@font-face{{font-family:"{FAMILY}";font-style:normal;font-weight:400;font-display:block;'
           f'src:url(data:font/woff;base64,{base64.b64encode(data).decode("ascii")}) format("woff")}}')
    return Embedded(css, len(data), len({c for c in text if c.isprintable()}))
