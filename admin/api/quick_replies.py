"""`/api/v1/quick-replies`: the 话术库 — categories and items (text, image, link, or a
素材库 material, sent as it is at the time) that staff insert into a chat from the sidebar.
Everyone in the corp reads; ops leads write."""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import ConfigDict, Field, model_validator
from tortoise.expressions import F

from admin.api import quick_reply_categories as categories
from admin.api import refs
from admin.api import sidebar_card as card
from admin.api import sidebar_media as media
from admin.api import sidebar_messages as messages
from admin.api.auth import actor, require
from admin.api.common import corp_for, error, not_found, ok, owned, parse
from admin.api.openapi import API
from scrm.infra import keys
from scrm.infra.schemas import HttpText, Strict
from scrm.models import Corp, Material, QuickReply, QuickReplyCategory
from scrm.services import material_import, materials
from wecom import errors

TAG = "quick-replies"
MAX_UPLOAD = 2 << 20  # media/uploadimg takes JPG/PNG up to 2 MB


class ReplyIn(Strict):
    model_config = ConfigDict(str_strip_whitespace=True)
    category_id: int
    kind: Literal["text", "image", "link", "material"]
    title: str = Field(min_length=1, max_length=128)
    material_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="kind material: the 素材库 item"
    )
    content: str = Field(default="", max_length=4000, description="the text, or a link's summary")
    url: HttpText = Field(
        default="", max_length=1024, description="the picture's or link's address"
    )
    img_url: HttpText = Field(default="", max_length=1024, description="a link's cover picture")
    sort: int = Field(default=0, ge=-1_000_000, le=1_000_000)

    @model_validator(mode="after")
    def _complete(self) -> ReplyIn:
        if self.kind == "text" and not self.content:
            raise ValueError("a text reply needs content")
        if self.kind in ("image", "link") and not self.url:
            raise ValueError(f"an {self.kind} reply needs url")
        if (self.kind == "material") != (self.material_id is not None):
            raise ValueError("material_id goes with kind material, and only with it")
        return self

    def columns(self) -> dict[str, Any]:
        return self.model_dump(exclude={"img_url", "material_id"})

    def extra(self) -> dict[str, Any]:
        return {"img_url": self.img_url, "material_id": self.material_id}


def reply_out(r: QuickReply) -> dict[str, Any]:
    return {
        "id": r.id,
        "category_id": getattr(r, "category_id", None),
        "kind": r.kind,
        "title": r.title,
        "content": r.content,
        "url": r.url,
        "img_url": str(r.extra.get("img_url", "")),
        "material_id": r.extra.get("material_id"),
        "sort": r.sort,
        "uses": r.uses,
    }


