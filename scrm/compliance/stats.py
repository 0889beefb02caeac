"""Alert statistics per staff member, team (department), word and week."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from scrm.infra import clock
from scrm.models import Alert, Corp, Staff


def _blank() -> dict[str, Any]:
    return {
        "total": 0,
        "open": 0,
        "false_positive": 0,
        "by_severity": Counter(),
        "by_kind": Counter(),
    }


def _add(bucket: dict[str, Any], row: dict[str, Any]) -> None:
    bucket["total"] += 1
    bucket["open"] += row["status"] in ("open", "acknowledged")
    bucket["false_positive"] += row["status"] == "false_positive"
    bucket["by_severity"][row["severity"]] += 1
    bucket["by_kind"][row["kind"]] += 1


def _rows(table: dict[str, dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Busiest first; a false-positive rate per row is what tells a noisy word from a real one."""
    out = []
    for name, b in sorted(table.items(), key=lambda kv: (-kv[1]["total"], kv[0])):
        out.append(
            {
                key: name,
                "total": b["total"],
                "open": b["open"],
                "false_positive": b["false_positive"],
                "false_positive_rate": round(b["false_positive"] / b["total"], 3),
                "by_severity": dict(b["by_severity"]),
                "by_kind": dict(b["by_kind"]),
            }
        )
    return out


async def summary(
    corp: Corp, weeks: int = 12, owners: list[str] | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Alerts of the last `weeks` weeks; `owners` limits them to those staff members."""
    now = now or datetime.now(UTC)
    tz = clock.zone(corp.timezone)
    q = Alert.filter(corp_id=corp.id, occurred_at__gte=now - timedelta(weeks=weeks))
    if owners is not None:
        q = q.filter(staff_userid__in=owners)
    rows = await q.values("staff_userid", "word", "status", "severity", "kind", "occurred_at")
    departments = dict(
        await Staff.filter(
            corp_id=corp.id, userid__in={r["staff_userid"] for r in rows}
        ).values_list("userid", "department_ids")
    )
    tables: dict[str, dict[str, dict[str, Any]]] = {
        name: defaultdict(_blank) for name in ("staff", "team", "word", "week")
    }
    for row in rows:
        _add(tables["staff"][row["staff_userid"] or "-"], row)
        # A member in several departments counts in each of them.
        for dept in departments.get(row["staff_userid"]) or []:
            _add(tables["team"][str(dept)], row)
        if row["word"]:
            _add(tables["word"][row["word"]], row)
        at = row["occurred_at"]
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
        year, week, _ = at.astimezone(tz).isocalendar()
        _add(tables["week"][f"{year}-W{week:02d}"], row)
    weekly = _rows(tables["week"], "week")
    return {
        "since": (now - timedelta(weeks=weeks)).isoformat(),
        "total": len(rows),
        "by_staff": _rows(tables["staff"], "staff_userid"),
        "by_team": _rows(tables["team"], "department_id"),
        "by_word": _rows(tables["word"], "word"),
        "by_week": sorted(weekly, key=lambda r: r["week"]),
    }
