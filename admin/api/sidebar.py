"""The staff sidebar's API: JS-SDK signatures, the customer card, tag edits and follow-ups."""

from __future__ import annotations

import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import Field
from yarl import URL

from admin.api import sidebar_card as card
from admin.api.auth import actor
from admin.api.common import corp_for, error, not_found, ok, parse
from admin.api.openapi import API
from scrm.infra import keys
from scrm.infra.logging import get_logger
from scrm.infra.schemas import Strict
from scrm.models import Corp, FollowRelation, FollowUp, Tag
from scrm.services import deals, leads
from scrm.sop import journeys
from scrm.sync.refresh import refresh_customer
from wecom import errors
from wecom.client import jsapi_signature
from wecom.client.models.tags import MarkTag

log = get_logger("admin.api.sidebar")
TAG = "sidebar"
EXTERNAL_USERID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class TagsIn(Strict):
    tag_ids: list[str] = Field(max_length=200, description="the relation's whole tag set")


class NoteIn(Strict):
    note: str = Field(min_length=1, max_length=4000)
    opportunity_id: int | None = None


def wecom_failed(exc: errors.WeComError) -> web.Response:
    log.warning("sidebar.wecom_failed", api=exc.api, errcode=exc.errcode)
    if isinstance(exc, errors.NotAFriend):
        return error(409, "企业微信中该客户已不是此成员的好友", errcode=exc.errcode)
    if isinstance(exc, errors.NotFound):
        return error(422, "企业微信中没有这个标签，请先同步标签", errcode=exc.errcode)
    return error(502, f"企业微信调用失败（错误码 {exc.errcode}）", errcode=exc.errcode)


@API.route(
    "GET",
    "/api/v1/sidebar/jssdk",
    "wx.config and wx.agentConfig signatures",
    tag=TAG,
    also=(502,),
)
async def jssdk(request: web.Request) -> web.Response:
    raw = request.query.get("url", "")
    try:
        url = URL(raw).with_fragment(None)
    except ValueError:
        url = URL()
    # Sign our sidebar pages only: a signature for any other page is none of our business.
    if url.scheme not in ("http", "https") or not url.host or not url.path.startswith("/sidebar"):
        return error(422, "url must be the absolute address of a /sidebar page")
    corp = await corp_for(request)
    tickets = request.config_dict[keys.CLIENTS].for_corp(corp).tickets
    try:
        jsapi, agent = await tickets.jsapi_ticket(), await tickets.agent_ticket()
    except errors.WeComError as exc:
        return wecom_failed(exc)
    now, signed = int(time.time()), str(url)
    corp_nonce, agent_nonce = secrets.token_hex(8), secrets.token_hex(8)
    return ok(
        {
            "url": signed,
            "corp": {
                "appId": corp.corp_id,
                "timestamp": now,
                "nonceStr": corp_nonce,
                "signature": jsapi_signature(jsapi, corp_nonce, now, signed),
            },
            # agentConfig signs with the agent ticket, by the same formula.
            "agent": {
                "corpid": corp.corp_id,
                "agentid": corp.agent_id,
                "timestamp": now,
                "nonceStr": agent_nonce,
                "signature": jsapi_signature(agent, agent_nonce, now, signed),
            },
        }
    )


async def _relation(request: web.Request) -> tuple[Corp, FollowRelation]:
    corp = await corp_for(request)
    ext = request.match_info["external_userid"]
    who = actor(request)
    found = await card.relations(corp.id, ext, who)
    if not found and await _fetched_live(request, corp, ext, who.userid):
        found = await card.relations(corp.id, ext, who)
    if not found:
        raise not_found("customer")
    return corp, found[0]


async def _fetched_live(request: web.Request, corp: Corp, ext: str, userid: str) -> bool:
    """A customer the mirror never saw with this member (added before the service was
    connected, or before the sync reached them) is read from WeCom, not answered "not found".
    The caller's scope still decides afterwards what they may see."""
    if not EXTERNAL_USERID.fullmatch(ext):
        return False
    known = FollowRelation.filter(corp_id=corp.id, customer__external_userid=ext)
    if await (known.filter(staff__userid=userid) if userid else known).exists():
        return False  # known here, just not live or not theirs: no WeCom call
    try:
        customer = await refresh_customer(
            corp.id, request.config_dict[keys.CLIENTS].for_corp(corp), ext
        )
    except errors.WeComError as exc:
        log.warning("sidebar.live_fetch_failed", errcode=exc.errcode)
        return False
    return customer is not None


