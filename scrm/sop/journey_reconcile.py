"""A dead worker's journey sends: ask WeCom which of its customers a task already reached."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from scrm.models import Corp
from scrm.sop.execute import ClientFor
from wecom.client.models.messages import GroupMsgListRequest, GroupMsgResultRequest

# WeCom's clock and ours may differ this much around a task's creation.
SKEW = timedelta(seconds=60)
MAX_PAGES = 20


async def sent_by_wecom(
    client_for: ClientFor,
    runs: list[dict[str, Any]],
    texts: dict[int, dict[str, str]],
    now: datetime,
) -> dict[int, str]:
    """Run id → msgid of a customer-message task that names the run's customer, made by its
    owner since the run was claimed, with the node's text (up to its first variable: a filled
    one is not known here). The walk logs a send only after WeCom made its task, so a worker
    killed in between leaves the task unlogged; found here, it is not made again. A WeCom
    error propagates: the caller then keeps the runs rather than risk a second send.

    `runs`: rows with id, corp_id, owner_userid, external_userid, journey_id, node_id and
    updated_at (the claim); `texts`: per journey, each send node's text."""
    by_owner: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        by_owner[(int(run["corp_id"]), str(run["owner_userid"]))].append(run)
    found: dict[int, str] = {}
    corps: dict[int, Corp] = {}
    for (corp_id, owner), group in by_owner.items():
        if corp_id not in corps:
            corps[corp_id] = await Corp.get(id=corp_id)
        client = client_for(corps[corp_id])
        since = min(r["updated_at"] for r in group)
        wanted = {str(r["external_userid"]): r for r in group}
        for msg in await _tasks(client, owner, since, now):
            prefixes = {
                texts.get(int(r["journey_id"]), {}).get(str(r["node_id"]), "").split("{")[0]
                for r in group
            }
            text = msg.text.content if msg.text else ""
            if not any(text.startswith(p) for p in prefixes):
                continue
            for ext in await _recipients(client, msg.msgid, owner):
                hit = wanted.get(ext)
                if hit is None or int(hit["id"]) in found:
                    continue
                made = datetime.fromtimestamp(msg.create_time, hit["updated_at"].tzinfo)
                node_text = texts.get(int(hit["journey_id"]), {}).get(str(hit["node_id"]), "")
                if made >= hit["updated_at"] - SKEW and text.startswith(node_text.split("{")[0]):
                    found[int(hit["id"])] = msg.msgid
    return found


async def _tasks(client: Any, owner: str, since: datetime, now: datetime) -> list[Any]:
    out: list[Any] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await client.get_groupmsg_list(
            GroupMsgListRequest(
                chat_type="single",
                start_time=int((since - SKEW).timestamp()),
                end_time=int((now + SKEW).timestamp()),
                creator=owner,
                cursor=cursor,
                limit=100,
            )
        )
        out.extend(page.group_msg_list)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    return out


async def _recipients(client: Any, msgid: str, owner: str) -> list[str]:
    out: list[str] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES * 10):
        page = await client.get_groupmsg_send_result(
            GroupMsgResultRequest(msgid=msgid, userid=owner, limit=1000, cursor=cursor)
        )
        out.extend(r.external_userid for r in page.send_list if r.external_userid)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    return out
