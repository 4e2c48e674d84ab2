"""The small adapter that makes Great Expectations 1.24 push its checks down to DuckDB.

GX has no DuckDB support out of the box. Two things go wrong, and both are mended
here, plus one import hazard (3):

1. GX opens a pooled connection per query and reads results after closing it; a
   DuckDB connection's results die with it, so every metric comes back empty. GX
   keeps one persisted connection for dialects listed in
   `_PERSISTED_CONNECTION_DIALECTS` (sqlite, mssql, ...); we add "duckdb" to that
   list. GX tests membership with `dialect_name in (...)` (string equality) and
   reads `.value` elsewhere, so the entry is a str that also has `.value`.
2. That persisted connection, and the engines behind it, outlive the validation:
   the DuckDB file would stay open in this process and the next writer (dbt) would
   meet a lock. `connections_closed_afterwards` closes every connection GX opened.
3. GX imports pyspark, Spark Connect included, whenever pyspark is installed (the
   `spark` extra is). In a Dagster run worker, whose `__main__` has neither
   `__spec__` nor `__file__`, pyspark's Spark Connect guard takes the process for a
   doctest run and calls sys.exit(0): every GX check step died of it.
   `import_great_expectations` hides pyspark while GX is imported. modu never hands
   GX a Spark dataframe, and the process can still import pyspark afterwards.

GX is imported lazily: it takes seconds to import, and the Dagster definitions
must load fast.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType


_IMPORT_LOCK = threading.Lock()  # one import at a time: a second caller waits for the whole module


def import_in_background() -> None:
    """Start importing GX in a daemon thread, so that a night's first check step finds it loaded.

    The ingest calls it when files land (GX will then validate): the import's seconds of
    Python pass while DuckDB parses, and a night that lands nothing never imports GX."""
    if "great_expectations" not in sys.modules:
        threading.Thread(target=import_great_expectations, name="modu-import-gx", daemon=True).start()


def import_great_expectations() -> ModuleType:
    """`import great_expectations`, with pyspark hidden from it (see the module docstring, 3)."""
    with _IMPORT_LOCK:
        return _import_great_expectations()


def _import_great_expectations() -> ModuleType:
    if "great_expectations" in sys.modules:
        return sys.modules["great_expectations"]
    # A None entry makes `import pyspark...` raise ImportError, which GX's compatibility
    # module catches; a pyspark this process already uses is left alone except for Spark Connect.
    hidden = "pyspark.sql.connect" if "pyspark" in sys.modules else "pyspark"
    if hidden in sys.modules:
        hidden = None
    if hidden:
        sys.modules[hidden] = None  # type: ignore[assignment]
    try:
        import great_expectations
    finally:
        if hidden and sys.modules.get(hidden, "") is None:
            del sys.modules[hidden]
    return great_expectations


class _DialectName(str):
    @property
    def value(self) -> str:
        return str(self)


def register_duckdb_as_persisted_connection_dialect() -> None:
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module

    if "duckdb" not in engine_module._PERSISTED_CONNECTION_DIALECTS:
        engine_module._PERSISTED_CONNECTION_DIALECTS = (
            *engine_module._PERSISTED_CONNECTION_DIALECTS,
            _DialectName("duckdb"),
        )


def connection_string(db_path: Path) -> str:
    return f"duckdb:///{db_path}"


@contextmanager
def connections_closed_afterwards() -> Iterator[None]:
    """Close every DBAPI connection SQLAlchemy opens inside the block, when it ends.

    Listening on the pool's connect event catches the connections of every engine GX
    builds (the fluent datasource's and the execution engine's), without scanning
    the heap for them.
    """
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    opened = []

    def remember(_dbapi_connection, record) -> None:
        opened.append(record)

    event.listen(Pool, "connect", remember)
    try:
        yield
    finally:
        event.remove(Pool, "connect", remember)
        for record in opened:
            record.invalidate()  # closes the DuckDB connection; the pool will not reuse or reset it
