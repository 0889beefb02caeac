"""Shared pieces of the tenant-isolation and role tests: a second corp, people's tokens, calls."""

from __future__ import annotations

from typing import Any

from admin.api.auth import hash_token, new_token
from scrm.models import ApiToken, Corp, Staff
from tests.conftest import AES_KEY
from tests.livecode.conftest import AUTH, Linked, linked

OTHER_CORP = "ww00000000000000b2"


async def home_corp() -> Corp:
    from tests.conftest import CORP_ID

    return await Corp.get(corp_id=CORP_ID)


async def second_corp() -> Corp:
    """Another tenant on the same deployment, with a member of its own."""
    corp = await Corp.create(
        corp_id=OTHER_CORP, name="二号企业", token="tok2", aes_key=AES_KEY, secret="s2", agent_id=2
    )
    await Staff.create(corp_id=corp.id, userid="admin2", name="二号管理员")
    return corp


async def bearer(
    corp: Corp, role: str, userid: str = "", team: list[str] | None = None
) -> dict[str, str]:
    """A person's API token bound to `corp` (made directly: the issuing route is scoped too)."""
    token = new_token()
    await ApiToken.create(
        corp_id=corp.id,
        name=f"{role}-{userid}",
        token_hash=hash_token(token),
        role=role,
        userid=userid,
        team=team or [],
    )
    return {"Authorization": f"Bearer {token}"}


async def call(
    linked: Linked, method: str, path: str, headers: dict[str, str], json: Any = None
) -> tuple[int, Any]:
    resp = await linked.bot.request(method, path, json=json, headers=headers)
    try:
        body = await resp.json(content_type=None)
    except ValueError:
        body = await resp.text()
    return resp.status, body


__all__ = ["AUTH", "Linked", "bearer", "call", "home_corp", "linked", "second_corp"]
