"""Welcome messages (20 s, single use), group welcome templates, app messages (mass messages:
api_groupmsg)."""

from __future__ import annotations

from typing import Any

from wecom.sandbox.state import CorpState, new_id, now
from wecom.sandbox.wire import Call, api, max_bytes, require

MEDIA_LIFETIME = 3 * 86400


def check_attachments(corp: CorpState, attachments: list[dict[str, Any]]) -> None:
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
    check_attachments(call.corp, attachments)
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
