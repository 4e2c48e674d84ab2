"""Landed files: encodings, compression, line endings, headers, optional columns, and
files that cannot be read at all (contract: Common rules).

Expected values are written out by hand from the fixture files under
tests/fixtures/messy/ (bytes-sensitive ones come from make_messy_fixtures.py).

To stay fast, the read-only encoding checks share one landing folder holding every
enterprise encoding fixture (ingested once, in a pytest temporary folder; this also
shows that several files of a source are unioned); each test reads back the rows of
its own file. Tests that change the landing folder get their own tmp_path.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from orchestration.ingest.files import UnreadableFile
from tests.ingest_helpers import Landing

D = Decimal
ENTERPRISE_FIXTURES = [
    "enc_utf8.csv", "enc_utf8_bom.csv", "enc_gb18030.csv", "enc_gbk.csv", "enc_gzip.csv.gz",
    "enc_gb18030_gzip.csv.gz", "enc_crlf.csv", "optional_absent.csv",
]
COLUMNS = "uscc, name, region_code, registered_on, deregistered_on, registered_capital_cny, business_scope"


@pytest.fixture(scope="module")
def landed(tmp_path_factory) -> Landing:
    landing = Landing(tmp_path_factory.mktemp("encodings"))
    for name in ENTERPRISE_FIXTURES:
        landing.land("enterprises", name)
    landing.ingest("enterprises")
    return landing


def rows_of(landing: Landing, file: str, columns: str = COLUMNS) -> set[tuple]:
    return set(landing.query(f"select {columns} from raw.enterprises where _file = ?", [f"enterprises/{file}"]))


def rejected_of(landing: Landing, file: str) -> list[tuple]:
    return [r for r in landing.rejected("enterprises") if r[0] == f"enterprises/{file}"]


# --- encodings -----------------------------------------------------------------------


def test_several_files_of_a_source_are_unioned(landed):
    # 2 kept rows in each of the 8 files; the one rejected row is line 5 of enc_crlf.csv.
    assert landed.query("select _file, count(*) from raw.enterprises group by _file order by _file") == [
        (f"enterprises/{name}", 2) for name in sorted(ENTERPRISE_FIXTURES)
    ]
    assert [(f, line) for f, line, _, _ in landed.rejected("enterprises")] == [("enterprises/enc_crlf.csv", 5)]


def test_utf8_file_is_decoded(landed):
    assert rows_of(landed, "enc_utf8.csv") == {
        ("91110000MAU8A0001X", "安徽科大讯飞人工智能有限公司", "340100", dt.date(1999, 12, 30), None,
         D("10000000"), "智能语音"),
        ("91110000MAU8A00021", "北京百度大模型有限公司", "110000", dt.date(2000, 1, 18), None,
         D("5000000"), "大模型"),
    }


def test_utf8_bom_file_is_decoded_and_bom_does_not_hide_first_column(landed):
    assert rows_of(landed, "enc_utf8_bom.csv") == {
        ("91110000MABMA0001C", "西安语音识别科技有限公司", "610100", dt.date(2019, 4, 1), None,
         D("2000000"), "语音识别"),
        ("91110000MABMA0002F", "合肥机器学习科技有限公司", "340100", dt.date(2020, 10, 10), None,
         D("3000000"), "机器学习"),
    }


def test_gb18030_file_is_decoded(landed):
    # Chinese headers in another order; 𠮷 (U+20BB7) exists only in GB18030, not GBK.
    assert rows_of(landed, "enc_gb18030.csv") == {
        ("91110000MAGBA0001H", "合肥𠮷祥人工智能有限公司", "340100", dt.date(2018, 3, 15), None,
         D("5000000"), "人工智能；计算机视觉"),
        # 100万美元 is not yuan: registered_capital_cny stays empty.
        ("91110000MAGBA0002L", "西安秦川机器视觉有限公司", "610100", dt.date(2019, 5, 6), dt.date(2022, 1, 1),
         None, "计算机视觉；深度学习"),
    }


def test_gbk_file_is_decoded(landed):
    assert rows_of(landed, "enc_gbk.csv") == {
        ("91110000MAGBK00017", "杭州云栖大模型科技有限公司", "330100", dt.date(2020, 8, 8), None,
         D("20000000"), "大模型；自然语言处理"),
        ("91110000MAGBK0002A", "深圳鹏城智能机器人有限公司", "440300", dt.date(2016, 1, 1), dt.date(2020, 6, 30),
         D("500000"), "智能机器人研发"),
    }


def test_gzipped_csv_is_decompressed(landed):
    assert rows_of(landed, "enc_gzip.csv.gz") == {
        ("91110000MAGPA0001G", "上海商汤智能科技有限公司", "310000", dt.date(2014, 10, 15), None,
         None, "计算机视觉"),  # "1,000万美元": USD, so no yuan figure
        ("91110000MAGPA0002K", "广州云从人工智能技术有限公司", "440100", dt.date(2015, 3, 27), None,
         D("350000000"), "人脸识别；机器学习"),
    }
    assert rows_of(landed, "enc_gzip.csv.gz", "uscc, registered_capital, registered_capital_currency") == {
        ("91110000MAGPA0001G", D("10000000"), "USD"),
        ("91110000MAGPA0002K", D("350000000"), "CNY"),
    }


def test_gzipped_gb18030_csv_is_decompressed_and_decoded(landed):
    assert rows_of(landed, "enc_gb18030_gzip.csv.gz",
                   "uscc, name, region_code, registered_on, registered_on_precision") == {
        ("91110000MAGPB00018", "武汉光谷𠮷智能有限公司", "420100", dt.date(2021, 11, 11), "day"),
        ("91110000MAGPB0002B", "成都天府大模型有限公司", "510100", dt.date(2022, 2, 1), "month"),
    }


def test_crlf_line_endings_leave_no_carriage_return_in_values(landed):
    # The quoted last field would be malformed if the \r stayed on the line.
    assert rows_of(landed, "enc_crlf.csv", "_line, uscc, business_scope") == {
        (2, "91110000MACRL0001A", "语音识别"),
        (3, "91110000MACRL0002D", "深度学习,数据处理"),
    }


def test_crlf_file_counts_blank_line_and_rejected_raw_has_no_carriage_return(landed):
    rejected = rejected_of(landed, "enc_crlf.csv")
    assert [(f, line, raw) for f, line, raw, _ in rejected] == [
        ("enterprises/enc_crlf.csv", 5, "91110000MACRL0003G,济南泉城算力有限公司,济南,2019-02-30,,800万元,算力服务"),
    ]
    assert "2019-02-30" in rejected[0][3]


def test_optional_columns_may_be_absent_from_a_file(landed):
    assert rows_of(landed, "optional_absent.csv",
                   "uscc, region_code, registered_on, deregistered_on, registered_capital,"
                   " registered_capital_currency, business_scope") == {
        ("91110000MAPTL00011", "340100", dt.date(2021, 1, 1), None, None, None, None),
        ("91110000MAPTL00024", "610100", dt.date(2021, 2, 2), None, None, None, None),
    }


def test_utf8_bom_and_gb18030_jsonl_are_decoded(tmp_path):
    landing = Landing(tmp_path)
    landing.land("policies", "enc_utf8_bom.jsonl")
    landing.land("policies", "enc_gb18030.jsonl")
    landing.ingest("policies")
    assert landing.query("select _file, _line, title, issuer, region_code, published_on from raw.policies"
                         " order by _file, _line") == [
        ("policies/enc_gb18030.jsonl", 1, "𠮷林人工智能政策", "西安市人民政府", "610100", dt.date(2023, 4, 3)),
        # The BOM does not spoil the first object of the file.
        ("policies/enc_utf8_bom.jsonl", 1, "带BOM的政策", "合肥市人民政府", "340100", dt.date(2023, 4, 1)),
        ("policies/enc_utf8_bom.jsonl", 2, "第二条", "合肥市人民政府", "340100", dt.date(2023, 4, 2)),
    ]
    assert landing.rejected("policies") == []


def test_gzipped_jsonl_is_decompressed_with_physical_line_numbers(tmp_path):
    landing = Landing(tmp_path)
    landing.land("policies", "enc_gzip.jsonl.gz")
    landing.ingest("policies")
    assert landing.query("select _line, title, region_code, published_on from raw.policies order by _line") == [
        (1, "北京市促进通用人工智能创新发展的若干措施", "110000", dt.date(2023, 5, 30)),
        (3, "深圳市加快推动人工智能高质量发展高水平应用行动方案", "440300", dt.date(2023, 5, 1)),
    ]
    rejected = landing.rejected("policies")
    assert [(f, line, raw) for f, line, raw, _ in rejected] == [
        ("policies/enc_gzip.jsonl.gz", 4, '{"title": "坏行", "issuer": '),
    ]


def test_chinese_headers_in_any_order_with_an_extra_column(tmp_path):
    landing = Landing(tmp_path)
    landing.land("compute", "zh_headers.csv")
    landing.ingest("compute")
    rows = landing.query(
        "select project, region_code, event, event_date, event_date_precision, capacity_pflops, _extra"
        " from raw.compute"
    )
    assert [(*row[:-1], json.loads(row[-1])) for row in rows] == [
        ("西安未来人工智能计算中心", "610100", "operational", dt.date(2024, 1, 1), "month", D("300"),
         {"备注": "二期"}),
    ]


# --- unreadable files ----------------------------------------------------------------


def _state(landing: Landing, source: str) -> tuple:
    """(raw rows, rejected rows, files recorded as ingested) of a source."""
    return (
        landing.count(source),
        landing.rejected_count(source),
        landing.query("select count(*) from audit.ingested_files where source = ?", [source])[0][0],
    )


def test_binary_file_fails_the_source_naming_the_file_and_changes_nothing(tmp_path):
    landing = Landing(tmp_path)
    landing.land("enterprises", "enc_utf8.csv", "a_good.csv")
    landing.ingest("enterprises")
    assert _state(landing, "enterprises") == (2, 0, 1)

    landing.land("enterprises", "good_extra.csv", "b_new_good.csv")
    landing.land("enterprises", "bad_binary.csv", "c_export.csv")
    with pytest.raises(UnreadableFile, match="c_export.csv"):
        landing.ingest("enterprises")
    assert _state(landing, "enterprises") == (2, 0, 1)
    assert {u for (u,) in landing.query("select uscc from raw.enterprises")} == {
        "91110000MAU8A0001X", "91110000MAU8A00021"}


def test_every_unreadable_file_is_named_although_good_files_load_between_them(tmp_path):
    """Files are fingerprinted in the background while earlier ones load: the source still fails
    naming each unreadable file, and the good files parsed before the failure leave nothing behind."""
    landing = Landing(tmp_path)
    landing.land("enterprises", "enc_utf8.csv", "a_good.csv")
    landing.ingest("enterprises")
    stored = sorted(p.name for p in (landing.settings.raw_parquet_dir / "enterprises").iterdir())

    landing.land("enterprises", "good_extra.csv", "b_good.csv")
    landing.land("enterprises", "bad_binary.csv", "c_export.csv")
    landing.land("enterprises", "bad_missing_column.csv", "d_no_registered_on.csv")
    with pytest.raises(UnreadableFile) as excinfo:
        landing.ingest("enterprises")
    message = str(excinfo.value)
    assert "c_export.csv" in message and "d_no_registered_on.csv" in message
    assert "a_good.csv" not in message and "b_good.csv" not in message
    assert _state(landing, "enterprises") == (2, 0, 1)
    assert sorted(p.name for p in (landing.settings.raw_parquet_dir / "enterprises").iterdir()) == stored


def test_csv_missing_a_required_column_fails_the_source_naming_the_file_and_changes_nothing(tmp_path):
    landing = Landing(tmp_path)
    landing.land("enterprises", "enc_utf8.csv", "a_good.csv")
    landing.ingest("enterprises")
    assert _state(landing, "enterprises") == (2, 0, 1)

    landing.land("enterprises", "good_extra.csv", "b_new_good.csv")
    landing.land("enterprises", "bad_missing_column.csv", "c_no_registered_on.csv")
    with pytest.raises(UnreadableFile) as excinfo:
        landing.ingest("enterprises")
    message = str(excinfo.value)
    assert "c_no_registered_on.csv" in message
    assert "registered_on" in message  # says which column is missing
    assert _state(landing, "enterprises") == (2, 0, 1)


def test_jsonl_without_any_json_object_line_fails_the_source_naming_the_file_and_changes_nothing(tmp_path):
    landing = Landing(tmp_path)
    landing.land("policies", "good_base.jsonl", "a_good.jsonl")
    landing.ingest("policies")
    assert _state(landing, "policies") == (2, 0, 1)

    # b_new_good.jsonl sorts before the bad file, so it is loaded first and must be rolled back.
    landing.land("policies", "good_extra.jsonl", "b_new_good.jsonl")
    landing.land("policies", "bad_no_object.jsonl", "c_not_json_lines.jsonl")
    with pytest.raises(UnreadableFile, match="c_not_json_lines.jsonl"):
        landing.ingest("policies")
    assert _state(landing, "policies") == (2, 0, 1)
    assert sorted(t for (t,) in landing.query("select title from raw.policies")) == ["基础政策一", "基础政策二"]


def test_unreadable_file_also_keeps_rows_of_a_file_that_left_the_folder(tmp_path):
    # The failed ingest changes nothing: not even the withdrawal of a removed file.
    landing = Landing(tmp_path)
    landing.land("enterprises", "enc_utf8.csv", "a_good.csv")
    landing.ingest("enterprises")
    landing.remove("enterprises", "a_good.csv")
    landing.land("enterprises", "bad_binary.csv", "c_export.csv")
    with pytest.raises(UnreadableFile, match="c_export.csv"):
        landing.ingest("enterprises")
    assert _state(landing, "enterprises") == (2, 0, 1)


def test_truncated_gzip_fails_the_source_naming_the_file_and_changes_nothing(tmp_path):
    landing = Landing(tmp_path)
    landing.land("enterprises", "enc_utf8.csv", "a_good.csv")
    landing.ingest("enterprises")
    landing.land("enterprises", "bad_truncated.csv.gz", "c_cut_off.csv.gz")
    with pytest.raises(UnreadableFile, match="c_cut_off.csv.gz"):
        landing.ingest("enterprises")
    assert _state(landing, "enterprises") == (2, 0, 1)


def test_source_loads_again_once_the_unreadable_file_is_removed(tmp_path):
    landing = Landing(tmp_path)
    landing.land("enterprises", "enc_utf8.csv", "a_good.csv")
    landing.land("enterprises", "bad_binary.csv", "c_export.csv")
    with pytest.raises(UnreadableFile, match="c_export.csv"):
        landing.ingest("enterprises")
    landing.remove("enterprises", "c_export.csv")
    landing.ingest("enterprises")
    assert landing.count("enterprises") == 2
