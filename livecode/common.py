"""Shared by the live-code modules: errors for admins, the corp's clock, lookups."""

from __future__ import annotations

from datetime import UTC, datetime

from scrm.infra import clock
from scrm.models import Corp
from scrm.models.livecode import LiveCode, LiveCodeMember
from wecom import errors


class LiveCodeError(Exception):
    """WeCom refused a change; the message is for the admin who made it."""

    def __init__(self, message: str, errcode: int | None = None) -> None:
        super().__init__(message)
        self.errcode = errcode


_HINTS = {
    errors.PermissionDenied: "成员未开通客户联系、不在应用可见范围，或服务器IP不在企业可信IP中",
    errors.NotFound: "成员不存在或不在应用可见范围",
    errors.InvalidParameter: "参数不符合企业微信要求",
}


def _explain(exc: errors.WeComError) -> LiveCodeError:
    hint = next(
        (text for kind, text in _HINTS.items() if isinstance(exc, kind)), "企业微信拒绝了请求"
    )
    return LiveCodeError(f"{hint}（errcode {exc.errcode}: {exc.errmsg}）", exc.errcode)


def local_now(corp: Corp, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(clock.zone(corp.timezone))


async def find_by_state(corp: Corp, state: str) -> LiveCode | None:
    if not state:
        return None
    return await LiveCode.get_or_none(corp_id=corp.id, state=state, active=True)


async def members_of(code: LiveCode) -> list[LiveCodeMember]:
    return await LiveCodeMember.filter(code_id=code.id).order_by("id")
