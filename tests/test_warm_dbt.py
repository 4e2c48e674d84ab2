"""modu-dbt: a dbt command handed to a dbt process started ahead runs as dbt would, and
modu-dbt is dbt itself whenever no such process is ready (orchestration/transform/warm_dbt.py)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from orchestration.settings import DBT_EXECUTABLE, DBT_LAUNCHER, DBT_PROJECT_DIR, REPO_ROOT, WARM_DBT_SOCKET_VARIABLE
from orchestration.transform import warm_dbt


def _dbt(executable: str, args: list[str], extra_env: dict[str, str] | None = None) -> tuple[int, str, str]:
    done = subprocess.run([executable, *args], cwd=DBT_PROJECT_DIR, env={**os.environ, **(extra_env or {})},
                          capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


def _started_ahead_children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children() if "orchestration.transform.warm_dbt" in " ".join(p.cmdline())]


def test_the_night_runs_modu_dbt():
    assert Path(DBT_LAUNCHER).name == "modu-dbt" and Path(DBT_LAUNCHER).exists()


@pytest.mark.parametrize("args", [["--help"], ["no-such-command"]], ids=["help", "unknown-command"])
def test_a_command_handed_to_a_process_started_ahead_prints_and_exits_as_dbt(args, tmp_path):
    warm_dbt.start("run-1", dict(os.environ), "duckdb", tmp_path)
    messages: list[str] = []
    with warm_dbt.taken("run-1", messages.append) as warm:
        handed = _dbt(DBT_LAUNCHER, args, warm.environment)
    cold = _dbt(DBT_EXECUTABLE, args)
    assert handed == cold
    assert cold[0] == (0 if args == ["--help"] else 2)
    # The process started ahead ran the command (and ended with dbt's code); nothing is left.
    assert warm.process.returncode == cold[0]
    assert messages == [f"dbt ran in process {warm.process.pid}, which the ingest started ahead: its imports "
                        "overlapped the ingest"]
    assert not warm.folder.exists() and not _started_ahead_children()


def test_without_a_ready_process_modu_dbt_is_dbt(tmp_path):
    cold = _dbt(DBT_EXECUTABLE, ["no-such-command"])
    assert _dbt(DBT_LAUNCHER, ["no-such-command"]) == cold
    assert _dbt(DBT_LAUNCHER, ["no-such-command"], {WARM_DBT_SOCKET_VARIABLE: str(tmp_path / "gone.sock")}) == cold
    # A process that ends after taking the connection, before it is ready (its imports failed).
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp_path / "s.sock"))
    listener.listen(1)
    launcher = subprocess.Popen([DBT_LAUNCHER, "no-such-command"], cwd=DBT_PROJECT_DIR, text=True,
                                env={**os.environ, WARM_DBT_SOCKET_VARIABLE: str(tmp_path / "s.sock")},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    conn, _ = listener.accept()
    conn.close()
    listener.close()
    out, err = launcher.communicate(timeout=120)
    assert (launcher.returncode, out, err) == cold


def test_a_process_started_ahead_that_cannot_start_leaves_dbt_to_run_cold(tmp_path):
    broken = tmp_path / "broken" / "dbt"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('dbt cannot be imported here')\n", encoding="utf-8")
    warm_dbt.start("run-2", {**os.environ, "PYTHONPATH": str(broken.parent)}, "duckdb", tmp_path)
    messages: list[str] = []
    with warm_dbt.taken("run-2", messages.append) as warm:
        assert warm.process.wait(timeout=120) == 1
        assert warm.environment == {}
        # Even pointed at its socket, modu-dbt runs dbt itself (no one listens there any more).
        handed = _dbt(DBT_LAUNCHER, ["no-such-command"], {WARM_DBT_SOCKET_VARIABLE: str(warm.socket_path)})
    assert handed == _dbt(DBT_EXECUTABLE, ["no-such-command"])
    assert messages == ["dbt ran cold: the dbt process the ingest started ahead ended first (exit code 1: "
                        "ImportError: dbt cannot be imported here)"]


def test_a_build_is_given_the_parse_made_ahead_only_when_it_would_parse_the_same(tmp_path, monkeypatch):
    folders = {"DBT_TARGET_PATH": str(tmp_path), "DBT_LOG_PATH": str(tmp_path),
               "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR), "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR)}
    for name, value in folders.items():
        monkeypatch.setenv(name, value)  # the process started ahead parsed with these
    build = ["build", "--exclude-resource-type", "unit_test", "--target", "duckdb", "--select", "fqn:*"]
    assert warm_dbt.parse_fits({"args": build, "env": folders}, "duckdb")
    assert warm_dbt.parse_fits({"args": build, "env": {**folders, "DBT_TARGET_PATH": str(tmp_path / ".")}},
                                "duckdb")
    assert not warm_dbt.parse_fits({"args": build, "env": folders}, "spark")
    assert not warm_dbt.parse_fits({"args": ["test", *build[1:]], "env": folders}, "duckdb")
    assert not warm_dbt.parse_fits({"args": build, "env": {**folders, "DBT_TARGET_PATH": str(tmp_path / "other")}},
                                    "duckdb")
    assert not warm_dbt.parse_fits({"args": build, "env": {k: v for k, v in folders.items()
                                                            if k != "DBT_PROFILES_DIR"}}, "duckdb")


def test_modu_dbt_hands_over_its_command_and_forwards_signals_to_the_process_running_it(tmp_path):
    """A stand-in for the process started ahead: modu-dbt sends it the command, its environment
    without the socket, and its stdin, stdout and stderr; a SIGTERM for modu-dbt (dagster-dbt
    stopping dbt) reaches the process running dbt, here a sleep."""
    sleeper = subprocess.Popen(["sleep", "60"])
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp_path / "s.sock"))
    listener.listen(1)
    launcher = subprocess.Popen([DBT_LAUNCHER, "build", "--select", "dim_region"], cwd=DBT_PROJECT_DIR, text=True,
                                env={**os.environ, WARM_DBT_SOCKET_VARIABLE: str(tmp_path / "s.sock")},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    conn, _ = listener.accept()
    warm_dbt.send_message(conn, {"pid": sleeper.pid})
    _, fds, _, _ = socket.recv_fds(conn, 1, 3)
    request = warm_dbt.receive_message(conn)
    assert request["args"] == ["build", "--select", "dim_region"]
    assert Path(request["cwd"]) == DBT_PROJECT_DIR
    assert WARM_DBT_SOCKET_VARIABLE not in request["env"] and request["env"]["PATH"] == os.environ["PATH"]
    with os.fdopen(fds[1], "w") as stdout:
        stdout.write("a line of dbt's\n")
    for fd in (fds[0], fds[2]):
        os.close(fd)
    launcher.send_signal(signal.SIGTERM)
    assert sleeper.wait(timeout=30) == -signal.SIGTERM
    warm_dbt.send_message(conn, {"exit_code": 3})
    out, err = launcher.communicate(timeout=30)
    assert (launcher.returncode, out, err) == (3, "a line of dbt's\n", "")
    conn.close()
    listener.close()


def test_a_process_started_ahead_ends_with_the_process_that_started_it_and_leaves_nothing(tmp_path):
    code = ("import os; from pathlib import Path; from orchestration.transform import warm_dbt; "
            f"started = warm_dbt.start('run-3', dict(os.environ), 'duckdb', Path({str(tmp_path)!r})); "
            "print(started.process.pid, started.folder, flush=True); os._exit(0)")
    pid, folder = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                                 check=True, timeout=60).stdout.split()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if psutil.Process(int(pid)).status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"the process started ahead ({pid}) outlived the process that started it")
    assert not Path(folder).exists()


def test_a_new_run_stops_the_process_another_run_started_ahead(tmp_path):
    warm_dbt.start("run-4", dict(os.environ), "duckdb", tmp_path)
    warm_dbt.start("run-5", dict(os.environ), "duckdb", tmp_path)
    assert len(_started_ahead_children()) == 1
    with warm_dbt.taken("run-4", print) as gone:
        assert gone is None
    messages: list[str] = []
    with warm_dbt.taken("run-5", messages.append) as warm:
        assert warm.process.poll() is None
    assert messages == ["the dbt process the ingest started ahead was stopped unused"]
    assert not _started_ahead_children()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="per-thread priorities are read from Linux's /proc")
def test_the_warm_up_takes_only_idle_cpu_and_the_command_runs_at_normal_priority(tmp_path):
    """The imports and the parse run on a thread at nice 19, so a night's ingest keeps the CPU;
    the main thread, which runs the command, stays at the process's own priority."""
    warm_dbt.start("run-6", dict(os.environ), "duckdb", tmp_path)
    with warm_dbt.taken("run-6", lambda _message: None) as warm:
        pid, seen = warm.process.pid, {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and warm_dbt.WARM_UP_NICE not in seen.values():
            for task in Path(f"/proc/{pid}/task").iterdir():
                try:
                    stat = (task / "stat").read_text()
                except FileNotFoundError:  # a thread that has just ended
                    continue
                seen[int(task.name)] = int(stat[stat.rindex(")") + 2:].split()[16])
            time.sleep(0.02)
    assert seen[pid] == os.getpriority(os.PRIO_PROCESS, 0)
    assert warm_dbt.WARM_UP_NICE in seen.values()


def test_a_folder_left_by_a_killed_night_is_cleared_by_a_later_one(tmp_path):
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    left = tmp_path / f"{warm_dbt.FOLDER_PREFIX}{ended.pid}-abc"
    running = tmp_path / f"{warm_dbt.FOLDER_PREFIX}{os.getpid()}-def"
    for folder in (left, running):
        folder.mkdir()
        (folder / "serve.log").write_text("", encoding="utf-8")
    warm_dbt.clear_folders_left(tmp_path)
    assert not left.exists() and running.exists()
