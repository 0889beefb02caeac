"""Every metric against numbers counted by hand from the month built in conftest."""

from __future__ import annotations

from typing import Any

from scrm.models import Staff
from tests.reports.conftest import WINDOW, Linked, Month, at


async def view(linked: Linked, key: str, extra: str = "") -> Any:
    return await linked.api("GET", f"/api/v1/reports/view/{key}?{WINDOW}{extra}")


def pick(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    return [{k: r[k] for k in keys} for r in rows]


async def test_funnel_cycle_value_and_win_loss(linked: Linked, month: Month) -> None:
    owners = [month.leads[k]["owner_userid"] for k in ("L1", "L2", "L3", "L4")]
    assert owners == ["zhangsan", "lisi", "zhangsan", "lisi"]  # round robin by the rule
    funnel = await view(linked, "funnel_channel")
    counts = ("channel", "leads", "mql", "sql", "opportunities", "won")
    assert sorted(pick(funnel, *counts), key=lambda r: r["channel"]) == [
        {"channel": "官网", "leads": 2, "mql": 1, "sql": 1, "opportunities": 1, "won": 0},
        {"channel": "抖音", "leads": 2, "mql": 2, "sql": 1, "opportunities": 1, "won": 1},
    ]
    assert await view(linked, "sales_cycle") == [
        {"measure": "lead_to_won", "deals": 1, "median_days": 11.0, "p90_days": 11.0},
        {"measure": "opportunity_to_won", "deals": 2, "median_days": 7.0, "p90_days": 10.0},
    ]
    # A was won by its contract at the quote's total: 4 000 元 less 15 % = 3 400 元.
    assert await view(linked, "order_value") == [
        {"owner_userid": "", "won": 2, "amount": 540_000, "average": 270_000},
        {"owner_userid": "zhangsan", "won": 2, "amount": 540_000, "average": 270_000},
    ]
    assert await view(linked, "win_loss") == [
        {"owner_userid": "", "won": 2, "lost": 1, "win_rate": 0.6667, "won_amount": 540_000},
        {"owner_userid": "lisi", "won": 0, "lost": 1, "win_rate": 0.0, "won_amount": 0},
        {"owner_userid": "zhangsan", "won": 2, "lost": 0, "win_rate": 1.0, "won_amount": 540_000},
    ]
    # A channel is the lead's: only A (抖音) counts; C has no lead, B came from 官网.
    assert await view(linked, "win_loss", "&channel=%E6%8A%96%E9%9F%B3") == [
        {"owner_userid": "", "won": 1, "lost": 0, "win_rate": 1.0, "won_amount": 340_000},
        {"owner_userid": "zhangsan", "won": 1, "lost": 0, "win_rate": 1.0, "won_amount": 340_000},
    ]
    assert await view(linked, "lost_reasons") == [
        {"stage": "Qualification", "reason": "price", "lost": 1}
    ]


async def test_stage_time_and_discounts(linked: Linked, month: Month) -> None:
    stages = {r["stage"]: r for r in await view(linked, "stage_time")}
    # Qualification exits: A 2 d, B 3 d, C 4 d, D at once (created and moved on day 20).
    assert (stages["Qualification"]["exits"], stages["Qualification"]["median_days"]) == (4, 2.5)
    assert stages["Qualification"]["avg_days"] == 2.25
    assert (stages["Discovery"]["avg_days"], stages["Proposal"]["avg_days"]) == (3.0, 5.0)
    spread = {(r["group"], r["key"]): r for r in await view(linked, "discounts")}
    keys = (
        "quotes",
        "avg_discount_bp",
        "median_discount_bp",
        "max_discount_bp",
        "needs_approval",
        "approval_share",
    )
    got = {k: tuple(r[x] for x in keys) for k, r in spread.items()}
    assert got == {
        ("all", ""): (3, 1500, 1500, 2500, 2, 0.6667),
        ("member", "lisi"): (1, 2500, 2500, 2500, 1, 1.0),
        ("member", "zhangsan"): (2, 1000, 1000.0, 1500, 1, 0.5),
        ("product", "实施"): (1, 500, 500, 500, 0, 0.0),
        ("product", "年费"): (2, 2000, 2000.0, 2500, 2, 1.0),
    }


async def test_activity_per_member_and_week(linked: Linked, month: Month) -> None:
    rows = await view(linked, "activity")
    assert rows == [
        {
            "owner_userid": "lisi",
            "week": "2026-W45",
            "followups": 1,
            "calls": 0,
            "tasks_done": 0,
            "first_response_median_min": 120.0,
        },
        {
            "owner_userid": "zhangsan",
            "week": "2026-W45",
            "followups": 1,
            "calls": 1,
            "tasks_done": 1,
            "first_response_median_min": 60.0,
        },
        {
            "owner_userid": "zhangsan",
            "week": "2026-W46",
            "followups": 1,
            "calls": 0,
            "tasks_done": 0,
            "first_response_median_min": None,
        },
    ]


async def test_stagnant_and_risks(linked: Linked, month: Month) -> None:
    with at(30, hours=1):
        stale = await view(linked, "stagnant")
        risks = await view(linked, "risks")
    assert pick(stale, "name", "stage", "idle_days", "stale_days") == [
        {"name": "D", "stage": "Proposal", "idle_days": 10, "stale_days": 7}
    ]
    assert pick(risks, "name", "risks") == [
        {"name": "D", "risks": ["next_step_overdue", "close_date_passed", "discount_over_tier"]}
    ]
    with at(21):  # the day after D moved: nothing overdue, and only 1 day idle
        assert await view(linked, "stagnant") == []
        early = await view(linked, "risks")
    assert pick(early, "name", "risks") == [{"name": "D", "risks": ["discount_over_tier"]}]


async def test_channel_roi(linked: Linked, month: Month) -> None:
    rows = sorted(await view(linked, "channel_roi"), key=lambda r: r["channel"])
    assert rows == [
        {
            "channel": "官网",
            "cost": 0,
            "leads": 2,
            "mql": 1,
            "won": 0,
            "cost_per_lead": 0,
            "cost_per_mql": 0,
            "cost_per_won": None,
            "revenue": 0,
            "roi": None,
        },
        {
            "channel": "抖音",
            "cost": 100_000,
            "leads": 2,
            "mql": 2,
            "won": 1,
            "cost_per_lead": 50_000,
            "cost_per_mql": 50_000,
            "cost_per_won": 100_000,
            "revenue": 340_000,
            "roi": 2.4,
        },
    ]


async def test_forecast_rollup_accuracy_and_coverage(linked: Linked, month: Month) -> None:
    for userid, target, commit in (("zhangsan", 1_000_000, 500_000), ("lisi", 500_000, 200_000)):
        await linked.api(
            "PUT",
            "/api/v1/forecast/targets",
            {"userid": userid, "month": "2026-11", "amount": target},
        )
        await linked.api(
            "POST",
            "/api/v1/forecast/submissions",
            {"userid": userid, "month": "2026-11", "amount": commit},
            201,
        )
    rows = await view(linked, "forecast", "&month=2026-11")
    keys = (
        "owner_userid",
        "target",
        "submitted",
        "closed",
        "commit",
        "forecast_error",
        "accuracy",
        "coverage",
        "attainment",
    )
    assert pick(rows, *keys) == [
        {
            "owner_userid": "",
            "target": 1_500_000,
            "submitted": 700_000,
            "closed": 540_000,
            "commit": 300_000,
            "forecast_error": 0.2963,
            "accuracy": 0.7037,
            "coverage": 0.2,
            "attainment": 0.36,
        },
        {
            "owner_userid": "lisi",
            "target": 500_000,
            "submitted": 200_000,
            "closed": 0,
            "commit": 300_000,
            "forecast_error": None,
            "accuracy": None,
            "coverage": 0.6,
            "attainment": 0.0,
        },
        {
            "owner_userid": "zhangsan",
            "target": 1_000_000,
            "submitted": 500_000,
            "closed": 540_000,
            "commit": 0,
            "forecast_error": 0.0741,
            "accuracy": 0.9259,
            "coverage": 0.0,
            "attainment": 0.54,
        },
    ]
    # A second submission replaces the first.
    await linked.api(
        "POST",
        "/api/v1/forecast/submissions",
        {"userid": "lisi", "month": "2026-11", "amount": 300_000},
        201,
    )
    again = await linked.api("GET", "/api/v1/forecast/submissions?month=2026-11")
    assert {r["userid"]: r["amount"] for r in again} == {"lisi": 300_000, "zhangsan": 500_000}


async def test_forecast_categories_follow_the_seeds_and_can_be_configured(
    linked: Linked, month: Month
) -> None:
    stages = {s["name"]: s for s in await linked.api("GET", "/api/v1/forecast/stages")}
    assert {n: s["forecast_category"] for n, s in stages.items()} == {
        "Qualification": "pipeline",
        "Discovery": "pipeline",
        "Solution": "best_case",
        "Proposal": "commit",
        "Negotiation": "commit",
        "Won": "closed",
        "Lost": "omitted",
    }
    d = await linked.api("GET", f"/api/v1/opportunities/{month.deals['D']['id']}")
    assert d["forecast_category"] == "commit"  # Proposal is Commit in the seeds, not Best case
    proposal = stages["Proposal"]["id"]
    changed = await linked.api(
        "PATCH",
        f"/api/v1/forecast/stages/{proposal}",
        {"forecast_category": "best_case", "stale_days": 14},
    )
    assert (changed["forecast_category"], changed["stale_days"]) == ("best_case", 14)
    d = await linked.api("GET", f"/api/v1/opportunities/{month.deals['D']['id']}")
    assert d["forecast_category"] == "best_case"  # the open deal in the stage follows
    with at(30, hours=1):
        assert await view(linked, "stagnant") == []  # 10 idle days are under 14 now
    await linked.api(
        "PATCH", f"/api/v1/forecast/stages/{proposal}", {"forecast_category": "maybe"}, status=422
    )


async def test_a_manager_sees_their_team_only(linked: Linked, month: Month) -> None:
    issued = await linked.api(
        "POST",
        "/api/v1/api-tokens",
        {"name": "王五", "role": "manager", "userid": "wangwu", "team": ["lisi"]},
        201,
    )
    headers = {"Authorization": f"Bearer {issued['token']}"}

    async def as_manager(key: str, extra: str = "", status: int = 200) -> Any:
        url = f"/api/v1/reports/view/{key}?{WINDOW}{extra}"
        resp = await linked.bot.get(url, headers=headers)
        assert resp.status == status
        return await resp.json()

    assert await as_manager("win_loss") == [
        {"owner_userid": "", "won": 0, "lost": 1, "win_rate": 0.0, "won_amount": 0},
        {"owner_userid": "lisi", "won": 0, "lost": 1, "win_rate": 0.0, "won_amount": 0},
    ]
    funnel = await as_manager("funnel_owner")
    assert pick(funnel, "owner_userid", "leads") == [{"owner_userid": "lisi", "leads": 2}]
    # Asking for someone outside the team narrows to nobody, never widens.
    assert (await as_manager("order_value", "&member=zhangsan"))[0]["won"] == 0
    drill = await linked.bot.get(
        f"/api/v1/reports/drill/win_loss?{WINDOW}&value=zhangsan", headers=headers
    )
    assert (await drill.json())["rows"] == []
    # An admin's team filter: lisi reports to wangwu.
    await Staff.filter(userid="lisi").update(manager_userid="wangwu")
    team = await view(linked, "win_loss", "&team=wangwu")
    assert [r["owner_userid"] for r in team] == ["", "lisi"]
    await as_manager("nope", status=404)
    backwards = "/api/v1/reports/view/win_loss?since=2026-12-01&until=2026-11-01"
    assert (await linked.bot.get(backwards, headers=headers)).status == 422
    await as_manager("win_loss", "&member=" + "x" * 65, status=422)


async def test_drill_down_lists_the_records_behind_a_number(linked: Linked, month: Month) -> None:
    leads = await linked.api(
        "GET", f"/api/v1/reports/drill/funnel_channel?{WINDOW}&value=%E6%8A%96%E9%9F%B3"
    )
    assert leads["record"] == "lead"
    assert sorted(r["name"] for r in leads["rows"]) == ["L1", "L2"]
    won = await linked.api("GET", f"/api/v1/reports/drill/order_value?{WINDOW}&value=zhangsan")
    assert sorted(r["name"] for r in won["rows"]) == ["A", "C"]
    quotes = await linked.api("GET", f"/api/v1/reports/drill/discounts?{WINDOW}&value=lisi")
    assert [q["id"] for q in quotes["rows"]] == [month.quotes["D"]["id"]]
    product = await linked.api(
        "GET", f"/api/v1/reports/drill/discounts?{WINDOW}&value=%E5%B9%B4%E8%B4%B9"
    )
    assert [q["id"] for q in product["rows"]] == [month.quotes["D"]["id"], month.quotes["A"]["id"]]


async def test_activity_keeps_a_deal_off_the_stagnant_list(linked: Linked, month: Month) -> None:
    """A follow-up or a task done on the deal moves its activity clock (kept in SQL), and
    the per-deal reports page in SQL with the whole count beside the rows."""
    d = month.deals["D"]
    with at(30, hours=1):
        resp = await linked.bot.get(
            f"/api/v1/reports/view/stagnant?{WINDOW}&limit=1",
            headers={"Authorization": "Bearer test-admin-token"},
        )
        assert resp.status == 200 and resp.headers["X-Total-Count"] == "1"
        assert [r["name"] for r in await resp.json()] == ["D"]
        body = {"userid": "lisi", "opportunity_id": d["id"], "note": "电话沟通，下周报价"}
        await linked.api("POST", "/api/v1/followups", body, status=201)
        assert await view(linked, "stagnant") == []
        risks = await view(linked, "risks")
    assert pick(risks, "name", "risks") == [
        {"name": "D", "risks": ["next_step_overdue", "close_date_passed", "discount_over_tier"]}
    ]
    with at(45):  # idle again 15 days later; then a task done on it resets the clock
        assert [r["idle_days"] for r in await view(linked, "stagnant")] == [14]
        task = await linked.api(
            "POST",
            "/api/v1/tasks",
            {"title": "回访", "assignee": "lisi", "opportunity_id": d["id"]},
            status=201,
        )
        await linked.api("POST", f"/api/v1/tasks/{task['id']}/done")
        assert await view(linked, "stagnant") == []
    resp = await linked.bot.get(
        f"/api/v1/reports/view/risks?{WINDOW}&limit=abc",
        headers={"Authorization": "Bearer test-admin-token"},
    )
    assert resp.status == 422
