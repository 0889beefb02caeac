"""Models of the unassigned list and group hand-overs (wecom-reference.md §3.5, §3.8)."""

from __future__ import annotations

from pydantic import Field

from wecom.client.models.common import Part, Request, Response


class UnassignedRequest(Request):
    page_size: int = Field(default=1000, ge=1, le=1000)
    cursor: str | None = None


class UnassignedItem(Part):
    handover_userid: str
    external_userid: str
    dimission_time: int = 0


class Unassigned(Response):
    info: list[UnassignedItem] = []
    is_last: bool = True
    next_cursor: str = ""


class GroupTransfer(Request):
    chat_id_list: list[str] = Field(min_length=1, max_length=100)
    new_owner: str


class FailedChat(Part):
    chat_id: str
    errcode: int
    errmsg: str = ""


class GroupTransferResult(Response):
    failed_chat_list: list[FailedChat] = []
