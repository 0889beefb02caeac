"""Base classes of the typed request/response models, and shared message parts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Request(BaseModel):
    """A request body. Unknown fields are refused: a typo must fail here, not at WeCom."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def body(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, by_alias=True)


class Part(BaseModel):
    """A nested object in answers; new fields WeCom adds are kept, not refused."""

    model_config = ConfigDict(extra="allow")


class Response(Part):
    errcode: int = 0
    errmsg: str = "ok"


class Text(BaseModel):
    content: str


class Image(BaseModel):
    media_id: str | None = None
    pic_url: str | None = None


class Link(BaseModel):
    title: str = Field(max_length=128)
    url: str
    picurl: str | None = None
    desc: str | None = None


class MiniProgram(BaseModel):
    title: str
    pic_media_id: str
    appid: str
    page: str


class MediaRef(BaseModel):
    media_id: str


class Attachment(BaseModel):
    """One attachment of a welcome or mass message; exactly one body matches `msgtype`."""

    msgtype: Literal["image", "link", "miniprogram", "video", "file"]
    image: Image | None = None
    link: Link | None = None
    miniprogram: MiniProgram | None = None
    video: MediaRef | None = None
    file: MediaRef | None = None


class Cursor(Part):
    next_cursor: str = ""
