"""`scrm-bot sync`: progress lines, a summary with counts, calls and time; a busy corp refused."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from bot import sync_cmd
from bot.cli import _parser
from bot.db import close_db, init_db
from scrm.infra.settings import Settings
from scrm.models import Corp
from scrm.sync.corp import lock_name
from tests.conftest import CORP_ID
from tests.wecom.sandbox_fixtures import Sandbox


async def test_cli_sync_prints_progress_and_a_summary_and_refuses_a_busy_corp(
    settings: Settings,
    sandbox: Sandbox,
    redis_client: aioredis.Redis,
    capsys: pytest.CaptureFixture[str],
) -> None:
    friends = [{"userid": "lisi", "name": f"终端客户{n}"} for n in range(4)]
    await sandbox.control("friends", {"friends": friends})
    config = settings.model_copy(update={"wecom_api_base": sandbox.url})
    assert await sync_cmd.run(config, _parser().parse_args(["sync", "--corp", CORP_ID])) == 0
    out = capsys.readouterr().out
    assert "第 3/4 步：客户" in out and "同步完成" in out
    assert "API 调用" in out and "用时" in out
    customers = next(line for line in out.splitlines() if line.strip().startswith("客户"))
    assert customers.split()[1:] == ["4", "0", "0"]

    await init_db(config)
    pk = (await Corp.get(corp_id=CORP_ID)).id
    await close_db()
    other = redis_client.lock(lock_name(pk), timeout=30)
    assert await other.acquire(blocking=False)
    args = _parser().parse_args(["sync", "--only", "customers"])
    assert await sync_cmd.run(config, args) == 1
    assert "正在同步" in capsys.readouterr().out
    await other.release()
    assert await sync_cmd.run(config, _parser().parse_args(["sync", "--corp", "wwnobody"])) == 2
