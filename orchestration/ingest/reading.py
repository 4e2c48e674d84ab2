"""What reading a landed file yields, whatever its format (csv_reading.py, jsonl_reading.py).

A reader leaves the relation `landed` on the connection (one row per kept data row:
`_line`, its physical line, the header being line 1; `_extra`; one VARCHAR per field)
and says which lines were no rows of the right shape at all (structural rejects). Their text, and the text of rows the parse
rejects later, is fetched in one go at the end (`fetch_raw`), because the fast CSV
reader never holds a row's text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class FileRead:
    method: str  # 'csv_reader', 'line_by_line' or 'json_lines'
    kept: int  # rows in `landed`
    # line -> reason, or None where the reason needs the line's text (explain() gives it)
    structural: dict[int, str | None] = field(default_factory=dict)
    fetch_raw: Callable[[list[int]], dict[int, str]] = lambda _lines: {}
    explain: Callable[[str], str] = lambda _text: "malformed row"
    scratch: list[Path] = field(default_factory=list)  # files `landed` reads, removed after the load

    def rejected_structurally(self, raw: dict[int, str]) -> list[tuple[int, str, str]]:
        """(line, text, reason) of every structural reject; a line of nothing but spaces is an
        empty line, not a row, and is left out."""
        found = []
        for line, reason in sorted(self.structural.items()):
            text = raw.get(line, "")
            if text.strip():
                found.append((line, text, reason or self.explain(text)))
        return found
