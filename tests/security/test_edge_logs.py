"""Finding 6: with `rich` installed (schemathesis brings it), structlog rendered tracebacks with
local variables, and a 500 logged the bootstrap token, a password and a raw phone. Now no
traceback shows locals and every line is scrubbed, in both SCRM_LOG_FORMAT forms."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from aiohttp import web
from pydantic import SecretStr

from bot.app import create_app
from scrm.infra.logging import formatter, get_logger
from scrm.infra.settings import Settings

TOKEN = "bootstrap-token-9f8e7d6c5b4a"
PASSWORD = "Hunter2-correct-horse"
PHONE = "13912345678"


@pytest.fixture(params=["console", "json"])
def captured(request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter(request.param))
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def test_rich_is_installed_so_the_locals_path_is_really_exercised() -> None:
    # The leak needed rich; if the dev extra ever stops bringing it, this test must be revisited.
    assert structlog.dev.rich is not None


async def test_a_500_logs_no_locals_no_secret_no_phone(
    aiohttp_client,
    db: Settings,
    captured: io.StringIO,  # type: ignore[no-untyped-def]
) -> None:
    settings = db.model_copy(update={"admin_token": SecretStr(TOKEN)})
    app = create_app(settings, run_sweeper=False)

    async def boom(request: web.Request) -> web.Response:
        password = PASSWORD  # noqa: F841 - a local, as in a login handler
        body = {"phone": PHONE, "password": PASSWORD}  # noqa: F841
        auth = request.headers["Authorization"]  # noqa: F841
        raise RuntimeError(f"lookup failed for {PHONE} with access_token={TOKEN}")

    app.router.add_post("/boom", boom)
    client = await aiohttp_client(app)
    resp = await client.post("/boom", headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status == 500
    logged = captured.getvalue()
    assert "request.unhandled" in logged and "RuntimeError" in logged  # the traceback is there
    assert "Traceback" in logged or '"exception"' in logged
    for secret in (TOKEN, PASSWORD, PHONE):
        assert secret not in logged
    assert "139****5678" in logged  # the phone is still recognisable to whoever reads the log


def test_secret_keys_and_phones_are_masked_at_any_depth(captured: io.StringIO) -> None:
    log = get_logger("tests.security")
    log.warning(
        "corp.saved",
        corp={"corpsecret": "s3cr3t-value", "encoding_aes_key": "k" * 43, "name": "门店"},
        url=f"https://qyapi.weixin.qq.com/cgi-bin/user/get?access_token={TOKEN}&userid=a",
        headers={"Cookie": "AIOHTTP_SESSION=abcdef", "Authorization": f"Bearer {TOKEN}"},
        note=f"客户电话 {PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]}，请回电",
        mobile=int(PHONE),
        password=PASSWORD,
    )
    logged = captured.getvalue()
    for leaked in ("s3cr3t-value", "k" * 43, TOKEN, "abcdef", PASSWORD, PHONE, "1234-5678"):
        assert leaked not in logged
    assert "门店" in logged and "userid=a" in logged  # what is not secret stays readable
    if logged.startswith("{"):
        assert json.loads(logged)["event"] == "corp.saved"


def test_the_run_guard_catches_a_leaked_secret_and_phone() -> None:
    from tests.conftest import SECRET
    from tests.log_guard import SecretGuard

    guard = SecretGuard()
    log = logging.getLogger("tests.security.guard")
    log.addHandler(guard)
    log.propagate = False  # the session's own guard must not see this deliberate leak
    try:
        log.warning("clean line")
        assert guard.leaks == []
        log.warning("leak %s", SECRET)  # stdlib logging: the redaction knows no such value
        assert len(guard.leaks) == 1 and SECRET not in guard.leaks[0]
    finally:
        log.removeHandler(guard)
        log.propagate = True
