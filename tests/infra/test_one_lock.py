"""One lock helper (issue 20): every SET NX outside scrm/infra/locks.py is a known non-lock."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "scrm", "livecode", "handlers", "admin", "wecom")

# SET NX that is not mutual exclusion, and why (decision 0042). A new SET NX lock fails here:
# take it through scrm.infra.locks (wecom, below scrm: redis-py's Lock itself).
NOT_LOCKS = {
    "scrm/infra/locks.py": "the helper itself (several names under one token)",
    "scrm/infra/enqueue.py": "arq's job-id dedupe: a job is enqueued once",
    "scrm/infra/table_stats.py": "'analysed recently' marker, never deleted: lapses",
    "scrm/services/lead_drain.py": "drain slots: a semaphore whose value names the batch",
    "scrm/services/lead_upkeep.py": "'told once today' marker",
    "scrm/sop/journey_lanes.py": "lane leases (up to N of M, renewed in bulk, hand-over horizon)"
    " and the heartbeat set's first-seen time",
    "livecode/allocation.py": "quota counters seeded once; a seed made meanwhile stands",
    "livecode/welcome_once.py": "a welcome's claim, overwritten by its outcome, never freed",
}


def set_nx_sites(root: Path, packages: tuple[str, ...]) -> list[str]:
    """`x.set(..., nx=True)` calls and Lua text with a SET ... 'NX'."""
    found = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=name)):
                nx_call = (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "set"
                    and any(
                        k.arg == "nx" and isinstance(k.value, ast.Constant) and k.value.value
                        for k in node.keywords
                    )
                )
                lua = (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and "'NX'" in node.value.upper()
                )
                if nx_call or lua:
                    found.append(f"{name}:{node.lineno}")  # type: ignore[attr-defined]
    return found


def test_every_set_nx_is_the_lock_helper_or_a_known_non_lock() -> None:
    files = {site.split(":")[0] for site in set_nx_sites(ROOT, PACKAGES)}
    assert files - set(NOT_LOCKS) == set()
    assert set(NOT_LOCKS) - files == set()  # an entry whose SET NX is gone goes too


def test_the_check_finds_both_shapes(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": "async def f(r):\n    await r.set('k', '1', nx=True, ex=5)\n",
        "pkg/b.py": "LUA = \"return redis.call('set', KEYS[1], 1, 'nx', 'px', 5)\"\n",
        "pkg/ok.py": "async def f(r):\n    await r.set('k', '1', ex=5)\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    assert set_nx_sites(tmp_path, ("pkg",)) == ["pkg/a.py:2", "pkg/b.py:1"]
