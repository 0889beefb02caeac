"""`/api/v1/groups`: the customer groups we mirror, and our own group tags (群标签)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from pydantic import Field, field_validator

from admin.api.auth import actor, in_scope, require
from admin.api.common import corp_for, not_found, ok, parse, query_int
from admin.api.openapi import API
from scrm.enums import GroupStatus
from scrm.infra.schemas import Strict
from scrm.models import GroupChat
from scrm.sop import materialize

TAG = "customer groups"


class TagsIn(Strict):
    """The group's whole tag list (replaces the old one)."""

    tags: list[str] = Field(max_length=50)

    @field_validator("tags")
    @classmethod
    def _clean(cls, tags: list[str]) -> list[str]:
        names = [t.strip() for t in tags if t.strip()]
        if any(len(n) > 30 for n in names):
            raise ValueError("a group tag is at most 30 characters (as WeCom's tags)")
        return list(dict.fromkeys(names))


def _out(chat: GroupChat) -> dict[str, Any]:
    return {
        "chat_id": chat.chat_id,
        "name": chat.name,
        "owner_userid": chat.owner_userid,
        "status": chat.status,
        "member_count": chat.member_count,
        "tags": chat.tags,
        "created_at": chat.created_at,
    }


@API.route("GET", "/api/v1/groups", "Customer groups (?owner= ?tag= ?q= ?status=)", tag=TAG)
async def list_groups(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    q = GroupChat.filter(corp_id=corp.id)
    status = request.query.get("status", GroupStatus.ACTIVE.value)
    if status not in {s.value for s in GroupStatus}:
        known = ", ".join(s.value for s in GroupStatus)
        raise web.HTTPUnprocessableEntity(
            text=json.dumps({"error": f"status must be one of {known}"}),
            content_type="application/json",
        )
    q = q.filter(status=status)
    if request.query.get("owner"):
        q = q.filter(owner_userid=request.query["owner"])
    if request.query.get("q"):
        q = q.filter(name__icontains=request.query["q"])
    if (owners := actor(request).owners()) is not None:
        q = q.filter(owner_userid__in=owners)
    limit = query_int(request, "limit", 100, 1, 1000)
    offset = query_int(request, "offset", 0, 0, 10**9)
    rows = await q.order_by("-id")
    tag = request.query.get("tag", "")
    # Tags are a JSON list: filtered here, the same way on SQLite and PostgreSQL.
    chosen = [c for c in rows if not tag or tag in c.tags]
    return ok({"total": len(chosen), "items": [_out(c) for c in chosen[offset : offset + limit]]})


@API.route(
    "PUT", "/api/v1/groups/{chat_id}/tags", "Set a group's tags (SOP plans follow)", tag=TAG,
    body=TagsIn,
)  # fmt: skip
async def set_tags(request: web.Request) -> web.Response:
    """Managers and admins tag their groups; plans whose target the group now matches plan
    its runs at once, plans it no longer matches drop its future runs."""
    require(request, "manager")
    corp = await corp_for(request)
    chat = await GroupChat.get_or_none(corp_id=corp.id, chat_id=request.match_info["chat_id"])
    if chat is None or not in_scope(request, chat.owner_userid):
        raise not_found("group")
    chat.tags = (await parse(request, TagsIn)).tags
    await chat.save(update_fields=["tags", "updated_at"])
    planned = await materialize.refit_group(corp.id, chat)
    return ok({**_out(chat), "runs_planned": planned})
