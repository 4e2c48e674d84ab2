"""How the command line ends: its exit code, its output and its exit handlers survive the
fast exit that skips tearing the imported modules down (orchestration/process_exit.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from orchestration.settings import REPO_ROOT


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=False,
                          cwd=REPO_ROOT, timeout=60)


def test_exit_now_keeps_the_code_the_output_and_the_exit_handlers(tmp_path):
    marker = tmp_path / "handler"
    done = _run(f"""
        import atexit, logging, sys
        from orchestration.process_exit import exit_now
        atexit.register(lambda: open({str(marker)!r}, "w").write("ran"))
        logging.basicConfig(filename={str(tmp_path / "log")!r}, level=logging.INFO)
        logging.info("written by a handler that flushes at exit")
        print("no newline, still buffered", end="")
        print("to stderr", end="", file=sys.stderr)
        exit_now(3)
        print("never")
    """)
    assert done.returncode == 3
    assert (done.stdout, done.stderr) == ("no newline, still buffered", "to stderr")
    assert marker.read_text() == "ran"
    assert (tmp_path / "log").read_text() == "INFO:root:written by a handler that flushes at exit\n"


def test_exit_now_waits_for_a_thread_still_running(tmp_path):
    marker = tmp_path / "thread"
    done = _run(f"""
        import threading, time
        from orchestration.process_exit import exit_now
        def work():
            time.sleep(0.5)
            open({str(marker)!r}, "w").write("finished")
        threading.Thread(target=work).start()
        exit_now(4)
    """)
    assert done.returncode == 4
    assert marker.read_text() == "finished"
