"""dbt started ahead of its command.

Before dbt reads a file, a dbt process spends about 1.8 s importing dbt and its adapter
and about 0.7 s reading the project's parse: `dbt build` of one view took 3.2-3.3 s from a
fresh process, 1.4-1.7 s handed to a process that had done the imports, and 0.8 s to one
that had also parsed (measured on the national warehouse). A night runs dbt once, after
the ingest, and only when files landed; so the ingest starts a dbt process as soon as it
finds a new file (`start`), and the dbt step hands that process its command (`taken`).
The imports and the parse overlap the ingest instead of following it.

Three parts, all here (the launcher imports nothing else of modu's but settings, and
starts in milliseconds):

- `serve` runs in the process started ahead, on a Unix socket that `start` made and listens
  on: it imports dbt and parses the project as the dbt step's command will (dbt's own
  `dbtRunner`, its documented way to reuse a manifest), on a thread of the lowest priority
  so that the ingest, busy on every core, loses nothing to it (a 1.3M-row registry file
  ingested in 3.7-4.1 s alone, 5.3-6.9 s beside a warm-up at normal priority that parsed
  the whole project, 3.7-3.9 s beside this one); then it runs one command at normal
  priority. A command that would parse something else (another target or folder) parses
  for itself;
- `main` is `modu-dbt` (pyproject's [project.scripts]), the executable the dbt step runs
  instead of dbt. With the socket in its environment it connects, waits until the process
  is ready, hands over its arguments, environment, working folder and its stdin, stdout
  and stderr (the pipe dagster-dbt reads), forwards the signals it gets, and exits with
  dbt's exit code. Without a socket, or when the process started ahead ended before it
  was ready, it becomes dbt itself (exec): it is never worse than running dbt;
- `start` and `taken` manage the process for one run, in the Dagster process.

The process started ahead serves one command and ends, so every dbt command still runs in
a fresh dbt. It also ends when the process that started it ends, or after IDLE_LIMIT_S.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, WARM_DBT_SOCKET_VARIABLE, warm_dbt_socket

# A night whose ingest takes longer than this (a registry far larger than the national one)
# simply runs dbt cold.
IDLE_LIMIT_S = 3600.0
# The nice value of the warm-up (19, the lowest priority).
WARM_UP_NICE = 19
# How long a process that has sent dbt's exit code may take to end before it is stopped.
FINISH_LIMIT_S = 60.0
_LENGTH = struct.Struct("!I")
HANDED = "handed"  # made beside the socket once a launcher has connected; says if the parse was used
# The folders dbt's parse depends on, which `start` sets as dagster-dbt does for the command.
PARSE_FOLDERS = ("DBT_TARGET_PATH", "DBT_LOG_PATH", "DBT_PROFILES_DIR", "DBT_PROJECT_DIR")
_FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


# --- The wire: length-prefixed JSON messages -------------------------------------------------

def send_message(conn: socket.socket, message: dict[str, Any]) -> None:
    payload = json.dumps(message).encode("utf-8")
    conn.sendall(_LENGTH.pack(len(payload)) + payload)


def _read_exactly(conn: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        try:
            chunk = conn.recv(size - len(data))
        except ConnectionResetError:
            return None
        if not chunk:
            return None
        data += chunk
    return data


def receive_message(conn: socket.socket) -> dict[str, Any] | None:
    """The next message, or None when the other side has gone."""
    head = _read_exactly(conn, _LENGTH.size)
    body = _read_exactly(conn, _LENGTH.unpack(head)[0]) if head else None
    return json.loads(body) if body is not None else None


# --- The process started ahead -----------------------------------------------------------------

def _parse(target: str) -> Any:
    """dbt's manifest, parsed as the dbt step's command would parse it (the environment `start`
    gave this process names the same folders as dagster-dbt's), or None if parsing failed:
    the command then parses again and reports the error where the dbt step reads it."""
    from dbt.cli.main import dbtRunner

    args = ["parse", "--quiet", "--target", target]
    sys.argv = ["dbt", *args]  # what dbt's log records as the command
    parsed = dbtRunner().invoke(args)
    return parsed.result if parsed.success else None


def parse_fits(request: dict[str, Any], target: str) -> bool:
    """Whether the command is a build that would parse what this process parsed: the same
    target, folders and project, named as dagster-dbt names them."""
    args, env = request["args"], request["env"]
    same_target = any(a == "--target" and b == target for a, b in zip(args, args[1:], strict=False))
    return bool(args) and args[0] == "build" and same_target and all(
        env.get(name) and os.environ.get(name) and Path(env[name]).resolve() == Path(os.environ[name]).resolve()
        for name in PARSE_FOLDERS)


class _WarmUp(threading.Thread):
    """dbt's imports and the parse, on a thread of the lowest priority: the night's ingest,
    busy on every core, keeps them; they take the CPU it leaves idle. (Linux gives each thread
    its own nice value, and threads it starts inherit it; the command runs on the main thread,
    at normal priority.)"""

    def __init__(self, target: str) -> None:
        super().__init__(name="modu-dbt-warm-up", daemon=True)
        self.target = target
        self.manifest: Any = None
        self.ready = False

    def run(self) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WARM_UP_NICE)
        except OSError:  # not a per-thread priority here (not Linux): at the process's own
            pass
        import dbt.cli.main  # noqa: F401

        self.manifest = _parse(self.target)
        self.ready = True


def serve(listener_fd: int, target: str, parent: int) -> int:
    """Import dbt and parse the project (_WarmUp), then run the one command a launcher hands
    over on the listening socket this process was given (`start` made it, so a launcher that
    comes early waits for this process instead of finding no socket); 0 if none came, 1 if
    dbt could not be imported."""
    listener = socket.socket(fileno=listener_fd)
    socket_path = listener.getsockname()
    warm_up = _WarmUp(target)
    warm_up.start()
    listener.settimeout(1.0)
    started = time.monotonic()
    while True:
        try:
            conn, _ = listener.accept()
            break
        except TimeoutError:
            if not warm_up.is_alive() and not warm_up.ready:
                return 1  # its error is printed; a launcher now finds no one listening and runs dbt
            if os.getppid() != parent or time.monotonic() - started > IDLE_LIMIT_S:
                # Never taken, and no one left to stop it: it clears its folder itself.
                shutil.rmtree(Path(socket_path).parent, ignore_errors=True)
                return 0
    warm_up.join()
    if not warm_up.ready:
        return 1
    import dbt.cli.main

    manifest = warm_up.manifest
    listener.close()
    os.unlink(socket_path)
    conn.settimeout(None)
    send_message(conn, {"pid": os.getpid()})
    _, fds, _, _ = socket.recv_fds(conn, 1, 3)
    request = receive_message(conn)
    if request is None or len(fds) != 3:
        return 1
    parsed = manifest is not None and parse_fits(request, target)
    Path(socket_path).with_name(HANDED).write_text("parsed" if parsed else "", encoding="utf-8")
    for fd_number, fd in enumerate(fds):
        os.dup2(fd, fd_number)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["dbt", *request["args"]]
    try:
        # What dbt's own console script does (`sys.exit(cli())`), with the handed-over arguments
        # and, as dbt's programmatic dbtRunner(manifest=...) does, the manifest parsed ahead.
        dbt.cli.main.cli.main(args=request["args"], prog_name="dbt", obj={"manifest": manifest} if parsed else None)
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    sys.stdout.flush()
    sys.stderr.flush()
    send_message(conn, {"exit_code": code})
    return code


# --- The launcher (modu-dbt) ---------------------------------------------------------------------

def _ready_process(socket_path: str | None) -> tuple[socket.socket, int] | None:
    """A connection to the process started ahead, once it is ready, and its pid."""
    if not socket_path:
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(socket_path)
    except OSError:  # gone, or never started
        conn.close()
        return None
    ready = receive_message(conn)
    if ready is None:  # it ended before it was ready (its imports failed, or it was stopped)
        conn.close()
        return None
    return conn, ready["pid"]


def main() -> int:
    args = sys.argv[1:]
    ready = _ready_process(warm_dbt_socket())
    if ready is None:
        os.execv(DBT_EXECUTABLE, [DBT_EXECUTABLE, *args])
    conn, pid = ready

    def forward(number: int, _frame: object) -> None:
        try:
            os.kill(pid, number)
        except ProcessLookupError:
            pass

    for number in _FORWARDED_SIGNALS:
        signal.signal(number, forward)
    socket.send_fds(conn, [b"\0"], [0, 1, 2])
    env = {name: value for name, value in os.environ.items() if name != WARM_DBT_SOCKET_VARIABLE}
    send_message(conn, {"args": args, "cwd": os.getcwd(), "env": env})
    done = receive_message(conn)
    if done is None:
        print(f"modu-dbt: dbt (process {pid}, started ahead) ended without an exit code", file=sys.stderr)
        return 1
    return int(done["exit_code"])


# --- In the Dagster process: one process started ahead per run ---------------------------------

@dataclass
class Started:
    process: subprocess.Popen
    folder: Path  # the socket, and what the process printed before any command

    @property
    def socket_path(self) -> Path:
        return self.folder / "dbt.sock"

    @property
    def environment(self) -> dict[str, str]:
        """What the dbt step adds to dbt's environment so that modu-dbt finds this process."""
        return {WARM_DBT_SOCKET_VARIABLE: str(self.socket_path)} if self.process.poll() is None else {}

    def stop(self) -> str:
        """Stop it and say, for the step's log, whether dbt ran in it.

        One that was handed the command is waited for, as one waits for dbt's own process:
        only once it has ended has it let go of the database. One never handed a command is
        stopped at once."""
        handed = (self.folder / HANDED).exists()
        parsed = handed and (self.folder / HANDED).read_text(encoding="utf-8") == "parsed"
        if handed and self.process.poll() is None:
            try:
                self.process.wait(timeout=FINISH_LIMIT_S)
            except subprocess.TimeoutExpired:
                pass
        ended_first = self.process.poll()
        if ended_first is None:
            self.process.terminate()
            self.process.wait()
        printed = (self.folder / "serve.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()
        shutil.rmtree(self.folder, ignore_errors=True)
        if handed:
            return (f"dbt ran in process {self.process.pid}, which the ingest started ahead: its imports "
                    + ("and its parse " if parsed else "") + "overlapped the ingest")
        if ended_first is not None:
            return (f"dbt ran cold: the dbt process the ingest started ahead ended first (exit code {ended_first}"
                    + (f": {printed[-1]}" if printed else "") + ")")
        return "the dbt process the ingest started ahead was stopped unused"


_started: dict[str, Started] = {}
_lock = threading.Lock()
FOLDER_PREFIX = "modu-dbt-"


def clear_folders_left(root: Path) -> None:
    """Remove the folders of processes started ahead by a process that no longer runs: both
    were killed (a killed refresh's whole process group) before either could remove them."""
    for folder in root.glob(f"{FOLDER_PREFIX}*-*"):
        owner = folder.name[len(FOLDER_PREFIX):].split("-")[0]
        if owner.isdigit() and not _running(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # PermissionError: another user's process, running
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def start(run_id: str, env: dict[str, str], target: str, target_dir: Path) -> Started:
    """Start dbt ahead for this run (once), to build `target` with its artifacts in `target_dir`,
    as the dbt step will; a process left by another run is stopped."""
    with _lock:
        if run_id in _started:
            return _started[run_id]
        for other in list(_started):
            _started.pop(other).stop()
        # A short folder (a Unix socket's path is limited to about 100 bytes), named by this
        # process, so that a later night clears it if both processes were killed.
        clear_folders_left(Path(tempfile.gettempdir()))
        folder = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
        # What dagster-dbt sets for the command (DbtCliResource.cli), so the parse is the command's.
        folders = dict(zip(PARSE_FOLDERS, (str(target_dir), str(target_dir), str(DBT_PROJECT_DIR),
                                           str(DBT_PROJECT_DIR)), strict=True))
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener, \
                open(folder / "serve.log", "wb") as printed:
            listener.bind(str(folder / "dbt.sock"))
            listener.listen(1)
            process = subprocess.Popen(
                [sys.executable, "-m", "orchestration.transform.warm_dbt", str(listener.fileno()), target,
                 str(os.getpid())],
                env={**env, **folders, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}, cwd=DBT_PROJECT_DIR,
                stdin=subprocess.DEVNULL, stdout=printed, stderr=subprocess.STDOUT, pass_fds=[listener.fileno()])
        _started[run_id] = Started(process, folder)
        return _started[run_id]


@contextmanager
def taken(run_id: str, log: Callable[[str], None]) -> Iterator[Started | None]:
    """The process started ahead for this run, if any, while the dbt step uses it; stopped
    after, and the step's log says whether dbt ran in it."""
    with _lock:
        started = _started.pop(run_id, None)
    if started is None:
        yield None
        return
    try:
        yield started
    finally:
        log(started.stop())


if __name__ == "__main__":
    from orchestration.process_exit import exit_now

    # Without tearing dbt's modules down: the dbt step waits for this process to end.
    exit_now(serve(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
