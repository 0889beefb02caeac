"""A 群发 whose worker dies mid-creation is resumed by the tick: every recipient ends up in
exactly one WeCom task, whether the worker died after WeCom made a task or before asking."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.jobs.campaigns import mass_send_tick
from scrm.infra import keys
from scrm.models import MassSend, MassSendRecipient, MassSendTask
from scrm.services import mass_send, mass_send_resume
from tests.campaigns.helpers import clients, customers
from tests.livecode.conftest import Linked

ALL = {"conditions": {}}


class Dying:
    """A WeCom client whose worker is cancelled on the given add_msg_template call, either
    after WeCom answered (the task exists, we never learnt its msgid) or before asking."""

    def __init__(self, real: Any, on_call: int, after: bool, error: type[BaseException]) -> None:
        self.real, self.on_call, self.after, self.calls = real, on_call, after, 0
        self.error = error

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    async def add_msg_template(self, req: Any) -> Any:
        self.calls += 1
        if self.calls == self.on_call and not self.after:
            raise self.error
        got = await self.real.add_msg_template(req)
        if self.calls == self.on_call:
            raise self.error
        return got


@pytest.mark.parametrize(
    ("after", "error"),
    [
        (True, asyncio.CancelledError),
        (False, asyncio.CancelledError),
        # Redis restarted under the client's rate limiter: the worker lives on, the job fails.
        (True, ConnectionError),
    ],
    ids=["after-wecom-made-it", "before-asking", "redis-gone-after-wecom-made-it"],
)
async def test_a_send_cancelled_mid_creation_is_resumed_exactly_once(
    linked: Linked, after: bool, error: type[BaseException]
) -> None:
    exts = await customers(linked, 6, tagged=0)  # zhangsan 3, lisi 3
    send = await MassSend.create(
        corp_id=1, name="续发", text="双十二", target={"spec": ALL, "scope": None},
        send_at=datetime.now(UTC),
    )  # fmt: skip
    assert await mass_send.claim(send.id)
    real_for = clients(linked)
    dying = Dying(None, on_call=2, after=after, error=error)

    def client_for(corp: Any) -> Any:
        dying.real = real_for(corp)
        return dying

    with pytest.raises(error):
        await mass_send.run(send.id, client_for, mass_send.RunOptions())
    stuck = await MassSend.get(id=send.id)
    assert stuck.status == "sending" and stuck.claimed_at is None  # lease given back
    made_before = len(await linked.sandbox.records("mass_message"))
    assert made_before == (2 if after else 1)
    hanging = await MassSendTask.filter(send_id=send.id, msgid="")
    assert len(hanging) == 1 and hanging[0].error == ""

    # A healthy worker holding the lease is left alone; the tick takes the send over once the
    # lease is given back or lapses.
    await MassSend.filter(id=send.id).update(claimed_at=datetime.now(UTC))
    assert await mass_send_resume.reclaim(datetime.now(UTC)) == []
    await MassSend.filter(id=send.id).update(claimed_at=datetime.now(UTC) - timedelta(minutes=6))
    ctx = {"clients": linked.bot.app[keys.CLIENTS], "settings": linked.settings}
    assert (await mass_send_tick(ctx))["made"] == 1
    assert (await mass_send_tick(ctx))["made"] == 0  # nothing left to resume

    done = await MassSend.get(id=send.id)
    assert done.status == "sent" and done.planned == 6
    messages = await linked.sandbox.records("mass_message")
    assert len(messages) == 2  # one task per member, none made twice
    per_customer = Counter(t for m in messages for ts in m["data"]["targets"].values() for t in ts)
    assert per_customer == Counter(exts)  # everyone exactly once
    tasks = await MassSendTask.filter(send_id=send.id)
    assert sorted(t.sender for t in tasks) == ["lisi", "zhangsan"]
    assert {t.msgid for t in tasks} == {m["data"]["msgid"] for m in messages}
    rows = await MassSendRecipient.filter(send_id=send.id).values_list("target_id", flat=True)
    assert sorted(rows) == sorted(exts)
