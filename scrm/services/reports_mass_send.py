"""群发 effect: per 群发 sent in the window, how many it reached, how many opened its 雷达
links, and how many customers deleted the sender within 7 days of receiving it."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from scrm.models import FollowRelation, LinkOpen, MassSend, MassSendRecipient
from scrm.services.reports_common import Scope, owner_filter, rate

CHUNK = 1_000  # ids per IN list
CHAT_TYPES = {"single": "客户群发", "group": "客户群群发"}
REACHED = 1  # WeCom's send status: 1 已发送


async def _deleted_within(
    corp_id: int, received: list[tuple[str, str, datetime]], days: int
) -> int:
    """How many (sender, customer, received at) ended in the sender being deleted within
    `days` of receiving: the relation's `deleted_at` after the send and inside the limit."""
    ends: dict[tuple[str, str], datetime] = {}
    customers = sorted({c for _, c, _ in received})
    for i in range(0, len(customers), CHUNK):
        rows = await FollowRelation.filter(
            corp_id=corp_id,
            customer__external_userid__in=customers[i : i + CHUNK],
            deleted_at__isnull=False,
        ).values_list("staff__userid", "customer__external_userid", "deleted_at")
        for staff, customer, at in rows:
            ends[(staff, customer)] = at
    limit = timedelta(days=days)
    return sum(
        1
        for sender, customer, at in received
        if (end := ends.get((sender, customer))) is not None and at <= end <= at + limit
    )


async def mass_send_effect(scope: Scope) -> list[dict[str, Any]]:
    """Per 群发 whose send time falls in the window (newest first): recipients planned,
    reached (WeCom status 已发送), not friends, 雷达 openers and the reach and open rates,
    and for 客户群发 the customers who deleted the sender within 7 days. A manager's
    scope counts only their team's sending members."""
    sends = await MassSend.filter(
        corp_id=scope.corp_id,
        send_at__gte=scope.since,
        send_at__lt=scope.until,
        status__in=("sent", "cancelled"),
    ).order_by("-send_at", "-id")
    ids = [s.id for s in sends]
    rows_of: dict[int, list[tuple[str, str, int, datetime | None]]] = defaultdict(list)
    opened_by: dict[int, set[str]] = defaultdict(set)
    for i in range(0, len(ids), CHUNK):  # two queries for the whole window, not two a send
        chunk = ids[i : i + CHUNK]
        for send_id, sender, target, status, at in await MassSendRecipient.filter(
            send_id__in=chunk, **owner_filter(scope.people(), "task__sender")
        ).values_list("send_id", "task__sender", "target_id", "status", "sent_at"):
            rows_of[int(send_id)].append((sender, target, int(status), at))
        for source, target in await LinkOpen.filter(
            corp_id=scope.corp_id, source__in=[f"mass:{x}" for x in chunk]
        ).values_list("source", "target_id"):
            opened_by[int(str(source).split(":", 1)[1])].add(str(target))
    out = []
    for send in sends:
        rows = rows_of[send.id]
        if not rows and scope.people() is not None:
            continue  # none of the scope's members took part
        statuses = Counter(s for _, _, s, _ in rows)
        reached = statuses[REACHED]
        targets = {t for _, t, _, _ in rows}
        opened = len(opened_by[send.id] & targets)
        received = [(u, t, at) for u, t, s, at in rows if s == REACHED and at is not None]
        deleted = None  # a group has no friend to delete
        if send.chat_type == "single":
            deleted = await _deleted_within(scope.corp_id, received, 7)
        out.append(
            {
                "send_id": send.id,
                "name": send.name,
                "chat_type": CHAT_TYPES.get(send.chat_type, send.chat_type),
                "send_at": send.send_at,
                "recipients": len(rows),
                "reached": reached,
                "not_friends": statuses[2],
                "reach_rate": rate(reached, len(rows)),
                "opened": opened,
                "open_rate": rate(opened, reached),
                "deleted_7d": deleted,
                "delete_rate_7d": rate(deleted, reached) if deleted is not None else None,
            }
        )
    return out
