"""Redis away: a lead push is still stored and acked 200 (it was stored, then answered 500)."""

from __future__ import annotations

import hashlib
import hmac
import json

from bot.app import create_app
from scrm.infra.settings import Settings
from scrm.models import LeadEvent
from scrm.services.lead_drain import sweep_lead_events
from tests.security._intake_helpers import SECRET, db_source


async def test_push_with_redis_down_is_stored_acked_and_drained_later(
    aiohttp_client,  # type: ignore[no-untyped-def]
    db: Settings,
) -> None:
    await db_source()
    down = db.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    client = await aiohttp_client(create_app(down, run_sweeper=False))
    raw = json.dumps({"name": "断网", "phone": "13800001234"}).encode()
    sig = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    resp = await client.post(
        "/webhooks/form?key=f1", data=raw, headers={"X-Signature": sig, "X-Request-Id": "r1"}
    )
    assert resp.status == 200 and (await resp.json())["status"] == "accepted"
    assert (await LeadEvent.get()).status == "pending"
    # The platform's retry while Redis is still away: a duplicate, not a second row.
    resp = await client.post(
        "/webhooks/form?key=f1", data=raw, headers={"X-Signature": sig, "X-Request-Id": "r1"}
    )
    assert (await resp.json())["status"] == "duplicate" and await LeadEvent.all().count() == 1
    from bot.app import make_arq

    arq = make_arq(db)  # Redis is back: the sweeper finds the pending push
    try:
        assert await sweep_lead_events(arq) == 1
    finally:
        await arq.aclose()
