"""The report tells the race the release holds: each mark against the figure it stands for.

The release is one the test writes (tests/report_fixtures.py): registry counts through the
article's published figures, a forecast, policies that would overlap, compute projects with
and without a stated capacity. Expected values are the fixture's literals, not the report's
own queries.
"""

from __future__ import annotations

import base64
import csv
import io
import math
import re
from collections import Counter
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from orchestration.publish.report import write_report
from orchestration.publish.report.fonts import is_cjk, visible_text
from orchestration.settings import SEEDS_DIR
from tests import report_fixtures as fx
from tests.report_helpers import parse, write_release

SYNTHETIC_FILES = [("enterprises", "enterprises/synthetic_registry_sample.csv", 5000),
                   ("indicators", "indicators/article_figures.csv", 16)]


def _render(folder: Path, html: Path) -> tuple[str, dict]:
    marks = write_report(folder, html)
    return html.read_text(encoding="utf-8"), marks


@pytest.fixture(scope="module")
def race(tmp_path_factory):
    base = tmp_path_factory.mktemp("race")
    folder = fx.race_release(base / "release", landed_files=SYNTHETIC_FILES)
    page, marks = _render(folder, base / "report.html")
    return page, marks, parse(page)


def _seed(name: str, column: str) -> list[str]:
    with (SEEDS_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def test_the_headline_draws_each_citys_counts_from_the_release(race):
    _, marks, found = race
    drawn, index = {}, 0
    points = found.found["circle.point"]
    for series in found.found["g.series"]:
        for _ in range(int(series["data-points"])):
            drawn[(series["data-region"], int(points[index]["data-year"]))] = int(points[index]["data-value"])
            index += 1
    expected = {(code, year): counts[i] for code, counts in fx.COUNTS.items() for i, year in enumerate(fx.YEARS)}
    assert drawn == expected
    assert drawn[("440300", 2023)] == 63800 and drawn[("110000", 2023)] == 47800
    assert marks["series"] == 6 and marks["points"] == 72
    # the cities a source publishes a count for carry the colours; the others are grey context
    named = {s["data-region"] for s in found.found["g.series"] if "named" in s["class"].split()}
    assert named == {"110000", "440300", "310000"}


def test_published_figures_are_ringed_at_their_year_and_value(race):
    _, marks, found = race
    rings = {(r["data-region"], int(r["data-year"]), int(r["data-value"])) for r in found.found["circle.published"]}
    assert rings == {(r, p, v) for r, i, p, v, _, f in fx.PUBLISHED if i == "ai_enterprise_count" and not f}
    assert marks["published"] == 5
    # the counts equal the published figures here, so each ring sits on its counted point
    point_at = {}
    index = 0
    for series in found.found["g.series"]:
        for _ in range(int(series["data-points"])):
            p = found.found["circle.point"][index]
            point_at[(series["data-region"], int(p["data-year"]))] = (p["cx"], p["cy"])
            index += 1
    for ring in found.found["circle.published"]:
        assert (ring["cx"], ring["cy"]) == point_at[(ring["data-region"], int(ring["data-year"]))]
    assert "39,800" in found.texts["text.value-label"] and "63,800" in found.texts["text.value-label"]


def test_forecasts_are_dashed_and_say_forecast(race):
    page, marks, found = race
    (forecast,) = found.found["circle.forecast"]
    assert (forecast["data-region"], forecast["data-year"], forecast["data-value"], forecast["data-forecast"]) == (
        "440300", "2025", "90000", "true")
    (line,) = found.found["line.forecast-line"]
    # the dashed line starts at 深圳's last actual figure (2023, 63,800), which is also its last ring
    ring_2023 = next(r for r in found.found["circle.published"] if (r["data-region"], r["data-year"]) == ("440300", "2023"))
    assert (line["x1"], line["y1"]) == (ring_2023["cx"], ring_2023["cy"])
    assert (line["x2"], line["y2"]) == (forecast["cx"], forecast["cy"])
    assert "forecast 90,000" in found.texts["text.value-label.forecast"]
    assert re.search(r"\.forecast-line\{[^}]*stroke-dasharray", page)
    # every other published forecast is a dashed outline that says so
    bars = found.found["rect.figure"]
    assert {(b["data-indicator"], b["data-region"], b["data-period"]) for b in bars if b["data-forecast"] == "true"} == {
        (i, r, str(p)) for r, i, p, _, _, f in fx.PUBLISHED if f and i != "ai_enterprise_count"}
    assert all("forecast" in b["class"].split() and b["fill"] == "none" for b in bars if b["data-forecast"] == "true")
    assert sum("forecast" in t for t in found.texts["text.value.forecast"]) == 3
    assert re.search(r"rect\.forecast\{[^}]*stroke-dasharray", page)
    assert marks["figures"] == 7 and marks["figure_forecasts"] == 3


def test_the_year_the_later_leader_passes_the_earlier_one_is_marked(race):
    _, _, found = race
    (crossover,) = found.found["g.crossover"]
    assert (crossover["data-leader"], crossover["data-passed"], int(crossover["data-year"])) == (
        "440300", "110000", fx.CROSSOVER_YEAR)
    assert "Shenzhen 深圳市 passes Beijing 北京市 (2019, counted)" in found.texts["text.annotation"]


def test_a_year_only_one_city_reaches_is_left_out_and_said(race):
    page, _, found = race
    assert not [p for p in found.found["circle.point"] if p["data-year"] == "2025"]
    assert "Not drawn: Hefei 合肥市 2025" in page


def test_compute_shows_projects_by_stage_and_capacity_only_where_known(race):
    page, marks, found = race
    expected = Counter()
    for region, _, announced, started, completed, _, _ in fx.COMPUTE:
        expected[(region, "announced")] += announced
        expected[(region, "construction_started")] += started
        expected[(region, "completed operational")] += completed
    drawn = {(b["data-region"], b["data-stage"]): int(b["data-value"]) for b in found.found["rect.bar"]}
    assert drawn == {key: n for key, n in expected.items() if n}
    assert marks["bars"] == 6
    order = [g["data-region"] for g in found.found["g.region"]]
    assert order == ["110000", "130000", "410100"]  # furthest stage first, then most events
    sides = dict(zip(order, found.texts["text.tick.side"]))
    assert sides["110000"] == "2023-05 – 2023-11 · 120 PFLOPS completed or operational"
    assert sides["130000"] == "2023-07 – 2023-12 · capacity not stated"
    assert sides["410100"] == "2023-07"
    assert [a["data-capacity"] for a in found.found["text.tick"] if "data-capacity" in a] == ["120"]
    assert not re.search(r"(?<![\d.])0(\.0+)? PFLOPS", visible_text(page))


def test_policy_dots_never_overlap_and_each_is_spelled_out(race):
    _, marks, found = race
    dots = found.found["circle.policy"]
    groups = found.found["g.policy"]
    # numbered in date order (drawn lane by lane)
    assert [g["data-policy-id"] for g in sorted(groups, key=lambda g: int(g["data-number"]))] == [
        p[0] for p in fx.POLICIES]
    for i in range(len(dots)):
        for j in range(i + 1, len(dots)):
            a, b = dots[i], dots[j]
            distance = math.dist((float(a["cx"]), float(a["cy"])), (float(b["cx"]), float(b["cy"])))
            assert distance >= float(a["r"]) + float(b["r"]), (groups[i]["data-policy-id"], groups[j]["data-policy-id"])
    rows = {g["data-policy-id"]: int(g["data-row"]) for g in groups}
    assert (rows["p2"], rows["p3"], rows["p4"]) == (0, 1, 2)  # 29 Dec, 5 Jan, 9 Jan: each stacks on the last
    # the list says what each number is: date (with its precision), title
    items = found.found["li"]
    assert [i["data-policy-id"] for i in items] == [p[0] for p in fx.POLICIES]
    assert sorted(int(g["data-number"]) for g in groups) == list(range(1, 8))
    assert "2020 (year only)" in found.texts["span.when"] and "2023-07 (month only)" in found.texts["span.when"]
    assert marks["policies"] == 7 and marks["policy_lanes"] == 3


def test_legends_are_the_seed_vocabularies(race):
    _, _, found = race
    legends: dict[str, list[str]] = {}
    page_legends = re.findall(r'<p class="legend" data-legend="(\w+)">(.*?)</p>', race[0])
    for chart, body in page_legends:
        legends[chart] = re.findall(r'<span class="key" data-value="([^"]*)">', body)
    assert legends["policies"] == _seed("doc_types", "doc_type")
    assert "opinion" not in legends["policies"]
    events = sorted(zip(_seed("compute_events", "lifecycle_rank"), _seed("compute_events", "event"),
                        _seed("compute_events", "is_completed")), key=lambda r: int(r[0]))
    assert legends["compute"] == [e for _, e, done in events if done == "false"] + [
        " ".join(e for _, e, done in events if done == "true")]
    # a dot's colour is its doc type's legend colour; agreement, in no document, is still in the legend
    body = dict(page_legends)["policies"]
    colour_of = dict(re.findall(r'data-value="([^"]*)"><i style="background:(#[0-9A-Fa-f]{6})"', body))
    for group, dot in zip(found.found["g.policy"], found.found["circle.policy"]):
        assert dot["fill"] == colour_of[group["data-doc-type"]]
    assert "Agreement 协议 (0)" in found.texts["span.key"]


def test_the_embedded_font_has_a_glyph_for_every_character_on_the_page(race):
    page, marks, _ = race
    (encoded,) = re.findall(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", page)
    font = TTFont(io.BytesIO(base64.b64decode(encoded)))
    cmap = font.getBestCmap()
    text = visible_text(page)
    cjk = {c for c in text if is_cjk(c)}
    assert len(cjk) > 40  # region names, titles, labels
    missing = sorted(c for c in set(text) if c.isprintable() and not c.isspace() and ord(c) not in cmap)
    assert missing == []
    assert "Noto Sans SC" in font["name"].getDebugName(1) and "Open Font License" in font["name"].getDebugName(13)
    assert marks["font_subset_bytes"] == len(base64.b64decode(encoded)) < 80_000
    assert len(cmap) < 2 * len(set(text))  # a subset, not the font's 30,000 characters


def test_the_page_fetches_nothing(race):
    page = race[0]
    assert "default-src 'none'" in page and "font-src data:" in page
    lowered = page.lower()
    assert "<script" not in lowered and "<link" not in lowered and "@import" not in lowered
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", lowered)
    assert re.findall(r"url\((?!data:font/woff;base64,)", lowered) == []


@pytest.mark.parametrize("files, kind, says", [
    (SYNTHETIC_FILES, "synthetic", "synthetic registry extract (synthetic_registry_sample.csv, 5,000 rows)"),
    ([("enterprises", "enterprises/registry_2023.csv.gz", 1200)], "registry",
     "Counted from the registry extract (registry_2023.csv.gz, 1,200 rows)"),
    ([("enterprises", "enterprises/registry_2023.csv.gz", 1200),
      ("enterprises", "enterprises/synthetic_registry_sample.csv", 300)], "mixed", "of which 1 are synthetic"),
    (None, "unrecorded", "this release does not record which files those were"),
])
def test_the_provenance_note_says_what_the_release_records(tmp_path, files, kind, says):
    folder = fx.race_release(tmp_path / "release", landed_files=files)
    page, _ = _render(folder, tmp_path / "report.html")
    (note,) = parse(page).found["p.provenance"]
    assert note["data-provenance"] == kind
    text = visible_text(page)
    assert says in text
    assert "Counted and published agree at 5 of the 5 published points." in text
    if kind == "registry":
        assert "synthetic" not in text.split("Where the lines come from.")[1].split("Counted and published")[0]


def test_a_release_from_before_published_figures_still_rings_the_published_counts(tmp_path):
    folder = fx.race_release(tmp_path / "release", published_figures=False)
    page, marks = _render(folder, tmp_path / "report.html")
    found = parse(page)
    assert {(r["data-region"], r["data-year"]) for r in found.found["circle.published"]} == {
        ("110000", "2016"), ("440300", "2016"), ("310000", "2016"), ("440300", "2023"), ("110000", "2023")}
    assert marks["forecasts"] == 0 and marks["figures"] == 0
    assert "this release has no marts.published_figures" in page


def test_a_release_with_few_marts_draws_what_it_has(tmp_path):
    """Rollback can serve an old or a small release: nothing may fail for a missing mart."""
    folder = write_release(tmp_path / "release", {
        # a policy_timeline from before published_on_precision and issuer were added
        "marts.policy_timeline": "SELECT 'p1' AS policy_id, '000000' AS region_code, 'national' AS level, "
                                 "DATE '2021-06-10' AS published_on, 'regulation' AS doc_type, '数据安全法' AS title",
        "audit.rejected_rows": "SELECT 'x' AS source WHERE false"}, release_id="20240202T000000000000Z-small")
    page, marks = _render(folder, tmp_path / "report.html")
    assert '<meta name="modu-release" content="20240202T000000000000Z-small">' in page
    assert marks["policies"] == 1 and marks["series"] == 0 and marks["bars"] == 0
    assert "no city has a computed or published AI-enterprise count in this release" in page
    assert "No compute-centre events in this release." in page


def test_the_policy_lanes_are_the_regions_with_the_most_documents_and_the_note_counts_every_document(tmp_path):
    """Only the lanes' documents are read from the release; the note still counts all of them."""
    from orchestration.publish.report.data import POLICY_LANES

    regions = POLICY_LANES + 3  # region k (1-based) issues k documents, one a month from 2020
    rows = " UNION ALL ".join(
        f"SELECT 'p{k}_{n}' AS policy_id, '{110100 + k}' AS region_code, 'city' AS level, "
        f"CAST(DATE '2020-01-01' + INTERVAL {n} MONTH AS DATE) AS published_on, 'day' AS published_on_precision, "
        f"'plan' AS doc_type, '规划{k}-{n}' AS title, '政府{k}' AS issuer"
        for k in range(1, regions + 1) for n in range(k))
    folder = write_release(tmp_path / "release", {"marts.policy_timeline": f"SELECT * FROM ({rows})"},
                           release_id="20240303T000000000000Z-lanes")
    page, marks = _render(folder, tmp_path / "report.html")
    drawn_regions = {g["data-region"] for g in parse(page).found["g.policy"]}
    lanes = {str(110100 + k) for k in range(regions - POLICY_LANES + 1, regions + 1)}  # the most documents
    assert drawn_regions <= lanes and len(drawn_regions) > 1
    total = regions * (regions + 1) // 2
    assert marks["policies"] == 60
    assert f"{total - 60} earlier documents or documents of regions with fewer documents are not drawn" in page


def test_a_font_cut_for_the_same_characters_is_reused_from_the_cache(tmp_path, monkeypatch):
    from orchestration.publish.report import fonts

    first = fonts.subset("深圳 Shenzhen 北京", tmp_path)
    assert len(list(tmp_path.glob("*.woff"))) == 1

    def no_cut(_characters):
        raise AssertionError("cut again although the same characters were cut before")

    with monkeypatch.context() as m:
        m.setattr(fonts, "_cut", no_cut)
        assert fonts.subset("北京 深圳 Shenzhen", tmp_path) == first  # the same characters, other order
    assert fonts.subset("上海", tmp_path) != first  # other characters: cut anew
    for n in range(fonts.SUBSETS_KEPT + 2):
        fonts.subset(f"合肥{n}", tmp_path)
    assert len(list(tmp_path.glob("*.woff"))) == fonts.SUBSETS_KEPT
