"""The customer list and 360° detail by scope and filter; assigning, claiming and merging
leads within scope; the CSV import in the background with progress."""

from __future__ import annotations

import asyncio
from typing import Any

from scrm.infra import keys
from scrm.models import Corp, Lead, LeadActivity, LeadSource
from scrm.services import lead_import
from tests.leads.conftest import Linked
from tests.leads.customer_seed import exts, seed_customers
from tests.leads.test_access_and_work import call, token

NO_SUCH = "没有这条记录，或不在你的数据范围内"  # the same words for absent and out of scope

ADMIN = {"Authorization": "Bearer test-admin-token"}


async def test_customers_are_listed_and_opened_within_scope_only(linked: Linked) -> None:
    await seed_customers(linked)
    lisi = await token(linked, "staff", "lisi")
    boss = await token(linked, "manager", "zhangsan", team=["lisi"])

    status, mine = await call(linked, "GET", "/api/v1/customers", lisi)
    assert status == 200 and exts(mine) == {"wmLisiA", "wmLisiB"} and mine["total"] == 2
    status, other = await call(linked, "GET", "/api/v1/customers/wmWangA", lisi)
    status_absent, absent = await call(linked, "GET", "/api/v1/customers/wmNobody", lisi)
    # Someone else's customer and a customer that does not exist answer exactly alike.
    assert (
        (status, other)
        == (status_absent, absent)
        == (404, {"error": "no such customer", "message": NO_SUCH})
    )
    status, nothing = await call(linked, "GET", "/api/v1/customers?owner=wangwu", lisi)
    assert status == 200 and nothing["total"] == 0 and nothing["items"] == []

    status, one = await call(linked, "GET", "/api/v1/customers/wmLisiA", lisi)
    assert status == 200
    assert (one["name"], one["channel_name"], one["tags"]) == ("李客户甲", "门店海报", ["VIP"])
    assert [o["userid"] for o in one["owners"]] == ["lisi"]
    assert [(x["grade"], x["score"]) for x in one["leads"]] == [("A", 72)]
    assert one["follow_ups"][0]["note"] == "电话沟通，客户想要报价"
    assert one["phone_masked"] == ""  # no phone on the customer row

    status, team = await call(linked, "GET", "/api/v1/customers", boss)
    assert exts(team) == {"wmLisiA", "wmLisiB", "wmZhangA"}
    status, _ = await call(linked, "GET", "/api/v1/customers/wmWangA", boss)
    assert status == 404
    status, _ = await call(linked, "GET", "/api/v1/customers/wmLisiB", boss)
    assert status == 200
    everyone = await linked.api("GET", "/api/v1/customers")
    assert everyone["total"] == 4


async def test_customer_filters_and_pages(linked: Linked) -> None:
    await seed_customers(linked)

    async def listed(query: str) -> set[str]:
        return exts(await linked.api("GET", f"/api/v1/customers?{query}"))

    assert await listed("tag=tagVIP") == {"wmLisiA", "wmWangA"}
    assert await listed("channel=lc-poster") == {"wmLisiA", "wmWangA"}
    assert await listed("owner=lisi") == {"wmLisiA", "wmLisiB"}
    assert await listed("owner=lisi&tag=tagVIP") == {"wmLisiA"}
    assert await listed("q=乙") == {"wmLisiB"}
    assert await listed("q=王客户-备注") == {"wmWangA"}  # the staff's remark name
    assert await listed("tag=nope") == set()
    second = await linked.api("GET", "/api/v1/customers?per_page=3&page=2")
    assert (second["total"], len(second["items"]), second["page"]) == (4, 1, 2)
    row = (await linked.api("GET", "/api/v1/customers?q=甲"))["items"][0]
    assert row["lead"]["score"] == 72 and row["tags"] == ["VIP"] and row["owners"][0]["name"]
    status, body = await call(linked, "GET", "/api/v1/customers?page=two", ADMIN)
    assert status == 422 and "page" in body["error"]


async def pooled(linked: Linked, name: str, phone: str) -> dict[str, Any]:
    """A lead with no assignment rule lands in the pool."""
    made = await linked.api("POST", "/api/v1/leads", {"name": name, "phone": phone}, status=201)
    assert made["in_pool"], made
    return dict(made)


async def test_assign_checks_role_scope_and_member(linked: Linked) -> None:
    lisi = await token(linked, "staff", "lisi")
    boss = await token(linked, "manager", "zhangsan", team=["lisi"])
    lead = await pooled(linked, "待分配", "13900000001")
    path = f"/api/v1/leads/{lead['id']}/assign"

    status, _ = await call(linked, "POST", path, lisi, {"userid": "lisi"})
    assert status == 403  # staff claim, they do not assign
    status, body = await call(linked, "POST", path, boss, {"userid": "wangwu"})
    assert status == 403 and "team" in body["error"]
    status, body = await call(linked, "POST", path, boss, {"userid": ""})
    assert status == 422
    status, body = await call(linked, "POST", path, boss, {"userid": "lisi"})
    assert status == 200 and body["owner_userid"] == "lisi" and not body["in_pool"]
    act = await LeadActivity.filter(lead_id=lead["id"], kind="assign").order_by("-id").first()
    assert act is not None and act.data == {"owner": "lisi", "how": "manual", "from": ""}
    assert act.actor == "zhangsan"

    theirs = await pooled(linked, "王的", "13900000002")
    await linked.api("POST", f"/api/v1/leads/{theirs['id']}/assign", {"userid": "wangwu"})
    status, _ = await call(linked, "POST", f"/api/v1/leads/{theirs['id']}/assign", boss, {})
    assert status == 404  # wangwu's lead is outside boss's team: it does not exist for him
    status, body = await call(
        linked, "POST", f"/api/v1/leads/{theirs['id']}/assign", ADMIN, {"userid": "ghost"}
    )
    assert status == 422 and "ghost" in body["error"]
    await Lead.filter(id=theirs["id"]).update(status="lost")
    status, body = await call(
        linked, "POST", f"/api/v1/leads/{theirs['id']}/assign", ADMIN, {"userid": "lisi"}
    )
    assert status == 409 and "closed" in body["error"]


