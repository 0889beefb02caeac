"""`/api/v1/mass-sends`: 客户群发 and 客户群群发 — reach before sending, send now or later,
then tracking per member and per recipient, reminders and cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import Field

from admin.api.auth import actor, require, who
from admin.api.common import corp_for, error, ok, owned, parse, query_int, utc
from admin.api.openapi import API
from scrm.infra import keys
from scrm.infra.job_names import MASS_SEND_RUN
from scrm.infra.logging import get_logger
from scrm.infra.schemas import Strict
from scrm.models import MassSend, Material, Segment
from scrm.services import mass_send_track
from scrm.services.mass_send_reach import Target, TargetError, reach

TAG = "mass-sends"
PER_PAGE = 20
log = get_logger("admin.api.mass_send")


class ReachIn(Strict):
    chat_type: Literal["single", "group"] = "single"
    target: Target


class MassSendIn(ReachIn):
    name: str = Field(min_length=1, max_length=64)
    text: str = Field(default="", max_length=1300, description="≤ 4000 UTF-8 bytes at WeCom")
    material_ids: list[Annotated[int, Field(ge=1, le=2**62)]] = Field(
        default_factory=list, max_length=9
    )
    send_at: datetime | None = Field(default=None, description="absent: now")


def send_out(s: MassSend) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "chat_type": s.chat_type,
        "text": s.text,
        "material_ids": s.material_ids,
        "target": s.target.get("spec", {}),
        "status": s.status,
        "send_at": s.send_at.isoformat(),
        "planned": s.planned,
        "error": s.error,
        "created_by": s.created_by,
        "tracked_at": s.tracked_at.isoformat() if s.tracked_at else None,
    }


def _clients(request: web.Request) -> Any:
    return request.config_dict[keys.CLIENTS].for_corp


async def _check_refs(corp_id: int, body: ReachIn) -> str:
    """A referenced segment or material must exist in the corp (else a 422 says which)."""
    seg = body.target.segment_id
    if seg is not None and not await Segment.filter(id=seg, corp_id=corp_id).exists():
        return "客户分群不存在"
    if isinstance(body, MassSendIn) and body.material_ids:
        found = await Material.filter(corp_id=corp_id, id__in=body.material_ids).count()
        if found != len(set(body.material_ids)):
            return "素材不存在"
    return ""


@API.route(
    "POST", "/api/v1/mass-sends/reach", "How many a 群发 would reach", tag=TAG, body=ReachIn
)
async def preview_reach(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    body = await parse(request, ReachIn)
    if problem := await _check_refs(corp.id, body):
        return error(422, problem)
    settings = request.config_dict[keys.SETTINGS]
    try:
        got = await reach(
            corp.id,
            body.chat_type,
            body.target,
            actor(request).owners(),
            tz=settings.timezone,
            cap=settings.mass_monthly_cap,
        )
    except TargetError as exc:
        return error(422, str(exc))
    return ok(got)


@API.route(
    "POST",
    "/api/v1/mass-sends",
    "Send now or at send_at",
    tag=TAG,
    body=MassSendIn,
    status=201,
)
async def create(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    body = await parse(request, MassSendIn)
    if problem := await _check_refs(corp.id, body):
        return error(422, problem)
    if not body.text and not body.material_ids:
        return error(422, "群发内容不能为空")
    if (body.target.groups is not None) != (body.chat_type == "group"):
        return error(422, "客户群群发选择客户群；客户群发选择客户分群或标签")
    now = datetime.now(UTC)
    send_at = utc(body.send_at) if body.send_at else now
    if send_at > now + timedelta(days=90):
        return error(422, "定时最多 90 天之后")
    row = await MassSend.create(
        corp_id=corp.id,
        chat_type=body.chat_type,
        name=body.name,
        text=body.text,
        material_ids=body.material_ids,
        # The creator's scope is kept: a manager's 群发 reaches only their team's customers.
        target={"spec": body.target.model_dump(mode="json"), "scope": actor(request).owners()},
        send_at=max(send_at, now),
        created_by=who(request),
    )
    if send_at <= now:
        try:
            await request.config_dict[keys.ARQ].enqueue_job(MASS_SEND_RUN, row.id)
        except OSError:  # Redis away: the tick picks the due send up when it is back
            log.warning("mass_send.enqueue_failed", send_id=row.id)
    return ok(send_out(row), status=201)


@API.route("GET", "/api/v1/mass-sends", "群发 list (filters: chat_type; page)", tag=TAG)
async def list_sends(request: web.Request) -> web.Response:
    require(request, "manager")
    corp = await corp_for(request)
    q = MassSend.filter(corp_id=corp.id)
    if (kind := request.query.get("chat_type", "")) in ("single", "group"):
        q = q.filter(chat_type=kind)
    if not actor(request).at_least("ops"):
        q = q.filter(created_by=who(request))
    page = query_int(request, "page", 1, 1, 100_000)
    total = await q.count()
    rows = await q.order_by("-id").offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    return ok({"total": total, "page": page, "items": [send_out(s) for s in rows]})


async def _mine(request: web.Request) -> MassSend:
    require(request, "manager")
    _, row = await owned(request, MassSend, "mass send")
    if not actor(request).at_least("ops") and row.created_by != who(request):
        raise web.HTTPNotFound(
            text='{"error": "no such mass send"}', content_type="application/json"
        )
    return row


@API.route("GET", "/api/v1/mass-sends/{id}", "A 群发 with its tracking", tag=TAG)
async def get_one(request: web.Request) -> web.Response:
    row = await _mine(request)
    return ok({**send_out(row), **await mass_send_track.progress(row.id)})


@API.route(
    "POST",
    "/api/v1/mass-sends/{id}/track",
    "Ask WeCom for the latest now",
    tag=TAG,
    also=(409,),
)
async def track_now(request: web.Request) -> web.Response:
    row = await _mine(request)
    if row.status not in ("sent", "cancelled"):
        return error(409, "群发任务还未创建")
    changed = await mass_send_track.track(row.id, _clients(request))
    return ok({"changed": changed, **await mass_send_track.progress(row.id)})


@API.route(
    "POST",
    "/api/v1/mass-sends/{id}/remind",
    "Remind members who have not sent",
    tag=TAG,
    also=(409,),
)
async def remind(request: web.Request) -> web.Response:
    row = await _mine(request)
    got = await mass_send_track.remind(row.id, _clients(request))
    if "error" in got:
        return error(409, got["error"])
    return ok(got)


@API.route(
    "POST",
    "/api/v1/mass-sends/{id}/cancel",
    "Cancel what is not sent yet",
    tag=TAG,
    also=(409,),
)
async def cancel(request: web.Request) -> web.Response:
    row = await _mine(request)
    got = await mass_send_track.cancel(row.id, _clients(request))
    if "error" in got:
        return error(409, got["error"])
    return ok(got)
