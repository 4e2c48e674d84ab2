"""The Dagster instance's event log: SQLite files as Dagster keeps them, written faster.

Dagster's SQLite event log builds a new SQLAlchemy engine for every statement it runs,
and opens and closes the file each time; a night stores about 850 events with some
2,200 statements. Closing the last connection to a file in WAL mode checkpoints it,
and each commit waits for the disk (synchronous=FULL): on a national empty night those
statements took 4.1 s of 9.5 s. This storage keeps one engine per SQLite file and its
connection open between statements, and commits with synchronous=NORMAL, which in WAL
mode still survives the process being killed; an OS crash may lose the latest events,
never the file. It is the storage of the instance `orchestration.cli` writes
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
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool

ENGINES_KEPT = 16  # the index file and the runs being written or read at once


def _commit_without_waiting_for_the_disk(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class ReusingSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one engine and connection per shard file, kept for the next
    statement, committing with synchronous=NORMAL."""

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
                # Statements run one at a time (under _db_lock): one kept connection serves them all.
                engine = create_engine(self.conn_string_for_shard(shard), poolclass=QueuePool, pool_size=1,
                                       connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                                                     "check_same_thread": False})
                event.listen(engine, "connect", _commit_without_waiting_for_the_disk)
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

    def _dispose_engines(self) -> None:
        with self._engines_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._dispose_engines()  # the run files are deleted: no kept connection may write to one
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()  # closing the files checkpoints their write-ahead logs
        super().dispose()
