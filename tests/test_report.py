"""The static report: written at each publish, needs nothing from outside, drawn by a real browser.

Headless Chromium (Debian's package; .ci/run installs it, a test never does and skips
without it) opens serving/report.html from disk: the DOM it builds must hold one SVG mark
per figure the release has, and screenshots - on a machine with no CJK font at all - must
show the charts' colours and real Chinese glyphs, not boxes.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest

from orchestration.publish.release import current_release
from orchestration.publish.report import svg
from orchestration.publish.report.fonts import is_cjk, visible_text
from tests import report_fixtures as fx
from tests.conftest import query_catalog
from tests.report_helpers import chromium, decode_png, latin_only_fontconfig, parse
from tests.test_report_charts import SYNTHETIC_FILES


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i: i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)


@pytest.fixture(scope="module")
def expected(sample_refresh):
    """What the sample release holds, asked of the serving catalog as a BI tool would."""
    query = query_catalog(sample_refresh[0])
    return {
        "counts": {(r, y): c for r, y, c in query(
            "SELECT region_code, year, ai_enterprise_count FROM marts.city_indicators "
            "WHERE level = 'city' AND ai_enterprise_count IS NOT NULL")},
        "published": {(r, y, int(v)) for r, y, v in query(
            "SELECT region_code, period, value FROM marts.published_figures "
            "WHERE indicator = 'ai_enterprise_count' AND NOT is_forecast")},
        "other_figures": query("SELECT count(*), count(*) FILTER (WHERE is_forecast) FROM marts.published_figures "
                               "WHERE indicator <> 'ai_enterprise_count' AND NOT regexp_matches(source_file, "
                               "'(^|/)synthetic_[^/]*$')")[0],  # figures of synthetic files are not drawn
        "policies": query("SELECT count(*) FROM marts.policy_timeline WHERE published_on IS NOT NULL")[0][0],
        "stages": {(r, s): n for r, a, st, c in query(
            "SELECT region_code, sum(projects_announced), sum(projects_started), sum(projects_completed) "
            "FROM marts.compute_buildout GROUP BY 1")
            for s, n in (("announced", a), ("construction_started", st), ("completed operational", c)) if n},
    }


def test_the_sample_report_draws_no_made_up_figure_as_published(sample_refresh):
    settings, _ = sample_refresh
    drawn = parse(settings.report_html.read_text(encoding="utf-8"))
    indicators = {mark["data-indicator"] for mark in drawn.found["rect.figure"]}
    assert indicators and not indicators & {"population", "gdp_cny"}  # only in the synthetic file
    made_up = query_catalog(settings)("SELECT count(*) FROM marts.published_figures WHERE source_file = "
                                      "'indicators/synthetic_population_gdp.csv'")[0][0]
    assert made_up == 11 * 8 * 2
    assert (f"Not drawn: {made_up:,} figures of synthetic files (indicators/synthetic_population_gdp.csv)"
            in visible_text(settings.report_html.read_text(encoding="utf-8")))


def test_the_report_is_written_at_publish_and_fetches_nothing(sample_refresh):
    settings, result = sample_refresh
    page = settings.report_html.read_text(encoding="utf-8")
    release_id = current_release(settings.serving_dir)["release_id"]
    assert f'<meta name="modu-release" content="{release_id}">' in page
    assert "default-src 'none'" in page  # the page may not load anything, not even by mistake
    lowered = page.lower()
    assert "<script" not in lowered and "<link" not in lowered and "@import" not in lowered
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", lowered)
    assert re.findall(r"url\((?!data:font/woff;base64,)", lowered) == []  # the embedded font only
    def metadata(path):
        return next(e.event_specific_data.materialization.metadata for e in result.get_asset_materialization_events()
                    if e.event_specific_data.materialization.asset_key.path == path)

    assert metadata(["serving", "report"])["report"].value == str(settings.report_html)
    postgres = metadata(["serving", "postgres"])
    assert postgres["postgres_status"].value == "skipped"  # no `serve` ran for the sample
    assert "no server running" in postgres["postgres"].value["reason"]


def test_the_sample_report_draws_the_release(sample_refresh, expected):
    """Smoke on the shipped sample: every mark is one of the release's figures."""
    page = sample_refresh[0].report_html.read_text(encoding="utf-8")
    found = parse(page)
    drawn, index = {}, 0
    for series in found.found["g.series"]:
        for _ in range(int(series["data-points"])):
            point = found.found["circle.point"][index]
            drawn[(series["data-region"], int(point["data-year"]))] = int(point["data-value"])
            index += 1
    assert drawn and all(expected["counts"][key] == value for key, value in drawn.items())
    assert {(r["data-region"], int(r["data-year"]), int(r["data-value"])) for r in found.found["circle.published"]} \
        == expected["published"] == {("110000", 2016, 39800), ("440300", 2016, 36100), ("310000", 2016, 26500),
                                     ("440300", 2023, 63800), ("110000", 2023, 47800)}
    figures = found.found["rect.figure"]
    assert (len(figures), sum(f["data-forecast"] == "true" for f in figures)) == expected["other_figures"] == (11, 5)
    assert len(found.found["g.policy"]) == expected["policies"] == 11
    assert {(b["data-region"], b["data-stage"]): int(b["data-value"]) for b in found.found["rect.bar"]} \
        == expected["stages"]
    assert len(expected["stages"]) == 8  # the article's eight regions, construction started
    assert not re.search(r"(?<![\d.])0(\.0+)? PFLOPS", visible_text(page))
    assert found.found["p.provenance"][0]["data-provenance"] in ("unrecorded", "synthetic")


