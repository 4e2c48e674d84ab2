"""`python -m orchestration.cli metrics ...` (`make metrics ARGS='...'`): a metric, from the current release.

    make metrics ARGS='--metrics ai_enterprises --group-by region,metric_time__year'
    make metrics ARGS='--list'

It opens the serving catalog (serving/modu.duckdb) read-only, as a BI tool does, and reads
the semantic manifest the served release was published with; the build database is never
opened, so a query neither waits for a night nor holds one up. MetricFlow plans the query
and says what is wrong with a name; rules.py refuses what would add a region to the regions
within it. The table goes to stdout (text, or CSV with --csv); which release answered, and
how fast, to stderr.
"""

from __future__ import annotations

import argparse
import csv
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

from orchestration import warehouse
from orchestration.semantic import manifest as semantic_manifest
from orchestration.semantic.rules import RefusedQuery, check
from orchestration.settings import Settings


class Unanswerable(RuntimeError):
    """No release can answer (none published, or one from before the semantic layer)."""


def _date(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is no date: write it as 2016-01-01") from None


def _names(text: str | None) -> list[str]:
    return [name.strip() for name in (text or "").split(",") if name.strip()]


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m orchestration.cli metrics",
        description="Query a metric of the semantic layer from the current release (docs/bi-tools.md#metrics).",
        epilog="Names are MetricFlow's: --group-by region,region__name_zh,metric_time__year; "
               "--where \"{{ Dimension('region__level') }} = 'city'\". "
               "A metric that holds every region within a region must be grouped by region.")
    ap.add_argument("--metrics", help="comma-separated metric names (see --list)")
    ap.add_argument("--group-by", help="comma-separated group-by items: region, region__name_zh, region__level, "
                                       "metric_time__year, metric_time__month ...")
    ap.add_argument("--where", action="append", default=[], help="a MetricFlow filter (repeatable)")
    ap.add_argument("--start-time", type=_date, help="first day of the periods to answer (2016-01-01)")
    ap.add_argument("--end-time", type=_date, help="last day of the periods to answer (2023-12-31)")
    ap.add_argument("--order-by", help="comma-separated names, '-' first for descending (default: the group-by)")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--explain", action="store_true", help="print MetricFlow's SQL instead of running it")
    ap.add_argument("--csv", action="store_true", help="write the rows as CSV")
    ap.add_argument("--decimals", type=int, help="decimals of fractional numbers in the text table")
    ap.add_argument("--list", action="store_true", help="list the metrics with their grain and description")
    return ap


def served_manifest(s: Settings, con) -> tuple[str, Path]:
    """(release id, its semantic manifest) of the release the open catalog serves."""
    release_id = con.execute("SELECT max(release_id) FROM marts.release_info").fetchone()[0]
    path = s.serving_dir / "releases" / release_id / semantic_manifest.RELEASE_FILE
    if not path.exists():
        raise Unanswerable(f"release {release_id} was published before the semantic layer (no {path.name} in it): "
                           f"the next refresh publishes the metrics")
    return release_id, path


def _list(manifest_path: Path) -> str:
    lines = []
    for m in semantic_manifest.metrics(semantic_manifest.read(manifest_path)):
        region = "per region only" if m.includes_subregions else "regions add up"
        lines.append(f"{m.name}  ({m.label}; by region x {m.grain}; {region})")
        lines.extend(textwrap.wrap(m.description, 96, initial_indent="    ", subsequent_indent="    "))
    return "\n".join(lines)


def run(s: Settings, argv: list[str], out=sys.stdout, err=sys.stderr) -> int:
    args = parser().parse_args(argv)
    if not args.list and not args.metrics:
        print("metrics: give --metrics NAME[,NAME...] (or --list)", file=err)
        return 2
    if not s.catalog_db.exists():
        print(f"metrics: no release is served yet ({s.catalog_db} is absent): run `make refresh` first", file=err)
        return 1
    started = time.monotonic()
    con = warehouse.duckdb_connect(s, s.catalog_db, read_only=True)
    try:
        release_id, manifest_path = served_manifest(s, con)
        if args.list:
            print(_list(manifest_path), file=out)
            return 0
        return _query(args, con, release_id, manifest_path, started, out, err)
    except Unanswerable as e:
        print(f"metrics: {e}", file=err)
        return 1
    finally:
        con.close()


def _query(args, con, release_id: str, manifest_path: Path, started: float, out, err) -> int:
    import duckdb
    from metricflow_semantics.errors.error_classes import MetricFlowException

    from orchestration.semantic.engine import Metrics

    layer = Metrics(manifest_path, con)
    group_by = _names(args.group_by)
    try:
        planned = layer.plan(_names(args.metrics), group_by, args.where, _names(args.order_by) or group_by, args.limit,
                             args.start_time, args.end_time)
        check([layer.metrics[spec.element_name] for spec in planned.spec.metric_specs],
              [spec.element_name for spec in planned.spec.entity_specs])
    except MetricFlowException as e:  # MetricFlow's own words: the bad name, and what it knows instead
        print(f"metrics: MetricFlow cannot answer this query:\n{e}", file=err)
        return 1
    except RefusedQuery as e:
        print(f"metrics: {e}", file=err)
        return 2
    if args.explain:
        print(planned.sql, file=out)
        return 0
    try:
        answer = layer.run(planned)
    except duckdb.Error as e:  # a --where that is no valid SQL reaches DuckDB
        print(f"metrics: the query failed in DuckDB: {e}", file=err)
        return 1
    if args.csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(answer.table.column_names)
        writer.writerows(answer.table.rows)
    else:
        print(answer.table.text_format(args.decimals), file=out)
    out.flush()  # the table before the line that says where it came from, even into one pipe
    print(f"release {release_id} (serving/modu.duckdb): {answer.table.row_count} rows; query {answer.seconds:.3f} s, "
          f"{time.monotonic() - started:.2f} s in all", file=err)
    return 0
