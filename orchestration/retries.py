"""Retries: a passing hiccup is tried again; a problem in the data or a bug is not.

The ingest and dbt steps run inside `retry_transient`, which sorts what went wrong:

- transient (another process holds the DuckDB file: "Could not set lock"; any
  DuckDB I/O error; a file read interrupted or failing at the OS level, e.g. EIO,
  EINTR, a file that vanished between listing and reading; EIO/EINTR count even
  where the ingest took the file for unreadable) -> RetryRequested: up to
  MAX_RETRIES more tries with exponential backoff (5 s, 15 s, 35 s) and a log line
  that says why and when the next try is;
- anything else fails the step at once: a data error (an unreadable landed file,
  a failed dbt model or test) would fail the same way again, and so would a bug.
  The steps carry no RetryPolicy, which would retry every exception alike.
"""

from __future__ import annotations

import errno
import gzip
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from dagster import AssetExecutionContext, Failure, RetryRequested

from orchestration.errors import DataError

MAX_RETRIES = 3
BASE_DELAY_SECONDS = 5

DUCKDB_LOCK = "Could not set lock"
# Errors of the device or the network file system, whatever wraps them.
_STRICT_ERRNOS = {errno.EIO, errno.EINTR, errno.EAGAIN, errno.ETIMEDOUT, errno.ESTALE}
_TRANSIENT_ERRNOS = _STRICT_ERRNOS | {errno.EBUSY, errno.ENOENT, errno.ECONNRESET}
# OSErrors that say something about the file or the setup, not about the moment.
_PERMANENT_OS_ERRORS = (PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError, gzip.BadGzipFile)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def transient_reason(exc: BaseException) -> str | None:
    """Why `exc` is worth another try, or None if it is not (a data error, a bug)."""
    for e in _chain(exc):
        # The operating system failed the read (even where the ingest took it for an unreadable file).
        if isinstance(e, InterruptedError) or (
            isinstance(e, OSError) and not isinstance(e, _PERMANENT_OS_ERRORS) and e.errno in _STRICT_ERRNOS
        ):
            return f"file read interrupted ({type(e).__name__}: {e})"[:300]
    for e in _chain(exc):
        if isinstance(e, (Failure, DataError)):
            return None  # a verdict on the data: the same bytes would fail the same way
    for e in _chain(exc):
        if isinstance(e, duckdb.IOException):
            if DUCKDB_LOCK in str(e):
                return "another process holds the DuckDB file (Could not set lock)"
            return f"DuckDB I/O error: {str(e)[:200]}"
        if isinstance(e, OSError) and not isinstance(e, _PERMANENT_OS_ERRORS):
            if isinstance(e, (InterruptedError, TimeoutError, ConnectionError, BlockingIOError, FileNotFoundError)) or (
                e.errno in _TRANSIENT_ERRNOS
            ):
                return f"file read interrupted ({type(e).__name__}: {e})"[:300]
    return None


def transient_text_reason(text: str) -> str | None:
    """The same sorting for an error reported as text (dbt runs DuckDB in its own process)."""
    if DUCKDB_LOCK in text:
        return "another process holds the DuckDB file (Could not set lock)"
    return None


def backoff_seconds(previous_attempts: int) -> float:
    """Wait before the next try, doubling plus the base: 5 s, 15 s, 35 s."""
    return BASE_DELAY_SECONDS * (2 ** (previous_attempts + 1) - 1)


def request_retry(context: AssetExecutionContext, reason: str, cause: BaseException | None = None) -> RetryRequested:
    attempt = context.retry_number  # 0 on the first try
    wait = backoff_seconds(attempt)
    if attempt < MAX_RETRIES:
        context.log.warning(f"transient error, retry {attempt + 1} of {MAX_RETRIES} in {wait:g} s: {reason}")
    else:
        context.log.error(f"transient error persists after {MAX_RETRIES} retries: {reason}")
    retry = RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=wait)
    if cause is not None:
        retry.__cause__ = cause
    return retry


@contextmanager
def retry_transient(context: AssetExecutionContext) -> Iterator[None]:
    """Turn a transient error raised inside into a RetryRequested; let everything else through."""
    try:
        yield
    except RetryRequested:
        raise
    except Exception as exc:
        reason = transient_reason(exc)
        if reason is None:
            raise
        raise request_retry(context, reason, exc) from exc
