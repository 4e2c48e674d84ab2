"""The limit (benchmarks/limit.py + limit.sql) against the generator's truth, which is written by
construction and never by parsing the files: every region x year AI enterprise count, every
rejected row by file and physical line, every published figure's value.

Also: the line-exact path (Python's csv module) gives the rows the fast path gives, and the
truth comparison reports a row it does not find.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from benchmarks.against_truth import compare, compare_limit
from benchmarks.generator.cli import main
from benchmarks.limit import Limit

SCALE = 0.002


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("limit") / "data"
    assert main(["--scale", str(SCALE), "--out", str(out), "--threads", "1"]) == 0
    return out


@pytest.fixture(scope="module")
def fast(national, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("fast")
    return out / "limit.duckdb", Limit(national, out, "300MB", 2).run()


def test_the_limit_agrees_with_the_truth(national, fast):
    db, result = fast
    truth = compare_limit(national / "truth", db)
    counts = truth["ai_counts"]
    assert counts["truth_rows"] > 1000
    assert (counts["equal"], counts["different"], counts["missing_from_mart"]) == (counts["truth_rows"], 0, 0)
    assert {"enterprises", "policies", "indicators"} <= set(truth["rejected"])  # compute has none at this scale
    for source, r in truth["rejected"].items():
        assert (r["matched"], r["missing"], r["extra"]) == (r["truth"], 0, 0), source
    assert truth["figures"]["published"] > 0
    assert truth["figures"]["equal"] == truth["figures"]["published"]
    # every CSV file went the fast way: its lines were proven by count
    assert {f["method"] for f in result["files"] if not f["file"].endswith((".jsonl", ".jsonl.gz"))} == {"csv_reader"}


def test_the_line_exact_path_gives_the_same_rows(national, fast, tmp_path):
    db, _ = fast
    exact = Limit(national, tmp_path, "300MB", 2, force_line_exact=True).run()
    assert {f["method"] for f in exact["files"]} == {"line_exact"}
    con = duckdb.connect()
    con.execute(f"ATTACH '{db}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{tmp_path / 'limit.duckdb'}' AS b (READ_ONLY)")
    for table in ("audit.rejected_rows", "marts.city_indicators", "marts.policy_timeline", "marts.compute_buildout",
                  "marts.published_figures"):
        only_a = con.execute(f"SELECT count(*) FROM (SELECT source, file, line FROM a.{table} EXCEPT ALL "
                             f"SELECT source, file, line FROM b.{table})" if table.startswith("audit") else
                             f"SELECT count(*) FROM (FROM a.{table} EXCEPT ALL FROM b.{table})").fetchone()[0]
        only_b = con.execute(f"SELECT count(*) FROM (SELECT source, file, line FROM b.{table} EXCEPT ALL "
                             f"SELECT source, file, line FROM a.{table})" if table.startswith("audit") else
                             f"SELECT count(*) FROM (FROM b.{table} EXCEPT ALL FROM a.{table})").fetchone()[0]
        assert (only_a, only_b) == (0, 0), table


def test_the_truth_comparison_reports_what_it_does_not_find(national, fast):
    db, _ = fast
    con = duckdb.connect()
    con.execute(f"ATTACH '{db}' AS lim (READ_ONLY)")
    first = con.execute("SELECT file, line FROM lim.audit.rejected_rows WHERE source = 'enterprises' "
                        "ORDER BY file, line LIMIT 1").fetchone()
    con.execute("CREATE TEMP TABLE rej AS SELECT * FROM lim.audit.rejected_rows WHERE NOT (file = ? AND line = ?)",
                list(first))
    con.execute("CREATE TEMP TABLE ci AS SELECT * REPLACE (ai_enterprise_count + CASE WHEN region_code = '000000' "
                "AND year = 2020 THEN 1 ELSE 0 END AS ai_enterprise_count) FROM lim.marts.city_indicators")
    result = compare(con, national / "truth", "ci", "rej", "lim.marts.published_figures")
    r = result["rejected"]["enterprises"]
    assert (r["missing"], r["extra"]) == (1, 0)
    assert r["first_missing"][0][:2] == list(first)
    assert result["ai_counts"]["different"] == 1
    assert result["ai_counts"]["first_different"][0][:3] == ["000000", "全国", 2020]


def test_region_forms_and_units_by_hand(tmp_path):
    """A hand-written indicators file: the contract's region forms and unit cells, values worked out by hand."""
    raw = tmp_path / "raw"
    (raw / "indicators").mkdir(parents=True)
    rows = [
        ("广东省深圳市南山区", "population", "2020", "100万", "人"),  # line 2: province + city + district -> 440305
        ("Shenzhen Nanshan", "population", "2021", "1,000,000", "人"),  # line 3: parent + English -> 440305
        ("深圳南山区", "population", "2022", "100万人", "人"),  # line 4: city short name + district, unit in both cells
        ("南山区", "population", "2023", "5", "万人"),  # line 5: a name two regions share, alone: rejected
        ("Jiangxi Fuzhou", "gdp_cny", "2023", "1.5千亿", "元"),  # line 6: 抚州 361000 (the alias Fuzhou means 福州 alone)
        ("Fuzhou", "gdp_cny", "2023", "3821", "亿元"),  # line 7: the alias -> 350100
        ("全国", "gdp_cny", "2022", "121020700000000", "元"),  # line 8: 15 digits, exact
        ("深圳", "ai_enterprise_count", "2023", "6.38万家", "家"),  # line 9: 63800
        ("深圳", "ai_enterprise_count", "2022", "3.5万家", "元"),  # line 10: units disagree: rejected
        ("深圳", "ai_enterprise_count", "2021", "lots", "家"),  # line 11: no number: rejected
    ]
    with open(raw / "indicators" / "figures.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["region", "indicator", "period", "value", "unit"])
        writer.writerows(rows)
    out = tmp_path / "out"
    Limit(raw, out, "300MB", 2).run()
    con = duckdb.connect()
    con.execute(f"ATTACH '{out / 'limit.duckdb'}' AS lim (READ_ONLY)")
    kept = con.execute("SELECT source_line, region_code, indicator, period, value FROM lim.marts.published_figures "
                       "ORDER BY source_line").fetchall()
    assert [(line, code, str(value)) for line, code, _, _, value in kept] == [
        (2, "440305", "1000000.00"), (3, "440305", "1000000.00"), (4, "440305", "1000000.00"),
        (6, "361000", "150000000000.00"), (7, "350100", "382100000000.00"), (8, "000000", "121020700000000.00"),
        (9, "440300", "63800.00")]
    rejected = con.execute("SELECT line, reason FROM lim.audit.rejected_rows ORDER BY line").fetchall()
    assert [line for line, _ in rejected] == [5, 10, 11]
    assert "230404" in rejected[0][1] and "440305" in rejected[0][1]  # the candidates are named
    assert "different units" in rejected[1][1] and "not a number" in rejected[2][1]


def test_a_file_utf8_only_at_its_start_is_read_as_gb18030(tmp_path):
    """The encoding is sniffed on the first block; DuckDB's reader finds the GB18030 bytes further on."""
    raw = tmp_path / "raw"
    (raw / "compute").mkdir(parents=True)
    lines = ["project,region,event,event_date"] + [f"P{i},110000,announced,2021-01-01" for i in range(3000)]
    lines.append("北京算力项目,北京市,开工,2022年3月1日")  # line 3002, past the sniffed block
    (raw / "compute" / "late.csv").write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    result = Limit(raw, tmp_path / "out", "300MB", 2).run()
    assert [(f["encoding"], f["rows"], f["rejected"]) for f in result["files"]] == [("gb18030", 3001, 0)]
    con = duckdb.connect()
    con.execute(f"ATTACH '{tmp_path / 'out' / 'limit.duckdb'}' AS lim (READ_ONLY)")
    assert con.execute("SELECT projects_started FROM lim.marts.compute_buildout "
                       "WHERE region_code = '110000' AND month = DATE '2022-03-01'").fetchall() == [(1,)]
