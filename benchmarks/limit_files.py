"""The limit's file handling (benchmarks/limit.py): landed bytes -> UTF-8 text DuckDB reads, and
where each CSV record starts.

Independent of orchestration/ingest (the limit is a yardstick, not a copy). One pass over a
landed file's bytes, in 16 MiB blocks: the sha256 of the bytes as landed (a file is known by
its content), gunzip (into a plain scratch copy, so DuckDB's CSV reader splits it in parallel
and reads it twice without inflating it twice), GB18030 -> UTF-8 (the contract's other
encoding; sniffed on the first block, and again when DuckDB finds bytes that are no UTF-8 further
on), and, for CSV, the line map: the byte offset of every newline and which newlines fall
inside a quoted value (RFC 4180: a record continues over them), with numpy so the per-byte work
stays in C.

`kept_lines` turns the line map and the reader's rejected records into the physical line of
every row the reader kept, in order; the caller proves it by count (the reader's kept rows must
be exactly the lines that start a record and were not rejected) and otherwise reads the file
line-exactly with Python's csv module (`read_line_exact`).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BLOCK = 1 << 24
SNIFF = 1 << 16
GZIP_MAGIC = b"\x1f\x8b"


class UnreadableFile(Exception):
    pass


@dataclass
class LineMap:
    newline_at: np.ndarray  # byte offset of every '\n' in the UTF-8 text
    inside: np.ndarray  # bool per newline: inside a quoted value (the record goes on)
    empty: np.ndarray  # bool per line ending at that newline: nothing but an optional '\r'
    lines: int  # physical lines holding text (a last line without '\n' counts)

    def line_of(self, byte_offsets: np.ndarray) -> np.ndarray:
        """1-based physical line of each byte offset."""
        return np.searchsorted(self.newline_at, byte_offsets, side="left") + 1


@dataclass
class Landed:
    path: Path
    relative: str
    sha256: str
    gzipped: bool
    encoding: str  # utf-8, utf-8-sig, gb18030
    text: Path  # UTF-8 text DuckDB reads: the landed file itself, or a scratch copy
    line_map: LineMap | None = None


class _Scanner:
    def __init__(self) -> None:
        self.offset = 0
        self.quotes = 0
        self.last_byte = -1
        self.newlines: list[np.ndarray] = []
        self.inside: list[np.ndarray] = []
        self.empty: list[np.ndarray] = []
        self.prev_newline = -1

    def feed(self, data: bytes) -> None:
        if not data:
            return
        a = np.frombuffer(data, np.uint8)
        nl = np.flatnonzero(a == 10)
        q = np.flatnonzero(a == 34)
        if len(nl):
            self.inside.append((self.quotes + np.searchsorted(q, nl)) % 2 == 1)
            at = nl + self.offset
            starts = np.concatenate(([self.prev_newline + 1], at[:-1] + 1))
            length = at - starts
            before = np.where(nl > 0, a[np.maximum(nl - 1, 0)], self.last_byte)
            self.empty.append((length == 0) | ((length == 1) & (before == 13)))
            self.newlines.append(at)
            self.prev_newline = int(at[-1])
        self.quotes += len(q)
        self.offset += len(data)
        self.last_byte = int(a[-1])

    def result(self) -> LineMap:
        def cat(parts, dtype):
            return np.concatenate(parts) if parts else np.zeros(0, dtype)
        newline_at = cat(self.newlines, np.int64)
        trailing = self.offset > self.prev_newline + 1  # text after the last newline
        return LineMap(newline_at, cat(self.inside, bool), cat(self.empty, bool), len(newline_at) + int(trailing))


def _blocks(path: Path, gzipped: bool, digest):
    with open(path, "rb") as f:
        inflater = zlib.decompressobj(wbits=47) if gzipped else None  # 32 + 15: gzip header
        while block := f.read(BLOCK):
            digest.update(block)
            if inflater is None:
                yield block
                continue
            data = block
            while data:
                yield inflater.decompress(data, BLOCK)
                data = inflater.unconsumed_tail
                if inflater.eof and inflater.unused_data:  # another gzip member
                    data, inflater = inflater.unused_data + data, zlib.decompressobj(wbits=47)
        if inflater is not None:
            tail = inflater.flush()
            if tail:
                yield tail
            if not inflater.eof:
                raise UnreadableFile(f"{path}: the gzip stream is truncated")


def _is_utf8(head: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
        return True
    except UnicodeDecodeError:
        return False


def land(path: Path, raw_dir: Path, scratch: Path, csv_lines: bool, force_encoding: str | None = None) -> Landed:
    """Hash, gunzip, transcode and (csv_lines) map the lines of one landed file, in one pass."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == GZIP_MAGIC
    digest = hashlib.sha256()
    scanner = _Scanner() if csv_lines else None
    encoding = force_encoding
    decoder = None
    out = None
    target = scratch / (path.name + ".utf8")
    try:
        for block in _blocks(path, gzipped, digest):
            if encoding is None:
                encoding = "utf-8" if _is_utf8(block[:SNIFF]) else "gb18030"
                if encoding == "utf-8" and block.startswith(codecs.BOM_UTF8):
                    encoding = "utf-8-sig"
            if encoding == "gb18030" and decoder is None:
                decoder = codecs.getincrementaldecoder("gb18030")("strict")
            if decoder is not None:
                block = decoder.decode(block).encode("utf-8")
            if (gzipped or decoder is not None) and out is None:
                scratch.mkdir(parents=True, exist_ok=True)
                out = open(target, "wb")
            if out is not None:
                out.write(block)
            if scanner is not None:
                scanner.feed(block)
        if decoder is not None:
            tail = decoder.decode(b"", final=True).encode("utf-8")
            out.write(tail)
            if scanner is not None:
                scanner.feed(tail)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{path}: neither UTF-8 nor GB18030 text ({exc.reason})") from exc
    except (OSError, zlib.error) as exc:
        raise UnreadableFile(f"{path}: cannot be read ({exc})") from exc
    finally:
        if out is not None:
            out.close()
    return Landed(path, path.relative_to(raw_dir).as_posix(), digest.hexdigest(), gzipped, encoding or "utf-8",
                  target if out is not None else path, scanner.result() if scanner else None)


