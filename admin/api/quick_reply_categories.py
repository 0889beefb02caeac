"""`/api/v1/quick-replies/categories`: the 话术库's categories, in the order staff see them."""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web
from pydantic import ConfigDict, Field
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from admin.api.auth import require
from admin.api.common import corp_for, error, ok, owned, parse
from admin.api.openapi import API
from scrm.infra.schemas import Strict
from scrm.models import QuickReply, QuickReplyCategory

TAG = "quick-replies"
STEP = 10  # sort values are renumbered 10, 20, 30… so a hand-typed one fits between


class CategoryIn(Strict):
    model_config = ConfigDict(str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=64)
    sort: int = Field(default=0, ge=-1_000_000, le=1_000_000)


class MoveIn(Strict):
    direction: Literal["up", "down"]


def category_out(c: QuickReplyCategory) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "sort": c.sort}


async def reorder(rows: list[Any], moving: int, direction: str) -> None:
    """Swap `moving` with its neighbour in `rows` (already in display order), renumbering all.
    `rows` are categories or the items of one category: both have `sort`."""
    order = list(rows)
    at = next(i for i, r in enumerate(order) if r.id == moving)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(order):
        order[at], order[to] = order[to], order[at]
    async with in_transaction():
        for i, row in enumerate(order, start=1):
            if row.sort != i * STEP:
                row.sort = i * STEP
                await row.save(update_fields=["sort", "updated_at"])


def _taken(name: str) -> web.Response:
    return error(409, f"已有同名分类「{name}」")


@API.route(
    "POST",
    "/api/v1/quick-replies/categories",
    "Add a category",
    tag=TAG,
    body=CategoryIn,
    status=201,
    also=(409,),
)
async def create(request: web.Request) -> web.Response:
    require(request, "ops")
    corp = await corp_for(request)
    body = await parse(request, CategoryIn)
    if await QuickReplyCategory.exists(corp_id=corp.id, name=body.name):
        return _taken(body.name)
    try:
        row = await QuickReplyCategory.create(corp_id=corp.id, **body.model_dump())
    except IntegrityError:  # the same name added at the same moment
        return _taken(body.name)
    return ok(category_out(row), status=201)


@API.route("GET", "/api/v1/quick-replies/categories/{id}", "One category", tag=TAG)
async def get_one(request: web.Request) -> web.Response:
    _, row = await owned(request, QuickReplyCategory, "category")
    count = await QuickReply.filter(category_id=row.id).count()
    return ok({**category_out(row), "items": count})


@API.route(
    "PUT", "/api/v1/quick-replies/categories/{id}", "Rename or re-sort", tag=TAG, body=CategoryIn
)
async def update(request: web.Request) -> web.Response:
    require(request, "ops")
    corp, row = await owned(request, QuickReplyCategory, "category")
    body = await parse(request, CategoryIn)
    clash = QuickReplyCategory.filter(corp_id=corp.id, name=body.name).exclude(id=row.id)
    if await clash.exists():
        return _taken(body.name)
    row.name, row.sort = body.name, body.sort
    try:
        await row.save(update_fields=["name", "sort", "updated_at"])
    except IntegrityError:
        return _taken(body.name)
    return ok(category_out(row))


@API.route("DELETE", "/api/v1/quick-replies/categories/{id}", "Delete it and its items", tag=TAG)
async def delete(request: web.Request) -> web.Response:
    require(request, "ops")
    _, row = await owned(request, QuickReplyCategory, "category")
    items = await QuickReply.filter(category_id=row.id).count()
    await row.delete()  # items go with it (on_delete CASCADE)
    return ok({"deleted": row.id, "items_deleted": items})


@API.route(
    "POST",
    "/api/v1/quick-replies/categories/{id}/move",
    "Move up or down",
    tag=TAG,
    body=MoveIn,
)
async def move(request: web.Request) -> web.Response:
    require(request, "ops")
    corp, row = await owned(request, QuickReplyCategory, "category")
    body = await parse(request, MoveIn)
    rows = await QuickReplyCategory.filter(corp_id=corp.id).order_by("sort", "id")
    await reorder(list(rows), row.id, body.direction)
    return ok(category_out(await QuickReplyCategory.get(id=row.id)))
