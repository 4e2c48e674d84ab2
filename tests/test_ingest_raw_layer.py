"""The raw layer: one Parquet file per landed file, written once, with exact physical lines.

Line numbers are checked on files written here, line by line, so that every expected
number is counted by hand from the text below: quoted values spanning lines, empty
lines, CRLF, rejected rows between kept ones, and a stray quote that sends the file
down the line-by-line path.
"""

from __future__ import annotations

import gzip

import duckdb
import pytest
from stdnum.cn import uscc as stdnum_uscc

from orchestration.ingest import raw_store
from orchestration.ingest.sources import SOURCES
from tests.ingest_helpers import Landing

HEADER = "uscc,name,region,registered_on,deregistered_on,registered_capital,business_scope"
# Valid USCCs (GB 32100-2015 check characters verified with python-stdnum in test_ingest_rejects.py).
A, B, C, D = "91110000MAREJ0001Y", "91110000MAREJ00035", "91110000MAREJ00149", "91110000MAREJ0005B"


def _write(landing: Landing, name: str, lines: list[str], newline: str = "\n", gz: bool = False):
    target = landing.raw_dir / "enterprises" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    data = newline.join(lines).encode("utf-8") + newline.encode()
    target.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return target


def _kept(landing: Landing) -> list[tuple[int, str, str | None]]:
    return landing.query("SELECT _line, uscc, business_scope FROM raw.enterprises ORDER BY _line")


def _rejected(landing: Landing) -> list[tuple[int, str]]:
    return [(line, raw) for _, line, raw, _ in landing.rejected("enterprises")]


QUOTED_BREAKS = [
    HEADER,                                                              # 1
    f'{A},甲科技有限公司,合肥,2018-01-01,,100万元,"人工智能软件开发',          # 2  value continues
    '数据处理服务"',                                                      # 3
    f"{B},乙科技有限公司,合肥,2018-01-02,,100万元,人工智能",                   # 4
    "",                                                                  # 5  empty line
    "91110000MAREJ00023,坏校验科技有限公司,合肥,2018-01-02,,100万元,人工智能",  # 6  bad check character
    f'{C},丙科技有限公司,合肥,2018-01-03,,100万元,"第一行',                 # 7  value over three lines,
    "",                                                                  # 8  one of them empty
    '第三行"',                                                             # 9
    f"{D};丁科技有限公司;合肥;2018-01-04;;100万元;人工智能",                   # 10 semicolons
    f"{D},丁科技有限公司,合肥,2018-01-04,,100万元,人工智能",                   # 11
]


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_quoted_line_breaks_and_empty_lines_keep_exact_physical_lines(tmp_path, newline, gz):
    landing = Landing(tmp_path)
    _write(landing, "breaks.csv" + (".gz" if gz else ""), QUOTED_BREAKS, newline, gz)
    report = landing.ingest("enterprises")
    (file_report,) = report.files
    assert file_report.method == "csv_reader"  # proven: the fast reader's rows are these lines
    assert [(line, uscc) for line, uscc, _ in _kept(landing)] == [(2, A), (4, B), (7, C), (11, D)]
    scopes = {line: scope.replace("\r\n", "\n") for line, _, scope in _kept(landing)}
    assert scopes[2] == "人工智能软件开发\n数据处理服务"
    assert scopes[7] == "第一行\n\n第三行"
    assert _rejected(landing) == [(6, QUOTED_BREAKS[5]), (10, QUOTED_BREAKS[9])]
    (semicolons,) = [reason for _, line, _, reason in landing.rejected("enterprises") if line == 10]
    assert "separated by ';'" in semicolons
    assert (file_report.data_lines, file_report.kept, file_report.rejected) == (6, 4, 2)


