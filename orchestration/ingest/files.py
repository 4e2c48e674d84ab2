"""Landed files: finding them, fingerprinting them, and making them readable UTF-8.

One pass over a file's bytes does everything the ingest needs to know before
parsing it: the sha256 of the bytes as landed (so a renamed file is the same
file), whether the decompressed text is strict UTF-8, and how many physical
lines it has (which proves, or disproves, that the CSV reader's row numbers are
line numbers; see csv_reading.py) with where every LINE_INDEX_STEP-th line starts, so a
rejected line's text is read from near it, not from the top. A gzipped CSV file is
inflated into a scratch copy in the same pass: DuckDB reads plain text in parallel (one
thread inflates gzip), and the rejected lines' text is then found by seeking in the
copy instead of inflating the file again. A file whose text is not UTF-8 is decoded as
GB18030 (a superset of GBK and GB2312) into a UTF-8 scratch copy in large blocks, in a
second pass which also counts its lines; anything else is unreadable. Strict trials, not a
statistical detector: the contract admits exactly these encodings, and a
detector can take a short GBK file for another CJK code page.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import uuid
import zlib
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.errors import UnreadableFile

if TYPE_CHECKING:  # imported where it is used: the sensors and freshness checks import this module
    import numpy as np

CHUNK = 1 << 24  # large blocks: Python's per-call cost vanishes, memory stays bounded
# Where every 64th line starts is kept: 125 KB per million lines, and a rejected line's text
# is found by reading at most 63 lines before it.
LINE_INDEX_STEP = 64
GZIP_MAGIC = b"\x1f\x8b"
_TRAILING_BLANKS = b" \t\r\n"


@dataclass(frozen=True)
class Stat:
    """What the file system says about a landed file; equal stats mean an unchanged file."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> "Stat":
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns)


@dataclass(frozen=True)
class LandedFile:
    path: Path
    relative_path: str  # relative to the landing folder, as recorded in lineage
    content_hash: str  # sha256 of the bytes as landed, so renames are the same file
    gzipped: bool
    encoding: str  # 'utf-8', 'utf-8-sig' or 'gb18030'
    stat: Stat
    # Where its records start (CSV) and how many lines it has; None until its text was read.
    line_map: LineMap | None = None
    # Its text as plain UTF-8 in the scratch folder (GB18030; gzip, see inspect), removed
    # after the load; None when DuckDB reads the file as it landed.
    text_copy: Path | None = None

    @property
    def readable(self) -> Path:
        """What DuckDB reads: the text copy, or the file (a gzipped one it inflates itself)."""
        return self.text_copy or self.path

    @property
    def readable_gzipped(self) -> bool:
        return self.gzipped and self.text_copy is None


def discover(raw_dir: Path, folder: str, suffixes: tuple[str, ...]) -> list[Path]:
    base = raw_dir / folder
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_file() and p.name.endswith(suffixes))


