"""One recompute (issue 20): `scoring.recompute` alone works out a lead's scores and grade, in
a fixed order; a second place that writes them, or calls its steps, fails here (by ast)."""

from __future__ import annotations

import ast
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scrm.models import Lead, LeadSettings, ScoringRule
from scrm.services import scoring

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "scrm", "livecode", "handlers", "admin", "wecom")
HOME = "scrm/services/scoring.py"
SCORED = {"score", "attr_score", "behaviour_score", "grade"}


def _written(node: ast.AST) -> list[str]:
    """The scored columns `node` writes: `x.grade = …` (also in a tuple), `x.score += …`,
    `setattr(x, "score", …)` or a queryset's `.update(grade=…)`; or the private steps of
    `scoring.recompute` it reaches for."""
    if isinstance(node, ast.ImportFrom) and node.module == "scrm.services.scoring":
        return [a.name for a in node.names if a.name.startswith("_")]
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "scoring"
        and node.attr.startswith("_")
    ):
        return [node.attr]
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [
            t.attr
            for target in targets
            for t in ast.walk(target)
            if isinstance(t, ast.Attribute) and t.attr in SCORED
        ]
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) > 1:
            name = node.args[1]
            if isinstance(name, ast.Constant) and name.value in SCORED:
                return [str(name.value)]
        if isinstance(func, ast.Attribute) and func.attr == "update":
            return [k.arg for k in node.keywords if k.arg in SCORED]
    return []


def score_writers(root: Path, packages: tuple[str, ...]) -> list[str]:
    found = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            name = path.relative_to(root).as_posix()
            if name == HOME:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=name)
            for node in ast.walk(tree):
                found += [f"{name}:{node.lineno}:{c}" for c in _written(node)]  # type: ignore[attr-defined]
    return found


def test_only_scoring_recompute_writes_a_leads_scores_and_grade() -> None:
    assert score_writers(ROOT, PACKAGES) == []


def test_the_check_finds_a_second_recompute(tmp_path: Path) -> None:
    files = {
        "pkg/a.py": "def f(lead):\n    lead.score = lead.attr_score + lead.behaviour_score\n",
        "pkg/b.py": "def f(lead):\n    lead.grade, lead.status = 'A', 'mql'\n",
        "pkg/c.py": "def f(lead):\n    lead.behaviour_score += 3\n",
        "pkg/d.py": "async def f(q):\n    await q.update(attr_score=0)\n",
        "pkg/e.py": "def f(lead):\n    setattr(lead, 'grade', 'S')\n",
        "pkg/f.py": "from scrm.services import scoring\nscoring._finish(lead, settings)\n",
        "pkg/g.py": "from scrm.services.scoring import _decay\n",
        "pkg/ok.py": "def f(lead):\n    lead.status = 'lost'\n    return lead.grade\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    assert score_writers(tmp_path, ("pkg",)) == [
        "pkg/a.py:2:score",
        "pkg/b.py:2:grade",
        "pkg/c.py:2:behaviour_score",
        "pkg/d.py:2:attr_score",
        "pkg/e.py:2:grade",
        "pkg/f.py:2:_finish",
        "pkg/g.py:1:_decay",
    ]


def _rule(id_: int, kind: str, field: str, points: int, cap: int = 0) -> ScoringRule:
    op = "event" if kind == "behaviour" else "exists"
    return ScoringRule(id=id_, name=field, kind=kind, field=field, op=op, points=points, cap=cap)


def test_recompute_decays_before_the_event_and_never_lowers_the_status() -> None:
    settings = LeadSettings(corp_id=1, decay_days=7, decay_percent=50)
    rules = [_rule(1, "attribute", "city", 5), _rule(2, "behaviour", "demo", 30, cap=40)]
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    lead = Lead(corp_id=1, city="上海", behaviour_score=60, status="mql", last_activity_at=t0)
    lead.rule_points = {"2": 20}
    gained = scoring.recompute(
        lead, settings, rules, event="demo", decay_to=t0 + timedelta(days=14, hours=1)
    )
    # 60 halves twice (two idle weeks) to 15 before the demo's points: 20 + 30 capped at 40.
    assert (gained, lead.behaviour_score, lead.decayed_at) == (20, 35, t0 + timedelta(days=14))
    # Attribute points are summed only when asked for; the total and grade always follow.
    assert (lead.attr_score, lead.score, lead.grade, lead.status) == (0, 35, "C", "mql")
    scoring.recompute(lead, settings, rules, attributes=True)
    assert (lead.attr_score, lead.score, lead.grade, lead.status) == (5, 40, "C", "mql")
    changed = scoring.rescored([lead], settings, [])  # the city rule retired
    assert changed == [lead] and (lead.attr_score, lead.score) == (0, 35)
    assert scoring.rescored([lead], settings, []) == []  # nothing moves: nothing to write