def kept_lines(line_map: LineMap, rejected_starts: np.ndarray) -> np.ndarray:
    """Physical lines of the records the reader kept, in file order: every line but the header,
    lines continuing a quoted value, empty lines and the records it rejected."""
    n = line_map.lines
    starts = np.ones(n + 1, dtype=bool)  # index = line number; 0 unused
    starts[0] = False
    starts[1] = False  # the header
    continued = np.flatnonzero(line_map.inside) + 2  # the line after an inside newline
    starts[continued[continued <= n]] = False
    empty = np.flatnonzero(line_map.empty & ~line_map.inside) + 1
    # a line opened inside a quoted value is part of that value, not an empty line
    starts[empty[empty <= n]] = False
    starts[rejected_starts] = False
    return np.flatnonzero(starts)


def read_line_exact(text: Path, width: int):
    """(line, fields, raw) of every record after the header, fields None for one that is no record of
    `width` fields; exact by construction: Python's csv module reads the lines one by one, and a
    line is what ends at '\n' (the line map's count)."""
    consumed: list[str] = []

    def lines():
        with open(text, "rb") as f:
            for number, raw in enumerate(f):
                line = raw.decode("utf-8")
                if number == 0:
                    line = line.removeprefix("\ufeff")
                consumed.append(line)
                yield line

    reader = csv.reader(lines(), strict=True)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error:  # an unbalanced quote: the lines read so far are no record
            fields = None
        raw = "".join(consumed).rstrip("\r\n")
        span = len(consumed)
        consumed.clear()
        if start > 1 and raw.strip():
            yield start, (fields if fields is not None and len(fields) == width else None), raw
        start += span
