"""The Dagster instance's event log: SQLite files as Dagster keeps them, opened faster.

Dagster's SQLite event log builds a new SQLAlchemy engine for every statement it
runs, and a night stores about 800 events with some 2,000 statements: on the
shipped sample that was 7 s of a 12 s night. This storage keeps one engine per
SQLite file (still no pooled connection: each statement opens the file and
closes it, so nothing is held between events and a deleted run file is simply
made again). It is the storage of the instance `orchestration.cli` writes
(dagster.yaml); everything else is Dagster's own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

ENGINES_KEPT = 16  # the index file and the runs being written or read at once


class ReusingSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one engine per shard file, kept for the next statement."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> ReusingSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)  # the parent's names its own class

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            engine = self._engines.pop(shard, None)
            if engine is None:
                engine = create_engine(self.conn_string_for_shard(shard), poolclass=NullPool,
                                       connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
            self._engines[shard] = engine
            while len(self._engines) > ENGINES_KEPT:
                self._engines.popitem(last=False)[1].dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:  # a new run's file, or any file after a wipe
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn
