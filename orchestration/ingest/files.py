"""Landed files: finding them, fingerprinting them, and making them readable UTF-8.

Encodings are detected by strict decoding, not guessed: a file that decodes as
UTF-8 without error is UTF-8 (a BOM is allowed); otherwise one that decodes as
GB18030 (a superset of GBK and GB2312) is GB18030; anything else is unreadable.
The contract admits exactly these encodings, and a strict trial cannot mislabel
them, where a statistical detector can take a short GBK file for another CJK
code page.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from orchestration.errors import UnreadableFile

CHUNK = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class LandedFile:
    path: Path
    relative_path: str  # relative to the landing folder, as recorded in lineage
    content_hash: str  # sha256 of the bytes as landed, so renames are the same file
    gzipped: bool
    encoding: str  # 'utf-8', 'utf-8-sig' or 'gb18030'


def discover(raw_dir: Path, folder: str, suffixes: tuple[str, ...]) -> list[Path]:
    base = raw_dir / folder
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_file() and p.name.endswith(suffixes))


def _open_bytes(path: Path, gzipped: bool):
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def _is_gzipped(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


def _content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _decodes_as(path: Path, gzipped: bool, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with _open_bytes(path, gzipped) as f:
            while chunk := f.read(CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def inspect(path: Path, raw_dir: Path) -> LandedFile:
    """Fingerprint a landed file and detect its compression and encoding."""
    gzipped = _is_gzipped(path)
    try:
        with _open_bytes(path, gzipped) as f:
            head = f.read(3)
    except (OSError, EOFError) as exc:
        raise UnreadableFile(path, f"cannot be decompressed ({exc})") from exc
    try:
        if _decodes_as(path, gzipped, "utf-8"):
            encoding = "utf-8-sig" if head == codecs.BOM_UTF8 else "utf-8"
        elif _decodes_as(path, gzipped, "gb18030"):
            encoding = "gb18030"
        else:
            raise UnreadableFile(path, "is neither UTF-8 nor GB18030/GBK text")
    except (OSError, EOFError) as exc:
        raise UnreadableFile(path, f"cannot be decompressed ({exc})") from exc
    return LandedFile(
        path=path,
        relative_path=path.relative_to(raw_dir).as_posix(),
        content_hash=_content_hash(path),
        gzipped=gzipped,
        encoding=encoding,
    )


def readable_path(landed: LandedFile, scratch_dir: Path) -> Path:
    """A path DuckDB can read as UTF-8 text (gzip it decompresses itself).

    GB18030 files are transcoded once into the scratch folder; the caller removes
    the copy when the ingest is done.
    """
    if landed.encoding != "gb18030":
        return landed.path
    scratch_dir.mkdir(parents=True, exist_ok=True)
    target = scratch_dir / f"{landed.content_hash}.utf8.txt"
    decoder = codecs.getincrementaldecoder("gb18030")("strict")
    with _open_bytes(landed.path, landed.gzipped) as src, open(target, "w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return target