async def test_claims_and_merges_stay_within_scope(linked: Linked) -> None:
    lisi = await token(linked, "staff", "lisi")
    boss = await token(linked, "manager", "zhangsan", team=["lisi"])
    a = await pooled(linked, "甲", "13900000011")
    status, body = await call(
        linked, "POST", f"/api/v1/leads/{a['id']}/claim", lisi, {"userid": "wangwu"}
    )
    assert status == 403 and "yourself" in body["error"]
    assert (await Lead.get(id=a["id"])).in_pool
    status, body = await call(
        linked, "POST", f"/api/v1/leads/{a['id']}/claim", lisi, {"userid": "lisi"}
    )
    assert status == 200 and body["owner_userid"] == "lisi"

    outside = await pooled(linked, "乙", "13900000012")
    await linked.api("POST", f"/api/v1/leads/{outside['id']}/assign", {"userid": "wangwu"})
    status, _ = await call(
        linked, "POST", f"/api/v1/leads/{a['id']}/merge", boss, {"other_id": outside["id"]}
    )
    assert status == 404  # a lead boss cannot open cannot be merged in by him either
    assert (await Lead.get(id=outside["id"])).merged_into_id is None
    inside = await pooled(linked, "丙", "13900000013")
    status, body = await call(
        linked, "POST", f"/api/v1/leads/{a['id']}/merge", boss, {"other_id": inside["id"]}
    )
    assert status == 200 and body["touches"] == 2
    merge = await LeadActivity.get(lead_id=a["id"], kind="merge")
    assert merge.actor == "zhangsan"


CSV = "name,phone,city\n" + "".join(f"客户{i},1390000{i:04d},上海\n" for i in range(450))
CSV += "重复,1390000-0003,上海\n,,北京\n"  # line 452 is line 5's person; line 453 is rejected


async def test_import_in_the_background_reports_progress_and_counts(linked: Linked) -> None:
    lisi = await token(linked, "staff", "lisi")
    resp = await linked.bot.post("/api/v1/leads/import/jobs", data=CSV.encode(), headers=lisi)
    assert resp.status == 403
    resp = await linked.bot.post("/api/v1/leads/import/jobs", data=b"a,b\n1,2\n", headers=ADMIN)
    assert resp.status == 400 and (await resp.json())["code"] == "bad_csv"

    resp = await linked.bot.post(
        "/api/v1/leads/import/jobs?channel=展会", data=CSV.encode(), headers=ADMIN
    )
    started = await resp.json()
    assert resp.status == 202 and started["rows"] == 452
    for _ in range(1200):  # ≤ 2 minutes on a busy machine
        state = await linked.api("GET", f"/api/v1/progress/{started['id']}")
        if state["state"] in ("done", "failed"):
            break
        await asyncio.sleep(0.1)
    assert state["state"] == "done", state
    assert (state["done"], state["total"]) == (452, 452)
    result = state["result"]
    assert (result["created"], result["merged"], result["rejected"]) == (450, 1, 1)
    assert result["errors"] == [{"line": 453, "error": "缺少手机号或 unionid"}]
    assert await Lead.filter(channel="展会").count() == 450


async def test_dry_run_describes_every_row_and_progress_is_reported(linked: Linked) -> None:
    text = "name,phone\n甲,13800000001\n乙,+86 138-0000-0001\n丙,\n丁,13900000002\n"
    await linked.api("POST", "/api/v1/leads", {"name": "老", "phone": "13900000002"}, 201)
    resp = await linked.bot.post("/api/v1/leads/import?dry_run=1", data=text, headers=ADMIN)
    lines = (await resp.json())["lines"]
    assert [(x["line"], x["outcome"], x["why"]) for x in lines] == [
        (2, "create", ""),
        (3, "merge", "与第 2 行是同一人"),
        (4, "reject", "缺少手机号或 unionid"),
        (5, "merge", "已有这条线索"),
    ]
    assert lines[0]["phone"] == "138****0001" and lines[0]["name"] == "甲"

    corp = await Corp.get()
    source = await LeadSource.create(corp_id=corp.id, platform="csv", key="t", secret="-")
    steps: list[int] = []

    async def step(done: int) -> None:
        steps.append(done)

    report = await lead_import.import_csv(
        source, CSV, linked.bot.app[keys.ARQ], dry_run=True, progress=step
    )
    assert steps == [200, 400]
    # 客户2 is the lead made above; the duplicate row is 客户3 again.
    assert (report.would_create, report.would_merge, report.created) == (449, 2, 0)
