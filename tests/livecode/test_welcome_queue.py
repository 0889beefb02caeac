"""The welcome on its own lane: sent before the rest of the add, never behind bulk work, once."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bot import inbox
from bot.inbox_admin import replay
from bot.jobs.welcome import welcome_first
from bot.welcome_worker import run_burst
from livecode.welcome_once import outcome_key
from scrm.enums import InboxStatus
from scrm.infra import keys, welcome_lane
from scrm.infra.enqueue import enqueue_inbox_jobs
from scrm.models import Inbox
from scrm.models.livecode import LiveCodeAdd
from tests.callbacks import add_contact_xml, signed
from tests.conftest import CORP_ID
from tests.livecode.conftest import Linked
from tests.livecode.test_welcome_e2e import live_code
from wecom.crypto import WeComCrypto

ADD = "change_external_contact.add_external_contact"


async def drain_welcomes(linked: Linked) -> None:
    await linked.bot.app[keys.ENQUEUER].stop()
    linked.bot.app[keys.ENQUEUER].start()
    await run_burst(linked.settings)


async def test_welcome_goes_out_before_the_rest_of_the_add(linked: Linked) -> None:
    code = await live_code(linked.client, ["zhangsan"])
    await linked.sandbox.control("scan", {"config_id": code.config_id, "name": "王小明"})
    await drain_welcomes(linked)
    # The welcome is at WeCom; everything else (statistics, mirror) is still to do.
    assert len(await linked.sandbox.records("welcome")) == 1
    row = await Inbox.get(kind=ADD)
    assert row.status == InboxStatus.PENDING
    assert not await LiveCodeAdd.exists()
    await linked.drain()
    add = await LiveCodeAdd.get(code_id=code.id)
    # The inbox job used the recorded outcome: not WeCom's 41051 for a second send.
    assert add.welcome == "sent" and add.welcome_ms is not None
    assert len(await linked.sandbox.records("welcome")) == 1
    assert (await Inbox.get(id=row.id)).status == InboxStatus.HANDLED


async def test_welcome_is_not_queued_behind_bulk_work(linked: Linked) -> None:
    code = await live_code(linked.client, ["zhangsan"])
    arq = linked.bot.app[keys.ARQ]
    # A backlog on the main queue, as a lead burst or a journey scan would leave it.
    backlog = [(10_000 + i, f"{i:032x}" * 2, 0, 0) for i in range(300)]
    assert await enqueue_inbox_jobs(arq, backlog) == 300
    await linked.sandbox.control("scan", {"config_id": code.config_id})
    await drain_welcomes(linked)
    assert len(await linked.sandbox.records("welcome")) == 1
    # The welcome worker touched none of the backlog; the welcome job queued the add's own
    # inbox job behind it.
    assert await arq.zcard("arq:queue") == 301
    assert await arq.llen(welcome_lane.LANE) == 0


async def test_only_adds_with_a_state_and_a_welcome_code_get_a_welcome_job(
    linked: Linked, crypto: WeComCrypto
) -> None:
    url = f"/wecom/callback/{CORP_ID}"
    now = int(time.time())
    plain_adds = [
        # No State: not through a live code (the admin console's welcome, if any).
        add_contact_xml(CORP_ID, "zhangsan", "wmNoState", now, WelcomeCode="wc1"),
        # No WelcomeCode: the member has a welcome of their own in the admin console.
        add_contact_xml(CORP_ID, "zhangsan", "wmNoCode", now, State="s"),
    ]
    for plain in plain_adds:
        params, body = signed(crypto, plain)
        assert (await linked.bot.post(url, params=params, data=body)).status == 200
    await linked.bot.app[keys.ENQUEUER].stop()
    arq = linked.bot.app[keys.ARQ]
    assert await arq.llen(welcome_lane.LANE) == 0
    assert await arq.zcard("arq:queue") == 2


async def test_racing_jobs_retries_and_replays_welcome_once(linked: Linked) -> None:
    code = await live_code(linked.client, ["lisi"])
    await linked.sandbox.control("scan", {"config_id": code.config_id})
    row = await Inbox.get(kind=ADD)
    ctx: dict[str, Any] = {
        "redis": linked.bot.app[keys.ARQ],
        "clients": _Clients(linked),
    }
    # The welcome job twice at once (a retry racing the first run): one send, both "sent".
    got = await asyncio.gather(welcome_first(ctx, row.id), welcome_first(ctx, row.id))
    assert got == ["sent", "sent"]
    assert len(await linked.sandbox.records("welcome")) == 1
    await linked.drain()  # the inbox job: the recorded outcome, no send
    assert len(await linked.sandbox.records("welcome")) == 1
    # An operator replay runs the whole add again (a fresh inbox job id).
    assert await replay(linked.bot.app[keys.ARQ], [row.id], []) == 1
    await drain_welcomes(linked)
    await linked.drain()
    assert len(await linked.sandbox.records("welcome")) == 1
    assert await LiveCodeAdd.filter(code_id=code.id).count() == 1
    assert (await LiveCodeAdd.get(code_id=code.id)).welcome == "sent"


async def test_inbox_job_alone_still_welcomes_and_records_it(linked: Linked) -> None:
    """Redis lost the welcome job (or no welcome worker runs): the sweeper re-offers the row
    to the main queue, and its inbox job sends the welcome itself."""
    code = await live_code(linked.client, ["wangwu"])
    scan = await linked.sandbox.control("scan", {"config_id": code.config_id})
    await linked.bot.app[keys.ENQUEUER].stop()
    arq = linked.bot.app[keys.ARQ]
    await arq.delete(welcome_lane.LANE)
    assert await inbox.sweep_once(arq, now=datetime.now(UTC) + timedelta(minutes=1)) == 1
    await linked.drain()
    assert len(await linked.sandbox.records("welcome")) == 1
    assert (await LiveCodeAdd.get(code_id=code.id)).welcome == "sent"
    recorded = await linked.bot.app[keys.ARQ].get(outcome_key(code.corp_id, scan["welcome_code"]))
    assert recorded is not None and b'"sent"' in recorded


class _Clients:
    def __init__(self, linked: Linked) -> None:
        self.linked = linked

    def for_corp(self, corp: Any) -> Any:
        return self.linked.client