def test_chromium_builds_the_same_marks_from_the_file(sample_refresh, tmp_path):
    report = sample_refresh[0].report_html
    done = chromium(["--dump-dom", report.as_uri()], tmp_path / "profile")
    assert done.returncode == 0, done.stderr[-2000:]
    in_browser, on_disk = parse(done.stdout), parse(report.read_text(encoding="utf-8"))
    assert in_browser.tags["svg"] == 4
    assert [a["data-chart"] for a in in_browser.found["svg.chart"]] == ["enterprises", "figures", "policies", "compute"]
    for mark in ("circle.point", "circle.published", "rect.figure", "g.policy", "rect.bar", "span.key"):
        assert in_browser.found[mark] == on_disk.found[mark], mark


def test_no_cjk_font_on_the_machine_still_shows_chinese(tmp_path):
    """Under a fontconfig with one Latin font and no CJK font, two different Chinese characters
    set in the page's own style come out as two different glyphs; without the embedded font
    they are the same empty box (the control, which shows the check can fail)."""
    env = latin_only_fontconfig(tmp_path / "fc")
    if shutil.which("fc-list"):
        listed = subprocess.run(["fc-list", ":lang=zh"], env={**env, "PATH": "/usr/bin:/bin"},
                                capture_output=True, text=True, timeout=60)
        assert listed.returncode == 0 and listed.stdout.strip() == ""
    folder = fx.race_release(tmp_path / "release", landed_files=SYNTHETIC_FILES)
    from orchestration.publish.report import write_report

    write_report(folder, tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    first, second = "深", "圳"
    assert is_cjk(first) and first in visible_text(page) and second in visible_text(page)
    crops = {}
    for name, css in (("embedded", style), ("control", "")):
        probe = tmp_path / f"probe-{name}.html"
        probe.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{css}'
                         'body{margin:0;font-size:80px;line-height:100px}span{display:inline-block;width:100px;'
                         f'height:100px}}</style></head><body><span>{first}</span><span>{second}</span></body></html>',
                         encoding="utf-8")
        shot = tmp_path / f"{name}.png"
        done = chromium([f"--screenshot={shot}", "--window-size=600,300", probe.as_uri()], tmp_path / "profile", env)
        assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
        _, _, pixels = decode_png(shot.read_bytes())
        crops[name] = (pixels[:100, :100], pixels[:100, 100:200])
    for name in crops:
        assert all((crop != 255).any(axis=2).sum() > 200 for crop in crops[name]), name  # something is drawn
    assert not np.array_equal(*crops["embedded"])  # two glyphs
    assert np.array_equal(*crops["control"])  # two identical boxes


def test_a_screenshot_without_cjk_fonts_shows_the_charts(tmp_path):
    env = latin_only_fontconfig(tmp_path / "fc")
    folder = fx.race_release(tmp_path / "release", landed_files=SYNTHETIC_FILES)
    from orchestration.publish.report import write_report

    write_report(folder, tmp_path / "report.html")
    shot = tmp_path / "report.png"
    done = chromium([f"--screenshot={shot}", "--window-size=900,2600", (tmp_path / "report.html").as_uri()],
                    tmp_path / "profile", env)
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    width, height, pixels = decode_png(shot.read_bytes())
    assert (width, height) == (900, 2600)
    flat = pixels.reshape(-1, 3)
    assert np.any(flat != 255, axis=1).mean() > 0.05 and len(np.unique(flat, axis=0)) > 50

    def count(colour: str) -> int:
        return int(np.all(flat == _rgb(colour), axis=1).sum())

    assert count(svg.CATEGORICAL[0]) > 300  # 深圳's line, points and ring (the first city the article names)
    assert count(svg.MUTED) > 100  # the context cities
    assert count(svg.SEQUENTIAL[-1]) > 300  # completed compute projects
