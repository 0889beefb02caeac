# ruff: noqa: F401, F811  (the `linked` fixture is imported, then requested by name)
"""Finding 12: a password reset ends sessions, bootstrap-token writes are audited under the
corp they touched, staff read no live codes, an OAuth sign-in takes the least-privileged
login, and GET URL verification obeys the timestamp window."""

from __future__ import annotations

import re
import time

from aiohttp.test_utils import TestClient
from yarl import URL

from admin.api.accounts import create_user
from bot.app import create_app
from scrm.infra import keys
from scrm.models import AdminUser, AuditLog
from scrm.models.livecode import LiveCode
from tests.conftest import CORP_ID
from tests.security._authz_helpers import (
    AUTH,
    Linked,
    bearer,
    call,
    home_corp,
    linked,
    second_corp,
)
from wecom.crypto import WeComCrypto

PASSWORD = "Secret-pass-1"


async def _login(client: TestClient, username: str, password: str = PASSWORD) -> int:
    page = await (await client.get("/admin/login")).text()
    token = re.search(r'name="_csrf" value="([^"]+)"', page)
    assert token
    form = {"username": username, "password": password, "_csrf": token.group(1), "next": "/admin/"}
    return (await client.post("/admin/login", data=form, allow_redirects=False)).status


async def test_a_password_reset_ends_that_users_sessions(linked: Linked, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    corp = await home_corp()
    user = await create_user(corp.id, "ops1", PASSWORD, "ops")
    await create_user(corp.id, "ops2", PASSWORD, "ops")
    thief, other = linked.bot, await aiohttp_client(linked.bot.server)
    assert await _login(thief, "ops1") == 302 and await _login(other, "ops2") == 302
    assert (await thief.get("/api/v1/livecodes")).status == 200
    status, _ = await call(
        linked,
        "POST",
        f"/api/v1/admin-users/{user.id}/password",
        AUTH,
        {"password": "New-pass-22"},
    )
    assert status == 200
    assert (await thief.get("/api/v1/livecodes")).status == 401  # the stolen session is over
    assert (await other.get("/api/v1/livecodes")).status == 200  # nobody else's
    assert await _login(thief, "ops1", "New-pass-22") == 302  # a new login works at once
    assert (await thief.get("/api/v1/livecodes")).status == 200


async def test_bootstrap_writes_are_audited_under_the_corp_they_touched(linked: Linked) -> None:
    one, two = await home_corp(), await second_corp()
    campaign = {"name": "双十一", "cost": 100}
    path = f"/api/v1/campaigns?corp_id={two.corp_id}"
    assert (await call(linked, "POST", path, AUTH, campaign))[0] == 201
    await two.update_from_dict({"active": False}).save()  # even once it is switched off
    status, _ = await call(linked, "PUT", f"/api/v1/corps/{two.id}", AUTH, {"name": "停用的"})
    assert status == 200
    status, _ = await call(linked, "PUT", f"/api/v1/corps/{one.id}", AUTH, {"name": "总部"})
    assert status == 200
    rows = await AuditLog.all().order_by("id")
    assert [(r.corp_id, r.object_type) for r in rows] == [  # type: ignore[attr-defined]
        (two.id, "campaigns"),
        (two.id, "corps"),
        (one.id, "corps"),
    ]


async def test_staff_read_no_live_codes_through_the_api(linked: Linked) -> None:
    corp = await home_corp()
    code = await LiveCode.create(corp_id=corp.id, name="门店", state="lc-1")
    staff = await bearer(corp, "staff", "zhangsan")
    manager = await bearer(corp, "manager", "lisi", ["wangwu"])
    ops = await bearer(corp, "ops", "")
    for path in (
        "/api/v1/livecodes",
        f"/api/v1/livecodes/{code.id}",
        f"/api/v1/livecodes/{code.id}/stats",
        f"/api/v1/livecodes/{code.id}/qr.svg",
        "/api/v1/group-livecodes",
    ):
        for who in (staff, manager):
            assert (await call(linked, "GET", path, who))[0] == 403, path
    assert (await call(linked, "GET", "/api/v1/livecodes", ops))[0] == 200
    assert (await call(linked, "GET", f"/api/v1/livecodes/{code.id}/stats", ops))[0] == 200


async def _oauth(linked: Linked, userid: str) -> int:
    bot = linked.bot
    linked.bot.app[keys.SETTINGS].wecom_oauth_base = linked.sandbox.url
    first = await bot.get("/sidebar/oauth?next=/sidebar/", allow_redirects=False)
    target = URL(first.headers["Location"].split("#")[0]).update_query(userid=userid)
    async with linked.sandbox.http.get(target, allow_redirects=False) as r:
        back = URL(r.headers["Location"])
    return (await bot.get(back.path_qs, allow_redirects=False)).status


async def test_an_oauth_sign_in_takes_the_least_privileged_login(linked: Linked) -> None:
    corp = await home_corp()
    # Made first, so "whichever comes first" would be the admin one.
    await create_user(corp.id, "z-admin", PASSWORD, "admin", userid="zhangsan")
    await create_user(corp.id, "z-staff", PASSWORD, "staff", userid="zhangsan")
    await create_user(corp.id, "z-manager", PASSWORD, "manager", userid="zhangsan", team=["lisi"])
    assert await _oauth(linked, "zhangsan") == 302
    assert (await linked.bot.get("/api/v1/corps")).status == 403
    assert (await linked.bot.get("/api/v1/livecodes")).status == 403
    # Without the staff login the next least is the manager's.
    await AdminUser.filter(username="z-staff").update(active=False)
    assert await _oauth(linked, "zhangsan") == 302
    assert (await linked.bot.get("/api/v1/reports/pipeline")).status == 200
    assert (await linked.bot.get("/api/v1/corps")).status == 403


async def test_get_url_verification_obeys_the_timestamp_window(
    linked: Linked, aiohttp_client
) -> None:  # type: ignore[no-untyped-def]
    settings = linked.settings.model_copy(update={"callback_max_skew_seconds": 300})
    client = await aiohttp_client(create_app(settings, run_sweeper=False))
    crypto = WeComCrypto(
        linked.settings.wecom_token.get_secret_value(),
        linked.settings.wecom_aes_key.get_secret_value(),
        CORP_ID,
    )

    async def verify(timestamp: int, to: TestClient = client) -> tuple[int, str]:
        echostr = crypto.encrypt(b"1616140317555161061")
        params = {
            "msg_signature": crypto.signature(str(timestamp), "nonce1", echostr),
            "timestamp": str(timestamp),
            "nonce": "nonce1",
            "echostr": echostr,
        }
        resp = await to.get(f"/wecom/callback/{CORP_ID}", params=params)
        return resp.status, await resp.text()

    assert await verify(int(time.time()) - 3600) == (403, "stale_timestamp")  # a replay
    assert await verify(int(time.time()) + 3600) == (403, "stale_timestamp")
    assert await verify(int(time.time()) - 60) == (200, "1616140317555161061")
    # 0 turns the window off (as the test settings do): an old timestamp is then accepted.
    assert linked.settings.callback_max_skew_seconds == 0
    assert await verify(int(time.time()) - 86_400, linked.bot) == (200, "1616140317555161061")
