"""`department/list`: the corp's departments with their names, as a self-built app sees them."""

from __future__ import annotations

from typing import Any

from wecom.sandbox.config import DEFAULT_DEPARTMENTS
from wecom.sandbox.state import CorpState
from wecom.sandbox.wire import Call, api, require

ROOT = 1


def department_names(corp: CorpState) -> dict[int, str]:
    """Configured names, and one for every department a member is in that the config left out,
    so the sandbox never lists a member in a department it cannot name. A state file saved
    before departments existed has no `departments` on its corp config: the defaults stand."""
    names = dict(getattr(corp.conf, "departments", None) or DEFAULT_DEPARTMENTS)
    names.setdefault(ROOT, DEFAULT_DEPARTMENTS[ROOT])
    for staff in corp.staff.values():
        for dept in staff.department:
            names.setdefault(dept, f"部门{dept}")
    return names


def _json(dept: int, name: str) -> dict[str, Any]:
    # The sandbox's tree is one level deep: every department hangs off the root.
    return {
        "id": dept,
        "name": name,
        "name_en": "",
        "department_leader": [],
        "parentid": 0 if dept == ROOT else ROOT,
        "order": 100_000_000 - dept,
    }


@api("department/list")
async def list_departments(call: Call) -> dict[str, Any]:
    """Without `id` every department; with it, that department and those under it (60123 for
    an id the corp does not have)."""
    names = department_names(call.corp)
    raw = call.arg("id")
    if raw in (None, ""):
        wanted = sorted(names)
    else:
        try:
            root = int(raw)
        except (TypeError, ValueError):
            root = 0
        require(root in names, 60123, "invalid party id")
        wanted = sorted(names) if root == ROOT else [root]
    return {"department": [_json(d, names[d]) for d in wanted]}
