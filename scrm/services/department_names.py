"""Departments shown by their WeCom names (mirrored by the staff sync), 「部门 7」 until synced."""

from __future__ import annotations

from collections.abc import Iterable

from scrm.models import Department


async def names(corp_id: int, ids: Iterable[int] | None = None) -> dict[int, str]:
    """dept_id → name for the corp's named departments (only `ids`, when given)."""
    query = Department.filter(corp_id=corp_id).exclude(name="")
    if ids is not None:
        query = query.filter(dept_id__in=sorted({int(i) for i in ids}))
    return {int(d): n for d, n in await query.values_list("dept_id", "name")}


def label(dept_id: int, known: dict[int, str]) -> str:
    return known.get(int(dept_id)) or f"部门 {dept_id}"


def labels(dept_ids: Iterable[int], known: dict[int, str], sep: str = "、") -> str:
    return sep.join(label(d, known) for d in dept_ids)