@API.route("GET", "/api/v1/quick-replies", "The 话术库: categories with their items", tag=TAG)
async def list_all(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    cats = await QuickReplyCategory.filter(corp_id=corp.id).order_by("sort", "id")
    items = await QuickReply.filter(corp_id=corp.id).order_by("sort", "id")
    by_cat: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        by_cat.setdefault(getattr(item, "category_id", 0), []).append(reply_out(item))
    return ok(
        {
            "categories": [
                {**categories.category_out(c), "items": by_cat.get(c.id, [])} for c in cats
            ]
        }
    )


async def _category(corp_id: int, category_id: int) -> QuickReplyCategory | None:
    return await QuickReplyCategory.get_or_none(id=category_id, corp_id=corp_id)


@API.route(
    "POST",
    "/api/v1/quick-replies/images",
    "Upload a picture (multipart `file`)",
    tag=TAG,
    status=201,
    also=(413, 502),
)
async def upload_image(request: web.Request) -> web.Response:
    require(request, "ops")
    corp = await corp_for(request)
    if request.content_type != "multipart/form-data":
        return error(422, "send the picture as multipart/form-data, field `file`")
    reader = await request.multipart()
    part = await reader.next()
    while part is not None and getattr(part, "name", None) != "file":
        part = await reader.next()
    if part is None:
        return error(422, "缺少图片文件（字段 file）")
    data = bytearray()
    while chunk := await part.read_chunk():  # type: ignore[union-attr]
        data.extend(chunk)
        if len(data) > MAX_UPLOAD:
            return error(413, "图片不能超过 2 MB")
    kind = media.image_kind(bytes(data))
    if kind is None:
        return error(422, "只支持 JPG 或 PNG 图片")
    client = request.config_dict[keys.CLIENTS].for_corp(corp)
    try:
        uploaded = await client.upload_image(f"quick-reply.{kind}", bytes(data))
    except errors.WeComError as exc:
        return error(502, f"上传到企业微信失败（错误码 {exc.errcode}）", errcode=exc.errcode)
    return ok({"url": uploaded.url}, status=201)


@API.route(
    "POST",
    "/api/v1/quick-replies",
    "Add an item",
    tag=TAG,
    body=ReplyIn,
    status=201,
)
async def create(request: web.Request) -> web.Response:
    require(request, "ops")
    corp = await corp_for(request)
    body = await parse(request, ReplyIn)
    if await _category(corp.id, body.category_id) is None:
        return error(422, "no such category")
    await refs.materials(corp, [body.material_id] if body.material_id else [])
    row = await QuickReply.create(corp_id=corp.id, extra=body.extra(), **body.columns())
    return ok(reply_out(row), status=201)


@API.route(
    "POST",
    "/api/v1/quick-replies/into-materials",
    "Move every text, picture and link 话术 into the 素材库; the 话术 then refers to it",
    tag=TAG,
)
async def into_materials(request: web.Request) -> web.Response:
    require(request, "ops")
    corp = await corp_for(request)
    return ok(await material_import.quick_replies(corp.id))


@API.route("GET", "/api/v1/quick-replies/{id}", "One item", tag=TAG)
async def get_one(request: web.Request) -> web.Response:
    _, row = await owned(request, QuickReply, "quick reply")
    return ok(reply_out(row))


@API.route("PUT", "/api/v1/quick-replies/{id}", "Edit an item", tag=TAG, body=ReplyIn)
async def update(request: web.Request) -> web.Response:
    require(request, "ops")
    corp, row = await owned(request, QuickReply, "quick reply")
    body = await parse(request, ReplyIn)
    if await _category(corp.id, body.category_id) is None:
        return error(422, "no such category")
    await refs.materials(corp, [body.material_id] if body.material_id else [])
    row.update_from_dict(body.columns())
    row.extra = {**row.extra, **body.extra()}
    await row.save()
    return ok(reply_out(row))


@API.route("DELETE", "/api/v1/quick-replies/{id}", "Delete an item", tag=TAG)
async def delete(request: web.Request) -> web.Response:
    require(request, "ops")
    _, row = await owned(request, QuickReply, "quick reply")
    await row.delete()
    return ok({"deleted": row.id})


@API.route(
    "POST",
    "/api/v1/quick-replies/{id}/move",
    "Move up or down its category",
    tag=TAG,
    body=categories.MoveIn,
)
async def move(request: web.Request) -> web.Response:
    require(request, "ops")
    corp, row = await owned(request, QuickReply, "quick reply")
    body = await parse(request, categories.MoveIn)
    siblings = QuickReply.filter(corp_id=corp.id, category_id=getattr(row, "category_id", 0))
    await categories.reorder(list(await siblings.order_by("sort", "id")), row.id, body.direction)
    return ok(reply_out(await QuickReply.get(id=row.id)))


@API.route(
    "POST",
    "/api/v1/quick-replies/{id}/use",
    "Insert into the chat: the sendChatMessage body (pictures get a media id); counts the use. "
    "`?external_userid=` names the customer in the chat (a 雷达 link of a material names them)",
    tag=TAG,
    also=(502,),
)
async def use(request: web.Request) -> web.Response:
    corp, row = await owned(request, QuickReply, "quick reply")
    message: dict[str, Any]
    if row.kind == "material":
        got = await _material_message(request, corp, row)
        if isinstance(got, web.Response):
            return got
        message = got
    elif row.kind == "text":
        message = {"msgtype": "text", "text": {"content": row.content}}
    elif row.kind == "link":
        news = {"link": row.url, "title": row.title, "desc": row.content}
        message = {"msgtype": "news", "news": {**news, "imgUrl": row.extra.get("img_url", "")}}
    else:
        client = request.config_dict[keys.CLIENTS].for_corp(corp)
        try:
            mediaid = await media.media_id(
                client, row, request.config_dict[keys.SETTINGS].fetch_allow_hosts
            )
        except media.MediaError as exc:
            return error(502, str(exc))
        except errors.WeComError as exc:
            return error(
                502, f"图片上传到企业微信失败（错误码 {exc.errcode}）", errcode=exc.errcode
            )
        message = {"msgtype": "image", "image": {"mediaid": mediaid}}
    await QuickReply.filter(id=row.id).update(uses=F("uses") + 1)
    return ok({"id": row.id, "uses": row.uses + 1, "message": message})


async def _material_message(
    request: web.Request, corp: Corp, row: QuickReply
) -> dict[str, Any] | web.Response:
    """The material the item refers to, as it is now (deleted since: a 404 with the reason)."""
    material = await Material.get_or_none(id=row.extra.get("material_id") or 0, corp_id=corp.id)
    if material is None:
        return error(404, "这条话术引用的素材已被删除")
    who, ext = actor(request), request.query.get("external_userid", "")[:64]
    sender = who.userid
    if ext:
        relations = await card.relations(corp.id, ext, who)
        if not relations:
            raise not_found("customer")
        sender = sender or relations[0].staff.userid
    got = await messages.chat_message(request, corp, material, sender, ext)
    if not isinstance(got, web.Response):
        await materials.count_use([material.id])
    return got
