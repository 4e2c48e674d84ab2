"""`make docs`: the dbt docs as one static page that opens from disk, and the line it prints
works as printed (Chromium opens exactly that address, with no network)."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

from orchestration.settings import REPO_ROOT, Settings
from tests.conftest import copy_sample_warehouse
from tests.test_data_docs import _open_offline


def _docs(settings: Settings) -> subprocess.CompletedProcess:
    env = {**os.environ, "MODU_RAW_DIR": str(settings.raw_dir), "MODU_WAREHOUSE_DIR": str(settings.warehouse_dir),
           "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "orchestration.cli", "docs"], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_the_docs_page_opens_from_disk_as_printed(sample_refresh, tmp_path):
    settings = copy_sample_warehouse(sample_refresh[0], tmp_path / "copy")  # dbt docs opens the build database to write
    done = _docs(settings)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "dbt docs serve" not in done.stdout + done.stderr
    printed = done.stdout.strip().splitlines()[-1]
    assert printed.startswith("dbt docs: file://") and printed.endswith("(one file: open it in a browser, no server needed)")
    address = printed.split()[2]
    page = Path(urlparse(address).path)
    assert page == settings.dbt_docs_dir / "static_index.html"
    html = page.read_text(encoding="utf-8")
    assert '"model.modu.city_indicators"' in html  # the manifest and the catalog are inside the page
    assert not (settings.dbt_docs_dir / "index.html").exists()  # the page that needs a server is not left there

    dom, requests = _open_offline(page, tmp_path, "dbt-docs")  # exactly the printed file, offline
    assert requests == []
    # The page drew its project tree from the inline manifest: an attribute only the rendered tree has.
    assert 'data-nav-unique-id="model.modu.city_indicators"' not in html
    drawn = {m for m in ("city_indicators", "policy_timeline", "stg_registry__enterprises")
             if f'data-nav-unique-id="model.modu.{m}"' in dom}
    assert drawn == {"city_indicators", "policy_timeline", "stg_registry__enterprises"}


def test_docs_before_any_refresh_say_what_to_do(tmp_path):
    settings = Settings(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse", keep_releases=2)
    done = _docs(settings)
    assert done.returncode == 1
    assert f"docs: no build database at {settings.build_db} yet: run `make refresh` first" in done.stderr