def _is_gzipped(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


@dataclass(frozen=True)
class LineMap:
    """Where a CSV file's records start, as far as the bytes tell.

    A record ends at a newline outside double quotes (RFC 4180: a quoted value may
    hold line breaks; a doubled quote inside it does not change the count).
    """

    lines: int  # physical lines up to the last one holding anything but blanks
    # Physical lines whose line break falls inside a quoted value: the next line continues the record.
    continued: tuple[int, ...] = ()
    # Empty physical lines between records (before `lines`): no record, no row.
    blank: tuple[int, ...] = ()
    # Byte offset in the text of lines 1, 1 + LINE_INDEX_STEP, 1 + 2 * LINE_INDEX_STEP, ...
    line_starts: np.ndarray | None = field(default=None, compare=False, repr=False)


class _LineScanner:
    """Builds a LineMap chunk by chunk (numpy: the per-byte work stays in C)."""

    def __init__(self) -> None:
        self.newlines = 0  # newlines seen so far = physical lines ended so far
        self.content_lines = 0
        self.quotes = 0  # double quotes seen so far (odd: inside a quoted value)
        self.last_newline = -1  # offset of the last newline seen, -1 before the first
        self.last_byte = -1  # the previous chunk's last byte
        self.offset = 0  # offset of the next chunk in the text
        self.continued: list[int] = []
        self.blank: list[int] = []
        self.line_starts: list = [[0]]  # line 1 starts the text

    def feed(self, text: bytes) -> None:
        import numpy as np  # here, not at the top: the sensors and freshness checks import this module

        if not text:
            return
        data = np.frombuffer(text, dtype=np.uint8)
        newline_at = np.flatnonzero(data == 10)
        quote_at = np.flatnonzero(data == 34)
        content = len(text.rstrip(_TRAILING_BLANKS))
        if content:  # the lines up to the last one holding more than blanks
            self.content_lines = self.newlines + int(np.searchsorted(newline_at, content)) + 1
        if len(newline_at):
            numbers = self.newlines + 1 + np.arange(len(newline_at))  # the line each newline ends
            inside = (self.quotes + np.searchsorted(quote_at, newline_at)) % 2 == 1
            self.continued.extend(numbers[inside].tolist())
            # An empty line holds nothing but its newline (or '\r\n'); one that starts
            # inside a quoted value is part of that value, not an empty line.
            at = newline_at + self.offset
            length = at - np.concatenate(([self.last_newline + 1], at[:-1] + 1))
            before = np.where(newline_at > 0, data[np.maximum(newline_at - 1, 0)], self.last_byte)
            empty = ((length == 0) | ((length == 1) & (before == 13))) & ~inside
            self.blank.extend(numbers[empty].tolist())
            self.line_starts.append(at[numbers % LINE_INDEX_STEP == 0] + 1)  # the next line starts a step
            self.last_newline = int(at[-1])
        self.newlines += len(newline_at)
        self.quotes += len(quote_at)
        self.offset += len(text)
        self.last_byte = int(data[-1])

    def result(self) -> LineMap:
        import numpy as np

        lines = self.content_lines
        return LineMap(lines, tuple(c for c in self.continued if c < lines),
                       tuple(b for b in self.blank if b <= lines),
                       np.concatenate([np.asarray(a, dtype=np.int64) for a in self.line_starts]))


def _decompressed_chunks(path: Path, gzipped: bool, digest) -> "iter[bytes]":
    """The file's text bytes, chunk by chunk, hashing the bytes as landed on the way."""
    with open(path, "rb") as f:
        if not gzipped:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
                yield chunk
            return
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip, members concatenated
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            data = chunk
            while data:
                yield inflater.decompress(data, CHUNK)
                data = inflater.unconsumed_tail
                if inflater.eof and inflater.unused_data:  # a second gzip member follows
                    data = inflater.unused_data + data
                    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        if not inflater.eof:
            raise EOFError("the gzip stream ends before its end marker (a truncated file?)")


def inspect(path: Path, raw_dir: Path, scratch_dir: Path, inflate: bool = False) -> LandedFile:
    """Fingerprint a landed file, detect compression and encoding, count its lines, and give
    DuckDB text it reads well: one pass over the bytes (two for GB18030).

    Into scratch_dir goes the file's text as plain UTF-8 (LandedFile.text_copy; the caller
    removes it) when DuckDB cannot read it as it landed (GB18030, transcoded in large
    blocks) or, with `inflate`, reads it slowly (gzip, inflated on the way)."""
    gzipped = _is_gzipped(path)
    stat = Stat.of(path)
    digest = hashlib.sha256()
    scanner = _LineScanner()
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    head = b""
    utf8 = True
    copy = _new_copy(scratch_dir) if gzipped and inflate else None
    try:
        with open(copy, "wb") if copy is not None else nullcontext() as out:
            for chunk in _decompressed_chunks(path, gzipped, digest):
                if len(head) < 3:
                    head += chunk[:3]
                if utf8:
                    try:
                        # an ASCII chunk is UTF-8, unless a multi-byte character is still open
                        if not (chunk.isascii() and not decoder.getstate()[0]):
                            decoder.decode(chunk)
                    except UnicodeDecodeError:
                        utf8 = False
                scanner.feed(chunk)
                if utf8 and out is not None:
                    out.write(chunk)
            if utf8:
                decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        utf8 = False
    except (OSError, EOFError, zlib.error) as exc:
        _remove(copy)
        raise UnreadableFile(path, f"cannot be decompressed ({exc})") from exc
    except BaseException:
        _remove(copy)
        raise
    relative = path.relative_to(raw_dir).as_posix()
    if utf8:
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        return LandedFile(path, relative, digest.hexdigest(), gzipped, encoding, stat, scanner.result(), copy)
    _remove(copy)
    # Not UTF-8: GB18030 or unreadable, which is known before anything is loaded.
    copy, line_map = _transcoded_gb18030(path, gzipped, scratch_dir)
    return LandedFile(path, relative, digest.hexdigest(), gzipped, "gb18030", stat, line_map, copy)


def _new_copy(scratch_dir: Path) -> Path:
    scratch_dir.mkdir(parents=True, exist_ok=True)
    return scratch_dir / f"{uuid.uuid4().hex}.txt"  # a name of its own: files of equal content may both be read


def _remove(copy: Path | None) -> None:
    if copy is not None:
        copy.unlink(missing_ok=True)


def _transcoded_gb18030(path: Path, gzipped: bool, scratch_dir: Path) -> tuple[Path, LineMap]:
    """The file's text as UTF-8 in a scratch copy and its line map; unreadable when it is
    not GB18030 (a superset of GBK and GB2312) either."""
    copy = _new_copy(scratch_dir)
    decoder = codecs.getincrementaldecoder("gb18030")("strict")
    scanner = _LineScanner()
    opener = gzip.open if gzipped else open
    try:
        with opener(path, "rb") as src, open(copy, "wb") as dst:
            while chunk := src.read(CHUNK):
                text = decoder.decode(chunk).encode("utf-8")
                scanner.feed(text)
                dst.write(text)
            tail = decoder.decode(b"", final=True).encode("utf-8")
            scanner.feed(tail)
            dst.write(tail)
    except UnicodeDecodeError as exc:
        _remove(copy)
        raise UnreadableFile(path, "is neither UTF-8 nor GB18030/GBK text") from exc
    except (OSError, EOFError) as exc:
        _remove(copy)
        raise UnreadableFile(path, f"cannot be decompressed ({exc})") from exc
    except BaseException:
        _remove(copy)
        raise
    return copy, scanner.result()
