"""The instance `orchestration.cli` writes stores Dagster's events in SQLite, one engine and one
kept connection per file, committing without waiting for the disk."""

import sqlite3.dbapi2
from collections import Counter

from dagster import DagsterEventType, DagsterInstance, job, op

import orchestration.event_log as event_log
from orchestration.cli import prepare_dagster_home
from orchestration.settings import Settings


@op
def say(context):
    for n in range(20):
        context.log.info(f"line {n}")


@job
def chatty():
    say()


def test_the_instance_keeps_every_event_with_one_engine_and_connection_per_file(tmp_path, monkeypatch):
    settings = Settings(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse")
    monkeypatch.setenv("DAGSTER_HOME", "")  # prepare_dagster_home sets it; monkeypatch restores it
    home = prepare_dagster_home(settings)
    made = []
    real = event_log.create_engine
    monkeypatch.setattr(event_log, "create_engine", lambda *a, **k: made.append(a[0]) or real(*a, **k))
    opened = Counter()
    real_connect = sqlite3.dbapi2.connect  # what SQLAlchemy's SQLite dialect calls
    monkeypatch.setattr(sqlite3.dbapi2, "connect", lambda path, *a, **k: opened.update([str(path)]) or real_connect(path, *a, **k))
    with DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, event_log.ReusingSqliteEventLogStorage)
        result = chatty.execute_in_process(instance=instance)
        assert result.success
        logs = [e.user_message for e in instance.all_logs(result.run_id) if not e.is_dagster_event]
        assert [m for m in logs if m.startswith("line ")] == [f"line {n}" for n in range(20)]
        assert instance.all_logs(result.run_id, of_type=DagsterEventType.RUN_SUCCESS)
        with instance.event_log_storage.index_connection() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    # the events sit where Dagster keeps them, one file per run beside the index
    assert (home / "history" / "runs" / f"{result.run_id}.db").exists()
    # about 40 events were stored, through two engines: the run's file and the index
    assert sorted({url.rsplit("/", 1)[-1] for url in made}) == sorted([f"{result.run_id}.db", "index.db"])
    assert len(made) == 2
    # the run's file and the index were each opened a few times for ~40 events (Dagster's own checks
    # open them too); a connection per statement opened them over a hundred times
    runs = home / "history" / "runs"
    assert 1 <= opened[str(runs / f"{result.run_id}.db")] <= 5
    assert 1 <= opened[str(runs / "index.db")] <= 5
