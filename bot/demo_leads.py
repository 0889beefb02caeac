"""The demo's lead part: a web form pushes leads; they are merged, scored and assigned."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from typing import Any

import aiohttp

from bot.demo_seed import DEMO_STAFF
from bot.term_table import table

FORM_KEY = "demo-form-secret"


async def demo_leads(http: aiohttp.ClientSession, bot_url: str, token: str) -> bool:
    auth = {"Authorization": f"Bearer {token}"}

    async def api(path: str, body: dict[str, Any]) -> Any:
        async with http.post(f"{bot_url}{path}", json=body, headers=auth) as r:
            return await r.json()

    await api(
        "/api/v1/lead-sources",
        {
            "platform": "form",
            "key": "官网表单",
            "secret": FORM_KEY,
            "channel": "官网",
            "campaign": "双十一",
        },
    )
    await api(
        "/api/v1/scoring-rules",
        {
            "name": "预算充足",
            "kind": "attribute",
            "field": "预算",
            "op": "eq",
            "value": "10万以上",
            "points": 45,
        },
    )
    await api(
        "/api/v1/assignment-rules",
        {"name": "上海", "conditions": {"city": ["上海"]}, "members": ["zhangsan", "lisi"]},
    )
    pushes = [
        {
            "name": "周女士",
            "phone": "13812345678",
            "city": "上海",
            "answers": {"预算": "10万以上"},
        },
        {"name": "吴先生", "phone": "13987654321", "city": "杭州"},
        {"name": "周", "phone": "+86 138-1234-5678", "city": "上海"},  # the same person again
    ]
    for i, body in enumerate(pushes):
        raw = json.dumps(body, ensure_ascii=False).encode()
        headers = {
            "X-Signature": hmac.new(FORM_KEY.encode(), raw, hashlib.sha256).hexdigest(),
            "X-Request-Id": f"demo-{i}",
        }
        async with http.post(
            f"{bot_url}/webhooks/form?key=官网表单", data=raw, headers=headers
        ) as r:
            await r.read()
    deadline = time.time() + 15
    leads: list[dict[str, Any]] = []
    while time.time() < deadline:
        params = {"channel": "官网"}
        async with http.get(f"{bot_url}/api/v1/leads", params=params, headers=auth) as r:
            leads = await r.json()
        if len(leads) == 2 and any(x["touches"] == 2 for x in leads):
            break
        await asyncio.sleep(0.3)
    print("\n官网表单 → 线索（3 次提交，其中一人提交两次）：")
    staff = dict(DEMO_STAFF)
    status = {"new": "新线索", "mql": "MQL", "sql": "SQL", "converted": "已转化", "lost": "已流失"}
    rows = [
        [
            x["name"], x["phone_masked"], x["score"], x["grade"],
            status.get(x["status"], x["status"]),
            staff.get(x["owner_userid"], x["owner_userid"]) or "公海", x["touches"],
        ]
        for x in leads
    ]  # fmt: skip
    print(
        table(
            ["姓名", "手机", "分数", "等级", "状态", "负责人", "提交次数"],
            rows,
            right=(2, 6),
            indent="  ",
        )
    )
    return len(leads) == 2
