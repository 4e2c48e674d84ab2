"""A running server follows the releases: what the publish step and a rollback call.

Both say what happened in a status dict (the publish step puts it in its metadata) and
never raise: the release's files and catalog are out already; when Postgres could not
follow, it keeps serving its previous release and the dict says why.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from orchestration.publish.postgres.load import LoadResult, load_current, load_release
from orchestration.publish.postgres.server import running_server
from orchestration.publish.postgres.state import ServerState
from orchestration.settings import Settings


def publish(s: Settings, folder: Path, log: Callable[[str], None] = lambda _m: None) -> dict:
    """The publish step's part: load the release in `folder` if a server runs (never an older one over a newer)."""
    return _if_running(s, log, lambda state: load_release(state, folder, log=log))


def serve_current(s: Settings, log: Callable[[str], None] = lambda _m: None) -> dict:
    """Make a running server serve what serving/current points to, older or not (after a rollback)."""
    return _if_running(s, log, lambda state: load_current(state, s.serving_dir, log=log))


def _if_running(s: Settings, log: Callable[[str], None], load: Callable[[ServerState], LoadResult | None]) -> dict:
    state, reason = running_server(s)
    if state is None:
        log(f"postgres: skipped, {reason}")
        return {"status": "skipped", "reason": reason}
    try:
        result = load(state)
    except Exception as err:  # noqa: BLE001 - the release is out already; say why Postgres did not follow
        log(f"postgres: loading failed, the server keeps its previous release: {err!r}")
        return {"status": "failed", "error": str(err)[:500], "endpoint": f"{state.host}:{state.port}"}
    if result is None:
        return {"status": "skipped", "reason": "no release is published yet", "endpoint": state.url()}
    return {
        "status": result.status,
        "release_id": result.release_id,
        "previously_served": result.served_release_id,
        "seconds": round(result.seconds, 3),
        "rows": sum(result.tables.values()),
        "descriptions": result.described,
        "terminated_sessions": result.terminated_sessions,
        "endpoint": state.url(),
    }
