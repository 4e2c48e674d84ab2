"""The loggers of `make refresh`: short lines on the terminal, the full log in a file.

Dagster's console logger prints every error with its traceback, and an in-process run's
failure twice (the step's, then the run's): ~40 lines each before the one-line summary.
`make refresh` (orchestration/cli.py) configures these two instead:

- `terminal`: one line per record; an error is its message, one line, no traceback;
- `run_log_file`: every record in full, tracebacks included, into the file its config
  names (<warehouse>/logs/<run_id>.log), which the refresh prints.

The Dagster event log (the run's page in `make ui`) keeps every traceback too. Runs
launched from the UI, a schedule or a sensor configure no logger and use Dagster's own.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from dagster import Field, InitLoggerContext, logger

TERMINAL_LINE_CHARS = 400
_LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING, "ERROR": logging.ERROR,
           "CRITICAL": logging.CRITICAL}


def error_line(error: Any) -> str:
    """The first line of a SerializableErrorInfo's message, without the exception's module path."""
    text = (error.message or "").strip().splitlines()
    line = text[0] if text else (error.cls_name or "error")
    qualified, sep, rest = line.partition(": ")
    if sep and error.cls_name and qualified.endswith(error.cls_name):
        line = f"{error.cls_name}: {rest}"
    return line


class TerminalFormatter(logging.Formatter):
    """`HH:MM:SS LEVEL step - message`; an error's message on the same line, its traceback left out."""

    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", None)
        if not meta:
            return super().format(record)
        text = meta["orig_message"]
        event = meta.get("dagster_event")
        error = getattr(getattr(event, "event_specific_data", None), "error", None) if event else None
        if error is not None:
            line = error_line(error)
            if line not in text:
                text = f"{text} {line}"
        where = meta.get("step_key") or meta.get("job_name") or "-"
        out = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<7} {where} - {text}"
        return out if len(out) <= TERMINAL_LINE_CHARS else out[:TERMINAL_LINE_CHARS - 1] + "…"


def _level(context: InitLoggerContext) -> int:
    return _LEVELS[str(context.logger_config["log_level"]).upper()]


@logger(
    config_schema={"log_level": Field(str, default_value="INFO")},
    description="One short line per record on stdout, errors without their traceback (make refresh).",
)
def terminal_logger(context: InitLoggerContext) -> logging.Logger:
    log = logging.Logger("modu.terminal", level=_level(context))
    handler = logging.StreamHandler(sys.stdout)  # flushes each line, also into a pipe
    handler.setFormatter(TerminalFormatter())
    log.addHandler(handler)
    return log


@logger(
    config_schema={"path": Field(str, description="the log file, appended to"),
                   "log_level": Field(str, default_value="DEBUG")},
    description="Every record in full, tracebacks included, into a file (make refresh: <warehouse>/logs/<run_id>.log).",
)
def run_log_file_logger(context: InitLoggerContext) -> logging.Logger:
    path = Path(context.logger_config["path"])
    path.parent.mkdir(parents=True, exist_ok=True)
    log = logging.Logger("modu.run_log_file", level=_level(context))
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    return log


def refresh_loggers_config(log_file: Path) -> dict[str, Any]:
    """The run config `make refresh` runs with: the terminal at INFO, the whole run in `log_file`."""
    return {"loggers": {"terminal": {"config": {"log_level": "INFO"}},
                        "run_log_file": {"config": {"path": str(log_file), "log_level": "DEBUG"}}}}

