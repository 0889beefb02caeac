"""Finding 2: one poison push must neither wedge lead intake nor multiply leads."""
# ruff: noqa: F811  (the `linked` fixture is imported: tests/security has no conftest of its own)

from __future__ import annotations

from typing import Any

import pytest

from scrm.infra import keys
from scrm.models import Inbox, Lead, LeadEvent
from scrm.services import lead_batch
from scrm.services.lead_drain import sweep_lead_events
from tests.livecode.conftest import Linked, linked  # noqa: F401
from tests.security._intake_helpers import cli, drain, form_source, push_form


async def test_a_nul_in_a_signed_push_neither_wedges_the_drain_nor_multiplies_leads(
    linked: Linked,
) -> None:
    await form_source(linked)
    # The attack as found: "name":"x\u0000y" (and friends) in a signed form push, between two
    # good ones. On PostgreSQL the old drain failed the whole batch on every sweep.
    pushes = [
        ('{"name": "甲", "phone": "13900000001"}', "r1"),
        ('{"name": "x\\u0000y\\u0007", "unionid": "oNUL", "备注": "a\\ud800b"}', "r2"),
        ('{"name": "乙", "phone": "13900000002"}', "r3"),
    ]
    for body, request_id in pushes:
        assert await push_form(linked, body, request_id) == (200, {"status": "accepted"})
    for _ in range(3):  # the sweeper's later drains find nothing more to do
        await drain(linked)
    assert sorted(await LeadEvent.all().values_list("status", flat=True)) == ["done"] * 3
    leads = {x.unionid or x.phone: x for x in await Lead.all()}
    assert len(leads) == 3  # one lead per push: the no-phone lead was not made again
    assert leads["oNUL"].name == "xy" and leads["oNUL"].attributes["备注"] == "a\ufffdb"


async def test_a_failing_event_is_retried_then_dead_and_never_holds_back_the_others(
    linked: Linked, monkeypatch: pytest.MonkeyPatch
) -> None:
    await form_source(linked)
    for n, body in enumerate(
        [
            {"name": "好1", "phone": "13900000011"},
            {"name": "坏", "unionid": "oBAD"},  # no phone: the case that was multiplied
            {"name": "好2", "phone": "13900000012"},
        ]
    ):
        assert (await push_form(linked, body, f"r{n}"))[0] == 200
    bad_id = (await LeadEvent.get(message_id="r1")).id
    real = lead_batch.lead_rows.insert_activities

    async def fails_late(objs: list[Any], *args: Any, **kwargs: Any) -> Any:
        # A failure after the event's lead was inserted: the old drain left that lead behind
        # and made it again on every retry.
        if any(a.data.get("event_id") == bad_id for a in objs):
            raise RuntimeError("行为写入失败 for 13900000099")
        return await real(objs, *args, **kwargs)

    monkeypatch.setattr(lead_batch.lead_rows, "insert_activities", fails_late)
    settings = linked.settings.model_copy(update={"inbox_max_attempts": 3})
    await drain(linked, settings)
    statuses = dict(await LeadEvent.all().values_list("message_id", "status"))
    assert statuses == {"r0": "done", "r1": "retry", "r2": "done"}
    arq = linked.bot.app[keys.ARQ]
    for _ in range(3):
        await sweep_lead_events(arq, backoff_seconds=0)  # backoff over: back to pending
        await drain(linked, settings)
    bad = await LeadEvent.get(id=bad_id)
    assert (bad.status, bad.attempts) == ("dead", 3)
    assert "RuntimeError" in bad.error and "13900000099" not in bad.error  # reason, masked
    assert await Lead.filter(unionid="oBAD").count() == 0  # nothing half-written, never again
    assert await Lead.all().count() == 2
    # The operator sees it with its reason, and a replay (bug fixed) makes exactly one lead.
    listed = cli(linked.settings, "leads", "events", "list", "--status", "dead")
    assert listed.startswith(f"{bad_id}\tdead\t3\tform\tr1\t") and "RuntimeError" in listed
    monkeypatch.setattr(lead_batch.lead_rows, "insert_activities", real)
    assert "replayed 1" in cli(linked.settings, "leads", "events", "replay", str(bad_id))
    await drain(linked, settings)
    assert (await LeadEvent.get(id=bad_id)).status == "done"
    assert await Lead.filter(unionid="oBAD").count() == 1


async def test_inbox_list_shows_dead_wecom_events_with_their_reason(linked: Linked) -> None:
    row = await Inbox.create(
        key="k-dead", corp_id="wwX", kind="change_external_contact.add_external_contact",
        payload="<xml/>", status="dead", attempts=6, last_error="LookupError: corp wwX gone",
    )  # fmt: skip
    out = cli(linked.settings, "inbox", "list", "--status", "dead")
    assert out.startswith(f"{row.id}\tdead\t6\t") and "LookupError: corp wwX gone" in out


async def test_a_csv_import_with_nul_and_bad_phones_imports_the_good_rows(linked: Linked) -> None:
    from scrm.models import Corp, LeadSource
    from scrm.services import lead_import

    corp = await Corp.get()
    source = await LeadSource.create(corp_id=corp.id, platform="csv", key="t", secret="-")
    rows = [
        "name,phone,备注",
        "甲\x00乙,13800000001,a\x01b",  # NUL and a control character in the cells
        "七位,1234567,",  # not a phone: refused
        "丙,１３８００１３８０００,",  # full-width digits: a phone
    ]
    text = "\n".join(rows) + "\n"
    report = await lead_import.import_csv(source, text, linked.bot.app[keys.ARQ], dry_run=False)
    assert (report.created, [e["line"] for e in report.errors]) == (2, [3])
    assert "1234567" not in str(report.errors)  # the refused number is masked in the report
    names = sorted(await Lead.all().values_list("name", flat=True))
    assert names == ["丙", "甲乙"]
    assert (await Lead.get(name="甲乙")).attributes == {"备注": "ab"}
