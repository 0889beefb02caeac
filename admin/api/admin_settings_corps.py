"""`/api/v1/corps`: the WeCom corps this deployment serves; secrets are write-only.

A person's login sees and edits only its own corp; only the bootstrap token spans corps and
adds new ones. `api_base` is a deployment setting (SCRM_WECOM_API_BASE), never an HTTP input:
whoever could change it would receive the corp's access token and secret."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from redis.exceptions import RedisError

from admin.api.auth import actor, require
from admin.api.common import error, not_found, ok, parse, path_id, touched
from admin.api.openapi import API
from scrm.infra import keys
from scrm.infra.job_names import CORP_SYNC, first_sync_job_id
from scrm.infra.logging import get_logger
from scrm.infra.schemas import Strict
from scrm.models import Corp
from wecom.crypto import aes_key_from_encoding_key

TAG = "settings"
log = get_logger("admin.api.corps")
SECRET_FIELDS = ("token", "aes_key", "secret")
CORP_ID = r"^w[wx][0-9A-Za-z]{16}$"  # WeCom corp ids: "ww" (or legacy "wx") and 16 characters
API_BASE_REFUSED = "api_base 是部署配置（SCRM_WECOM_API_BASE），不能通过接口修改"


class CorpUpdate(Strict):
    """An edit; a secret left out or empty keeps the stored one (the page never has it)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    corp_id: str | None = Field(default=None, pattern=CORP_ID)
    name: str | None = Field(default=None, max_length=128)
    agent_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    token: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{1,32}$|^$")
    aes_key: str | None = Field(default=None, description="EncodingAESKey, 43 characters")
    secret: str | None = Field(default=None, max_length=256)
    timezone: str | None = None
    active: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_api_base(cls, data: Any) -> Any:
        # Refused by name, not as a mere unknown field: say where it is set instead.
        if isinstance(data, dict) and "api_base" in data:
            raise ValueError(API_BASE_REFUSED)
        return data

    @field_validator("aes_key")
    @classmethod
    def _aes_key(cls, value: str | None) -> str | None:
        if value:
            if len(value) != 43 or not value.isalnum() or not value.isascii():
                raise ValueError("EncodingAESKey 必须是 43 位字母或数字")
            aes_key_from_encoding_key(value)
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"未知时区 {value}") from exc
        return value

    def changes(self) -> dict[str, Any]:
        """Only what was given: empty secrets mean "keep"."""
        data = {k: v for k, v in self.model_dump(exclude_none=True).items() if k != "corp_id"}
        for name in SECRET_FIELDS:
            if data.get(name) == "":
                del data[name]
        return data


class CorpIn(CorpUpdate):
    corp_id: str = Field(pattern=CORP_ID)
    agent_id: int = Field(ge=1, le=2**31 - 1)
    token: str = Field(pattern=r"^[A-Za-z0-9]{1,32}$")
    aes_key: str = Field(min_length=43, max_length=43)
    secret: str = Field(min_length=1, max_length=256)


class CorpOut(BaseModel):
    id: int
    corp_id: str
    name: str
    agent_id: int
    api_base: str
    timezone: str
    active: bool
    token_set: bool
    aes_key_set: bool
    secret_set: bool
    callback_path: str = Field(description="append to the public URL for WeCom's callback")


def corp_out(corp: Corp) -> dict[str, Any]:
    # Nothing from request.app here: the audit log calls the GET route with a bare probe.
    return CorpOut(
        id=corp.id,
        corp_id=corp.corp_id,
        name=corp.name,
        agent_id=corp.agent_id,
        api_base=corp.api_base,
        timezone=corp.timezone,
        active=corp.active,
        token_set=bool(corp.token),
        aes_key_set=bool(corp.aes_key),
        secret_set=bool(corp.secret),
        callback_path=f"/wecom/callback/{corp.corp_id}",
    ).model_dump()


def _forget(request: web.Request, corp_id: str) -> None:
    # New credentials must reach the callback crypto and the API client at once.
    request.config_dict[keys.CORPS].forget(corp_id)
    request.config_dict[keys.CLIENTS].forget(corp_id)


@API.route(
    "GET", "/api/v1/corps", "Corps (secrets never returned)", tag=TAG, response=CorpOut, many=True
)
async def list_corps(request: web.Request) -> web.Response:
    require(request, "admin")
    return ok([corp_out(c) for c in await visible_corps(request)])


async def visible_corps(request: web.Request) -> list[Corp]:
    """A person's own corp; every corp for the bootstrap token (the pages use this too)."""
    bound = actor(request).corp_pk
    return await Corp.filter(**({"id": bound} if bound is not None else {})).order_by("id")


async def _corp(request: web.Request) -> Corp:
    require(request, "admin")
    wanted, bound = path_id(request, "corp"), actor(request).corp_pk
    # Another corp looks like one that does not exist: ids are not for probing.
    corp = await Corp.get_or_none(id=wanted) if bound in (None, wanted) else None
    if corp is None:
        raise not_found("corp")
    touched(request, corp)
    return corp


@API.route("GET", "/api/v1/corps/{id}", "One corp", tag=TAG, response=CorpOut)
async def get_corp(request: web.Request) -> web.Response:
    return ok(corp_out(await _corp(request)))


@API.route(
    "POST",
    "/api/v1/corps",
    "Add a corp",
    tag=TAG,
    body=CorpIn,
    response=CorpOut,
    status=201,
    also=(409,),
)
async def add_corp(request: web.Request) -> web.Response:
    require(request, "admin")
    if actor(request).corp_pk is not None:
        return error(
            403, "接入新企业需要部署的引导令牌（SCRM_ADMIN_TOKEN），企业管理员只能管理本企业"
        )
    body = await parse(request, CorpIn)
    if await Corp.exists(corp_id=body.corp_id):
        return error(409, f"企业 {body.corp_id} 已存在")
    api_base = request.config_dict[keys.SETTINGS].wecom_api_base.rstrip("/")
    corp = await Corp.create(corp_id=body.corp_id, api_base=api_base, **body.changes())
    touched(request, corp)
    _forget(request, corp.corp_id)
    try:  # a new corp's first full sync; if Redis is away, the worker's start-up queues it
        await request.config_dict[keys.ARQ].enqueue_job(
            CORP_SYNC, corp.id, "first", _job_id=first_sync_job_id(corp.id)
        )
    except (RedisError, OSError):
        log.warning("corps.first_sync_not_queued", corp_id=corp.corp_id)
    return ok(corp_out(corp), status=201)


@API.route("PUT", "/api/v1/corps/{id}", "Edit a corp", tag=TAG, body=CorpUpdate, response=CorpOut)
async def update_corp(request: web.Request) -> web.Response:
    corp = await _corp(request)
    body = await parse(request, CorpUpdate)
    if body.corp_id and body.corp_id != corp.corp_id:
        return error(422, "corp_id 不能修改（回调地址和所有数据都挂在它上面）")
    changes = body.changes()
    if changes:
        await corp.update_from_dict(changes).save()
        _forget(request, corp.corp_id)
    return ok(corp_out(corp))
