"""Models of the corp-tag and mark_tag APIs (wecom-reference.md §3.4)."""

from __future__ import annotations

from pydantic import Field, model_validator

from wecom.client.models.common import Part, Request, Response


class TagInfo(Part):
    id: str
    name: str
    create_time: int = 0
    order: int = 0
    deleted: bool = False


class TagGroupInfo(Part):
    group_id: str
    group_name: str
    create_time: int = 0
    order: int = 0
    deleted: bool = False
    tag: list[TagInfo] = []


class CorpTags(Response):
    tag_group: list[TagGroupInfo] = []


class TagFilter(Request):
    tag_id: list[str] | None = None
    group_id: list[str] | None = None


class NewTag(Request):
    name: str = Field(min_length=1, max_length=30)
    order: int | None = None


class AddCorpTag(Request):
    group_id: str | None = None
    group_name: str | None = Field(default=None, max_length=30)
    order: int | None = None
    tag: list[NewTag] = Field(min_length=1)

    @model_validator(mode="after")
    def _group_named(self) -> AddCorpTag:
        if not self.group_id and not self.group_name:
            raise ValueError("add_corp_tag needs group_id or group_name")
        return self


class CorpTagAdded(Response):
    tag_group: TagGroupInfo


class EditCorpTag(Request):
    id: str
    name: str | None = Field(default=None, max_length=30)
    order: int | None = None


class MarkTag(Request):
    userid: str
    external_userid: str
    add_tag: list[str] = []
    remove_tag: list[str] = []

    @model_validator(mode="after")
    def _not_empty(self) -> MarkTag:
        if not self.add_tag and not self.remove_tag:
            raise ValueError("mark_tag needs add_tag or remove_tag")
        return self
