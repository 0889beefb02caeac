"""Models of the customer and 「联系我」 contact-way APIs (wecom-reference.md §3.2–3.3)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from wecom.client.models.common import Cursor, Part, Request, Response


class FollowUserList(Response):
    follow_user: list[str] = []


class DepartmentUser(Part):
    userid: str
    name: str = ""
    department: list[int] = []


class DepartmentUsers(Response):
    userlist: list[DepartmentUser] = []


class Department(Part):
    """One department of department/list; third-party apps get no `name` (it stays "")."""

    id: int
    name: str = ""
    name_en: str = ""
    parentid: int = 0
    order: int = 0
    department_leader: list[str] = []


class Departments(Response):
    department: list[Department] = []


class ExternalContactIds(Response):
    external_userid: list[str] = []


class ExternalContact(Part):
    external_userid: str
    name: str = ""
    position: str | None = None
    avatar: str | None = None
    corp_name: str | None = None
    corp_full_name: str | None = None
    type: int = 1  # 1 WeChat user, 2 WeCom user
    gender: int = 0
    unionid: str | None = None


class FollowTag(Part):
    group_name: str = ""
    tag_name: str = ""
    type: int = 1
    tag_id: str | None = None


class FollowUser(Part):
    userid: str
    remark: str = ""
    description: str = ""
    createtime: int = 0
    tags: list[FollowTag] = []
    remark_mobiles: list[str] = []
    add_way: int = 0
    oper_userid: str | None = None
    state: str = ""


class ExternalContactDetail(Response, Cursor):
    external_contact: ExternalContact
    follow_user: list[FollowUser] = []


class BatchGetByUser(Request):
    userid_list: list[str] = Field(min_length=1, max_length=100)
    cursor: str | None = None
    limit: int = Field(default=50, ge=1, le=100)


class FollowInfo(Part):
    userid: str
    remark: str = ""
    description: str = ""
    createtime: int = 0
    tag_id: list[str] = []
    remark_mobiles: list[str] = []
    add_way: int = 0
    oper_userid: str | None = None
    state: str = ""


class ContactWithFollow(Part):
    external_contact: ExternalContact
    follow_info: FollowInfo


class BatchContacts(Response, Cursor):
    external_contact_list: list[ContactWithFollow] = []


class Remark(Request):
    userid: str
    external_userid: str
    remark: str | None = Field(default=None, max_length=20)
    description: str | None = Field(default=None, max_length=150)
    remark_company: str | None = Field(default=None, max_length=20)
    remark_mobiles: list[str] | None = None
    remark_pic_mediaid: str | None = None


class ContactWay(Request):
    """add_contact_way: a 渠道活码. `state` (≤ 30 chars) comes back in the add event."""

    type: Literal[1, 2]  # 1 single member, 2 several
    scene: Literal[1, 2]  # 1 mini-program, 2 QR code
    style: int | None = None
    remark: str | None = Field(default=None, max_length=30)
    skip_verify: bool = True
    state: str | None = Field(default=None, max_length=30)
    user: list[str] | None = None
    party: list[int] | None = None
    is_temp: bool | None = None
    expires_in: int | None = None
    chat_expires_in: int | None = None
    unionid: str | None = None


class ContactWayCreated(Response):
    config_id: str
    qr_code: str = ""


class ContactWayInfo(Part):
    config_id: str
    type: int = 0
    scene: int = 0
    remark: str = ""
    skip_verify: bool = True
    state: str = ""
    qr_code: str = ""
    user: list[str] = []
    party: list[int] = []


class ContactWayDetail(Response):
    contact_way: ContactWayInfo


class ContactWayUpdate(Request):
    config_id: str
    remark: str | None = Field(default=None, max_length=30)
    skip_verify: bool | None = None
    style: int | None = None
    state: str | None = Field(default=None, max_length=30)
    user: list[str] | None = None
    party: list[int] | None = None
    expires_in: int | None = None
    chat_expires_in: int | None = None
    unionid: str | None = None


class ContactWayList(Request):
    start_time: int | None = None
    end_time: int | None = None
    cursor: str | None = None
    limit: int = Field(default=100, ge=1, le=1000)


class ConfigId(Part):
    config_id: str


class ContactWays(Response, Cursor):
    contact_way: list[ConfigId] = []
