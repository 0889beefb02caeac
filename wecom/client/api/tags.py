"""Corp tags and tagging customers."""

from __future__ import annotations

from wecom.client.core import WeComCore
from wecom.client.models import tags as m
from wecom.client.models.common import Response


class TagsAPI(WeComCore):
    async def get_corp_tags(
        self, tag_ids: list[str] | None = None, group_ids: list[str] | None = None
    ) -> m.CorpTags:
        req = m.TagFilter(tag_id=tag_ids, group_id=group_ids)
        return await self.post("externalcontact/get_corp_tag_list", req, m.CorpTags)

    async def add_corp_tag(self, req: m.AddCorpTag) -> m.CorpTagAdded:
        return await self.post("externalcontact/add_corp_tag", req, m.CorpTagAdded)

    async def edit_corp_tag(self, req: m.EditCorpTag) -> Response:
        return await self.post("externalcontact/edit_corp_tag", req, Response)

    async def del_corp_tag(
        self, tag_ids: list[str] | None = None, group_ids: list[str] | None = None
    ) -> Response:
        if not tag_ids and not group_ids:
            raise ValueError("del_corp_tag needs tag_ids or group_ids")
        req = m.TagFilter(tag_id=tag_ids, group_id=group_ids)
        return await self.post("externalcontact/del_corp_tag", req, Response)

    async def mark_tag(self, req: m.MarkTag) -> Response:
        return await self.post("externalcontact/mark_tag", req, Response)
