"""Welcome messages (20 s, single use), group welcome templates, mass messages, app messages."""

from __future__ import annotations

from typing import Any

from wecom.sandbox.state import CorpState, new_id, now
from wecom.sandbox.wire import Call, api, max_bytes, require

MEDIA_LIFETIME = 3 * 86400


def _check_attachments(corp: CorpState, attachments: list[dict[str, Any]]) -> None:
    require(len(attachments) <= 9, 40058, "at most 9 attachments")
    for item in attachments:
        kind = str(item.get("msgtype"))
        require(kind in ("image", "link", "miniprogram", "video", "file"), 40058, "bad msgtype")
        part = item.get(kind) or {}
        media_id = part.get("media_id") or part.get("pic_media_id")
        if media_id:
            created = corp.media.get(media_id)
            require(created and now() - created < MEDIA_LIFETIME, 40007, "invalid media_id")
        if kind == "link":
            require(part.get("title") and part.get("url"), 40058, "link needs title and url")
            max_bytes(part.get("title"), 128, "link title")


@api("externalcontact/send_welcome_msg")
async def send_welcome(call: Call) -> dict[str, Any]:
    code = call.corp.welcome_codes.get(call.arg("welcome_code") or "")
    require(code, 40058, "invalid welcome_code")
    assert code is not None
    require(not code.used, 41051, "externaluser has started chatting")
    # WeCom documents only "valid 20 s"; the sandbox answers an expired code with 40058.
    require(
        now() - code.issued <= call.world.config.welcome_code_ttl, 40058, "welcome_code expired"
    )
    text = (call.body.get("text") or {}).get("content", "")
    max_bytes(text, 4000, "text.content")
    attachments = call.body.get("attachments") or []
    _check_attachments(call.corp, attachments)
    require(text or attachments, 40058, "text or attachments required")
    code.used = True
    latency = round((now() - (code.delivered or code.issued)) * 1000, 1)
    call.world.record(
        "welcome",
        call.corp.conf.corp_id,
        userid=code.userid,
        external_userid=code.external_userid,
        text=text,
        attachments=attachments,
        latency_ms=latency,
    )
    return {}


@api("externalcontact/group_welcome_template/add")
async def add_template(call: Call) -> dict[str, Any]:
    max_bytes((call.body.get("text") or {}).get("content"), 4000, "text.content")
    template_id = new_id("msg", 10)
    call.corp.templates[template_id] = call.body
    call.world.record(
        "group_welcome_template", call.corp.conf.corp_id, template_id=template_id, **call.body
    )
    return {"template_id": template_id}


def _template(call: Call) -> dict[str, Any]:
    tpl = call.corp.templates.get(call.arg("template_id"))
    require(tpl is not None, 40058, "invalid template_id")
    assert tpl is not None
    return tpl


@api("externalcontact/group_welcome_template/edit")
async def edit_template(call: Call) -> dict[str, Any]:
    _template(call).update({k: v for k, v in call.body.items() if k != "template_id"})
    return {}


@api("externalcontact/group_welcome_template/get")
async def get_template(call: Call) -> dict[str, Any]:
    return dict(_template(call))


@api("externalcontact/group_welcome_template/del")
async def del_template(call: Call) -> dict[str, Any]:
    _template(call)
    del call.corp.templates[call.arg("template_id")]
    return {}


