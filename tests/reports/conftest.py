"""Report tests reuse the bot + sandbox pair, and build one small sales month through the
real flows (scoring, assignment, stage moves, quotes, contracts) at chosen instants."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from tests.livecode.conftest import AUTH, Linked, linked  # noqa: F401

# Monday 2026-11-02 09:00 in Shanghai: ISO week 45.
D0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
WINDOW = "since=2026-11-01T00:00:00%2B08:00&until=2026-12-01T00:00:00%2B08:00"


@contextmanager
def at(days: float, hours: float = 0) -> Iterator[None]:
    with time_machine.travel(D0 + timedelta(days=days, hours=hours), tick=True):
        yield


@dataclass
class Month:
    leads: dict[str, dict[str, Any]]
    deals: dict[str, dict[str, Any]]
    quotes: dict[str, dict[str, Any]]


QUALIFY = {"next_step": "约演示", "next_step_date": "2026-11-10", "decision_maker": "王总"}
DISCOVER = {"pain_points": "获客贵", "purchase_process": "招标"}


async def _move(app: Linked, deal: dict[str, Any], stage: str, **updates: Any) -> None:
    body = {"stage": stage, "updates": updates}
    await app.api("POST", f"/api/v1/opportunities/{deal['id']}/stage", body)


async def build_month(app: Linked) -> Month:
    """Leads L1–L4 (抖音 ×2, 官网 ×2) on D0, scored by demo requests and assigned round robin
    to zhangsan/lisi; deals A (from L1, won by contract on D0+11), B (from L4, lost on D0+5),
    C (no lead, won on D0+5), D (lisi, open in Proposal since D0+20, a 25 % quote pending)."""
    api = app.api
    demo = {"name": "约演示", "kind": "behaviour", "field": "demo_requested", "op": "event"}
    await api("POST", "/api/v1/scoring-rules", {**demo, "points": 50}, status=201)
    rule = {"name": "上海", "conditions": {"city": ["上海"]}, "members": ["zhangsan", "lisi"]}
    await api("POST", "/api/v1/assignment-rules", rule, status=201)
    await api(
        "POST", "/api/v1/campaigns", {"name": "春季", "channel": "抖音", "cost": 100_000}, 201
    )
    leads: dict[str, dict[str, Any]] = {}
    with at(0):
        for key, channel in (("L1", "抖音"), ("L2", "抖音"), ("L3", "官网"), ("L4", "官网")):
            body = {
                "name": key,
                "phone": f"1390000000{key[1]}",
                "channel": channel,
                "campaign": "春季" if channel == "抖音" else "",
                "city": "上海",
            }
            leads[key] = await api("POST", "/api/v1/leads", body, status=201)
        for key, demos in (("L1", 2), ("L2", 1), ("L4", 2)):
            for _ in range(demos):
                await api(
                    "POST",
                    f"/api/v1/leads/{leads[key]['id']}/activities",
                    {"event": "demo_requested"},
                )
    with at(0, hours=1):
        await api(
            "POST",
            f"/api/v1/leads/{leads['L1']['id']}/followups",
            {"userid": "zhangsan", "note": "电话沟通"},
        )
        await api("POST", f"/api/v1/leads/{leads['L1']['id']}/activities", {"event": "call"})
    with at(0, hours=2):
        await api(
            "POST",
            f"/api/v1/leads/{leads['L2']['id']}/followups",
            {"userid": "lisi", "note": "加微信"},
        )
    deals: dict[str, dict[str, Any]] = {}
    quotes: dict[str, dict[str, Any]] = {}
    new = "/api/v1/opportunities"
    with at(1):
        deals["A"] = await api(
            "POST",
            new,
            {
                "name": "A",
                "owner_userid": "zhangsan",
                "amount": 400_000,
                "lead_id": leads["L1"]["id"],
            },
            201,
        )
        deals["C"] = await api(
            "POST", new, {"name": "C", "owner_userid": "zhangsan", "amount": 200_000}, 201
        )
        task = await api("POST", "/api/v1/tasks", {"title": "发方案", "assignee": "zhangsan"}, 201)
    with at(2):
        deals["B"] = await api(
            "POST",
            new,
            {"name": "B", "owner_userid": "lisi", "amount": 600_000, "lead_id": leads["L4"]["id"]},
            201,
        )
        await api("POST", f"/api/v1/tasks/{task['id']}/done")
    with at(3):
        await _move(app, deals["A"], "Discovery", **QUALIFY, **DISCOVER)
    with at(4):
        line = {"product": "实施", "quantity": 1, "unit_price": 200_000, "discount_bp": 500}
        quotes["C"] = await api(
            "POST", f"/api/v1/opportunities/{deals['C']['id']}/quotes", {"lines": [line]}, 201
        )
    with at(5):
        await _move(app, deals["C"], "Won", contract="HT-C")
        await _move(app, deals["B"], "Lost", lost_reason="price")
        line = {"product": "年费", "quantity": 1, "unit_price": 400_000, "discount_bp": 1500}
        quotes["A"] = await api(
            "POST", f"/api/v1/opportunities/{deals['A']['id']}/quotes", {"lines": [line]}, 201
        )
    with at(6):
        await _move(app, deals["A"], "Proposal")
        await api(
            "POST",
            f"/api/v1/quotes/{quotes['A']['id']}/decision",
            {"approver": "wangwu", "role": "manager", "approve": True},
        )
    with at(7):
        await api(
            "POST",
            "/api/v1/followups",
            {"userid": "zhangsan", "note": "催合同", "opportunity_id": deals["A"]["id"]},
            201,
        )
    with at(11):
        contract = await api(
            "POST", "/api/v1/contracts", {"quote_id": quotes["A"]["id"], "number": "HT-A"}, 201
        )
        await api(
            "POST",
            f"/api/v1/contracts/{contract['id']}/payments",
            {"amount": 340_000, "reference": "BANK-A"},
        )
    with at(20):
        deals["D"] = await api(
            "POST",
            new,
            {
                "name": "D",
                "owner_userid": "lisi",
                "amount": 300_000,
                "expected_close": "2026-11-24",
            },
            201,
        )
        line = {"product": "年费", "quantity": 1, "unit_price": 300_000, "discount_bp": 2500}
        quotes["D"] = await api(
            "POST", f"/api/v1/opportunities/{deals['D']['id']}/quotes", {"lines": [line]}, 201
        )
        await _move(
            app,
            deals["D"],
            "Proposal",
            next_step="报价",
            next_step_date="2026-11-23",
            decision_maker="李总",
        )
    return Month(leads, deals, quotes)


@pytest.fixture
async def month(linked: Linked) -> Month:  # noqa: F811
    return await build_month(linked)
