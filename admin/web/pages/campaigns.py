"""客户分群, 群发 (list, new with reach, detail with tracking) and the 素材库 with 雷达
statistics. Pages read the tables; every change goes through the JSON API."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from admin.api import customer_query
from admin.api.mass_send import send_out
from admin.api.materials import material_out
from admin.web.render import current, page
from scrm.ints import parse_id
from scrm.models import MassSend, Material, Segment, Tag
from scrm.models.livecode import LiveCode
from scrm.services import mass_send_track, radar, segments
from scrm.services.materials import KIND_LABELS

routes = web.RouteTableDef()
STATUS = {
    "scheduled": "待发送",
    "sending": "创建中",
    "sent": "已创建",
    "failed": "失败",
    "cancelled": "已取消",
}
GRADES = ("S", "A", "B", "C", "D")


def _id(request: web.Request) -> int:
    found = parse_id(request.match_info["id"])
    if found is None:
        raise web.HTTPNotFound(text="没有这个记录")
    return found


async def _options(corp_pk: int, owners: list[str] | None) -> dict[str, Any]:
    opts = await customer_query.options(corp_pk, owners)
    codes = await LiveCode.filter(corp_id=corp_pk).order_by("name").values_list("state", "name")
    opts["channels"] = [{"state": s, "name": n} for s, n in codes]
    return opts


@routes.get("/admin/segments")
@page("campaigns_segments.html", nav="segments", title="客户分群", role="manager")
async def segment_list(request: web.Request) -> dict[str, Any]:
    who = current(request)
    corp_pk = who.corp_pk or 0
    saved = await Segment.filter(corp_id=corp_pk).order_by("-id").limit(200)
    rows = [{"row": s, "count": await segments.count_of(s, who.owners())} for s in saved]
    tags = dict(await Tag.filter(corp_id=corp_pk).values_list("tag_id", "name"))
    return {
        "segments": rows,
        "options": await _options(corp_pk, who.owners()),
        "grades": GRADES,
        "tag_names": tags,
    }


@routes.get("/admin/mass-sends")
@page("campaigns_sends.html", nav="mass", title="群发", role="manager")
async def send_list(request: web.Request) -> dict[str, Any]:
    who = current(request)
    q = MassSend.filter(corp_id=who.corp_pk or 0)
    if not who.at_least("ops"):
        q = q.filter(created_by=who.name or who.userid)
    sends = [send_out(s) for s in await q.order_by("-id").limit(100)]
    return {"sends": sends, "labels": STATUS}


@routes.get("/admin/mass-sends/new")
@page("campaigns_new.html", nav="mass", title="新建群发", role="manager")
async def send_new(request: web.Request) -> dict[str, Any]:
    who = current(request)
    corp_pk = who.corp_pk or 0
    segs = await Segment.filter(corp_id=corp_pk).order_by("-id").limit(200)
    mats = await Material.filter(corp_id=corp_pk).order_by("-uses", "-id").limit(300)
    return {
        "segments": segs,
        "materials": [material_out(m) for m in mats],
        "options": await _options(corp_pk, who.owners()),
    }


@routes.get("/admin/mass-sends/{id}")
@page("campaigns_detail.html", nav="mass", title="群发详情", role="manager")
async def send_detail(request: web.Request) -> dict[str, Any]:
    who = current(request)
    send = await MassSend.get_or_none(id=_id(request), corp_id=who.corp_pk or 0)
    if send is None or (not who.at_least("ops") and send.created_by != (who.name or who.userid)):
        raise web.HTTPNotFound(text="没有这个群发")
    corp_pk = who.corp_pk or 0
    mats = await Material.filter(corp_id=corp_pk, id__in=send.material_ids, tracked=True)
    opens = [{"material": m, **await radar.stats(corp_pk, m.id)} for m in mats]
    return {
        "send": send_out(send),
        "progress": await mass_send_track.progress(send.id),
        "labels": STATUS,
        "radar": opens,
    }


@routes.get("/admin/materials")
@page("campaigns_materials.html", nav="materials", title="素材库", role="ops")
async def material_list(request: web.Request) -> dict[str, Any]:
    corp_pk = current(request).corp_pk or 0
    q = Material.filter(corp_id=corp_pk)
    kind = request.query.get("kind", "")
    if kind in KIND_LABELS:
        q = q.filter(kind=kind)
    text = request.query.get("q", "").strip()[:64]
    if text:
        q = q.filter(title__icontains=text)
    cats = await Material.filter(corp_id=corp_pk).distinct().values_list("category", flat=True)
    return {
        "materials": [material_out(m) for m in await q.order_by("-uses", "-id").limit(300)],
        "kinds": KIND_LABELS,
        "kind": kind,
        "q": text,
        "categories": sorted({str(c) for c in cats if c}),
    }


@routes.get("/admin/materials/{id}/radar")
@page("campaigns_radar.html", nav="materials", title="雷达统计", role="manager")
async def material_radar(request: web.Request) -> dict[str, Any]:
    corp_pk = current(request).corp_pk or 0
    material = await Material.get_or_none(id=_id(request), corp_id=corp_pk)
    if material is None:
        raise web.HTTPNotFound(text="没有这个素材")
    return {"material": material, "stats": await radar.stats(corp_pk, material.id)}
