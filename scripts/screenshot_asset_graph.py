"""Screenshot of the asset graph in the Dagster UI, for the README: docs/img/asset-graph.png.

    .venv/bin/python scripts/screenshot_asset_graph.py [--out docs/img/asset-graph.png] [--path /asset-groups]

Starts the UI the way `make ui` does (python -m orchestration.cli ui) on a free loopback
port, with a throwaway warehouse folder (DAGSTER_HOME inside it) and the shipped raw/,
waits until the code location has loaded, takes the screenshot with headless Chromium
and stops the UI again. Chromium is installed with apt-get when it is missing (as root).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from orchestration.loopback import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "docs" / "img" / "asset-graph.png"


def ensure_chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("chromium is missing: install it with `sudo apt-get install -y chromium`")
    print("installing chromium (apt-get)...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
    return shutil.which("chromium") or sys.exit("apt-get did not install chromium")


def graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["data"]


def location_loaded(url: str) -> bool:
    query = ("{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
             "locationOrLoadError { __typename } } } } }")
    try:
        entries = graphql(url, query)["workspaceOrError"]["locationEntries"]
    except Exception:  # noqa: BLE001 - still starting
        return False
    return any(e["loadStatus"] == "LOADED" and e["locationOrLoadError"]["__typename"] == "RepositoryLocation"
               for e in entries)


def stop(process: subprocess.Popen) -> None:
    """The UI, its daemon and code server share the process group started below."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        for _ in range(40):
            os.killpg(process.pid, 0)
            time.sleep(0.5)
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--path", default="/asset-groups", help="UI page to capture (default: the global asset graph)")
    parser.add_argument("--expand", default="raw,marts,serving",
                        help="asset groups shown unfolded (default: raw,marts,serving; all of them do not fit 1600x1000)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for the UI to load")
    args = parser.parse_args()
    chromium = ensure_chromium()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="modu-screenshot-") as tmp:
        env = {**{k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"},
               "MODU_WAREHOUSE_DIR": str(Path(tmp) / "warehouse"), "MODU_UI_PORT": str(port),
               "PYTHONDONTWRITEBYTECODE": "1"}
        log = open(Path(tmp) / "ui.log", "w", encoding="utf-8")  # noqa: SIM115
        ui = subprocess.Popen([sys.executable, "-m", "orchestration.cli", "ui"], cwd=REPO_ROOT, env=env,
                              stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + args.timeout
            while not location_loaded(url):
                if ui.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    sys.stderr.write((Path(tmp) / "ui.log").read_text(encoding="utf-8")[-3000:])
                    sys.exit("the Dagster UI did not come up")
                time.sleep(2)
            # The UI greets a new instance with a newsletter dialog; this instance has seen it.
            graphql(url, "mutation { setNuxSeen }")
            page = f"{url}{args.path}"
            if args.expand:  # these groups show their assets; the others show as one box each
                page += "?" + urllib.parse.urlencode({"expanded": ",".join(f"global@global:{g}" for g in args.expand.split(","))})
            args.out.parent.mkdir(parents=True, exist_ok=True)
            profile = Path(tmp) / "chromium-profile"
            subprocess.run(
                [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                 f"--user-data-dir={profile}", "--window-size=1600,1000", "--virtual-time-budget=15000",
                 f"--screenshot={args.out}", page],
                check=True, timeout=180, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        finally:
            stop(ui)
            log.close()
    print(f"screenshot of {args.path}: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
