"""The synthetic-data generator: its files agree with its truth/ folder, read back with the csv module.

The truth is written by construction (benchmarks/generator/truth.py); here the files are
walked independently (gzip, codecs, csv) to check what the truth says about them: how many
physical lines, blank lines and records each file has, that a record starts on every line
the truth lists as rejected, that kept registry records have the header's field count and the
delimiter defects do not, and that the calibrated counts are the article's figures scaled.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from benchmarks.generator.cli import main

SCALE = 0.002
ARTICLE = {("110000", 2016): 39_800, ("110000", 2023): 47_800, ("440300", 2016): 36_100,
           ("440300", 2023): 63_800, ("310000", 2016): 26_500}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "data"
    assert main(["--scale", str(SCALE), "--out", str(out), "--threads", "1"]) == 0
    return out


def _text(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        return codecs.decode(raw, "utf-8-sig")
    except UnicodeDecodeError:
        return codecs.decode(raw, "gb18030")


def _walk(text: str, jsonl: bool) -> tuple[int, int, dict[int, list[str]]]:
    """(physical lines, blank lines, {first physical line of a record: its fields})."""
    physical = len(text.splitlines())
    if jsonl:
        return physical, 0, {n: [line] for n, line in enumerate(text.splitlines(), 1)}
    reader = csv.reader(io.StringIO(text, newline=""))
    records, blank, last = {}, 0, 0
    for row in reader:
        if not row:
            blank += 1
        elif last > 0:  # the header is not a record
            records[last + 1] = row
        last = reader.line_num
    return physical, blank, records


def _truth(folder: Path, name: str) -> list[dict]:
    with open(folder / "truth" / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_files_agree_with_the_truth(generated):
    rejected: dict[str, dict[int, dict]] = {}
    for r in _truth(generated, "rejected_rows.csv"):
        rejected.setdefault(r["file"], {})[int(r["line"])] = r
    files = _truth(generated, "files.csv")
    assert {f["source"] for f in files} == {"enterprises", "policies", "compute", "indicators"}
    for f in files:
        text = _text(generated / f["file"])
        physical, blank, records = _walk(text, f["file"].endswith((".jsonl", ".jsonl.gz")))
        assert (physical, blank, len(records)) == (int(f["physical_lines"]), int(f["blank_lines"]),
                                                    int(f["data_rows"])), f["file"]
        bad = rejected.get(f["file"], {})
        assert len(bad) == int(f["rejected_rows"]) and int(f["kept_rows"]) + len(bad) == len(records)
        assert set(bad) <= set(records), f"{f['file']}: a rejected line where no record starts"
        if f["source"] != "enterprises":
            continue
        width = len(next(csv.reader(io.StringIO(text.lstrip("\ufeff")))))
        for line, fields in records.items():
            reason = bad.get(line, {}).get("reason")
            if reason == "wrong_delimiter":
                assert len(fields) == 1 and ";" in fields[0]
            elif reason == "wrong_field_count":
                assert len(fields) > width
            else:
                assert len(fields) == width, (f["file"], line)
            if reason == "bad_uscc_check":
                assert bad[line]["value"] in fields


def test_the_registry_carries_the_mess_of_real_exports(generated):
    files = {f["file"]: f for f in _truth(generated, "files.csv")}
    crlf = (generated / "enterprises" / "synthetic_registry_part5_gb18030_crlf.csv").read_bytes()
    assert crlf.count(b"\r\n") > 100 and crlf.decode("gb18030").splitlines()[0].startswith("统一社会信用代码")
    assert (generated / "enterprises" / "synthetic_registry_part4_bom.csv").read_bytes()[:3] == codecs.BOM_UTF8
    # records spanning lines: more physical lines than header + records + blank lines
    spanning = sum(int(f["physical_lines"]) - 1 - int(f["data_rows"]) - int(f["blank_lines"])
                   for name, f in files.items() if name.startswith("enterprises/"))
    records = sum(int(f["data_rows"]) for name, f in files.items() if name.startswith("enterprises/"))
    assert 0.01 * records < spanning < 0.04 * records
    forms = _truth(generated, "region_forms.csv")
    by_uscc = {(r["region_text"], r["region_code"]) for r in forms if r["rule"] == "uscc_division_code"}
    assert {code for text, code in by_uscc if text in ("南山区", "南山", "Nanshan", "Nanshan District")} >= {"440305"}
    assert any(r["rule"] == "issuer" for r in forms) and any(r["rule"] == "parent_written_with_it" for r in forms)
    reasons = {(r["source"], r["reason"]) for r in _truth(generated, "rejected_rows.csv")}
    assert {("enterprises", "region_ambiguous"), ("enterprises", "wrong_delimiter"), ("indicators", "unit_conflict"),
            ("indicators", "not_a_number"), ("indicators", "wrong_delimiter")} <= reasons


def test_the_article_cities_are_calibrated(generated):
    counts = {(r["region_code"], int(r["year"])): int(r["ai_enterprise_count"])
              for r in _truth(generated, "ai_enterprise_counts.csv")}
    for key, n in ARTICLE.items():
        want = int((Decimal(n) * Decimal(str(SCALE))).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        assert counts[key] == want, key
    years = {y for (c, y) in counts if c == "000000"}
    assert all(("000000", y) in counts for y in range(min(years), max(years) + 1))


def test_indicator_values_are_the_spelled_amounts(generated):
    values = {(r["file"], int(r["line"])): r for r in _truth(generated, "indicator_values.csv")}
    for name in ("synthetic_indicators.csv", "synthetic_indicators_zh.csv"):
        text = _text(generated / "indicators" / name)
        _, _, records = _walk(text, jsonl=False)
        for line, fields in records.items():
            truth = values.get((f"indicators/{name}", line))
            if truth is None:
                continue
            value, unit = fields[3], fields[4]
            if unit in ("家", "人", "元") and value.replace(".", "").isdigit():
                assert Decimal(truth["value"]) == Decimal(value)  # a bare amount in base units
            assert truth["region_text"] == fields[0]


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_scale_and_seed_give_the_same_bytes(generated, tmp_path):
    again = tmp_path / "again"
    assert main(["--scale", str(SCALE), "--out", str(again), "--threads", "2"]) == 0
    assert _digest(generated) == _digest(again)


def test_national_data_never_lands_in_the_shipped_raw_folder():
    with pytest.raises(SystemExit, match="raw/"):
        main(["--scale", "0.001", "--out", str(Path(__file__).resolve().parent.parent / "raw" / "x")])


def test_the_sample_replaces_only_its_own_files(tmp_path):
    (tmp_path / "registry_2024.csv").write_text("someone else's file\n", encoding="utf-8")
    (tmp_path / "synthetic_registry_sample.csv").write_text("an earlier sample\n", encoding="utf-8")
    assert main(["--sample", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "registry_2024.csv", "synthetic_registry_sample.csv.gz", "synthetic_registry_sample.expected.json"]
    assert (tmp_path / "registry_2024.csv").read_text(encoding="utf-8") == "someone else's file\n"
    shipped = Path(__file__).resolve().parent.parent / "raw" / "enterprises"
    for name in ("synthetic_registry_sample.csv.gz", "synthetic_registry_sample.expected.json"):
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), f"{name}: not what the generator writes"


def test_the_shipped_sample_expectation_names_the_article_figures():
    root = Path(__file__).resolve().parent.parent / "raw" / "enterprises"
    expected = json.loads((root / "synthetic_registry_sample.expected.json").read_text(encoding="utf-8"))
    counts = expected["ai_enterprise_count"]
    for (code, year), n in ARTICLE.items():
        assert counts[code]["ai_enterprise_count"][str(year)] == n
    assert (root / expected["file"]).stat().st_size < 10_000_000


def test_the_synthetic_population_and_gdp_are_what_the_generator_writes_and_say_so(tmp_path):
    assert main(["--sample-figures", str(tmp_path)]) == 0
    shipped = Path(__file__).resolve().parent.parent / "raw" / "indicators"
    names = ["synthetic_population_gdp.csv", "synthetic_population_gdp.expected.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == names
    for name in names:
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), f"{name}: not what the generator writes"
    with open(shipped / names[0], encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 11 * 8 * 2  # population and GDP of the sample's 11 cities, 2016-2023
    assert all(r["source"].startswith("synthetic") and "not official statistics" in r["source"] for r in rows)
    assert {r["indicator"] for r in rows} == {"population", "gdp_cny"}
    expected = json.loads((shipped / names[1]).read_text(encoding="utf-8"))
    assert expected["synthetic"] is True and expected["file"] == names[0]
    # By hand: Beijing's 2016 level is 2170万人; Shenzhen's 1190万人 grows 4.5 % a year, so
    # 2023 = 1190 x 1.045^7 = 1619.42万, rounded to 0.1万 = 16,194,000 persons; its GDP 19500亿元
    # grows 8 % a year: 2017 = 21060.00亿元.
    assert expected["population"]["110000"]["values"]["2016"] == 21_700_000
    assert expected["population"]["440300"]["values"]["2023"] == 16_194_000
    assert expected["gdp_cny"]["440300"]["values"]["2017"] == 2_106_000_000_000
    beijing_2016 = [r for r in rows if r["region"] == "北京市" and r["period"] == "2016"]
    assert [(r["indicator"], r["value"], r["unit"]) for r in beijing_2016] == [
        ("population", "2170万", "人"), ("gdp_cny", "25700", "亿元")]
