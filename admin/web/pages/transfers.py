"""客户转接 (/admin/transfers…): 在职转接, 离职继承, 转接记录 and 流失客户. The pages read the
tables (and WeCom's unassigned list); every action goes through /api/v1/transfers and
/api/v1/churn, so the audit log has each one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from tortoise.expressions import Q

from admin.api.churn import lost_out
from admin.web.render import current, page
from scrm.enums import GroupStatus, RelationStatus
from scrm.infra import clock, keys
from scrm.models import (
    Corp,
    Customer,
    FollowRelation,
    GroupChat,
    Handover,
    Segment,
    Staff,
    Tag,
    TransferRule,
)
from scrm.models.livecode import LiveCode
from scrm.services import churn, segments, transfer_resigned, transfers
from scrm.services.segment_rules import Conditions
from wecom import errors

routes = web.RouteTableDef()
SHOWN = 500  # customers listed at once on the 在职转接 page
STATUS_LABELS = {
    "pending": "提交中",
    "waiting": "等待接替",
    "done": "接替完毕",
    "refused": "客户拒绝",
    "limit": "接替成员客户已满",
    "failed": "失败",
}
KIND_LABELS = {"onjob": "在职转接", "resigned": "离职继承"}


async def _staff(request: web.Request) -> list[Staff]:
    who = current(request)
    q = Staff.filter(corp_id=who.corp_pk, active=True)
    owners = who.owners()
    if owners is not None:
        q = q.filter(userid__in=owners)
    return list(await q.order_by("userid"))


async def _names(corp_pk: int | None, exts: set[str]) -> dict[str, str]:
    rows = await Customer.filter(corp_id=corp_pk, external_userid__in=exts)
    return {c.external_userid: churn.display_name(c, "", c.external_userid) for c in rows}


async def _chat_names(corp_pk: int | None, rows: list[Handover]) -> dict[str, str]:
    ids = {r.chat_id for r in rows if r.chat_id}
    found = await GroupChat.filter(corp_id=corp_pk, chat_id__in=ids).values_list("chat_id", "name")
    return {str(c): str(n or c) for c, n in found}


async def _zone(corp_pk: int | None) -> ZoneInfo:
    corp = await Corp.get_or_none(id=corp_pk)
    return clock.zone(corp.timezone if corp else None)


async def _member_names(corp_pk: int | None) -> dict[str, str]:
    rows = await Staff.filter(corp_id=corp_pk).values_list("userid", "name")
    return {str(u): str(n or u) for u, n in rows}


@routes.get("/admin/transfers")
@page("transfers_onjob.html", nav="transfers", title="在职转接", role="manager")
async def onjob(request: web.Request) -> dict[str, Any]:
    who = current(request)
    members = await _staff(request)
    handover = request.query.get("from", "")
    if handover not in {m.userid for m in members}:
        handover = ""
    q = request.query.get("q", "").strip()[:64]
    tags = list(await Tag.filter(corp_id=who.corp_pk).order_by("name"))
    tag = request.query.get("tag", "")
    if tag not in {t.tag_id for t in tags}:
        tag = ""
    # A saved 客户分群, picked the same way as for a 群发 (decision: the segment's rule, the
    # handover member's customers only).
    saved = list(await Segment.filter(corp_id=who.corp_pk).order_by("name"))
    segment = next((s for s in saved if str(s.id) == request.query.get("segment", "")), None)
    customers: list[dict[str, Any]] = []
    groups: list[GroupChat] = []
    recent: list[Handover] = []
    if handover:
        relations = (
            await FollowRelation.filter(
                corp_id=who.corp_pk, staff__userid=handover, status=RelationStatus.ACTIVE
            )
            .prefetch_related("customer")
            .order_by("added_at")
        )
        rows = [
            (r.customer.external_userid, churn.display_name(r.customer, r.remark, ""), r)
            for r in relations
        ]
        if q:
            rows = [x for x in rows if q in x[1] or q in x[0]]
        if tag:  # a segment: the member's customers carrying this tag
            rows = [x for x in rows if tag in (x[2].tag_ids or [])]
        if segment is not None:
            cond = Conditions.model_validate(segment.conditions)
            zone = str(await _zone(who.corp_pk))
            match = await segments.evaluate(who.corp_pk or 0, cond, [handover], tz=zone)
            inside = set(match.external.values())
            rows = [x for x in rows if x[0] in inside]
        rows = rows[:SHOWN]
        corp = await Corp.get(id=who.corp_pk)
        _, blocked = await transfers.screen(
            corp, handover, [x[0] for x in rows], datetime.now(UTC)
        )
        why = {b["external_userid"]: b["reason"] for b in blocked}
        customers = [
            {"external_userid": ext, "name": name or ext, "added_at": r.added_at,
             "blocked": why.get(ext, "")}
            for ext, name, r in rows
        ]  # fmt: skip
        groups = list(
            await GroupChat.filter(
                corp_id=who.corp_pk, owner_userid=handover, status=GroupStatus.ACTIVE
            ).order_by("id")
        )
        recent = list(
            await Handover.filter(corp_id=who.corp_pk, handover_userid=handover)
            .order_by("-id")
            .limit(50)
        )
    return {
        "tab": "onjob",
        "members": members,
        "handover": handover,
        "q": q,
        "tags": tags,
        "tag": tag,
        "segments": saved,
        "segment": segment.id if segment is not None else None,
        "customers": customers,
        "groups": groups,
        "recent": recent,
        "names": await _names(who.corp_pk, {h.external_userid for h in recent}),
        "chat_names": await _chat_names(who.corp_pk, recent),
        "member_names": await _member_names(who.corp_pk),
        "labels": STATUS_LABELS,
        "shown": SHOWN,
        "tz": await _zone(who.corp_pk),
    }


@routes.get("/admin/transfers/resigned")
@page("transfers_resigned.html", nav="transfers", title="离职继承", role="admin")
async def resigned(request: web.Request) -> dict[str, Any]:
    who = current(request)
    corp = await Corp.get(id=who.corp_pk)
    listing: dict[str, Any] = {"customers": [], "groups": []}
    problem = ""
    try:
        client = request.config_dict[keys.CLIENTS].for_corp(corp)
        listing = await transfer_resigned.listing(corp, client)
    except errors.WeComError as exc:
        problem = f"企业微信未返回待分配列表（错误码 {exc.errcode}），请稍后再试。"
    recent = list(
        await Handover.filter(corp_id=who.corp_pk, kind="resigned").order_by("-id").limit(50)
    )
    return {
        "tab": "resigned",
        "rules": list(await TransferRule.filter(corp_id=corp.id).order_by("id")),
        "listing": listing,
        "problem": problem,
        "members": await _staff(request),
        "recent": recent,
        "names": await _names(who.corp_pk, {h.external_userid for h in recent}),
        "chat_names": await _chat_names(who.corp_pk, recent),
        "member_names": await _member_names(who.corp_pk),
        "labels": STATUS_LABELS,
        "tz": await _zone(who.corp_pk),
    }


@routes.get("/admin/transfers/records")
@page("transfers_records.html", nav="transfers", title="转接记录", role="manager")
async def records(request: web.Request) -> dict[str, Any]:
    who = current(request)
    status = request.query.get("status", "")
    kind = request.query.get("kind", "")
    q = Handover.filter(corp_id=who.corp_pk)
    if status in STATUS_LABELS:
        q = q.filter(status=status)
    if kind in KIND_LABELS:
        q = q.filter(kind=kind)
    owners = who.owners()
    if owners is not None:
        q = q.filter(Q(handover_userid__in=owners) | Q(takeover_userid__in=owners))
    rows = list(await q.order_by("-id").limit(500))
    return {
        "tab": "records",
        "rows": rows,
        "status": status if status in STATUS_LABELS else "",
        "kind": kind if kind in KIND_LABELS else "",
        "names": await _names(who.corp_pk, {r.external_userid for r in rows}),
        "chat_names": await _chat_names(who.corp_pk, rows),
        "member_names": await _member_names(who.corp_pk),
        "labels": STATUS_LABELS,
        "kinds": KIND_LABELS,
        "tz": await _zone(who.corp_pk),
    }


@routes.get("/admin/transfers/lost")
@page("transfers_lost.html", nav="transfers", title="流失客户")
async def lost(request: web.Request) -> dict[str, Any]:
    who = current(request)
    corp = await Corp.get(id=who.corp_pk)
    events = await churn.lost(corp, who.owners(), 500)
    settings = await churn.settings_for(corp.id) if who.at_least("admin") else None
    return {
        "tab": "lost",
        "rows": await lost_out(corp.id, events),
        "codes": list(
            await LiveCode.filter(corp_id=corp.id).exclude(qr_url="").order_by("id").limit(100)
        ),
        "settings": settings,
        "tz": await _zone(corp.id),
    }
