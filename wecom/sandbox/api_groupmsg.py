"""企业群发 (add_msg_template) and its tracking: limits, the monthly receive cap, paging,
41063 right after creation, reminders (≤ 3 per 24 h) and cancel."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from typing import Any

from wecom.sandbox.api_messages import check_attachments
from wecom.sandbox.state import CorpState, new_id, now
from wecom.sandbox.wire import Call, api, max_bytes, require

MAX_CUSTOMERS, MAX_CHATS = 10_000, 2_000
CHINA = timedelta(hours=8)  # WeCom's month is Beijing time's


def month_of(t: float) -> tuple[str, int]:
    """("YYYY-MM", days in that month) in Beijing time."""
    day = datetime.fromtimestamp(t, UTC) + CHINA
    return f"{day.year:04d}-{day.month:02d}", calendar.monthrange(day.year, day.month)[1]


def received(corp: CorpState) -> dict[tuple[str, str], int]:
    if "received" not in corp.__dict__:  # a state file saved before the cap existed
        corp.received = {}
    return corp.received


def _tagged(
    corp: CorpState, rel_tags: set[str] | frozenset[str], groups: list[dict[str, Any]]
) -> bool:
    # WeCom: any tag within a group, every group must match.
    return all(rel_tags & set(g.get("tag_list") or []) for g in groups)


def _single_targets(call: Call, sender: str | None) -> tuple[dict[str, list[str]], list[str]]:
    corp = call.corp
    listed = call.body.get("external_userid") or []
    require(len(listed) <= MAX_CUSTOMERS, 40058, f"external_userid exceeds {MAX_CUSTOMERS}")
    groups = (call.body.get("tag_filter") or {}).get("group_list") or []
    targets: dict[str, list[str]] = {}
    failed: list[str] = []
    if sender and listed:  # by key: a corp may hold 100 000s of friends
        for ext in dict.fromkeys(listed):
            rel = corp.relation(sender, ext)
            if rel is not None and (not groups or _tagged(corp, rel.tags, groups)):
                targets.setdefault(sender, []).append(ext)
            elif rel is None:
                failed.append(ext)
        return targets, failed
    wanted = set(listed) if listed else None
    for (userid, ext), rel in corp.relations.items():
        if not rel.active or (sender and userid != sender):
            continue
        if (wanted is None or ext in wanted) and (not groups or _tagged(corp, rel.tags, groups)):
            targets.setdefault(userid, []).append(ext)
    return targets, failed


@api("externalcontact/add_msg_template")
async def add_mass(call: Call) -> dict[str, Any]:
    chat_type = call.body.get("chat_type", "single")
    require(chat_type in ("single", "group"), 40058, "chat_type must be single or group")
    max_bytes((call.body.get("text") or {}).get("content"), 4000, "text.content")
    check_attachments(call.corp, call.body.get("attachments") or [])
    require(call.body.get("text") or call.body.get("attachments"), 40058, "text or attachments")
    sender = call.body.get("sender")
    require(not sender or sender in call.corp.staff, 40003, "invalid sender")
    failed: list[str] = []
    if chat_type == "single":
        targets, failed = _single_targets(call, sender)
    else:
        require(sender, 40058, "sender required for group messages")
        listed = call.body.get("chat_id_list") or []
        require(len(listed) <= MAX_CHATS, 40058, f"chat_id_list exceeds {MAX_CHATS}")
        chats = listed or [g.chat_id for g in call.corp.groups.values() if g.owner == sender]
        ok = [c for c in dict.fromkeys(chats) if c in call.corp.groups]
        failed = [c for c in chats if c not in call.corp.groups]
        targets = {str(sender): ok} if ok else {}
    require(any(targets.values()), 41048, "no customer to send")
    msgid = new_id("msg", 10)
    call.corp.mass[msgid] = {
        "msgid": msgid,
        "creator": sender or "",
        "create_time": int(now()),
        "created": now(),
        "chat_type": chat_type,
        "text": call.body.get("text"),
        "attachments": call.body.get("attachments") or [],
        "cancelled": False,
        "reminders": [],
        "tasks": {
            u: {"status": 0, "send_time": None, "to": r, "results": {}} for u, r in targets.items()
        },
    }
    call.world.record(
        "mass_message",
        call.corp.conf.corp_id,
        msgid=msgid,
        chat_type=chat_type,
        targets=targets,
        text=(call.body.get("text") or {}).get("content", ""),
        attachments=call.body.get("attachments") or [],
    )
    return {"msgid": msgid, "fail_list": failed}


def _mass(call: Call, settle: bool = True) -> dict[str, Any]:
    msg = call.corp.mass.get(call.arg("msgid"))
    require(msg, 40058, "invalid msgid")
    assert msg is not None
    if settle:
        young = now() - msg.get("created", 0) < call.world.config.groupmsg_settle_seconds
        require(not young, 41063, "group msg result not ready, try later")
    return msg


def _page(call: Call, rows: list[dict[str, Any]], default: int, top: int) -> dict[str, Any]:
    limit = int(call.body.get("limit") or default)
    require(0 < limit <= top, 40058, f"limit must be 1..{top}")
    raw = str(call.body.get("cursor") or "0")
    require(raw.isdigit(), 40058, "invalid cursor")
    start = int(raw)
    nxt = start + limit
    return {"rows": rows[start:nxt], "next_cursor": str(nxt) if nxt < len(rows) else ""}


@api("externalcontact/get_groupmsg_list_v2")
async def mass_list(call: Call) -> dict[str, Any]:
    start, end = call.body.get("start_time"), call.body.get("end_time")
    require(start is not None and end is not None, 40058, "start_time and end_time required")
    creator = call.body.get("creator")
    rows = [
        {
            "msgid": m["msgid"],
            "creator": m["creator"],
            "create_time": m["create_time"],
            "create_type": 0,
            "text": m["text"],
            "attachments": m.get("attachments", []),
        }
        for m in call.corp.mass.values()
        if m["chat_type"] == call.body.get("chat_type")
        and start <= m["create_time"] <= end
        and (not creator or m["creator"] == creator)
    ]
    page = _page(call, rows, 50, 100)
    return {"group_msg_list": page["rows"], "next_cursor": page["next_cursor"]}


@api("externalcontact/get_groupmsg_task")
async def mass_tasks(call: Call) -> dict[str, Any]:
    tasks = _mass(call)["tasks"]
    rows = [
        {"userid": u, "status": t["status"], "send_time": t["send_time"]}
        for u, t in sorted(tasks.items())
    ]
    page = _page(call, rows, 500, 1000)
    return {"task_list": page["rows"], "next_cursor": page["next_cursor"]}


@api("externalcontact/get_groupmsg_send_result")
async def mass_result(call: Call) -> dict[str, Any]:
    msg = _mass(call)
    task = msg["tasks"].get(call.arg("userid"))
    require(task, 40003, "invalid userid")
    key = "chat_id" if msg["chat_type"] == "group" else "external_userid"
    rows = [
        {
            key: r,
            "userid": call.arg("userid"),
            "status": task["results"].get(r, 0),
            "send_time": task["send_time"] if task["results"].get(r) == 1 else None,
        }
        for r in task["to"]
    ]
    page = _page(call, rows, 500, 1000)
    return {"send_list": page["rows"], "next_cursor": page["next_cursor"]}


@api("externalcontact/remind_groupmsg_send")
async def mass_remind(call: Call) -> dict[str, Any]:
    msg = _mass(call, settle=False)
    require(not msg["cancelled"], 40058, "the task was cancelled")
    t = now()
    recent = [r for r in msg["reminders"] if t - r < 86400]
    require(len(recent) < 3, 40058, "at most 3 reminders per task in 24 h")
    msg["reminders"] = [*recent, t]
    waiting = [u for u, task in msg["tasks"].items() if task["status"] == 0]
    call.world.record("mass_remind", call.corp.conf.corp_id, msgid=msg["msgid"], userids=waiting)
    return {}


@api("externalcontact/cancel_groupmsg_send")
async def mass_cancel(call: Call) -> dict[str, Any]:
    msg = _mass(call, settle=False)
    msg["cancelled"] = True
    call.world.record("mass_cancel", call.corp.conf.corp_id, msgid=msg["msgid"])
    return {}


def deliver(
    corp: CorpState, cap_setting: int, msg: dict[str, Any], userid: str, only: list[str] | None
) -> dict[str, int]:
    """A member confirms: each recipient gets 1 (sent), 2 (not a friend / group gone) or 3
    (already received this month's quota of 群发)."""
    task = msg["tasks"][userid]
    t = now()
    month, days = month_of(t)
    cap = cap_setting or days
    counts = received(corp)
    chosen = set(only) if only is not None else None
    for target in task["to"]:
        if chosen is not None and target not in chosen:
            continue  # allow_select: the member left this one out
        if msg["chat_type"] == "group":
            group = corp.groups.get(target)
            alive = group is not None and not group.dismissed
        else:
            alive = corp.relation(userid, target) is not None
        if not alive:
            task["results"][target] = 2
        elif counts.get((target, month), 0) >= cap:
            task["results"][target] = 3
        else:
            counts[(target, month)] = counts.get((target, month), 0) + 1
            task["results"][target] = 1
    task.update(status=2, send_time=int(t))
    tally = {"sent": 0, "not_friend": 0, "capped": 0}
    for status in task["results"].values():
        tally[{1: "sent", 2: "not_friend", 3: "capped"}[status]] += 1
    return tally
