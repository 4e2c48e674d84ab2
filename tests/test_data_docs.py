"""GX Data Docs: complete with no network (scripts and styles from the environment), named by run, pruned.

Headless Chromium (Debian's package; .ci/run installs it) opens the pages from disk with
every host name unresolvable, and its network log must show no request made for a page.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import duckdb
import pytest

from orchestration.quality import data_docs
from orchestration.quality.gx_duckdb import import_great_expectations
from orchestration.quality.runner import Target, validate
from orchestration.quality.suites import Suite, resolve
from orchestration.settings import Settings
from tests.test_report import chromium

SUITE = Suite("marts.sample", [
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "score", "min_value": 0, "max_value": 8},
     "meta": {"check": "score_at_most_8"}},
    # the one kind of expectation whose validation GX draws as a (Vega) chart
    {"type": "expect_column_kl_divergence_to_be_less_than",
     "kwargs": {"column": "score", "partition_object": {"bins": [0, 5, 10], "weights": [0.5, 0.5]}, "threshold": 0.1},
     "meta": {"check": "score_distribution"}},
])
OTHER = Suite("marts.other", [
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "id"}, "meta": {"check": "id_not_null"}},
])


@pytest.fixture
def settings(tmp_path) -> Settings:
    s = Settings(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "warehouse", keep_releases=2,
                 duckdb_memory_limit="300MB", duckdb_threads=1)
    s.build_db.parent.mkdir(parents=True)
    con = duckdb.connect(str(s.build_db))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.sample AS SELECT range AS id, (range % 10)::DOUBLE AS score FROM range(100)")
    con.execute("CREATE TABLE marts.other AS SELECT range AS id FROM range(3)")
    con.close()
    return s


def run(settings: Settings, name: str, suites=(SUITE, OTHER)):
    return validate(settings, [Target(suite, resolve(suite, None)) for suite in suites], run_name=name)


class Loads(HTMLParser):
    """Every URL a page loads by itself: scripts, stylesheets, icons, images, and url() in inline styles."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "embed") and a.get("src"):
            self.urls.append(a["src"])
        if tag == "link" and a.get("href") and set((a.get("rel") or "").split()) & {"stylesheet", "icon", "preload"}:
            self.urls.append(a["href"])
        self._in_style = tag == "style"

    def handle_data(self, data):
        if self._in_style:
            self.urls += css_urls(data)

    def handle_endtag(self, tag):
        self._in_style = False


def css_urls(css: str) -> list[str]:
    return [u for u in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css) if not u.startswith("data:")]


def test_every_page_loads_only_files_of_the_site(settings):
    run(settings, "run-1")
    site = settings.data_docs_index.parent
    pages = sorted(site.rglob("*.html"))
    assert {p.relative_to(site).parts[0] for p in pages} == {"index.html", "validations", "expectations"}
    stylesheets = set()
    for page in pages:
        parser = Loads()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.urls, page
        for url in parser.urls:
            assert urlparse(url).scheme == "" and not url.startswith("//"), (page, url)
            target = (page.parent / unquote(url.split("?")[0])).resolve()
            assert target.is_file() and site in target.parents, (page, url)
            if target.suffix == ".css":
                stylesheets.add(target)
    assert {s.relative_to(site / "static" / "vendor").as_posix() for s in stylesheets if "vendor" in s.parts} >= {
        "bootstrap/css/bootstrap.min.css", "fontawesome/css/all.min.css", "bootstrap-table/bootstrap-table.min.css"}
    for stylesheet in stylesheets:  # Font Awesome's fonts and the rest, relative to each stylesheet
        for url in css_urls(stylesheet.read_text(encoding="utf-8")):
            assert not urlparse(url).scheme and (stylesheet.parent / url.split("?")[0].split("#")[0]).resolve().is_file(), \
                (stylesheet, url)


def test_every_gx_template_is_made_offline():
    great_expectations = import_great_expectations()

    folder = Path(great_expectations.__file__).parent / "render" / "view"
    templates = [p for p in (folder / "templates").glob("*.j2") if not p.name.startswith("markdown_")]
    templates += list((folder / "static" / "styles").glob("*.css"))
    assert len(templates) >= 30
    remote = re.compile(r"""(?:src|href)=["']https?://|url\(['"]?https?://|"https?://[^"]*amazonaws""")
    rewritten = 0
    for template in templates:
        source = template.read_text(encoding="utf-8")
        offline = data_docs.offline_template(template.name, source)
        assert not remote.search(re.sub(r"<a\b[^>]*>", "", offline)), template.name
        rewritten += offline != source
    assert rewritten >= 5  # page.j2, index_page.j2, js_script_imports.j2, top_navbar.j2, the styles


