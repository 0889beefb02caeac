"""Customer groups end to end: sandbox group changes → callbacks → jobs → the local mirror."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.worker import build_worker
from scrm.enums import GroupStatus
from scrm.infra import keys
from scrm.infra.settings import Settings
from scrm.models import Corp, GroupChat, GroupMember
from tests.conftest import CORP_ID
from tests.wecom.sandbox_fixtures import Sandbox, sandbox_config, start_sandbox


@pytest.fixture
async def linked(aiohttp_client, db: Settings) -> AsyncIterator[tuple[TestClient, Sandbox]]:  # type: ignore[no-untyped-def]
    bot: TestClient = await aiohttp_client(create_app(db, run_sweeper=False))
    server, http = await start_sandbox(
        sandbox_config(str(bot.make_url(f"/wecom/callback/{CORP_ID}")))
    )
    corp = await Corp.get(corp_id=CORP_ID)
    corp.api_base = str(server.make_url("")).rstrip("/")
    await corp.save()
    yield bot, Sandbox(server, http)
    await http.close()
    await server.close()


async def drain(bot: TestClient, settings: Settings) -> None:
    await bot.app[keys.ENQUEUER].stop()
    bot.app[keys.ENQUEUER].start()
    worker = build_worker(settings, burst=True, sweeper=False)
    try:
        await worker.async_run()
    finally:
        await worker.close()


async def active_members(chat_id: str) -> list[str]:
    rows = GroupMember.filter(chat__chat_id=chat_id, active=True).order_by("member_id")
    return list(await rows.values_list("member_id", flat=True))  # type: ignore[call-overload]


async def test_group_lifecycle_is_mirrored(
    db: Settings, linked: tuple[TestClient, Sandbox]
) -> None:
    bot, sandbox = linked
    created = await sandbox.control(
        "groups", {"owner": "zhangsan", "name": "VIP客户群", "members": ["lisi", "wmA", "wmB"]}
    )
    chat_id = created["chat_id"]
    await drain(bot, db)
    chat = await GroupChat.get(chat_id=chat_id)
    assert (chat.name, chat.owner_userid) == ("VIP客户群", "zhangsan")
    assert await active_members(chat_id) == ["lisi", "wmA", "wmB", "zhangsan"]

    await sandbox.control(f"groups/{chat_id}/join", {"members": ["wmC"], "join_scene": 3})
    await sandbox.control(f"groups/{chat_id}/quit", {"members": ["wmA"], "quit_scene": 1})
    await drain(bot, db)
    assert await active_members(chat_id) == ["lisi", "wmB", "wmC", "zhangsan"]
    await chat.refresh_from_db()
    assert chat.member_count == 4

    await sandbox.control(f"groups/{chat_id}/dismiss")
    await drain(bot, db)
    await chat.refresh_from_db()
    assert chat.status == GroupStatus.DISMISSED
    assert await active_members(chat_id) == []
