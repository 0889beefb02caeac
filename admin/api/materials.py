"""`/api/v1/materials`: the 素材库 — text, images, links (雷达 when tracked), mini programs,
files, videos and posters, by category, searchable, with use counts and link statistics."""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import ConfigDict, Field, model_validator
from tortoise.expressions import Q

from admin.api import quick_replies
from admin.api.auth import require
from admin.api.common import corp_for, error, ok, owned, parse, query_int
from admin.api.openapi import API
from scrm.infra import keys
from scrm.infra.schemas import HttpText, Strict
from scrm.models import Material
from scrm.services import materials_media, radar
from scrm.services.materials import KIND_LABELS, KINDS
from wecom import errors

TAG = "materials"
PER_PAGE = 50


class MaterialIn(Strict):
    model_config = ConfigDict(str_strip_whitespace=True)
    kind: Literal["text", "image", "link", "miniprogram", "file", "video", "poster"]
    category: str = Field(default="", max_length=32)
    title: str = Field(min_length=1, max_length=128)
    content: str = Field(default="", max_length=4000, description="text, or a link's summary")
    url: HttpText = Field(default="", max_length=1024, description="picture, file or link address")
    cover_url: HttpText = Field(default="", max_length=1024)
    appid: str = Field(default="", max_length=64, description="mini program appid")
    page: str = Field(default="", max_length=256, description="mini program page path")
    tracked: bool = False

    @model_validator(mode="after")
    def _complete(self) -> MaterialIn:
        if self.kind == "text" and not self.content:
            raise ValueError("a text material needs content")
        if self.kind in ("image", "poster", "link") and not self.url:
            raise ValueError(f"a {self.kind} material needs url")
        if self.kind == "miniprogram" and not (self.appid and self.page):
            raise ValueError("a mini program needs appid and page")
        if self.tracked and self.kind != "link":
            raise ValueError("only links can be tracked (雷达)")
        return self


def material_out(m: Material) -> dict[str, Any]:
    return {
        "id": m.id,
        "kind": m.kind,
        "kind_label": KIND_LABELS.get(m.kind, m.kind),
        "category": m.category,
        "title": m.title,
        "content": m.content,
        "url": m.url,
        "cover_url": m.cover_url,
        "appid": str(m.extra.get("appid", "")),
        "page": str(m.extra.get("page", "")),
        "tracked": m.tracked,
        "media_id": bool(m.media_id),
        "media_expires_at": m.media_expires_at.isoformat() if m.media_expires_at else None,
        "uses": m.uses,
    }


def _fields(body: MaterialIn) -> dict[str, Any]:
    data = body.model_dump(exclude={"appid", "page"})
    data["extra"] = {"appid": body.appid, "page": body.page} if body.kind == "miniprogram" else {}
    return data


@API.route("GET", "/api/v1/materials", "The 素材库 (filters: kind, category, q; page)", tag=TAG)
async def list_materials(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    q = Material.filter(corp_id=corp.id)
    kind = request.query.get("kind", "")
    if kind in KINDS:
        q = q.filter(kind=kind)
    if category := request.query.get("category", "")[:32]:
        q = q.filter(category=category)
    if text := request.query.get("q", "").strip()[:64]:
        q = q.filter(Q(title__icontains=text) | Q(content__icontains=text))
    page = query_int(request, "page", 1, 1, 100_000)
    total = await q.count()
    rows = await q.order_by("-uses", "-id").offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    cats = await Material.filter(corp_id=corp.id).distinct().values_list("category", flat=True)
    return ok(
        {
            "total": total,
            "page": page,
            "items": [material_out(m) for m in rows],
            "categories": sorted({str(c) for c in cats if c}),
            "kinds": [{"kind": k, "label": KIND_LABELS[k]} for k in KINDS],
        }
    )


@API.route(
    "POST",
    "/api/v1/materials",
    "Add a material",
    tag=TAG,
    body=MaterialIn,
    status=201,
)
async def create(request: web.Request) -> web.Response:
    require(request, "ops")
    corp = await corp_for(request)
    body = await parse(request, MaterialIn)
    row = await Material.create(corp_id=corp.id, **_fields(body))
    return ok(material_out(row), status=201)


@API.route("POST", "/api/v1/materials/images", "Upload a picture once (multipart `file`)", tag=TAG)
async def upload_image(request: web.Request) -> web.StreamResponse:
    # media/uploadimg answers a permanent URL: a picture is uploaded once, never refreshed.
    return await quick_replies.upload_image(request)


@API.route(
    "POST",
    "/api/v1/materials/{id}/media",
    "Upload a file, video or mini-program cover (multipart `file`); renewed before 3 days",
    tag=TAG,
    status=201,
    also=(413, 502),
)
async def upload_media(request: web.Request) -> web.Response:
    require(request, "ops")
    corp, row = await owned(request, Material, "material")
    if row.kind not in materials_media.LIMITS:
        return error(422, "只有文件、视频和小程序封面需要上传")
    if request.content_type != "multipart/form-data":
        return error(422, "请用 multipart/form-data 上传，字段 file")
    reader = await request.multipart()
    part = await reader.next()
    while part is not None and getattr(part, "name", None) != "file":
        part = await reader.next()
    if part is None:
        return error(422, "缺少文件（字段 file）")
    limit = materials_media.LIMITS[row.kind]
    data = bytearray()
    while chunk := await part.read_chunk():  # type: ignore[union-attr]
        data.extend(chunk)
        if len(data) > limit:
            return error(413, f"文件不能超过 {limit >> 20} MB")
    if not data:
        return error(422, "文件是空的")
    name = (getattr(part, "filename", None) or "file")[-64:]
    client = request.config_dict[keys.CLIENTS].for_corp(corp)
    try:
        await materials_media.upload(client, row, name, bytes(data))
    except errors.WeComError as exc:
        return error(502, f"上传到企业微信失败（错误码 {exc.errcode}）", errcode=exc.errcode)
    return ok(material_out(row), status=201)


@API.route("GET", "/api/v1/materials/{id}", "One material", tag=TAG)
async def get_one(request: web.Request) -> web.Response:
    _, row = await owned(request, Material, "material")
    return ok(material_out(row))


@API.route("PUT", "/api/v1/materials/{id}", "Edit a material", tag=TAG, body=MaterialIn)
async def update(request: web.Request) -> web.Response:
    require(request, "ops")
    _, row = await owned(request, Material, "material")
    body = await parse(request, MaterialIn)
    row.update_from_dict(_fields(body))
    await row.save()
    return ok(material_out(row))


@API.route("DELETE", "/api/v1/materials/{id}", "Delete a material", tag=TAG)
async def delete(request: web.Request) -> web.Response:
    require(request, "ops")
    _, row = await owned(request, Material, "material")
    await row.delete()
    return ok({"deleted": row.id})


@API.route("GET", "/api/v1/materials/{id}/stats", "雷达: opens and openers of a link", tag=TAG)
async def stats(request: web.Request) -> web.Response:
    require(request, "manager")
    corp, row = await owned(request, Material, "material")
    return ok({**await radar.stats(corp.id, row.id), "title": row.title})
