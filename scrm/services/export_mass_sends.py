"""The 群发 tracking export: one row per recipient of the 群发 the caller may see, with the
sending member, the customer or group by name, WeCom's send status and 雷达 opens."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tortoise.queryset import QuerySet

from scrm.ints import parse_id
from scrm.models import GroupChat, LinkOpen, MassSend, MassSendRecipient
from scrm.services.export_lists import BATCH, Page, Request, customer_names
from scrm.services.reports_common import NOBODY

HEADERS = (
    ("群发ID", "int"),
    ("群发", "text"),
    ("类型", "text"),
    ("发送成员", "text"),
    ("客户/客户群", "text"),
    ("状态", "text"),
    ("发送时间", "text"),
    ("雷达打开次数", "int"),
)
STATUS = {0: "未发送", 1: "已发送", 2: "非好友", 3: "已收到其他群发"}
CHAT_TYPES = {"single": "客户群发", "group": "客户群群发"}
# Set by the API from the caller, never from the query: below ops, only one's own 群发.
CREATED_BY = "_created_by"


def query(req: Request) -> QuerySet[MassSendRecipient]:
    q = MassSendRecipient.filter(corp_id=req.scope.corp_id)
    if (send_id := parse_id(req.params.get("send", ""))) is not None:
        q = q.filter(send_id=send_id)
    if CREATED_BY in req.params:
        q = q.filter(task__send__created_by=req.params[CREATED_BY] or NOBODY)
    owners = req.scope.people()
    return q if owners is None else q.filter(task__sender__in=owners or [NOBODY])


async def rows(page: Page, after: int) -> tuple[list[list[Any]], int]:
    found = await (
        query(page.req)
        .filter(id__gt=after)
        .order_by("id")
        .limit(BATCH)
        .values("id", "send_id", "target_id", "status", "sent_at", "task__sender")
    )
    if not found:
        return [], after
    corp_id = page.req.scope.corp_id
    sends = {s.id: s for s in await MassSend.filter(id__in={r["send_id"] for r in found})}
    targets = [r["target_id"] for r in found]
    people = await customer_names(corp_id, targets)
    groups = dict(
        await GroupChat.filter(corp_id=corp_id, chat_id__in=targets).values_list("chat_id", "name")
    )
    opens = Counter(
        (source, target)
        for source, target in await LinkOpen.filter(
            corp_id=corp_id, source__in=[f"mass:{i}" for i in sends], target_id__in=targets
        ).values_list("source", "target_id")
    )
    out: list[list[Any]] = []
    for r in found:
        send = sends[r["send_id"]]
        target = r["target_id"]
        shown = (groups.get(target) or target) if send.chat_type == "group" else people[target]
        out.append(
            [
                send.id,
                send.name,
                CHAT_TYPES.get(send.chat_type, send.chat_type),
                page.person(r["task__sender"]),
                shown,
                STATUS.get(int(r["status"]), str(r["status"])),
                page.local(r["sent_at"]),
                opens[(f"mass:{send.id}", target)],
            ]
        )
    return out, found[-1]["id"]
