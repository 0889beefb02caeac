"""The demo corp's last month, so no page opens empty: leads (some in the pool), opportunities
in every stage with their history, quotes awaiting approval, a group SOP plan, a journey with
customers part-way, and a 群发 — made through the services and the API, as people would."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp

from admin.api.deal_labels import FIELDS
from admin.api.deal_labels import stage as stage_label
from admin.web.pages.sop_journeys import TEMPLATE
from bot.term_table import table
from scrm.models import (
    Corp,
    Customer,
    GroupChat,
    Journey,
    JourneyRun,
    Lead,
    Opportunity,
    StageChange,
)
from scrm.services import deals, quotes
from scrm.services.leads import phone_index
from scrm.sop import journeys

PEOPLE = [
    ("林晓峰", "上海", "官网"), ("郭婷", "杭州", "抖音"), ("马俊", "北京", "官网"),
    ("黄雅琪", "上海", "百度"), ("宋磊", "深圳", "展会"), ("许静", "苏州", "抖音"),
    ("韩冰", "南京", "官网"), ("谢宇", "上海", "转介绍"), ("唐雪", "成都", "百度"),
    ("邓超然", "广州", "展会"), ("冯琳", "武汉", "官网"), ("曹阳", "上海", "抖音"),
]  # fmt: skip
DEALS = [
    ("华东物流年度订阅", 36_000_00), ("星河教育 SaaS 采购", 58_000_00),
    ("锦程医疗私有化部署", 260_000_00), ("蓝海零售会员系统", 120_000_00),
    ("启明科技续约", 45_000_00), ("万象地产渠道管理", 88_000_00),
    ("青禾餐饮门店版", 12_000_00), ("远航制造试点", 30_000_00),
]  # fmt: skip
# Which stage (by order) each deal ends in: every stage, two in the busy middle ones.
SPREAD = [0, 1, 2, 3, 3, 4, 5, 6]
SAMPLE = {
    "next_step": "约客户做方案演示",
    "decision_maker": "采购总监 王总",
    "pain_points": "线索分散在多个渠道，跟进不及时",
    "purchase_process": "部门申请 → 采购比价 → 法务审核",
    "solution_doc": "方案 V2（已发送）",
    "competitors": "某某 SCRM",
    "contract_version": "2026 标准版",
    "legal_status": "法务审核中",
    "contract": "HT-2026-0815",
    "quote_number": "Q-2026-031",
}


def _value(name: str, amount: int, today: date) -> Any:
    kind = FIELDS.get(name, ("", "text"))[1]
    if kind == "date":
        return (today + timedelta(days=7)).isoformat()
    if kind == "money":
        return amount
    if kind == "reason":
        return "competitor"
    return SAMPLE.get(name, "已确认")


async def _backdate(model: Any, row_id: int, at: datetime, **more: Any) -> None:
    await model.filter(id=row_id).update(created_at=at, **more)


async def seed_leads(corp: Corp, rng: random.Random, now: datetime) -> list[Lead]:
    customers = await Customer.filter(corp_id=corp.id).order_by("id").limit(len(PEOPLE))
    owners = ["zhangsan", "lisi", "wangwu", ""]  # "" → the pool
    made = []
    for i, (name, city, channel) in enumerate(PEOPLE):
        phone = f"139{rng.randrange(10**7, 10**8)}"
        owner = owners[i % len(owners)]
        score = rng.randrange(5, 95)
        lead = await Lead.create(
            corp_id=corp.id, name=name, phone=phone, phone_index=phone_index(phone), city=city,
            channel=channel, platform="form", score=score, attr_score=score,
            grade="S" if score > 80 else "A" if score > 60 else "B" if score > 40 else "C",
            status="mql" if score > 40 else "new", owner_userid=owner, in_pool=not owner,
            customer=customers[i] if i < len(customers) and owner else None,
            external_userid=customers[i].external_userid if i < len(customers) and owner else "",
            assigned_at=now - timedelta(days=30 - 2 * i) if owner else None,
        )  # fmt: skip
        await _backdate(
            Lead, lead.id, now - timedelta(days=30 - 2 * i, hours=rng.randrange(9, 18))
        )
        made.append(lead)
    return made


async def seed_deals(corp: Corp, leads: list[Lead], now: datetime) -> dict[str, int]:
    """One opportunity per stage at least (two in the open ones), walked there stage by stage
    with each gate's fields filled; their history spread over the month."""
    stages = await deals.ensure_stages(corp.id)
    owned = [x for x in leads if not x.in_pool]
    counts: dict[str, int] = {}
    for i, (name, amount) in enumerate(DEALS):
        target = stages[min(SPREAD[i], len(stages) - 1)]
        lead = owned[i % len(owned)]
        opp = await deals.create(
            corp.id, name=name, owner=lead.owner_userid, amount=amount, lead=lead,
            expected_close=(now + timedelta(days=20 + 5 * i)).date(), actor=lead.owner_userid,
        )  # fmt: skip
        walked = [s for s in stages if not s.is_lost and s.sequence <= target.sequence]
        if target.is_lost:
            walked = [stages[0], stages[1], target]
        for stage in walked[1:]:
            updates = {f: _value(f, amount, now.date()) for f in deals.required(stage)}
            await deals.move(opp, stage.name, actor=opp.owner_userid, updates=updates)
        # Spread the history: created a month ago, each step a few days after the last.
        changes = await StageChange.filter(opportunity_id=opp.id).order_by("id")
        start = now - timedelta(days=28 - i)
        for step, change in enumerate(changes):
            await StageChange.filter(id=change.id).update(at=start + timedelta(days=3 * step))
        await Opportunity.filter(id=opp.id).update(
            created_at=start, stage_changed_at=start + timedelta(days=3 * (len(changes) - 1))
        )
        counts[target.name] = counts.get(target.name, 0) + 1
        if target.name in ("Proposal", "Negotiation"):
            lines = [
                quotes.QuoteLine(product="SCRM 企业版（年）", quantity=10, unit_price=amount // 10)
            ]
            await quotes.create_quote(
                opp, lines, discount_bp=1500 + 1000 * (i % 2), by=opp.owner_userid
            )
    return counts


async def seed_journey(corp: Corp, leads: list[Lead], now: datetime) -> int:
    """The template journey, with customers at its wait, its branch and past it."""
    spec = {**TEMPLATE, "name": "新客七天培育"}
    j = await Journey.create(corp_id=corp.id, **spec)
    entered = 0
    for i, lead in enumerate(x for x in leads if x.external_userid):
        at = now - timedelta(days=6 - i)
        entered += await journeys.enroll(
            corp.id, "livecode_add", lead.external_userid, lead.owner_userid, {}, now=at
        )
    runs = await JourneyRun.filter(journey_id=j.id).order_by("id")
    for run, node in zip(runs, ["w1", "s1", "w2", "b1", "s2", "r1"], strict=False):
        await JourneyRun.filter(id=run.id).update(node_id=node)
    return entered


async def seed_by_api(
    http: aiohttp.ClientSession, base: str, token: str, chat_ids: list[str]
) -> list[str]:
    """A group SOP plan over every group, a 群活码 over three groups and a 群发 to the
    customers: what the worker and WeCom (the sandbox) then do with them is the real work."""
    auth = {"Authorization": f"Bearer {token}"}
    said = []
    plan = {
        "name": "社群早安与周五福利",
        "target": {"owners": ["zhangsan", "lisi", "wangwu"]},
        "steps": [
            {
                "id": "am",
                "schedule": {"kind": "weekly", "weekdays": [1, 2, 3, 4, 5], "at": "08:30"},
                "text": "早安！今天也为大家准备了行业干货，欢迎交流～",
            },
            {
                "id": "fri",
                "schedule": {"kind": "weekly", "weekdays": [5], "at": "17:00"},
                "text": "周五福利：本群专属 9 折券，回复「福利」领取",
            },
        ],
    }
    send = {
        "name": "双十二预热",
        "chat_type": "single",
        "target": {"conditions": {"has_phone": False}},
        "text": "您好，双十二会员专享活动已开启，回复 1 了解详情～",
    }
    group_code = {"name": "会员福利群", "chat_ids": chat_ids[:3], "threshold": 200}
    for path, body in (
        ("/api/v1/sop-plans", plan),
        ("/api/v1/mass-sends", send),
        ("/api/v1/group-livecodes", group_code),
    ):
        async with http.post(f"{base}{path}", json=body, headers=auth) as r:
            if r.status >= 300:
                said.append(f"{path} 未创建（HTTP {r.status}：{(await r.text())[:120]}）")
    return said


async def seed_month(http: aiohttp.ClientSession, corp_id: str, base: str, token: str) -> bool:
    corp = await Corp.get(corp_id=corp_id)
    now = datetime.now(UTC)
    rng = random.Random(20261204)
    leads = await seed_leads(corp, rng, now)
    counts = await seed_deals(corp, leads, now)
    entered = await seed_journey(corp, leads, now)
    chats = (
        await GroupChat.filter(corp_id=corp.id).order_by("id").values_list("chat_id", flat=True)
    )
    problems = await seed_by_api(http, base, token, [str(c) for c in chats])
    pool = sum(1 for x in leads if x.in_pool)
    rows = [[stage_label(s), n] for s, n in counts.items()]
    print(f"\n一个月的演示数据：{len(leads)} 条线索（{pool} 条在公海），{len(DEALS)} 个商机，"
          f"客户旅程 {entered} 位客户进行中")  # fmt: skip
    print(table(["商机阶段", "数量"], rows, right=(1,), indent="  "))
    for line in problems:
        print("  " + line)
    return not problems
