# ruff: noqa: F401, F811  (the `linked` fixture is imported, then requested by name)
"""Finding 4: parallel wrong passwords lock the account (the counter is atomic), and
POST /admin/login is rate limited per address and per account (429, in Chinese)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

from aiohttp.test_utils import TestClient

from admin.api.accounts import authenticate, create_user
from admin.web import login_limit
from scrm.infra import keys
from scrm.models import AdminUser
from tests.security._authz_helpers import Linked, home_corp, linked

PASSWORD = "Secret-pass-1"


async def _csrf(client: TestClient) -> str:
    page = await (await client.get("/admin/login")).text()
    found = re.search(r'name="_csrf" value="([^"]+)"', page)
    assert found, page[:300]
    return found.group(1)


async def _post(client: TestClient, token: str, username: str, password: str) -> tuple[int, str]:
    form = {"username": username, "password": password, "_csrf": token, "next": "/admin/"}
    resp = await client.post("/admin/login", data=form, allow_redirects=False)
    return resp.status, await resp.text()


async def test_forty_parallel_wrong_passwords_lock_the_account(linked: Linked) -> None:
    corp = await home_corp()
    await create_user(corp.id, "boss", PASSWORD, "admin")
    results = await asyncio.gather(*(authenticate("boss", f"wrong-{i}") for i in range(40)))
    assert all(isinstance(r, str) for r in results)
    user = await AdminUser.get(username="boss")
    assert user.locked_until is not None and user.locked_until > datetime.now(UTC)
    assert await authenticate("boss", PASSWORD) == "账号已被锁定，请 15 分钟后再试"


async def test_parallel_guesses_over_http_meet_the_limit_then_the_lock(linked: Linked) -> None:
    corp = await home_corp()
    await create_user(corp.id, "boss", PASSWORD, "admin")
    client = linked.bot
    token = await _csrf(client)
    answers = await asyncio.gather(*(_post(client, token, "boss", f"x-{i}") for i in range(40)))
    statuses = [status for status, _ in answers]
    # Ten per account per minute reach the password check; the rest are turned away.
    assert statuses.count(429) == 30 and statuses.count(401) == 10, statuses
    assert any("登录尝试过于频繁" in text for status, text in answers if status == 429)
    assert (await AdminUser.get(username="boss")).locked_until is not None
    status, text = await _post(client, token, "boss", PASSWORD)
    assert status == 429 and "登录尝试过于频繁" in text
    redis = linked.bot.app[keys.ARQ]  # the minute passes: the lock still holds
    await redis.delete(*[k async for k in redis.scan_iter(f"{login_limit.PREFIX}:*")])
    status, text = await _post(client, token, "boss", PASSWORD)
    assert status == 401 and "账号已被锁定" in text
    home = await client.get("/admin/", allow_redirects=False)
    assert home.status == 302 and home.headers["Location"].startswith("/admin/login")


async def test_the_limit_is_per_address_too(linked: Linked) -> None:
    corp = await home_corp()
    await create_user(corp.id, "boss", PASSWORD, "admin")
    client = linked.bot
    token = await _csrf(client)
    # Thirty attempts across many names from one address, then even the right one waits.
    for i in range(30):
        assert (await _post(client, token, f"nobody{i}", "x"))[0] == 401
    status, text = await _post(client, token, "boss", PASSWORD)
    assert status == 429 and "登录尝试过于频繁" in text
    assert (await AdminUser.get(username="boss")).last_login_at is None