def _far_lines() -> tuple[list[str], dict[int, str]]:
    """A 250-line registry file and its rejected records (a wrong check character) by first
    line: single lines and one over lines 64-65, across the first step of the line index
    (files.LINE_INDEX_STEP); a good record over lines 127-128; an empty line at 100; the
    last line rejected."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

    def row(n: int, good: bool, scope: str = "人工智能") -> str:
        prefix = f"91110000MA{n:07d}"
        check = stdnum_uscc.calc_check_digit(prefix)
        code = prefix + (check if good else alphabet[(alphabet.index(check) + 1) % 31])
        return f"{code},企业{n}科技有限公司,合肥,2018-01-01,,100万元,{scope}"

    bad = (63, 64, 129, 200, 250)
    lines, rejected = [HEADER], {}
    while len(lines) < 250:
        at = len(lines) + 1  # the physical line the next record starts on
        scope = {64: '"人工智能\n软件开发"', 127: '"数据处理\n服务"'}.get(at, "人工智能")
        record = [""] if at == 100 else row(at, at not in bad, scope).split("\n")
        if at in bad:
            rejected[at] = "\n".join(record)
        lines += record
    return lines, rejected


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_rejected_records_far_into_a_file_keep_their_exact_text(tmp_path, newline, gz):
    """A rejected record's text is read from the indexed line before it, in a gzipped file
    from the plain copy the fingerprint made; the copy is gone once the source is loaded."""
    landing = Landing(tmp_path)
    lines, rejected = _far_lines()
    assert len(lines) == 250
    _write(landing, "far.csv" + (".gz" if gz else ""), lines, newline, gz)
    (file_report,) = landing.ingest("enterprises").files
    assert file_report.method == "csv_reader"
    assert _rejected(landing) == sorted(rejected.items())
    kept = _kept(landing)
    # Not kept: the header, the empty line, the 6 lines of the 5 rejected records, line 128.
    assert len(kept) == 250 - 1 - 1 - 6 - 1
    assert {line: scope.replace("\r\n", "\n") for line, _, scope in kept}[127] == "数据处理\n服务"
    assert list((landing.settings.scratch_dir / "enterprises").glob("*")) == []


def test_a_stray_quote_reads_the_file_line_by_line_with_the_same_numbers(tmp_path):
    landing = Landing(tmp_path)
    lines = [
        HEADER,                                                          # 1
        f'{A},甲科技有限公司,合肥,2018-01-01,,100万元,"人工智能',            # 2  value continues
        '软件开发"',                                                      # 3
        f'{B},乙科技有限公司,合肥,2018-01-02,,100万元,人工"智能',            # 4  stray quote
        f"{C},丙科技有限公司,合肥,2018-01-03,,100万元,人工智能",               # 5
        "",                                                              # 6
        f"{D},丁科技有限公司,合肥,2018-01-04,,100万元,人工智能",               # 7
    ]
    _write(landing, "stray.csv", lines)
    report = landing.ingest("enterprises")
    (file_report,) = report.files
    assert file_report.method == "line_by_line"
    assert [(line, uscc) for line, uscc, _ in _kept(landing)] == [(2, A), (5, C), (7, D)]
    assert _rejected(landing) == [(4, lines[3])]
    assert "quot" in landing.rejected("enterprises")[0][3]


def test_a_file_that_stops_mid_row_rejects_that_row_and_keeps_the_others(tmp_path):
    landing = Landing(tmp_path)
    lines = [HEADER, f"{A},甲科技有限公司,合肥,2018-01-01,,100万元,人工智能", f'{B},乙科技有限公司,合肥,2018-01-02,,"100万']
    target = landing.raw_dir / "enterprises" / "cut.csv"
    target.parent.mkdir(parents=True)
    target.write_text("\n".join(lines), encoding="utf-8")  # no final newline: the export was cut off
    landing.ingest("enterprises")
    assert [(line, uscc) for line, uscc, _ in _kept(landing)] == [(2, A)]
    assert _rejected(landing) == [(3, lines[2])]


def test_each_landed_file_is_one_parquet_file_written_once(tmp_path):
    landing = Landing(tmp_path)
    landing.land("enterprises", "values.csv")
    landing.land("enterprises", "enc_gb18030.csv")
    first = landing.ingest("enterprises")
    folder = raw_store.source_dir(landing.settings.raw_parquet_dir, SOURCES["enterprises"])
    stored = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert sorted(stored) == sorted([f"{f.content_hash}.parquet" for f in first.files] + ["empty.parquet"])
    # Every landed row is there, rejected ones with their reason; the raw view keeps the others.
    con = duckdb.connect()
    try:
        rows, reasons = con.execute(
            f"SELECT count(*), count(_reject_reason) FROM read_parquet('{folder}/*.parquet', union_by_name = true)"
        ).fetchone()
    finally:
        con.close()
    assert rows - reasons == first.table_rows
    parse_rejects = landing.query("SELECT count(*) FROM audit.rejected_rows WHERE reason NOT LIKE 'expected %' "
                                  "AND reason NOT LIKE 'malformed %'")[0][0]
    assert reasons == parse_rejects  # a row that is no CSV row of the header's width never reaches a file
    assert landing.count("enterprises") == first.table_rows

    again = landing.ingest("enterprises")
    assert not again.changed and not again.loaded_now
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == stored  # nothing rewritten

    landing.remove("enterprises", "values.csv")
    after = landing.ingest("enterprises")
    assert after.changed and after.withdrawn == ["enterprises/values.csv"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{f.content_hash}.parquet" for f in first.files if f.file.endswith("gb18030.csv")] + ["empty.parquet"])
    assert {f for (f,) in landing.query("SELECT DISTINCT _file FROM raw.enterprises")} == {"enterprises/enc_gb18030.csv"}


def test_an_unchanged_file_is_known_by_its_stat_and_not_read_again(tmp_path, monkeypatch):
    import orchestration.ingest.loader as loader

    landing = Landing(tmp_path)
    landing.land("enterprises", "values.csv")
    landing.ingest("enterprises")
    read = []
    real_inspect = loader.inspect
    monkeypatch.setattr(loader, "inspect",
                        lambda path, *args, **kwargs: read.append(path.name) or real_inspect(path, *args, **kwargs))
    landing.ingest("enterprises")
    assert read == []  # same path, size and modification time: the recorded hash stands
    target = landing.raw_dir / "enterprises" / "values.csv"
    target.touch()  # a new modification time: the file is read (and found already loaded)
    report = landing.ingest("enterprises")
    assert read == ["values.csv"] and report.files[0].status == "already_loaded"


def test_a_crash_between_commit_and_rename_is_repaired_on_the_next_load(tmp_path):
    landing = Landing(tmp_path)
    landing.land("compute", "values.csv")
    first = landing.ingest("compute")
    folder = raw_store.source_dir(landing.settings.raw_parquet_dir, SOURCES["compute"])
    (stored,) = [p for p in folder.iterdir() if p.name != "empty.parquet"]
    stored.unlink()  # the bookkeeping says loaded, the file is gone
    (folder / ".deadbeef.parquet.partial").write_bytes(b"half a file")  # and a load that never committed
    (folder / "0123abcd.parquet").write_bytes(b"no owner")  # and a withdrawal that never finished
    report = landing.ingest("compute")
    assert len(report.repaired) == 3
    assert report.loaded_now and report.table_rows == first.table_rows
    assert sorted(p.name for p in folder.iterdir()) == sorted([stored.name, "empty.parquet"])


def test_a_truncated_gzip_fails_the_source_naming_the_file(tmp_path):
    landing = Landing(tmp_path)
    landing.land("enterprises", "values.csv")
    landing.ingest("enterprises")
    _write(landing, "cut.csv.gz", [HEADER, f"{A},甲科技有限公司,合肥,2018-01-01,,100万元,人工智能"] * 200, gz=True)
    target = landing.raw_dir / "enterprises" / "cut.csv.gz"
    target.write_bytes(target.read_bytes()[:-40])
    from orchestration.errors import UnreadableFile

    with pytest.raises(UnreadableFile, match="cut.csv.gz"):
        landing.ingest("enterprises")
    assert {f for (f,) in landing.query("SELECT DISTINCT _file FROM raw.enterprises")} == {"enterprises/values.csv"}
