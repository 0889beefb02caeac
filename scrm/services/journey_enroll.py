"""Putting a customer on the journeys a trigger starts (客户SOP): called by the services whose
events are triggers (a lead's grade, a deal's stage, a live-code add, a tag)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from scrm.models import Journey, JourneyRun
from scrm.models.sop import journey_owner


def send_due(due: datetime, window_minutes: int) -> datetime:
    """`due` rounded up to the end of its send window (windows start at midnight UTC): the
    customers who reach a send within one window go out together, one task per owner."""
    step = timedelta(minutes=max(1, window_minutes))
    midnight = due.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    windows = -(-(due.astimezone(UTC) - midnight) // step)  # ceiling division
    return midnight + windows * step


def _starts(j: Journey, kind: str, facts: dict[str, Any]) -> bool:
    """Whether this trigger event starts journey `j`."""
    t = j.trigger
    if t.get("kind") != kind:
        return False
    if kind == "livecode_add":
        return not t.get("code_ids") or facts.get("code_id") in t["code_ids"]
    if kind == "grade_reached":
        return facts.get("grade") in t.get("grades", [])
    if kind == "tag_added":
        return bool(set(facts.get("tag_ids", [])) & set(t.get("tag_ids", [])))
    if kind == "stage_changed":
        return facts.get("stage") in t.get("stages", [])
    # date and attribute triggers enrol into the one journey whose sweep matched
    return bool(facts.get("journey_id") == j.id)


async def enroll(
    corp_id: int,
    kind: str,
    external_userid: str,
    owner: str,
    facts: dict[str, Any],
    now: datetime | None = None,
    entry: str = "",
) -> int:
    """Put the customer on every active journey this trigger starts.

    A customer is on a journey once at a time. They enter again only when the journey allows
    it (`trigger.reentry`, or a date trigger's new `entry` such as next year's birthday) and
    their previous entry has ended; the row is reset, its log kept."""
    now = now or datetime.now(UTC)
    entered = 0
    for j in await Journey.filter(corp_id=corp_id, status="active"):
        if not _starts(j, kind, facts):
            continue
        key = entry or (now.isoformat() if j.trigger.get("reentry") else "")
        due = now.astimezone(UTC)
        if j.nodes[0]["kind"] == "send":  # like every arrival at a send: its window's end
            due = send_due(due, j.send_window_minutes)
        first = {"node_id": j.nodes[0]["id"], "due_at": due, "status": "active"}
        try:
            await JourneyRun.create(
                corp_id=corp_id,
                journey_id=j.id,
                external_userid=external_userid,
                entry=key,
                **journey_owner(owner),
                **first,
            )
            entered += 1
        except IntegrityError:
            # On it already. Re-enter only a finished entry with a different key: the
            # conditional UPDATE lets exactly one of two racing triggers win.
            entered += await (
                JourneyRun.filter(
                    journey_id=j.id,
                    external_userid=external_userid,
                    status__in=("done", "exited"),
                )
                .exclude(entry=key)
                .update(entry=key, updated_at=now, **journey_owner(owner), **first)
            )
    return entered
