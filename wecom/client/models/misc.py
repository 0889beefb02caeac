"""Models of intercept rules, customer transfer, media and JS-SDK tickets (§3.7, §3.8, §3.10)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from wecom.client.models.common import Cursor, Part, Request, Response


class ApplicableRange(Request):
    user_list: list[str] | None = Field(default=None, max_length=1000)
    department_list: list[int] | None = Field(default=None, max_length=1000)


class InterceptRule(Request):
    rule_name: str = Field(min_length=1, max_length=20)
    word_list: list[str] = Field(min_length=1, max_length=300)
    semantics_list: list[Literal[1, 2, 3]] | None = None  # phone, email, red packet
    intercept_type: Literal[1, 2]  # 1 warn and block, 2 warn only
    applicable_range: ApplicableRange


class ExtraRule(Request):
    semantics_list: list[Literal[1, 2, 3]]


class InterceptRuleUpdate(Request):
    rule_id: str
    rule_name: str | None = Field(default=None, min_length=1, max_length=20)
    word_list: list[str] | None = Field(default=None, max_length=300)
    extra_rule: ExtraRule | None = None
    intercept_type: Literal[1, 2] | None = None
    add_applicable_range: ApplicableRange | None = None
    remove_applicable_range: ApplicableRange | None = None


class InterceptRuleCreated(Response):
    rule_id: str


class InterceptRuleBrief(Part):
    rule_id: str
    rule_name: str = ""
    create_time: int = 0


class InterceptRules(Response):
    rule_list: list[InterceptRuleBrief] = []


class InterceptRuleInfo(Part):
    rule_id: str
    rule_name: str = ""
    word_list: list[str] = []
    intercept_type: int = 0


class InterceptRuleDetail(Response):
    rule: InterceptRuleInfo


class Transfer(Request):
    handover_userid: str
    takeover_userid: str
    external_userid: list[str] = Field(min_length=1, max_length=100)
    transfer_success_msg: str | None = Field(default=None, max_length=200)


class ResignedTransfer(Request):
    handover_userid: str
    takeover_userid: str
    external_userid: list[str] = Field(min_length=1, max_length=100)


class TransferItem(Part):
    external_userid: str
    errcode: int = 0


class TransferStarted(Response):
    customer: list[TransferItem] = []


class TransferResultRequest(Request):
    handover_userid: str
    takeover_userid: str
    cursor: str | None = None


class TransferStatus(Part):
    external_userid: str
    status: int  # 1 done, 2 waiting, 3 refused, 4 takeover full, 5 no record
    takeover_time: int | None = None


class TransferResults(Response, Cursor):
    customer: list[TransferStatus] = []


class MediaUploaded(Response):
    type: str
    media_id: str
    created_at: int


class ImageUploaded(Response):
    url: str


class Ticket(Response):
    ticket: str
    expires_in: int = 7200


class OAuthUser(Response):
    """auth/getuserinfo: a member has `userid`; anyone else only `openid` (and maybe
    `external_userid`). `user_ticket` comes with scope snsapi_privateinfo only."""

    userid: str = ""
    user_ticket: str = ""
    openid: str = ""
    external_userid: str = ""
