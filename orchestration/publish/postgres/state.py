"""Names, files and the state `serve` leaves for the publish step (server.json)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import make_conninfo

from orchestration.settings import Settings

DATABASE = "modu"
ADMIN_ROLE = "modu_admin"
ANALYST_ROLE = "analyst"  # the shared read-only role, password MODU_ANALYST_PASSWORD
READERS_ROLE = "modu_readers"  # NOLOGIN group of every analyst role: what they may read is granted to it
# The release's schemas (release.PUBLISHED_SCHEMAS). metrics holds the semantic layer's metric
# rows as tables, computed at publish by MetricFlow's SQL (semantic/publish.py).
SERVED_SCHEMAS = ("marts", "audit", "metrics")
PRIVATE_SCHEMA = "modu_private"  # the admin's own objects (the loaders' lock); no analyst may touch them
# The admin's sessions (publish, rollback, `serve` itself) are exempt from the analysts' limits:
# a national load may run longer than any analyst query should.
ADMIN_OPTIONS = "-c statement_timeout=0 -c idle_in_transaction_session_timeout=0 -c temp_file_limit=-1"


class ServeError(RuntimeError):
    """A reason `serve` cannot start or go on, said in one line (no traceback)."""


@dataclass(frozen=True)
class ServerState:
    """What `serve` writes to server.json: how the publish step reaches the server."""

    host: str
    port: int
    database: str
    admin_user: str
    admin_password: str
    pid: int
    data_dir: str
    log_file: str
    started_at: str
    server_version: str

    def conninfo(self, user: str | None = None, password: str | None = None, database: str | None = None) -> str:
        admin = user is None
        return make_conninfo(
            host=self.host, port=self.port, dbname=database or self.database,
            user=self.admin_user if admin else user, password=self.admin_password if admin else password,
            connect_timeout=5, application_name="modu-publish", **({"options": ADMIN_OPTIONS} if admin else {}),
        )

    def uri(self, user: str = ANALYST_ROLE) -> str:
        """The libpq URI an analyst gives psql as is (password left out: PGPASSWORD or a prompt)."""
        return f"postgresql://{user}@{self.host}:{self.port}/{self.database}"

    def url(self, user: str = ANALYST_ROLE) -> str:
        """The SQLAlchemy URL a BI tool or notebook uses (password left out)."""
        return f"postgresql+psycopg://{user}@{self.host}:{self.port}/{self.database}"


def data_dir(s: Settings) -> Path:
    return s.postgres_dir / "data"


def log_file(s: Settings) -> Path:
    return s.postgres_dir / "postgres.log"


def admin_file(s: Settings) -> Path:
    """The admin role's password, made at initdb (mode 0600)."""
    return s.postgres_dir / "admin.json"


def lib_dir(s: Settings) -> Path:
    """The guard module compiled for this server (guard.py)."""
    return s.postgres_dir / "lib"


def write_private_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    os.replace(tmp, path)


def read_state(s: Settings) -> ServerState | None:
    try:
        return ServerState(**json.loads(s.postgres_state.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