@api("externalcontact/add_msg_template")
async def add_mass(call: Call) -> dict[str, Any]:
    chat_type = call.body.get("chat_type", "single")
    require(chat_type in ("single", "group"), 40058, "chat_type must be single or group")
    max_bytes((call.body.get("text") or {}).get("content"), 4000, "text.content")
    _check_attachments(call.corp, call.body.get("attachments") or [])
    sender = call.body.get("sender")
    targets: dict[str, list[str]] = {}  # sender -> recipients
    if chat_type == "single":
        listed = call.body.get("external_userid") or []
        if sender and listed:  # the common case, by key: a corp may hold 100 000s of friends
            for ext in dict.fromkeys(listed):
                rel = call.corp.relations.get((sender, ext))
                if rel is not None and rel.active:
                    targets.setdefault(sender, []).append(ext)
        else:
            wanted = set(listed or call.corp.customers)
            for (userid, ext), rel in call.corp.relations.items():
                if rel.active and ext in wanted and (not sender or userid == sender):
                    targets.setdefault(userid, []).append(ext)
    else:
        require(sender, 40058, "sender required for group messages")
        chats = call.body.get("chat_id_list") or [
            g.chat_id for g in call.corp.groups.values() if g.owner == sender
        ]
        targets = {str(sender): [c for c in chats if c in call.corp.groups]}
    require(any(targets.values()), 41048, "no customer to send")
    msgid = new_id("msg", 10)
    call.corp.mass[msgid] = {
        "msgid": msgid,
        "creator": sender or "",
        "create_time": int(now()),
        "chat_type": chat_type,
        "text": call.body.get("text"),
        "cancelled": False,
        "reminders": 0,
        "tasks": {u: {"status": 0, "send_time": None, "to": r} for u, r in targets.items()},
    }
    call.world.record(
        "mass_message",
        call.corp.conf.corp_id,
        msgid=msgid,
        chat_type=chat_type,
        targets=targets,
        text=(call.body.get("text") or {}).get("content", ""),
    )
    return {"msgid": msgid, "fail_list": []}


def _mass(call: Call) -> dict[str, Any]:
    msg = call.corp.mass.get(call.arg("msgid"))
    require(msg, 40058, "invalid msgid")
    assert msg is not None
    return msg


@api("externalcontact/get_groupmsg_list_v2")
async def mass_list(call: Call) -> dict[str, Any]:
    start, end = call.body.get("start_time"), call.body.get("end_time")
    require(start is not None and end is not None, 40058, "start_time and end_time required")
    rows = [
        {
            "msgid": m["msgid"],
            "creator": m["creator"],
            "create_time": m["create_time"],
            "create_type": 0,
            "text": m["text"],
        }
        for m in call.corp.mass.values()
        if m["chat_type"] == call.body.get("chat_type") and start <= m["create_time"] <= end
    ]
    return {"group_msg_list": rows, "next_cursor": ""}


@api("externalcontact/get_groupmsg_task")
async def mass_tasks(call: Call) -> dict[str, Any]:
    tasks = _mass(call)["tasks"]
    return {
        "task_list": [
            {"userid": u, "status": t["status"], "send_time": t["send_time"]}
            for u, t in tasks.items()
        ],
        "next_cursor": "",
    }


@api("externalcontact/get_groupmsg_send_result")
async def mass_result(call: Call) -> dict[str, Any]:
    msg = _mass(call)
    task = msg["tasks"].get(call.arg("userid"))
    require(task, 40003, "invalid userid")
    key = "chat_id" if msg["chat_type"] == "group" else "external_userid"
    status = 1 if task["status"] == 2 else 0
    rows = [
        {key: r, "userid": call.arg("userid"), "status": status, "send_time": task["send_time"]}
        for r in task["to"]
    ]
    return {"send_list": rows, "next_cursor": ""}


@api("externalcontact/remind_groupmsg_send")
async def mass_remind(call: Call) -> dict[str, Any]:
    msg = _mass(call)
    require(msg["reminders"] < 3, 45009, "at most 3 reminders per task in 24 h")
    msg["reminders"] += 1
    return {}


@api("externalcontact/cancel_groupmsg_send")
async def mass_cancel(call: Call) -> dict[str, Any]:
    _mass(call)["cancelled"] = True
    return {}


@api("message/send")
async def app_message(call: Call) -> dict[str, Any]:
    require(call.body.get("agentid") == call.corp.conf.agent_id, 40056, "invalid agentid")
    kind = call.body.get("msgtype", "text")
    content = (call.body.get(kind) or {}).get("content", "")
    if kind == "text":
        max_bytes(content, 2048, "text.content")
    users = [u for u in str(call.body.get("touser") or "").split("|") if u]
    valid = users if users == ["@all"] else [u for u in users if u in call.corp.staff]
    invalid = [u for u in users if u not in valid]
    require(valid, 81013, "user & party & tag all invalid")
    msgid = new_id("", 16)
    call.world.record(
        "notification",
        call.corp.conf.corp_id,
        touser=valid,
        msgtype=kind,
        content=content,
        body=call.body,
    )
    return {"invaliduser": "|".join(invalid), "invalidparty": "", "invalidtag": "", "msgid": msgid}
