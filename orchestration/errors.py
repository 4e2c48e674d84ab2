"""Errors that say something about the data, not about the moment.

A DataError is a verdict on the bytes that landed or on what was built from them:
trying again would fail the same way, so it is never retried (retries.py).
"""

from __future__ import annotations

from pathlib import Path


class DataError(Exception):
    """A problem in the data; the step fails at once and the last release stays served."""


class UnreadableFile(DataError):
    """A landed file that cannot be read at all; it fails its source's ingest."""

    def __init__(self, path: Path, why: str):
        super().__init__(f"{path}: {why}")
        self.path = path
        self.why = why