@API.route(
    "GET",
    "/api/v1/sidebar/customer/{external_userid}",
    "The customer card (only for a customer the caller, or their team, follows)",
    tag=TAG,
)
async def customer(request: web.Request) -> web.Response:
    corp, relation = await _relation(request)
    data = await card.build(corp.id, relation)
    return ok({**data, "tag_options": await card.tag_options(corp.id)})


@API.route("GET", "/api/v1/sidebar/customer/{external_userid}/tags", "The tags on it", tag=TAG)
async def get_tags(request: web.Request) -> web.Response:
    corp, relation = await _relation(request)
    return ok({"tags": await card.tag_labels(corp.id, list(relation.tag_ids))})


@API.route(
    "PUT",
    "/api/v1/sidebar/customer/{external_userid}/tags",
    "Set the customer's tags (WeCom mark_tag, then our records)",
    tag=TAG,
    body=TagsIn,
    also=(502,),
)
async def put_tags(request: web.Request) -> web.Response:
    corp, relation = await _relation(request)
    corp_id = corp.id
    body = await parse(request, TagsIn)
    wanted, current = set(body.tag_ids), set(relation.tag_ids)
    live = set(
        await Tag.filter(
            corp_id=corp_id, tag_id__in=list(wanted | current), deleted=False
        ).values_list("tag_id", flat=True)
    )
    unknown = sorted(wanted - current - live)
    if unknown:
        return error(422, "不是企业的现有标签：" + "、".join(unknown), unknown=unknown)
    add = wanted - current
    # A tag deleted at WeCom is only dropped here: WeCom would refuse its id (40068).
    remove_at_wecom, remove = (current - wanted) & live, current - wanted
    if add or remove_at_wecom:
        client = request.config_dict[keys.CLIENTS].for_corp(corp)
        try:
            await client.mark_tag(
                MarkTag(
                    userid=relation.staff.userid,
                    external_userid=relation.customer.external_userid,
                    add_tag=sorted(add),
                    remove_tag=sorted(remove_at_wecom),
                )
            )
        except errors.WeComError as exc:
            return wecom_failed(exc)
    # Apply the change to the row as it is now: another edit may have landed meanwhile.
    fresh = await FollowRelation.get(id=relation.id)
    fresh.tag_ids = [t for t in fresh.tag_ids if t not in remove] + sorted(
        add - set(fresh.tag_ids)
    )
    await fresh.save(update_fields=["tag_ids", "updated_at"])
    if add:  # the same trigger as a tag from a live code: a journey may start
        await journeys.enroll(
            corp_id,
            "tag_added",
            relation.customer.external_userid,
            relation.staff.userid,
            {"tag_ids": sorted(add)},
        )
    return ok({"tags": await card.tag_labels(corp_id, list(fresh.tag_ids))})


@API.route(
    "POST",
    "/api/v1/sidebar/customer/{external_userid}/followups",
    "A follow-up note from the sidebar (also the lead's follow-up when the caller owns it)",
    tag=TAG,
    body=NoteIn,
    status=201,
)
async def followup(request: web.Request) -> web.Response:
    corp, relation = await _relation(request)
    body = await parse(request, NoteIn)
    who = actor(request)
    userid = who.userid or who.name  # an ops/admin login may have no WeCom userid
    customer = relation.customer
    if body.opportunity_id is not None:
        theirs = await card.opportunities(corp.id, customer)
        if not await theirs.filter(id=body.opportunity_id).exists():
            return error(422, "这个商机不属于该客户")
    now = datetime.now(UTC)
    row = await FollowUp.create(
        corp_id=corp.id,
        userid=userid,
        external_userid=customer.external_userid,
        opportunity_id=body.opportunity_id,
        note=body.note,
        at=now,
    )
    await deals.touch(body.opportunity_id, now)
    # The lead's owner following up resets its recycling clock, like a follow-up on the lead.
    lead = await card.lead_for(corp.id, customer)
    if lead is not None and lead.owner_userid == userid:
        await leads.record_followup(lead, userid, body.note, at=now)
    return ok(_followup(row), status=201)


def _followup(row: FollowUp) -> dict[str, Any]:
    return {
        "id": row.id,
        "userid": row.userid,
        "external_userid": row.external_userid,
        "opportunity_id": row.opportunity_id,
        "note": row.note,
        "at": row.at,
    }
