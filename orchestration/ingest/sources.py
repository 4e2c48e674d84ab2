"""The four raw sources of the contract (shared/contract/raw-sources.md).

Each source says where its files land, which CSV columns (with their Chinese
headers) or JSON keys it reads, and the typed columns it writes to the raw layer.
How a source's text becomes those columns is SQL, in sql/<source>.sql; the cleaning
every field gets alike (trimmed text, "<field> is empty" for a required field) is
generated here from the field list, as the view `fields` that the SQL reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SQL_DIR = Path(__file__).parent / "sql"
LINEAGE_COLUMNS = (("_file", "VARCHAR"), ("_file_hash", "VARCHAR"), ("_line", "BIGINT"), ("_extra", "JSON"),
                   ("_ingested_at", "TIMESTAMP"))


@dataclass(frozen=True)
class Field:
    name: str
    header_zh: str | None = None  # CSV only
    required: bool = True  # must be present as a column / key, and not empty in a row
    json_list: bool = False  # JSON only: a list, kept as JSON for the source's SQL to parse


@dataclass(frozen=True)
class Source:
    name: str
    format: str  # 'csv' or 'jsonl'
    suffixes: tuple[str, ...]
    fields: tuple[Field, ...]
    columns: tuple[tuple[str, str], ...]  # typed columns of the raw layer, before the lineage columns

    @property
    def folder(self) -> str:
        return self.name

    @property
    def sql_path(self) -> Path:
        return SQL_DIR / f"{self.name}.sql"

    @property
    def column_names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def fields_view_sql(self) -> str:
        """`fields`: one row per data row, each field as landed plus `<field>_text` (trimmed,
        '' as null) and `_empty`, the reason of the first required field left empty."""
        texts = ",\n    ".join(f"modu_trimmed({f.name}) AS {f.name}_text" for f in self.fields)
        empties = "\n        ".join(
            f"WHEN modu_blank({f.name}) THEN '{f.name} is empty'" for f in self.fields if f.required
        )
        empty = f"CASE\n        {empties}\n    END" if empties else "NULL::VARCHAR"
        return (f"CREATE OR REPLACE TEMP VIEW fields AS\nSELECT *,\n    {texts},\n    {empty} AS _empty\n"
                f"FROM landed")


def _columns(*pairs: str) -> tuple[tuple[str, str], ...]:
    return tuple((pair.split(" ", 1)[0], pair.split(" ", 1)[1]) for pair in pairs)


INDICATORS = Source(
    name="indicators",
    format="csv",
    suffixes=(".csv", ".csv.gz"),
    fields=(
        Field("region", "地区"),
        Field("indicator", "指标"),
        Field("period", "年份"),
        Field("value", "数值"),
        Field("unit", "单位", required=False),
        Field("is_forecast", "是否预测", required=False),
        Field("source", "来源", required=False),
        Field("source_quote", "原文", required=False),
    ),
    columns=_columns("region_text VARCHAR", "region_code VARCHAR", "indicator_code VARCHAR", "period INTEGER",
                     "value DECIMAL(18, 2)", "value_kind VARCHAR", "is_forecast BOOLEAN", "source VARCHAR",
                     "source_quote VARCHAR"),
)

ENTERPRISES = Source(
    name="enterprises",
    format="csv",
    suffixes=(".csv", ".csv.gz"),
    fields=(
        Field("uscc", "统一社会信用代码"),
        Field("name", "企业名称"),
        Field("region", "所在地区"),
        Field("registered_on", "成立日期"),
        Field("deregistered_on", "注销日期", required=False),
        Field("registered_capital", "注册资本", required=False),
        Field("business_scope", "经营范围", required=False),
    ),
    columns=_columns("uscc VARCHAR", "name VARCHAR", "region_text VARCHAR", "region_code VARCHAR",
                     "registered_on DATE", "registered_on_precision VARCHAR", "deregistered_on DATE",
                     "registered_capital DECIMAL(18, 2)", "registered_capital_currency VARCHAR",
                     "registered_capital_cny DECIMAL(18, 2)", "business_scope VARCHAR"),
)

POLICIES = Source(
    name="policies",
    format="jsonl",
    suffixes=(".jsonl", ".jsonl.gz"),
    fields=(
        Field("id", required=False),
        Field("title"),
        Field("issuer"),
        Field("region"),
        Field("level", required=False),
        Field("published_on"),
        Field("effective_on", required=False),
        Field("plan_period", required=False),
        Field("doc_type"),
        Field("topics", required=False, json_list=True),
        Field("url", required=False),
        Field("summary", required=False),
        Field("source", required=False),
        Field("source_quote", required=False),
    ),
    columns=_columns("policy_id VARCHAR", "title VARCHAR", "issuer VARCHAR", "region_text VARCHAR",
                     "region_code VARCHAR", "level VARCHAR", "published_on DATE", "published_on_precision VARCHAR",
                     "effective_on DATE", "plan_start_year INTEGER", "plan_end_year INTEGER", "doc_type VARCHAR",
                     "topics VARCHAR[]", "url VARCHAR", "summary VARCHAR", "source VARCHAR", "source_quote VARCHAR"),
)

COMPUTE = Source(
    name="compute",
    format="csv",
    suffixes=(".csv", ".csv.gz"),
    fields=(
        Field("project", "项目名称"),
        Field("region", "地区"),
        Field("event", "事件"),
        Field("event_date", "日期"),
        Field("capacity", "算力规模", required=False),
        Field("investment", "投资额", required=False),
        Field("operator", "运营方", required=False),
        Field("source", "来源", required=False),
    ),
    columns=_columns("project VARCHAR", "region_text VARCHAR", "region_code VARCHAR", "event VARCHAR",
                     "event_date DATE", "event_date_precision VARCHAR", "capacity_pflops DECIMAL(18, 4)",
                     "capacity_precision VARCHAR", "investment DECIMAL(18, 2)", "investment_currency VARCHAR",
                     "investment_cny DECIMAL(18, 2)", "operator VARCHAR", "source VARCHAR"),
)

SOURCES: dict[str, Source] = {s.name: s for s in (INDICATORS, ENTERPRISES, POLICIES, COMPUTE)}
