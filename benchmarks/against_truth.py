"""Marts and rejected rows against the generator's ground truth (DIR/truth/, benchmarks/README.md).

    python -m benchmarks.against_truth --data DIR --release FOLDER     # a modu release (serving/current)
    python -m benchmarks.against_truth --data DIR --limit FILE         # the limit's limit.duckdb

- ai_enterprise_count: every region x year of truth/ai_enterprise_counts.csv against the
  mart's row (equal, different, missing from the mart);
- rejected rows: (source, file, line) of audit.rejected_rows against truth/rejected_rows.csv,
  per source: matched, missing (the truth rejects it, the warehouse does not) and extra (the
  warehouse rejects a row the truth keeps), with the first few of each and their reasons.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb

SHOWN = 5
# A reason as a kind: the value it quotes (up to the last "' is ": names hold apostrophes), other quoted
# values and parenthesised lists blanked.
REASON_KIND = (r"""regexp_replace(regexp_replace(regexp_replace(reason, '''.*'' is ', '… is '), """
               r"""'''[^'']*''', '…', 'g'), '\([^)]*\)', '(…)', 'g')""")


def _q(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def compare(con: duckdb.DuckDBPyConnection, truth_dir: Path, city_indicators: str, rejected_rows: str,
            published_figures: str, counts_csv: Path | None = None) -> dict:
    """city_indicators / rejected_rows / published_figures: relations (SQL) with the published marts' columns;
    counts_csv: the counts to check instead of truth/ai_enterprise_counts.csv (truth/increment/'s after (d))."""
    counts = _q(counts_csv or truth_dir / "ai_enterprise_counts.csv")
    con.execute(f"""CREATE OR REPLACE TEMP VIEW t_counts AS SELECT region_code, CAST(year AS INTEGER) AS year,
        CAST(ai_enterprise_count AS BIGINT) AS n, name_zh
        FROM read_csv({counts}, header = true, all_varchar = true)""")
    con.execute(f"""CREATE OR REPLACE TEMP VIEW t_joined AS
        SELECT t.region_code, t.name_zh, t.year, t.n AS truth, m.ai_enterprise_count AS mart, m.region_code IS NOT NULL AS present
        FROM t_counts t LEFT JOIN (SELECT region_code, year, ai_enterprise_count FROM {city_indicators}) m
          ON m.region_code = t.region_code AND m.year = t.year""")
    total, equal, missing = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE truth = mart), count(*) FILTER (WHERE NOT present) FROM t_joined").fetchone()
    differing = con.execute(f"""SELECT region_code, name_zh, year, truth, mart FROM t_joined
        WHERE present AND truth IS DISTINCT FROM mart ORDER BY region_code, year LIMIT {SHOWN}""").fetchall()
    n_diff = con.execute("SELECT count(*) FROM t_joined WHERE present AND truth IS DISTINCT FROM mart").fetchone()[0]
    by_level = dict(con.execute(f"""SELECT t.level, count(*) FROM t_joined j
        JOIN (SELECT DISTINCT region_code, level FROM read_csv({counts}, header = true, all_varchar = true)) t
          USING (region_code)
        WHERE j.present AND j.truth IS DISTINCT FROM j.mart GROUP BY ALL ORDER BY 2 DESC""").fetchall())
    absent = con.execute(f"SELECT region_code, name_zh, year, truth FROM t_joined WHERE NOT present "
                         f"ORDER BY region_code, year LIMIT {SHOWN}").fetchall()
    # rows the mart counts where the truth has no row (a region the truth has no kept record in)
    extra_regions = con.execute(f"""SELECT count(*) FROM (SELECT DISTINCT region_code FROM {city_indicators}
        WHERE ai_enterprise_count IS NOT NULL) m WHERE region_code NOT IN (SELECT region_code FROM t_counts)""").fetchone()[0]
    out: dict = {"ai_counts": {"truth_rows": total, "equal": equal, "different": n_diff, "different_by_level": by_level,
                               "missing_from_mart": missing,
                               "first_different": [list(r) for r in differing], "first_missing": [list(r) for r in absent],
                               "mart_regions_not_in_truth": extra_regions}}

    rejected = _q(truth_dir / "rejected_rows.csv")
    con.execute(f"""CREATE OR REPLACE TEMP VIEW t_rej AS SELECT source, file, CAST(line AS BIGINT) AS line, reason,
        value, candidates FROM read_csv({rejected}, header = true, all_varchar = true)""")
    con.execute(f"CREATE OR REPLACE TEMP VIEW w_rej AS SELECT source, file, CAST(line AS BIGINT) AS line, reason "
                f"FROM {rejected_rows}")
    per_source = {}
    sources = [s for (s,) in con.execute("SELECT DISTINCT source FROM t_rej UNION SELECT DISTINCT source FROM w_rej "
                                         "ORDER BY 1").fetchall()]
    for source in sources:
        matched = con.execute("""SELECT count(*) FROM (SELECT DISTINCT file, line FROM t_rej WHERE source = ?) t
            JOIN (SELECT DISTINCT file, line FROM w_rej WHERE source = ?) w USING (file, line)""", [source, source]).fetchone()[0]
        truth_n = con.execute("SELECT count(*) FROM t_rej WHERE source = ?", [source]).fetchone()[0]
        ours_n = con.execute("SELECT count(*) FROM w_rej WHERE source = ?", [source]).fetchone()[0]
        missing_q = """FROM t_rej t WHERE source = ? AND NOT EXISTS (
            SELECT 1 FROM w_rej w WHERE w.source = t.source AND w.file = t.file AND w.line = t.line)"""
        extra_q = """FROM w_rej w WHERE source = ? AND NOT EXISTS (
            SELECT 1 FROM t_rej t WHERE t.source = w.source AND t.file = w.file AND t.line = w.line)"""
        per_source[source] = {
            "truth": truth_n, "warehouse": ours_n, "matched": matched,
            "missing": con.execute(f"SELECT count(*) {missing_q}", [source]).fetchone()[0],
            "extra": con.execute(f"SELECT count(*) {extra_q}", [source]).fetchone()[0],
            "first_missing": [list(r) for r in con.execute(
                f"SELECT file, line, reason, value {missing_q} ORDER BY file, line LIMIT {SHOWN}", [source]).fetchall()],
            "first_extra": [list(r) for r in con.execute(
                f"SELECT file, line, reason {extra_q} ORDER BY file, line LIMIT {SHOWN}", [source]).fetchall()],
            # what kind of rows: the truth's reason for the missing ones; for the extra ones, the
            # warehouse's reason with its quoted values and parentheses blanked, most frequent first
            "missing_by_reason": dict(con.execute(
                f"SELECT reason, count(*) {missing_q} GROUP BY ALL ORDER BY 2 DESC", [source]).fetchall()),
            "extra_by_reason": dict(con.execute(
                f"SELECT {REASON_KIND}, count(*) {extra_q} GROUP BY ALL ORDER BY 2 DESC LIMIT {SHOWN}",
                [source]).fetchall()),
        }
    out["rejected"] = per_source

    # every published figure against the truth's value of the row it was taken from (the unit rules)
    values = _q(truth_dir / "indicator_values.csv")
    con.execute(f"""CREATE OR REPLACE TEMP VIEW t_fig AS
        SELECT p.region_code, p.indicator, p.period, p.value, p.is_forecast, p.source_file, p.source_line,
            t.region_code AS t_region, t.indicator_code AS t_indicator, CAST(t.period AS INTEGER) AS t_period,
            CAST(t.value AS DECIMAL(38, 6)) AS t_value, CAST(t.is_forecast AS BOOLEAN) AS t_forecast
        FROM {published_figures} p
        LEFT JOIN read_csv({values}, header = true, all_varchar = true) t
            ON t.file = p.source_file AND CAST(t.line AS BIGINT) = p.source_line""")
    n, same, unknown = con.execute("""SELECT count(*), count(*) FILTER (WHERE region_code = t_region
        AND indicator = t_indicator AND period = t_period AND value = t_value AND is_forecast = t_forecast),
        count(*) FILTER (WHERE t_value IS NULL) FROM t_fig""").fetchone()
    first = con.execute(f"""SELECT source_file, source_line, region_code, indicator, period, value, t_value FROM t_fig
        WHERE t_value IS NOT NULL AND NOT (region_code = t_region AND indicator = t_indicator AND period = t_period
              AND value = t_value AND is_forecast = t_forecast)
        ORDER BY source_file, source_line LIMIT {SHOWN}""").fetchall()
    out["figures"] = {"published": n, "equal": same, "not_in_truth": unknown, "first_different": [list(r) for r in first]}
    return out


def compare_release(truth_dir: Path, release: Path, counts_csv: Path | None = None) -> dict:
    con = duckdb.connect(config={"python_enable_replacements": False})
    try:
        return compare(con, truth_dir, f"read_parquet({_q(release / 'marts.city_indicators.parquet')})",
                       f"read_parquet({_q(release / 'audit.rejected_rows.parquet')})",
                       f"read_parquet({_q(release / 'marts.published_figures.parquet')})", counts_csv)
    finally:
        con.close()


def compare_limit(truth_dir: Path, limit_db: Path) -> dict:
    con = duckdb.connect(config={"python_enable_replacements": False})
    try:
        con.execute(f"ATTACH {_q(limit_db)} AS lim (READ_ONLY)")
        return compare(con, truth_dir, "lim.marts.city_indicators", "lim.audit.rejected_rows",
                       "lim.marts.published_figures")
    finally:
        con.close()


def _short(text: str, width: int = 90) -> str:
    text = " ".join(str(text).split()).replace("|", "/")
    return text if len(text) <= width else text[: width - 1] + "…"


def summary_lines(result: dict) -> list[str]:
    """Markdown lines: the counts, then one row per source."""
    c = result["ai_counts"]
    levels = ", ".join(f"{k} {v:,}" for k, v in c.get("different_by_level", {}).items())
    lines = [f"ai_enterprise_count: {c['equal']:,} of {c['truth_rows']:,} region-years of the truth equal "
             f"({c['different']:,} different{' (' + levels + ')' if levels else ''}, "
             f"{c['missing_from_mart']:,} missing from the mart; "
             f"{c['mart_regions_not_in_truth']} mart regions with a count the truth does not have)"
             + (f"; first different (region, name, year, truth, mart): "
                + "; ".join(" ".join(str(x) for x in r) for r in c["first_different"]) if c["first_different"] else "")
             + (f"; first missing: " + "; ".join(" ".join(str(x) for x in r) for r in c["first_missing"])
                if c["first_missing"] else "") + ".", "",
             "| source | truth | rejected | matched (file, line) | missing | extra | missing, by the truth's reason "
             "| extra, by the warehouse's reason | first missing | first extra |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |"]
    for source, r in result["rejected"].items():
        fm = "; ".join(f"{f}:{ln} {reason} `{_short(value, 40)}`" for f, ln, reason, value in r["first_missing"]) or "-"
        fe = "; ".join(f"{f}:{ln} {_short(reason)}" for f, ln, reason in r["first_extra"]) or "-"
        mr = ", ".join(f"{k} {v:,}" for k, v in r.get("missing_by_reason", {}).items()) or "-"
        er = "; ".join(f"{_short(k, 70)}: {v:,}" for k, v in r.get("extra_by_reason", {}).items()) or "-"
        lines.append(f"| {source} | {r['truth']:,} | {r['warehouse']:,} | {r['matched']:,} | {r['missing']:,} "
                     f"| {r['extra']:,} | {mr} | {er} | {fm} | {fe} |")
    f = result["figures"]
    lines += ["", f"published_figures: {f['equal']:,} of {f['published']:,} figures equal the truth's value of the row "
              f"they come from (region, indicator, period, value in base units, forecast); {f['not_in_truth']} from "
              "rows the truth does not list"
              + (": first different (file, line, region, indicator, period, value, truth) "
                 + "; ".join(" ".join(str(x) for x in r) for r in f["first_different"]) if f["first_different"] else "")
              + "."]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--release", type=Path)
    group.add_argument("--limit", type=Path)
    args = parser.parse_args()
    truth = args.data / "truth"
    result = compare_release(truth, args.release.resolve()) if args.release else compare_limit(truth, args.limit)
    print("\n".join(summary_lines(result)))
    print("TRUTH " + json.dumps(result, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
