"""WeCom department/list answers into Department rows, written only when they changed."""

from __future__ import annotations

from typing import Any

from scrm.models import Department
from wecom.client.models.contacts import Department as WeComDepartment

FIELDS = ("name", "parent_id", "order")


async def write_departments(corp_id: int, listed: list[WeComDepartment]) -> dict[str, int]:
    """Upsert what WeCom listed; answers {"added", "updated"}. A department WeCom answers
    without a name (a third-party app never gets names) keeps the name stored before, and
    departments WeCom stops listing stay: an old live code or rule may still name them."""
    stored = {d.dept_id: d for d in await Department.filter(corp_id=corp_id)}
    counts = {"added": 0, "updated": 0}
    for dept in listed:
        values: dict[str, Any] = {"parent_id": dept.parentid, "order": dept.order}
        if dept.name:
            values["name"] = dept.name[:64]
        row = stored.get(dept.id)
        if row is None:
            stored[dept.id] = await Department.create(corp_id=corp_id, dept_id=dept.id, **values)
            counts["added"] += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            await row.update_from_dict(values).save(update_fields=[*values, "updated_at"])
            counts["updated"] += 1
    return counts
