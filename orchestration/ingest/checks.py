"""The reject-share guard: a landed file that loses most of its rows to rejects stops the night.

For every file currently landed in a source's folder (audit.landed_files, with the counts
its content was loaded with in audit.ingested_files: data_lines = kept + rejected), the
share of rejected data lines is held to two thresholds (settings.py):

- above MODU_REJECT_WARN_SHARE (5%) the check `rejected_share_per_file` warns;
- above MODU_REJECT_FAIL_SHARE (50%), in a file of at least MODU_REJECT_FAIL_MIN_LINES (1,000)
  data lines, it fails with ERROR severity. The check is blocking, so dbt, the mart checks
  and the publish step do not run: the night stops, the run fails (and alerts, naming the
  file and its share), and analysts keep the last good release. A smaller file above the
  failing share only warns: a handful of lines says little about an export.

Every landed file is held to it on every night, not only the files loaded tonight: a bad
file that stays in the landing folder keeps the nights stopped until it is fixed or removed.
"""


from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetChecksDefinition,
    AssetKey,
    Failure,
    MetadataValue,
    ResourceParam,
    asset_check,
)

from orchestration import warehouse
from orchestration.ingest.sources import SOURCES, Source
from orchestration.settings import Settings

CHECK_NAME = "rejected_share_per_file"
MAX_FILES_SHOWN = 50  # the metadata table lists the worst files first


@dataclass(frozen=True)
class FileShare:
    file: str  # the landed path, relative to the landing folder
    data_lines: int
    kept: int
    rejected: int

    @property
    def share(self) -> float:
        return self.rejected / self.data_lines if self.data_lines else 0.0


@dataclass(frozen=True)
class Verdict:
    passed: bool
    severity: AssetCheckSeverity
    description: str
    failing: tuple[FileShare, ...] = ()
    warning: tuple[FileShare, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


def landed_file_shares(con, source: Source) -> list[FileShare]:
    """Every file landed in the source's folder with the counts its content was loaded with."""
    present = {name for (name,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'audit' "
        "AND table_name IN ('landed_files', 'ingested_files')").fetchall()}
    if present != {"landed_files", "ingested_files"}:
        return []
    rows = con.execute(
        "SELECT l.file, i.data_lines, i.kept, i.rejected FROM audit.landed_files l "
        "JOIN audit.ingested_files i ON i.source = l.source AND i.file_hash = l.file_hash "
        "WHERE l.source = ? ORDER BY l.file", [source.name]).fetchall()
    return [FileShare(file, int(lines), int(kept), int(rejected)) for file, lines, kept, rejected in rows]


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _said(f: FileShare) -> str:
    return f"{f.file}: {_pct(f.share)} of its {f.data_lines:,} data lines rejected ({f.rejected:,})"


def _table(files: list[FileShare]) -> str:
    worst = sorted(files, key=lambda f: (-f.share, f.file))[:MAX_FILES_SHOWN]
    head = "| file | data lines | kept | rejected | rejected share |\n|---|---|---|---|---|\n"
    return head + "\n".join(f"| {f.file} | {f.data_lines:,} | {f.kept:,} | {f.rejected:,} | {_pct(f.share)} |"
                            for f in worst)


def judge(source_name: str, files: list[FileShare], warn_share: float, fail_share: float,
          fail_min_lines: int) -> Verdict:
    """Hold each file's rejected share to the thresholds; see the module docstring."""
    failing = tuple(f for f in files if f.share > fail_share and f.data_lines >= fail_min_lines)
    warning = tuple(f for f in files if f.share > warn_share and f not in failing)
    metadata: dict[str, Any] = {
        "files_checked": len(files),
        "warn_share": warn_share,
        "fail_share": fail_share,
        "fail_min_lines": fail_min_lines,
        "files_above_warn_share": len(warning) + len(failing),
        "files_above_fail_share": len(failing),
    }
    if files:
        worst = max(files, key=lambda f: (f.share, f.file))
        metadata |= {"worst_file": worst.file, "worst_share": round(worst.share, 6),
                     "files": MetadataValue.md(_table(files))}
    where = f"raw/{source_name}"
    if failing:
        return Verdict(
            False, AssetCheckSeverity.ERROR,
            f"{where}: " + "; ".join(_said(f) for f in failing)
            + f", above the failing share {_pct(fail_share)} (MODU_REJECT_FAIL_SHARE). The night stops before "
            "publishing and the last good release stays served. Why each row was rejected is in "
            "audit.rejected_rows; fix the file or remove it from the landing folder.",
            failing, warning, metadata)
    if warning:
        small = [f for f in warning if f.share > fail_share]
        note = (f" ({', '.join(f.file for f in small)}: above the failing share, but under "
                f"{fail_min_lines:,} data lines, so it only warns)" if small else "")
        return Verdict(
            False, AssetCheckSeverity.WARN,
            f"{where}: " + "; ".join(_said(f) for f in warning)
            + f", above the warning share {_pct(warn_share)} (MODU_REJECT_WARN_SHARE){note}. "
            "Why each row was rejected is in audit.rejected_rows.",
            (), warning, metadata)
    if not files:
        return Verdict(True, AssetCheckSeverity.WARN, f"{where}: no file has landed", metadata=metadata)
    return Verdict(True, AssetCheckSeverity.WARN,
                   f"{where}: every landed file ({len(files)}) has at most {_pct(warn_share)} of its data lines "
                   "rejected", metadata=metadata)


def _build(source: Source) -> AssetChecksDefinition:
    @asset_check(
        asset=AssetKey(["raw", source.name]),
        name=CHECK_NAME,
        blocking=True,
        description=(
            f"Every file landed in {source.folder}/ has at most MODU_REJECT_WARN_SHARE (5%) of its data lines "
            "rejected, else it warns; above MODU_REJECT_FAIL_SHARE (50%) in a file of at least "
            "MODU_REJECT_FAIL_MIN_LINES (1,000) data lines, the night stops before publishing."
        ),
    )
    def check(context: AssetCheckExecutionContext, settings: ResourceParam[Settings]) -> Iterator[AssetCheckResult]:
        # The write lock: no other process may hold DuckDB's write lock while this one reads.
        with warehouse.write_lock(settings, context.log.info), warehouse.connect(settings, read_only=True) as con:
            files = landed_file_shares(con, source)
        verdict = judge(source.name, files, settings.reject_warn_share, settings.reject_fail_share,
                        settings.reject_fail_min_lines)
        if not verdict.failing:  # a failing verdict is the step's error, logged once as such
            (context.log.info if verdict.passed else context.log.warning)(verdict.description)
        yield AssetCheckResult(passed=verdict.passed, severity=verdict.severity, description=verdict.description,
                               metadata=verdict.metadata)
        if verdict.failing:
            # The step fails with the file and its share as its error, which the alert and the
            # summary of `make refresh` show; the steps after it do not run.
            raise Failure(description=verdict.description, allow_retries=False)

    return check


reject_share_checks = [_build(source) for source in SOURCES.values()]
