"""An add's job that dies after its statistics row but before its lead: the retry finishes the
follow-ups (journey, lead) once; a full replay of a finished add repeats none of them."""

from __future__ import annotations

from typing import Any

import pytest

from bot.inbox_admin import replay
from scrm.infra import keys
from scrm.models import Corp, Inbox, Journey, JourneyRun, Lead, LeadActivity
from scrm.models.livecode import LiveCodeAdd, LiveCodeMember
from scrm.services import lead_sources
from tests.conftest import CORP_ID
from tests.livecode.conftest import Linked
from tests.livecode.test_welcome_e2e import live_code

ADD = "change_external_contact.add_external_contact"


async def test_a_job_killed_before_the_lead_is_finished_by_its_retry(
    linked: Linked, monkeypatch: pytest.MonkeyPatch
) -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    await Journey.create(
        corp_id=corp.id,
        name="新客旅程",
        trigger={"kind": "livecode_add"},
        nodes=[
            {"id": "s1", "kind": "send", "text": "欢迎", "next": "x"},
            {"id": "x", "kind": "exit"},
        ],
    )
    code = await live_code(linked.client, ["zhangsan"])
    real = lead_sources.from_wecom_add

    async def killed(*args: Any, **kwargs: Any) -> Any:
        # As if the worker died here: what ran before stays, the job does not finish.
        raise RuntimeError("the worker died here")

    monkeypatch.setattr(lead_sources, "from_wecom_add", killed)
    scan = await linked.sandbox.control("scan", {"config_id": code.config_id})
    ext = scan["external_userid"]
    await linked.drain()
    # Died after the statistics row and the journey, before the lead.
    assert await LiveCodeAdd.filter(code_id=code.id).count() == 1
    assert not await Lead.filter(external_userid=ext).exists()

    monkeypatch.setattr(lead_sources, "from_wecom_add", real)
    row = await Inbox.get(kind=ADD)
    for _ in range(2):  # the retry, then an operator's replay of the finished add
        assert await replay(linked.bot.app[keys.ARQ], [row.id], []) == 1
        await linked.drain()
        lead = await Lead.get(external_userid=ext)
        assert lead.touches == 1
        assert await LeadActivity.filter(lead_id=lead.id, kind="wecom_add").count() == 1
        assert await JourneyRun.filter(external_userid=ext).count() == 1
        assert await LiveCodeAdd.filter(code_id=code.id).count() == 1
        member = await LiveCodeMember.get(code_id=code.id, userid="zhangsan")
        assert member.adds_total == 1
    assert len(await linked.sandbox.records("welcome")) == 1
