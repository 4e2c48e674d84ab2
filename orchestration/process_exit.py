"""Ending a process without tearing its modules down: the command line after a night, and
the dbt process started ahead after its command (transform/warm_dbt.py)."""

from __future__ import annotations

import atexit
import os
import sys
import threading


def exit_now(code: int) -> None:
    """End the process with `code` once its exit handlers have run (logging's flush among
    them), without tearing its modules down one by one: after a refresh that took 1.2 s of
    an empty night and 2 s of a national one, to free memory the system takes back at once.
    While a thread other than daemons still runs, the process exits the usual way, which
    waits for it."""
    sys.stdout.flush()
    sys.stderr.flush()
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
