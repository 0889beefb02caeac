"""`/api/v1/tags`, `/api/v1/tag-groups`: corp tags, created and deleted in WeCom first."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel, Field, field_validator

from admin.api.auth import require
from admin.api.common import corp_for, error, not_found, ok, parse, path_id
from admin.api.openapi import API
from scrm.infra import keys
from scrm.infra.schemas import Strict
from scrm.models import Corp, Tag, TagGroup
from scrm.services import tags as mirror
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.tags import AddCorpTag, NewTag, TagGroupInfo

TAG = "settings"


class TagIn(Strict):
    """New tags in an existing group (`group_id`, our id) or in a group made by name."""

    group_id: int | None = None
    group_name: str = Field(default="", max_length=30)
    names: list[str] = Field(min_length=1, max_length=50)

    @field_validator("names")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        names = [n.strip() for n in value if n.strip()]
        if not names:
            raise ValueError("至少填写一个标签名")
        if any(len(n) > 30 for n in names):
            raise ValueError("标签名最多 30 个字")
        if len(set(names)) != len(names):
            raise ValueError("标签名重复")
        return names


class TagOut(BaseModel):
    id: int
    tag_id: str
    name: str
    order: int


class TagGroupOut(BaseModel):
    id: int
    group_id: str
    name: str
    order: int
    tags: list[TagOut]


def _wecom_error(exc: errors.WeComError) -> web.Response:
    if exc.errcode == errors.TAG_NAME_EXISTS:
        return error(409, "企业微信中已有同名标签", errcode=exc.errcode)
    if exc.errcode == errors.TAG_NOT_FOUND:
        return error(404, "企业微信中没有这个标签或标签组（可先点「从企业微信同步」）")
    return error(502, f"企业微信拒绝了请求：{exc.errmsg or exc}", errcode=exc.errcode)


async def groups_out(corp: Corp, only: list[int] | None = None) -> list[dict[str, Any]]:
    q = TagGroup.filter(corp_id=corp.id, deleted=False)
    if only is not None:
        q = q.filter(id__in=only)
    groups = await q.order_by("-order", "id")
    tags = await Tag.filter(
        corp_id=corp.id, deleted=False, group_id__in=[g.id for g in groups]
    ).order_by("-order", "id")
    by_group: dict[int, list[dict[str, Any]]] = {}
    for t in tags:
        by_group.setdefault(t.group_id, []).append(  # type: ignore[attr-defined]
            TagOut(id=t.id, tag_id=t.tag_id, name=t.name, order=t.order).model_dump()
        )
    return [
        TagGroupOut(
            id=g.id, group_id=g.group_id, name=g.name, order=g.order, tags=by_group.get(g.id, [])
        ).model_dump()
        for g in groups
    ]


def _snapshot(group: TagGroupInfo) -> mirror.GroupSnapshot:
    return mirror.GroupSnapshot(
        group.group_id,
        group.group_name,
        group.order,
        [mirror.TagSnapshot(t.id, t.name, t.order) for t in group.tag if not t.deleted],
    )


async def _refresh_group(corp: Corp, client: WeComClient, group_id: str) -> TagGroup:
    # add_corp_tag answers only the new tags: mirror the whole group, or the others look deleted.
    listed = await client.get_corp_tags(group_ids=[group_id])
    await mirror.upsert_groups(corp, [_snapshot(g) for g in listed.tag_group])
    return await TagGroup.get(corp_id=corp.id, group_id=group_id)


@API.route(
    "GET", "/api/v1/tags", "Tag groups with their tags", tag=TAG, response=TagGroupOut, many=True
)
async def list_tags(request: web.Request) -> web.Response:
    # Every role reads tag names: customer filters and the sidebar need them; nothing is private.
    return ok(await groups_out(await corp_for(request)))


@API.route(
    "POST",
    "/api/v1/tags",
    "Create tags in WeCom and here",
    tag=TAG,
    body=TagIn,
    response=TagGroupOut,
    status=201,
    also=(502,),
)
async def add_tags(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    body = await parse(request, TagIn)
    new_tags = [NewTag(name=n) for n in body.names]
    if body.group_id is not None:
        group = await TagGroup.get_or_none(id=body.group_id, corp_id=corp.id, deleted=False)
        if group is None:
            return error(404, "没有这个标签组")
        req = AddCorpTag(group_id=group.group_id, tag=new_tags)
    elif body.group_name.strip():
        req = AddCorpTag(group_name=body.group_name.strip(), tag=new_tags)
    else:
        return error(422, "选择一个标签组，或填写新标签组的名称")
    client = request.config_dict[keys.CLIENTS].for_corp(corp)
    try:
        added = await client.add_corp_tag(req)
        group = await _refresh_group(corp, client, added.tag_group.group_id)
    except errors.WeComError as exc:
        return _wecom_error(exc)
    return ok((await groups_out(corp, [group.id]))[0], status=201)


@API.route(
    "POST",
    "/api/v1/tags/sync",
    "Mirror every tag from WeCom",
    tag=TAG,
    also=(502,),
)
async def sync_tags(request: web.Request) -> web.Response:
    require(request, "admin")
    corp = await corp_for(request)
    try:
        listed = await request.config_dict[keys.CLIENTS].for_corp(corp).get_corp_tags()
    except errors.WeComError as exc:
        return _wecom_error(exc)
    groups = [g for g in listed.tag_group if not g.deleted]
    written = await mirror.upsert_groups(corp, [_snapshot(g) for g in groups])
    await mirror.mark_all_missing_deleted(corp, [g.group_id for g in groups])
    return ok({"groups": len(groups), "tags": written})


async def _tag(request: web.Request) -> tuple[Corp, Tag]:
    corp = await corp_for(request)
    tag = await Tag.get_or_none(id=path_id(request, "tag"), corp_id=corp.id, deleted=False)
    if tag is None:
        raise not_found("tag")
    return corp, tag


async def _group(request: web.Request) -> tuple[Corp, TagGroup]:
    corp = await corp_for(request)
    group = await TagGroup.get_or_none(
        id=path_id(request, "tag group"), corp_id=corp.id, deleted=False
    )
    if group is None:
        raise not_found("tag group")
    return corp, group


@API.route("GET", "/api/v1/tags/{id}", "One tag", tag=TAG, response=TagOut)
async def get_tag(request: web.Request) -> web.Response:
    _, tag = await _tag(request)
    return ok(TagOut(id=tag.id, tag_id=tag.tag_id, name=tag.name, order=tag.order).model_dump())


@API.route(
    "DELETE",
    "/api/v1/tags/{id}",
    "Delete a tag in WeCom and here",
    tag=TAG,
    also=(502,),
)
async def delete_tag(request: web.Request) -> web.Response:
    require(request, "admin")
    corp, tag = await _tag(request)
    try:
        await request.config_dict[keys.CLIENTS].for_corp(corp).del_corp_tag(tag_ids=[tag.tag_id])
    except errors.WeComError as exc:
        if exc.errcode != errors.TAG_NOT_FOUND:  # already gone there: just catch up here
            return _wecom_error(exc)
    await mirror.mark_deleted(corp, tag.tag_id, is_group=False)
    group_id = tag.group_id  # type: ignore[attr-defined]
    # WeCom removes a group with its last tag; mirror that rather than show an empty group.
    if group_id and not await Tag.exists(group_id=group_id, deleted=False):
        await TagGroup.filter(id=group_id).update(deleted=True)
    return ok({"deleted": tag.id})


@API.route("GET", "/api/v1/tag-groups/{id}", "One tag group", tag=TAG, response=TagGroupOut)
async def get_group(request: web.Request) -> web.Response:
    corp, group = await _group(request)
    return ok((await groups_out(corp, [group.id]))[0])


@API.route(
    "DELETE",
    "/api/v1/tag-groups/{id}",
    "Delete a group and its tags",
    tag=TAG,
    also=(502,),
)
async def delete_group(request: web.Request) -> web.Response:
    require(request, "admin")
    corp, group = await _group(request)
    try:
        await (
            request.config_dict[keys.CLIENTS]
            .for_corp(corp)
            .del_corp_tag(group_ids=[group.group_id])
        )
    except errors.WeComError as exc:
        if exc.errcode != errors.TAG_NOT_FOUND:
            return _wecom_error(exc)
    await mirror.mark_deleted(corp, group.group_id, is_group=True)
    return ok({"deleted": group.id})
