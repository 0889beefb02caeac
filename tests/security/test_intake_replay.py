"""Finding 10: a signed body replayed under a new, unsigned message id is not stored again."""
# ruff: noqa: F811  (the `linked` fixture is imported: tests/security has no conftest of its own)

from __future__ import annotations

import json

from scrm.models import Lead, LeadEvent
from tests.livecode.conftest import Linked, linked  # noqa: F401
from tests.security._intake_helpers import (
    douyin_headers,
    drain,
    form_headers,
    form_raw,
    form_source,
)


async def test_form_body_replayed_with_new_request_ids_is_a_duplicate(linked: Linked) -> None:
    await form_source(linked)
    raw = form_raw({"name": "王", "phone": "13700000001"})
    statuses = []
    for n in range(5):  # an eavesdropper replays the signed body, inventing X-Request-Ids
        resp = await linked.bot.post(
            "/webhooks/form?key=f1", data=raw, headers=form_headers(raw, f"evil-{n}")
        )
        assert resp.status == 200
        statuses.append((await resp.json())["status"])
    assert statuses == ["accepted"] + ["duplicate"] * 4
    await drain(linked)
    assert await LeadEvent.all().count() == 1
    assert (await Lead.get()).touches == 1
    # A genuinely new submission (different signed bytes) is still a new push.
    other = form_raw({"name": "王", "phone": "13700000001", "留言": "再次咨询"})
    resp = await linked.bot.post(
        "/webhooks/form?key=f1", data=other, headers=form_headers(other, "evil-0")
    )
    assert (await resp.json())["status"] == "duplicate"  # same request id: the platform retry
    resp = await linked.bot.post(
        "/webhooks/form?key=f1", data=other, headers=form_headers(other, "real-2")
    )
    assert (await resp.json())["status"] == "accepted"


async def test_douyin_body_replayed_with_new_msg_ids_is_a_duplicate(linked: Linked) -> None:
    body = {"platform": "douyin", "key": "dykey", "secret": "intake-secret-123", "channel": "抖音"}
    await linked.api("POST", "/api/v1/lead-sources", body, status=201)
    content = json.dumps({"name": "李", "telephone": "13700000002"})
    raw = form_raw({"event": "clue_create", "client_key": "dykey", "content": content})
    # The same body twice in one burst (one group insert) and again later.
    first = [
        await linked.bot.post("/webhooks/douyin", data=raw, headers=douyin_headers(raw, f"m{n}"))
        for n in range(3)
    ]
    assert [(await r.json())["status"] for r in first] == ["accepted", "duplicate", "duplicate"]
    await drain(linked)
    assert await LeadEvent.all().count() == 1 and (await Lead.get()).touches == 1
