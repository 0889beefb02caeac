"""One of each (issue 20), read from source (ast): one logging API, one `Strict` base and one
corp clock (scrm/infra/clock.py: the default zone and the fallback); a second of any fails here."""

from __future__ import annotations

import ast
import io
import json
import logging
import textwrap
from collections.abc import Iterator
from pathlib import Path

from scrm.infra.logging import formatter
from wecom.client import core as wecom_core

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "scrm", "livecode", "handlers", "admin", "wecom")
LOGGING_HOME = "scrm/infra/logging.py"  # configures stdlib logging for everyone
STRICT_HOME = "scrm/infra/schemas.py"
# wecom/ is below scrm.infra: its client models keep their own config.
STRICT_ALLOWED = {"wecom/client/models/common.py"}
CLOCK_HOME = "scrm/infra/clock.py"
DEFAULT_ZONE = "Asia/Shanghai"
# Where a zone is built or the default named without the clock, and why the clock cannot serve.
ZONE_ALLOWED = {
    "admin/api/admin_settings_corps.py": "validates an admin's input: unknown must be refused",
    "scrm/models/corp.py": "the column default; models sit below scrm.infra",
}


def _trees(root: Path, packages: tuple[str, ...]) -> Iterator[tuple[str, ast.Module]]:
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            yield name, ast.parse(path.read_text(encoding="utf-8"), filename=name)


def stdlib_loggers(root: Path, packages: tuple[str, ...]) -> list[str]:
    """`logging.getLogger` (or `from logging import getLogger`) outside the logging module."""
    found = []
    for name, tree in _trees(root, packages):
        if name == LOGGING_HOME:
            continue
        for node in ast.walk(tree):
            called = (
                isinstance(node, ast.Attribute)
                and node.attr == "getLogger"
                and isinstance(node.value, ast.Name)
                and node.value.id == "logging"
            )
            imported = (
                isinstance(node, ast.ImportFrom)
                and node.module == "logging"
                and any(a.name == "getLogger" for a in node.names)
            )
            if called or imported:
                found.append(f"{name}:{node.lineno}")  # type: ignore[attr-defined]
    return found


def _forbids_extra(node: ast.AST) -> bool:
    """`ConfigDict(extra="forbid", ...)`: a Strict base written out again."""
    return isinstance(node, ast.Call) and any(
        k.arg == "extra" and isinstance(k.value, ast.Constant) and k.value.value == "forbid"
        for k in node.keywords
    )


def strict_bases(root: Path, packages: tuple[str, ...]) -> list[str]:
    """Every `class Strict` of the tree and every model config that forbids extra fields by
    itself, wherever they are (WeCom's own models may not import scrm: STRICT_ALLOWED)."""
    return [
        f"{name}:{node.lineno}"  # type: ignore[attr-defined]
        for name, tree in _trees(root, packages)
        if name not in STRICT_ALLOWED
        for node in ast.walk(tree)
        if (isinstance(node, ast.ClassDef) and node.name == "Strict") or _forbids_extra(node)
    ]


def zones_outside_the_clock(root: Path, packages: tuple[str, ...]) -> list[str]:
    """`ZoneInfo(...)` calls and the default zone's name outside the clock (migrations keep
    their history as it was written)."""
    found: list[tuple[str, int]] = []
    for name, tree in _trees(root, packages):
        if name in (CLOCK_HOME, *ZONE_ALLOWED) or name.startswith("scrm/migrations/"):
            continue
        for node in ast.walk(tree):
            called = isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Name) and node.func.id == "ZoneInfo")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "ZoneInfo")
            )
            named = isinstance(node, ast.Constant) and node.value == DEFAULT_ZONE
            if called or named:
                found.append((name, node.lineno))  # type: ignore[attr-defined]
    return [f"{name}:{line}" for name, line in sorted(found)]


def test_only_the_logging_module_uses_stdlib_loggers() -> None:
    assert stdlib_loggers(ROOT, PACKAGES) == []


def test_one_strict_base() -> None:
    assert {s.rpartition(":")[0] for s in strict_bases(ROOT, PACKAGES)} == {STRICT_HOME}


def test_corp_zones_come_from_the_clock() -> None:
    assert zones_outside_the_clock(ROOT, PACKAGES) == []


def test_the_checks_catch_a_second_of_each(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": "import logging\nlog = logging.getLogger('pkg.a')\n",
        "pkg/b.py": "from logging import getLogger\n",
        "pkg/c.py": "from pydantic import BaseModel\n\n\nclass Strict(BaseModel):\n    pass\n",
        "pkg/e.py": "class In(BaseModel):\n    model_config = ConfigDict(extra='forbid')\n",
        "pkg/d.py": """
            import zoneinfo
            from zoneinfo import ZoneInfo
            a = ZoneInfo(corp.timezone or "Asia/Shanghai")
            b = zoneinfo.ZoneInfo(tz)
            c = corp.timezone or "Asia/Shanghai"
            d = clock.zone(corp.timezone)
        """,
        "pkg/ok.py": "from scrm.infra.logging import get_logger\nlog = get_logger('pkg.ok')\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    assert stdlib_loggers(tmp_path, ("pkg",)) == ["pkg/a.py:2", "pkg/b.py:1"]
    assert strict_bases(tmp_path, ("pkg",)) == ["pkg/c.py:4", "pkg/e.py:2"]
    # the call and its literal both count in a; b is a second way to build a zone
    assert zones_outside_the_clock(tmp_path, ("pkg",)) == [
        "pkg/d.py:4",
        "pkg/d.py:4",
        "pkg/d.py:5",
        "pkg/d.py:6",
    ]


def test_wecom_logs_through_the_house_pipeline() -> None:
    """wecom may not import scrm, so it asks structlog itself; its lines must still reach the
    stdlib handlers setup_logging installs, and so the redaction of every handler's formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        wecom_core.log.warning(
            "wecom.retry", api="gettoken?corpsecret=s3cr3t-of-the-app", mobile=13912345678
        )
    finally:
        root.removeHandler(handler)
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["logger"] == "wecom.client"
    assert line["event"] == "wecom.retry"
    assert "s3cr3t-of-the-app" not in line["api"]
    assert "13912345678" not in json.dumps(line)