def test_a_template_loading_an_unknown_url_fails_the_build():
    with pytest.raises(ValueError, match="page.j2 loads https://cdn.example.org/x.js"):
        data_docs.offline_template("page.j2", '<script src="https://cdn.example.org/x.js"></script>')
    with pytest.raises(ValueError, match="still reaches '//fonts.example.org/'"):
        data_docs.offline_template("x.css", "@import url(//fonts.example.org/a.css);")
    assert data_docs.offline_template("x.j2", '<a href="https://greatexpectations.io">GX</a>').startswith("<a href")


def test_validations_are_named_by_run_and_pruned_with_releases(settings):
    site = settings.data_docs_index.parent
    stored = settings.quality_dir / "gx" / "uncommitted" / "validations"

    def runs_of(suite: str) -> set[str]:
        return {p.parent.parent.name for p in site.joinpath("validations", *suite.split(".")).rglob("*.html")}

    run(settings, "run-1")
    run(settings, "run-2", suites=(SUITE,))
    run(settings, "run-3", suites=(SUITE,))
    # keep_releases = 2: the last two runs, and marts.other's newest validation (run-1), which a
    # carried-over result would link to
    assert runs_of("marts.sample") == {"run-2", "run-3"}
    assert runs_of("marts.other") == {"run-1"}
    assert {p.parent.parent.name for p in stored.rglob("*.json")} == {"run-1", "run-2", "run-3"}
    assert len(list(stored.rglob("*.json"))) == 3
    index = settings.data_docs_index.read_text(encoding="utf-8")
    assert index.count("'run_name': 'run-") == 3 and "'run_name': '__none__'" not in index


def _page_requests(netlog: Path) -> list[str]:
    """URLs the page itself asked the network for (the browser's own background requests are left out)."""
    log = json.loads(netlog.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [e["params"]["url"] for e in log["events"]
            if e["type"] == start and e["params"].get("network_isolation_key", "").startswith("file://")]


def _open_offline(page: Path, tmp_path: Path, name: str) -> tuple[str, list[str]]:
    """The DOM Chromium builds for `page` with no host reachable, and the requests the page made."""
    netlog = tmp_path / f"{name}.netlog.json"
    done = chromium(["--host-resolver-rules=MAP * ~NOTFOUND", f"--log-net-log={netlog}",
                     "--virtual-time-budget=10000", "--dump-dom", page.as_uri()], tmp_path / f"profile-{name}")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, _page_requests(netlog)


def test_chromium_renders_the_docs_with_the_network_off(settings, tmp_path):
    (sample, _other) = run(settings, "run-1")

    # the detector sees a page's request when there is one
    probe = tmp_path / "probe.html"
    probe.write_text('<html><head><script src="https://cdn.example.org/lib.js"></script></head></html>')
    _, requests = _open_offline(probe, tmp_path, "probe")
    assert requests == ["https://cdn.example.org/lib.js"]

    dom, requests = _open_offline(settings.data_docs_index, tmp_path, "index")
    assert requests == []
    # bootstrap-table (jQuery, Bootstrap) drew the tables: a row per validation, a row per suite
    rows = re.findall(r'<tr class="clickable-row" data-href="([a-z]+)/[^"]*" data-index="\d+"', dom)
    assert sorted(rows) == ["expectations", "expectations", "validations", "validations"]
    assert "bootstrap-table" in dom and "filter-control" in dom

    dom, requests = _open_offline(sample.data_docs, tmp_path, "validation")
    assert requests == []
    assert len(re.findall(r'<tr[^>]*data-index="\d+"', dom)) >= 2  # the expectations' tables
    # Vega drew the distribution chart of the KL-divergence expectation (expected and observed)
    assert len(re.findall(r'<svg[^>]*class="marks"', dom)) == 2


def test_vega_is_bundled_once_per_installation_and_copied_into_each_site(tmp_path, monkeypatch):
    import vl_convert

    bundled = []
    real = vl_convert.javascript_bundle
    monkeypatch.setattr(vl_convert, "javascript_bundle", lambda *a, **k: bundled.append(1) or real(*a, **k))
    monkeypatch.setattr("orchestration.prepared.PREPARED_DIR", tmp_path / "build")
    first, second = tmp_path / "first_site", tmp_path / "second_site"
    data_docs.vendor_static_files(first)  # a fresh installation: bundled now, into build/
    data_docs.vendor_static_files(second)  # another warehouse: copied
    assert len(bundled) == 1
    scripts = [(site / "static" / "vendor" / "vega" / "vega-bundle.js").read_text(encoding="utf-8")
               for site in (first, second)]
    assert scripts[0] == scripts[1] and "window.vegaEmbed=" in scripts[0]
    stamps = [json.loads((site / "static" / "vendor" / "VERSIONS.json").read_text(encoding="utf-8"))
              for site in (first, second)]
    assert stamps[0] == stamps[1] and stamps[0]["vega"].startswith("vega ")
