"""WeCom adds become leads; replays; re-scoring after rule edits; SLA and stale-deal alerts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.jobs.leads import drain_lead_events, lead_upkeep, rescore_leads
from bot.jobs.tasks import watch_sla
from scrm.infra import keys
from scrm.models import Corp, Lead, LeadActivity, LeadEvent, LeadSource, Opportunity
from scrm.services import deals
from tests.leads.conftest import Linked
from tests.livecode.test_api import SPEC


async def test_a_live_code_add_is_a_lead_of_its_channel(linked: Linked) -> None:
    code = await linked.api("POST", "/api/v1/livecodes", {**SPEC, "strategy": "native"}, 201)
    scan = await linked.sandbox.control("scan", {"config_id": code["config_id"], "name": "扫码客"})
    await linked.drain()
    lead = await Lead.get(external_userid=scan["external_userid"])
    assert (lead.platform, lead.channel, lead.campaign, lead.owner_userid) == (
        "wecom",
        "门店",
        "周年庆",
        scan["userid"],
    )
    assert await LeadActivity.filter(lead_id=lead.id, kind="wecom_add").count() == 1
    from bot.jobs.inbox import process_inbox
    from scrm.models import Inbox

    row = await Inbox.filter(kind="change_external_contact.add_external_contact").first()
    assert row is not None
    await Inbox.filter(id=row.id).update(status="pending")  # an operator's replay
    ctx = {
        "settings": linked.settings,
        "dispatcher": __import__("handlers").build_dispatcher(),
        "redis": linked.bot.app[keys.ARQ],
        "clients": linked.bot.app[keys.CLIENTS],
    }
    assert await process_inbox(ctx, row.id) == "handled"
    again = await Lead.get(external_userid=scan["external_userid"])
    assert again.touches == 1  # a replayed job neither makes a second lead nor a second touch
    assert await LeadActivity.filter(lead_id=lead.id, kind="wecom_add").count() == 1


async def test_replay_and_recompute(linked: Linked) -> None:
    corp = await Corp.get()
    src = await LeadSource.create(corp_id=corp.id, platform="form", key="k", secret="s" * 8)
    await LeadEvent.create(
        corp_id=corp.id,
        source_id=src.id,
        platform="form",
        message_id="m1",
        body=json.dumps({"name": "回放", "phone": "13600000001"}),
        status="failed",
        error="mapping bug",
    )
    out = await linked.api("POST", "/api/v1/lead-events/replay", {"status": "failed"})
    assert out == {"replayed": 1}
    ctx = {"redis": linked.bot.app[keys.ARQ]}
    await drain_lead_events(ctx)
    lead = await Lead.get(name="回放")
    assert lead.score == 0 and (await LeadEvent.get(message_id="m1")).status == "done"
    await linked.api(
        "POST",
        "/api/v1/scoring-rules",
        {
            "name": "城市",
            "kind": "attribute",
            "field": "platform",
            "op": "eq",
            "value": "form",
            "points": 45,
        },
        status=201,
    )
    assert await rescore_leads(ctx, corp.id) == 1
    await lead.refresh_from_db()
    assert (lead.score, lead.status) == (45, "mql")
    await linked.api("POST", "/api/v1/lead-events/replay", {}, status=422)


async def test_sla_breach_and_stale_deal_alerts_are_sent_once(linked: Linked) -> None:
    await linked.api("POST", "/api/v1/assignment-rules", {"name": "a", "members": ["lisi"]}, 201)
    lead = await linked.api("POST", "/api/v1/leads", {"name": "急", "phone": "13500000009"}, 201)
    row = await Lead.get(id=lead["id"])
    row.assigned_at = datetime.now(UTC) - timedelta(minutes=6)
    await row.save()
    ctx = {"clients": linked.bot.app[keys.CLIENTS], "redis": linked.bot.app[keys.ARQ]}
    assert await watch_sla(ctx) == 1
    assert await watch_sla(ctx) == 0
    corp = await Corp.get()
    opp = await deals.create(corp.id, name="续约", owner="wangwu")
    await Opportunity.filter(id=opp.id).update(
        next_step="发合同", next_step_date=datetime.now(UTC).date() - timedelta(days=2)
    )
    first = await lead_upkeep(ctx)
    again = await lead_upkeep(ctx)
    assert (first["stale"], again["stale"]) == (1, 0)
    notes = [n["data"] for n in await linked.sandbox.records("notification")]
    assert [n["touser"] for n in notes] == [["lisi"], ["wangwu"]]
    assert "未首次跟进" in notes[0]["content"] and "已过期" in notes[1]["content"]
