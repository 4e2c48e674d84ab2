"""Settings: read in settings.py and nowhere else, each variable named beside the field it sets."""

import ast
import re
from dataclasses import fields
from pathlib import Path

import pytest

from orchestration import settings as settings_module
from orchestration.settings import REPO_ROOT, Settings

SETTINGS_SOURCE = (REPO_ROOT / "orchestration" / "settings.py").read_text(encoding="utf-8")


def _reads_environment(node: ast.AST) -> bool:
    """A read of a named variable (restoring saved variables by name in a loop is no read)."""
    if isinstance(node, ast.Call) and node.args:
        return ast.unparse(node.func) in ("os.getenv", "os.environ.get", "environ.get", "getenv") and \
            isinstance(node.args[0], ast.Constant)
    return isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and \
        ast.unparse(node.value) in ("os.environ", "environ") and isinstance(node.slice, ast.Constant)


def test_no_module_but_settings_reads_the_environment():
    readers = []
    for path in sorted((REPO_ROOT / "orchestration").rglob("*.py")):
        if path.name == "settings.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        readers += [f"{path.relative_to(REPO_ROOT)}:{n.lineno}" for n in ast.walk(tree) if _reads_environment(n)]
    assert readers == []


def _documented_variables() -> dict[str, str]:
    """field name -> the MODU_ variable its comment names, from the Settings class body."""
    body = SETTINGS_SOURCE[SETTINGS_SOURCE.index("class Settings:"):SETTINGS_SOURCE.index("@property")]
    found = {}
    for line in body.splitlines():
        declared = re.match(r"\s+(\w+): [^=]+=.*#.*?\((MODU_[A-Z_]+)", line) or \
            re.match(r"\s+(\w+): [^=]+=.*#\s*(MODU_[A-Z_]+)", line)
        if declared:
            found[declared.group(1)] = declared.group(2)
    return found


def _a_value_unlike(default):
    if isinstance(default, bool):
        return "1", True
    if isinstance(default, int):
        return str(default + 7), default + 7
    if isinstance(default, float):  # halved: a share stays a share, and the warning share stays below the failing one
        return str(default / 2), default / 2
    if default is None:
        return "/tmp/somewhere", None  # Path or str: compared below by its text
    return default + "-x", default + "-x"


def test_every_variable_named_beside_a_field_sets_that_field(monkeypatch):
    documented = _documented_variables()
    # the fields read from the environment; raw_freshness_overrides and target are read by pattern
    # and by name check, ui_url derives from ui_port
    assert {"keep_releases", "postgres_port", "duckdb_memory_limit", "duckdb_threads", "dbt_threads",
            "spark_master", "pg_analysts_file", "ui_port"} <= set(documented)
    defaults = {f.name: getattr(Settings(Path("r"), Path("w")), f.name) for f in fields(Settings)}
    for name, variable in documented.items():
        if name in ("raw_freshness_overrides",):
            continue
        text, expected = _a_value_unlike(defaults[name])
        with monkeypatch.context() as m:
            m.setenv(variable, text)
            got = getattr(settings_module.load(), name)
        if expected is None:
            assert str(got) == text, (variable, got)
        else:
            assert got == expected, (variable, got)


def test_an_unset_or_blank_variable_means_the_default_written_on_the_field(monkeypatch):
    for variable in _documented_variables().values():
        monkeypatch.setenv(variable, " ")
    monkeypatch.setenv("MODU_UI_PORT", "")
    loaded = settings_module.load()
    assert (loaded.duckdb_memory_limit, loaded.dbt_threads, loaded.keep_releases, loaded.spark_master,
            loaded.ui_url, loaded.analyst_password) == ("700MB", 4, 5, "local[*]", "http://127.0.0.1:3000", None)


def test_a_target_other_than_duckdb_or_spark_is_refused(monkeypatch):
    monkeypatch.setenv("MODU_TARGET", "snowflake")
    with pytest.raises(ValueError, match="MODU_TARGET='snowflake': expected one of duckdb, spark"):
        settings_module.load()


def test_the_readme_lists_every_variable_settings_reads():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in readme.splitlines() if line.startswith("| `MODU_"))
    loading = SETTINGS_SOURCE[SETTINGS_SOURCE.index("def _target()"):]  # what load() reads, not what dbt_env() writes
    read = set(re.findall(r"\"(MODU_[A-Z_]+?)_?\"", loading))
    assert read and sorted(v for v in read if f"`{v}" not in table) == []
