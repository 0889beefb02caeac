"""/api/v1/transfers: 在职转接, 离职继承 and the hand-over records. Managers move their own
team's customers within the team; departed members' customers are an admin's to assign."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from pydantic import Field
from tortoise.expressions import Q

from admin.api.auth import actor, in_scope, require, who
from admin.api.common import corp_for, error, ok, parse, path_id, query_int
from admin.api.openapi import API
from scrm.infra import keys
from scrm.infra.schemas import Strict
from scrm.models import Handover, Staff, TransferRule
from scrm.services import transfer_resigned, transfer_track, transfers
from wecom import errors

TAG = "transfers"
STATUSES = ("pending", "waiting", "done", "refused", "limit", "failed")


class CheckIn(Strict):
    handover_userid: str = Field(min_length=1, max_length=64)
    external_userids: list[str] = Field(min_length=1, max_length=1000)


class OnjobIn(CheckIn):
    takeover_userid: str = Field(min_length=1, max_length=64)
    message: str = Field(default="", max_length=200)


class GroupsIn(Strict):
    chat_ids: list[str] = Field(min_length=1, max_length=500)
    takeover_userid: str = Field(min_length=1, max_length=64)
    resigned: bool = False


class ResignedItem(Strict):
    handover_userid: str = Field(min_length=1, max_length=64)
    external_userid: str = Field(min_length=1, max_length=64)


class ResignedIn(Strict):
    items: list[ResignedItem] = Field(min_length=1, max_length=5000)
    # Either members (one, or several in turn) or a saved rule.
    takeover_userids: list[str] = Field(default_factory=list, max_length=100)
    rule_id: int | None = Field(default=None, ge=1, lt=2**63)


def handover_out(h: Handover) -> dict[str, Any]:
    return {
        "id": h.id,
        "kind": h.kind,
        "batch": h.batch,
        "handover_userid": h.handover_userid,
        "takeover_userid": h.takeover_userid,
        "external_userid": h.external_userid,
        "chat_id": h.chat_id,
        "status": h.status,
        "errcode": h.errcode,
        "reason": h.reason,
        "operator": h.operator,
        "started_at": h.started_at,
        "finished_at": h.finished_at,
        "next_check_at": h.next_check_at,
        "moved": h.moved,
    }


async def _members_in_scope(request: web.Request, corp_pk: int, *userids: str) -> None:
    """Each userid a member of the corp and, for a manager, of their team."""
    known = set(
        await Staff.filter(corp_id=corp_pk, userid__in=list(userids)).values_list(
            "userid", flat=True
        )
    )
    for userid in userids:
        if userid not in known:
            raise web.HTTPUnprocessableEntity(
                text=f'{{"error": "unknown member {userid}"}}', content_type="application/json"
            )
        if not in_scope(request, userid):
            raise web.HTTPForbidden(
                text='{"error": "you may move your own team\'s customers only"}',
                content_type="application/json",
            )


def _client(request: web.Request, corp: Any) -> Any:
    return request.config_dict[keys.CLIENTS].for_corp(corp)


@API.route(
    "POST", "/api/v1/transfers/check", "Which customers can move, and why not", tag=TAG,
    body=CheckIn,
)  # fmt: skip
async def check(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    body = await parse(request, CheckIn)
    await _members_in_scope(request, corp.id, body.handover_userid)
    movable, blocked = await transfers.screen(
        corp, body.handover_userid, body.external_userids, datetime.now(UTC)
    )
    return ok({"movable": movable, "blocked": blocked})


@API.route(
    "POST", "/api/v1/transfers/onjob", "在职转接: hand customers to another member", tag=TAG,
    body=OnjobIn, status=201,)  # fmt: skip
async def onjob(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    body = await parse(request, OnjobIn)
    await _members_in_scope(request, corp.id, body.handover_userid, body.takeover_userid)
    try:
        outcome = await transfers.start_customers(
            corp, _client(request, corp), handover=body.handover_userid,
            takeover=body.takeover_userid, external_userids=body.external_userids,
            message=body.message, operator=who(request),
        )  # fmt: skip
    except transfers.TransferRefused as exc:
        return error(422, str(exc))
    return ok(outcome.as_json(), status=201)


@API.route(
    "POST", "/api/v1/transfers/groups", "Hand customer groups to a member (在职 or 离职)",
    tag=TAG, body=GroupsIn, status=201,)  # fmt: skip
async def groups(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    body = await parse(request, GroupsIn)
    await _members_in_scope(request, corp.id, body.takeover_userid)
    try:
        outcome = await transfers.start_groups(
            corp, _client(request, corp), chat_ids=body.chat_ids,
            takeover=body.takeover_userid, resigned=body.resigned, operator=who(request),
        )  # fmt: skip
    except transfers.TransferRefused as exc:
        return error(422, str(exc))
    return ok(outcome.as_json(), status=201)


@API.route(
    "GET",
    "/api/v1/transfers/unassigned",
    "离职继承: customers and groups left behind",
    tag=TAG,
    also=(502,),
)
async def unassigned(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    try:
        return ok(await transfer_resigned.listing(corp, _client(request, corp)))
    except errors.WeComError as exc:
        return error(502, f"企业微信未返回待分配列表（错误码 {exc.errcode}）")


@API.route(
    "POST", "/api/v1/transfers/resigned", "离职继承: assign to one member or round robin",
    tag=TAG, body=ResignedIn, status=201,)  # fmt: skip
async def resigned(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    body = await parse(request, ResignedIn)
    takeovers = list(dict.fromkeys(body.takeover_userids))
    items = [(i.handover_userid, i.external_userid) for i in body.items]
    client = _client(request, corp)
    try:
        if body.rule_id is not None:
            rule = await TransferRule.get_or_none(id=body.rule_id, corp_id=corp.id)
            if rule is None:
                return error(422, "no such transfer rule")
            result = await transfer_resigned.assign_by_rule(
                corp, client, items=items, rule=rule, operator=who(request)
            )
        else:
            await _members_in_scope(request, corp.id, *takeovers)
            result = await transfer_resigned.assign(
                corp, client, items=items, takeovers=takeovers, operator=who(request)
            )
    except transfers.TransferRefused as exc:
        return error(422, str(exc))
    return ok(result, status=201)


@API.route("GET", "/api/v1/transfers", "转接记录: every hand-over with its status", tag=TAG)
async def records(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    q = Handover.filter(corp_id=corp.id)
    status, kind = request.query.get("status", ""), request.query.get("kind", "")
    if status:
        if status not in STATUSES:
            return error(422, f"status must be one of {', '.join(STATUSES)}")
        q = q.filter(status=status)
    if kind:
        if kind not in ("onjob", "resigned"):
            return error(422, "kind must be onjob or resigned")
        q = q.filter(kind=kind)
    owners = actor(request).owners()
    if owners is not None:
        q = q.filter(Q(handover_userid__in=owners) | Q(takeover_userid__in=owners))
    limit = query_int(request, "limit", 200, 1, 1000)
    return ok([handover_out(h) for h in await q.order_by("-id").limit(limit)])


@API.route("GET", "/api/v1/transfers/{id}", "One hand-over", tag=TAG)
async def one(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    row = await Handover.get_or_none(id=path_id(request, "hand-over"), corp_id=corp.id)
    if row is None or not (
        in_scope(request, row.handover_userid) or in_scope(request, row.takeover_userid)
    ):
        return error(404, "no such hand-over")
    return ok(handover_out(row))


@API.route(
    "POST",
    "/api/v1/transfers/poll",
    "Ask WeCom now for hand-overs due a check",
    tag=TAG,
    also=(502,),
)
async def poll(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    now = datetime.now(UTC)
    # Asked by a person: every waiting hand-over is checked now, backoff or not.
    await Handover.filter(corp_id=corp.id, status="waiting").update(next_check_at=now)
    try:
        counts = await transfer_track.check_due(corp, _client(request, corp), now)
    except errors.WeComError as exc:
        return error(502, f"企业微信查询失败（错误码 {exc.errcode}）")
    return ok(counts)
