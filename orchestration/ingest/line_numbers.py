"""Physical line numbers for rows written in file order.

The fast CSV reader yields a file's kept rows in file order without their line
numbers. Numbered in that order (k = 1, 2, ...), the k-th kept row lies on line k +
the number of lines before it that start no kept row (`exceptions`: the header,
lines continuing a quoted value, empty lines, rejected rows), which this module turns
into SQL over a small table.

Exception j (1-based, in line order) at line e has e - j lines before it that start
kept rows. So the k-th kept row lies on line k + #{j : e_j - j < k}. Ordinals are
grouped in buckets of BUCKET: per bucket, `base` counts the exceptions before the
bucket's first ordinal and `inside` lists those falling between its ordinals, so an
equi-join (streaming: the file's rows are never sorted or held) and a short list
finish the count.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

BUCKET = 256
TABLE = "modu_line_buckets"


def register(con: duckdb.DuckDBPyConnection, exceptions: np.ndarray, kept: int) -> None:
    """The bucket table for `kept` rows around these exception lines (sorted, from line 1)."""
    exceptions = np.asarray(exceptions, dtype=np.int64)
    kept_before = exceptions - np.arange(1, len(exceptions) + 1)
    buckets = np.arange((max(kept, 1) - 1) // BUCKET + 1, dtype=np.int64)
    first = buckets * BUCKET + 1
    base = np.searchsorted(kept_before, first, side="left")
    stop = np.searchsorted(kept_before, first + BUCKET - 1, side="left")
    inside = [kept_before[b:e].tolist() for b, e in zip(base, stop)]
    con.register("modu_buckets_arrow", pa.table({
        "bucket": buckets, "base": base.astype(np.int64), "inside": pa.array(inside, pa.list_(pa.int64())),
    }))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {TABLE} AS SELECT * FROM modu_buckets_arrow")
    con.unregister("modu_buckets_arrow")


def line_of(ordinal: str, buckets: str = "g") -> tuple[str, str]:
    """(the line expression, the join) for a 1-based ordinal column `ordinal`."""
    expression = f"{ordinal} + {buckets}.base + len(list_filter({buckets}.inside, x -> x < {ordinal}))"
    join = f"JOIN {TABLE} AS {buckets} ON {buckets}.bucket = ({ordinal} - 1) // {BUCKET}"
    return expression, join
