"""Admin logins without a browser: sessions, CSRF, lock-out, roles and the audit of writes."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

from admin.api.accounts import AccountError, create_user
from admin.api.passwords import hash_password, verify_password
from scrm.models import AdminUser, AuditLog, Corp
from tests.admin.conftest import Linked
from tests.conftest import CORP_ID

PASSWORD = "Secret-pass-1"


async def _user(username: str, role: str, userid: str = "", team: list[str] | None = None) -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    await create_user(corp.id, username, PASSWORD, role, userid=userid, team=team or [])


async def _csrf(client: TestClient, path: str = "/admin/login") -> str:
    page = await (await client.get(path)).text()
    found = re.search(r'name="_csrf" value="([^"]+)"', page) or re.search(
        r'name="csrf-token" content="([^"]+)"', page
    )
    assert found, page[:300]
    return found.group(1)


async def _login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    token = await _csrf(client)
    form = {"username": username, "password": password, "_csrf": token, "next": "/admin/"}
    return await client.post("/admin/login", data=form, allow_redirects=False)


def test_passwords_are_salted_scrypt_and_verify() -> None:
    one, two = hash_password("abc12345"), hash_password("abc12345")
    assert one != two and one.startswith("scrypt$")
    assert verify_password("abc12345", one) and not verify_password("abc12346", one)
    assert not verify_password("abc12345", "garbage")


async def test_weak_or_unbound_accounts_are_refused(linked: Linked) -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    for args, message in (
        (("u1", "short1", "admin"), "至少"),
        (("u1", "onlyletters", "admin"), "字母和数字"),
        (("u1", PASSWORD, "staff"), "userid"),
        (("u1", PASSWORD, "king"), "未知角色"),
    ):
        try:
            await create_user(corp.id, *args)
        except AccountError as exc:
            assert message in str(exc)
        else:
            raise AssertionError(f"{args} was accepted")


async def test_login_needs_the_csrf_token_and_then_the_session_reaches_the_api(
    linked: Linked,
) -> None:
    client = linked.bot
    await _user("ops1", "ops")
    refused = await client.post(
        "/admin/login", data={"username": "ops1", "password": PASSWORD}, allow_redirects=False
    )
    assert refused.status == 403
    assert (await client.get("/api/v1/livecodes")).status == 401  # no session yet
    await client.get("/admin/login")  # an anonymous session: it carries the login's token
    before = client.session.cookie_jar.filter_cookies(client.make_url("/"))["scrm_session"].value
    done = await _login(client, "ops1")
    assert done.status == 302 and done.headers["Location"] == "/admin/"
    after = client.session.cookie_jar.filter_cookies(client.make_url("/"))["scrm_session"].value
    assert before and after and before != after  # a new session id: no fixation
    assert (await client.get("/api/v1/livecodes")).status == 200  # the cookie is enough to read
    # A write with the cookie but without the page's token is refused and changes nothing.
    body = {"name": "无令牌", "members": [{"userid": "zhangsan"}]}
    assert (await client.post("/api/v1/livecodes", json=body)).status == 403
    token = await _csrf(client, "/admin/")
    made = await client.post("/api/v1/livecodes", json=body, headers={"X-CSRF-Token": token})
    assert made.status == 201, await made.text()
    assert [c["name"] for c in await (await client.get("/api/v1/livecodes")).json()] == ["无令牌"]


async def test_five_wrong_passwords_lock_and_the_lock_is_audited(linked: Linked) -> None:
    await _user("boss1", "manager", "zhangsan")
    for _ in range(5):
        assert (await _login(linked.bot, "boss1", "wrong-pass-9")).status == 401
    assert (await _login(linked.bot, "boss1")).status == 401  # locked: right password too
    user = await AdminUser.get(username="boss1")
    assert user.locked_until is not None
    actions = await AuditLog.filter(object_type="admin_user").values_list("action", flat=True)
    assert actions.count("login_failed") == 4 and "login_locked" in actions
    assert (await _login(linked.bot, "nobody")).status == 401


async def test_staff_session_sees_only_their_scope_and_roles_gate_writes(linked: Linked) -> None:
    await _user("lisi1", "staff", "lisi")
    assert (await _login(linked.bot, "lisi1")).status == 302
    token = await _csrf(linked.bot, "/admin/")
    body = {"name": "员工不能建码", "members": [{"userid": "lisi"}]}
    made = await linked.bot.post("/api/v1/livecodes", json=body, headers={"X-CSRF-Token": token})
    assert made.status == 403
    assert (await linked.bot.get("/api/v1/compliance/alerts")).status == 403


async def test_every_write_is_audited_with_before_and_after(linked: Linked) -> None:
    await _user("ops2", "ops")
    await _login(linked.bot, "ops2")
    token = {"X-CSRF-Token": await _csrf(linked.bot, "/admin/")}
    body = {"name": "门店码", "members": [{"userid": "zhangsan"}]}
    code = await (await linked.bot.post("/api/v1/livecodes", json=body, headers=token)).json()
    changed = {**body, "name": "门店码二号"}
    put = await linked.bot.put(f"/api/v1/livecodes/{code['id']}", json=changed, headers=token)
    assert put.status == 200, await put.text()
    rows = await AuditLog.filter(object_type="livecodes").order_by("id")
    assert [(r.actor, r.action) for r in rows] == [("ops2", "create"), ("ops2", "update")]
    assert rows[0].data["before"] is None and rows[0].data["after"]["name"] == "门店码"
    assert rows[1].object_id == str(code["id"])
    assert (
        rows[1].data["before"]["name"] == "门店码"
        and rows[1].data["after"]["name"] == "门店码二号"
    )
    # A refused write leaves no row.
    await linked.bot.put("/api/v1/livecodes/999999", json=changed, headers=token)
    assert await AuditLog.filter(object_type="livecodes").count() == 2


async def test_logout_ends_the_session(linked: Linked) -> None:
    await _user("ops3", "ops")
    await _login(linked.bot, "ops3")
    token = await _csrf(linked.bot, "/admin/")
    out = await linked.bot.post("/admin/logout", data={"_csrf": token}, allow_redirects=False)
    assert out.status == 302
    assert (await linked.bot.get("/api/v1/livecodes")).status == 401
    page = await linked.bot.get("/admin/", allow_redirects=False)
    assert page.status == 302 and page.headers["Location"].startswith("/admin/login")


async def test_the_snapshot_handler_sees_the_app_and_cannot_break_a_write(
    aiohttp_client: Any, db: Any
) -> None:
    """The before/after read replays the object's GET route: it must see `request.app` like
    any handler, and if it fails anyway the write it audits still succeeds."""
    from aiohttp import web

    from admin.api.auth import ACTOR, Actor
    from admin.audit import audit_writes

    state = web.AppKey("state", dict)
    corp = await Corp.get(corp_id=CORP_ID)

    @web.middleware
    async def as_admin(request: web.Request, handler: Any) -> web.StreamResponse:
        request[ACTOR] = Actor("admin", corp_pk=corp.id, name="tester")
        return await handler(request)

    async def read(request: web.Request) -> web.Response:
        if request.match_info["id"] == "2":
            raise RuntimeError("a broken GET")
        return web.json_response({"value": request.app[state]["value"]})

    async def write(request: web.Request) -> web.Response:
        request.app[state]["value"] = (await request.json())["value"]
        return web.json_response({"ok": True})

    app = web.Application(middlewares=[as_admin, audit_writes])
    app[state] = {"value": "old"}
    app.router.add_get("/api/v1/things/{id}", read)
    app.router.add_put("/api/v1/things/{id}", write)
    client = await aiohttp_client(app)
    assert (await client.put("/api/v1/things/1", json={"value": "new"})).status == 200
    assert (await client.put("/api/v1/things/2", json={"value": "newer"})).status == 200
    rows = await AuditLog.filter(object_type="things").order_by("id")
    assert [(r.data["before"], r.data["after"]) for r in rows] == [
        ({"value": "old"}, {"value": "new"}),
        (None, None),
    ]


async def test_without_a_bootstrap_token_only_people_get_in(linked: Linked) -> None:
    from pydantic import SecretStr

    from scrm.infra import keys

    linked.bot.app[keys.SETTINGS].admin_token = SecretStr("")
    refused = await linked.bot.get("/api/v1/livecodes", headers={"Authorization": "Bearer "})
    assert refused.status == 401  # an empty token never matches the empty setting
    guessed = await linked.bot.get("/api/v1/livecodes", headers={"Authorization": "Bearer x"})
    assert guessed.status == 401
    await _user("ops9", "ops")
    await _login(linked.bot, "ops9")
    assert (await linked.bot.get("/api/v1/livecodes")).status == 200


async def test_password_checks_run_off_the_event_loop(linked: Linked, monkeypatch: Any) -> None:
    """scrypt is slow on purpose (~50 ms): on the loop it would stall every request meanwhile."""
    import threading

    from admin.api import accounts

    threads: list[str] = []
    real = accounts.verify_password

    def watched(password: str, stored: str) -> bool:
        threads.append(threading.current_thread().name)
        return real(password, stored)

    monkeypatch.setattr(accounts, "verify_password", watched)
    await _user("ops8", "ops")
    assert (await _login(linked.bot, "ops8")).status == 302
    assert (await _login(linked.bot, "nobody")).status == 401
    assert len(threads) == 2 and threading.main_thread().name not in threads
