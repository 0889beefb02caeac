"""活码效果 from real adds through the sandbox: welcome rate and churn within 7 and 30 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from tests.livecode.test_api import SPEC
from tests.reports.conftest import Linked


async def test_adds_welcome_rate_and_churn_per_code(linked: Linked) -> None:
    code = await linked.api("POST", "/api/v1/livecodes", {**SPEC, "strategy": "native"}, 201)
    scans = [
        await linked.sandbox.control("scan", {"config_id": code["config_id"], "name": f"顾客{i}"})
        for i in range(3)
    ]
    await linked.drain()

    async def leaves(scan: dict[str, str]) -> None:
        body = {"userid": scan["userid"], "external_userid": scan["external_userid"]}
        await linked.sandbox.control("customer_deletes_staff", body)
        await linked.drain()

    await leaves(scans[0])  # the same day: churn within 7 and within 30 days
    with time_machine.travel(datetime.now(UTC) + timedelta(days=10), tick=True):
        await leaves(scans[1])  # ten days on: within 30 days only
    since = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    rows = await linked.api("GET", f"/api/v1/reports/view/livecodes?since={since}")
    assert rows == [
        {
            "code_id": code["id"],
            "code": "门店海报",
            "adds": 3,
            "welcome_rate": 1.0,
            "churn_7d": 0.3333,
            "churn_30d": 0.6667,
        }
    ]
