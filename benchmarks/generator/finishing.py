"""File finishing: placeholder line breaks, CRLF, GB18030 and gzip, streaming, in a background thread.

DuckDB writes every file as UTF-8 lines (a BOM, where wanted, is part of the header
text). It quotes any value holding a real line break, so line breaks inside quoted
values and blank lines are written as placeholder bytes (sql.LF, sql.CRLF, sql.EOL)
and put in here. All replacements are single bytes, so chunk boundaries never split
one. DuckDB's own gzip writer ran at about 10 MB/s here; zlib at level 1 runs at
~50 MB/s and releases the GIL, so compressing in a second thread while DuckDB formats
the next file hides most of it. Gzip headers carry no file name and mtime 0, so the
bytes depend on the content only.
"""

from __future__ import annotations

import codecs
import gzip
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.generator.sql import CRLF, EOL, LF

GZIP_LEVEL = 1  # national data: benchmarks measure reading the files, not their compression ratio
CHUNK = 1 << 20


def finish_file(src: Path, target: Path, *, gz: bool, encoding: str, crlf: bool, level: int = GZIP_LEVEL) -> None:
    """src (UTF-8 with placeholders) -> target; src is removed. Written to a temporary name and renamed,
    so a file hard-linked elsewhere is replaced, never changed in place."""
    eol = b"\r\n" if crlf else b"\n"
    recode = encoding == "gb18030"
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    encoder = codecs.getincrementalencoder("gb18030")("strict")
    tmp = target.with_name(target.name + ".part")
    with open(src, "rb") as fi, open(tmp, "wb") as raw:
        fo = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=level, mtime=0) if gz else raw
        try:
            while data := fi.read(CHUNK):
                if crlf:
                    data = data.replace(b"\n", b"\r\n")
                data = data.replace(LF.encode(), b"\n").replace(CRLF.encode(), b"\r\n").replace(EOL.encode(), eol)
                fo.write(encoder.encode(decoder.decode(data)) if recode else data)
            if recode:
                fo.write(encoder.encode(decoder.decode(b"", final=True), final=True))
        finally:
            if gz:
                fo.close()
    tmp.replace(target)
    src.unlink()


class Finisher:
    """Runs finish_file in one background thread; wait() re-raises the first error."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.pool = ThreadPoolExecutor(max_workers=1)
        self.futures = []

    def staging(self, target: Path) -> Path:
        return self.tmp / (target.parent.name + "__" + target.name + ".plain")

    def finish(self, src: Path, target: Path, *, gz: bool, encoding: str = "utf-8", crlf: bool = False,
               level: int = GZIP_LEVEL) -> None:
        self.futures.append(self.pool.submit(finish_file, src, target, gz=gz, encoding=encoding, crlf=crlf,
                                             level=level))

    def wait(self) -> None:
        for fut in self.futures:
            fut.result()
        self.pool.shutdown()

    def abandon(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
