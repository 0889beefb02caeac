"""The welcome's latency counts from the callback's arrival at our edge, in milliseconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY

from livecode import service
from livecode.welcome_flow import send_welcome
from scrm.models import Corp, Inbox
from scrm.models.livecode import LiveCodeAdd
from tests.conftest import CORP_ID
from tests.livecode.conftest import Linked
from tests.livecode.test_welcome_e2e import live_code

ADD = "change_external_contact.add_external_contact"


async def test_edge_records_the_arrival_to_the_millisecond(linked: Linked) -> None:
    code = await live_code(linked.client, ["zhangsan"])
    before = datetime.now(UTC)
    await linked.sandbox.control("scan", {"config_id": code.config_id})
    after = datetime.now(UTC)
    row = await Inbox.get(kind=ADD)
    # Whole seconds (CreateTime's precision) would fall before `before` almost always.
    assert row.arrived_at is not None
    assert before <= row.arrived_at <= after
    assert row.arrived_at <= row.received_at


async def test_welcome_ms_and_metric_count_from_the_arrival(linked: Linked) -> None:
    code = await live_code(linked.client, ["zhangsan"])
    await linked.sandbox.control("scan", {"config_id": code.config_id})
    row = await Inbox.get(kind=ADD)
    assert row.arrived_at is not None
    # As if the callback had waited 3 s in our queue: CreateTime-based figures would not see
    # it (the event is younger than 3 s), the honest ones must.
    row.arrived_at -= timedelta(seconds=3)
    await row.save(update_fields=["arrived_at"])
    total = REGISTRY.get_sample_value("scrm_welcome_latency_seconds_sum") or 0.0
    await linked.drain()
    add = await LiveCodeAdd.get(code_id=code.id)
    assert add.welcome == "sent" and add.welcome_ms is not None
    assert 3000 <= add.welcome_ms < 3000 + 10_000
    grown = (REGISTRY.get_sample_value("scrm_welcome_latency_seconds_sum") or 0.0) - total
    assert grown >= 3.0


async def test_both_figures_are_kept_apart(linked: Linked) -> None:
    code = await live_code(linked.client, ["wangwu"])
    scan = await linked.sandbox.control("scan", {"config_id": code.config_id})
    corp = await Corp.get(corp_id=CORP_ID)
    now = time.time()
    outcome = await send_welcome(
        linked.client,
        code,
        corp=corp,
        userid="wangwu",
        external_userid=scan["external_userid"],
        welcome_code=scan["welcome_code"],
        event_time=now - 0.9,  # CreateTime rounds down: the event looks 0.9 s older
        arrived_at=now - 0.02,
        local=service.local_now(corp),
    )
    assert outcome.outcome == "sent"
    assert outcome.since_create >= 0.9
    assert outcome.seconds < outcome.since_create - 0.8
