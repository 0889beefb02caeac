"""The corp sync against the sandbox: a pre-existing world imported by name, kept true."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis

from scrm import vault
from scrm.enums import GroupStatus, MemberType, RelationStatus
from scrm.infra.settings import Settings
from scrm.models import (
    Customer,
    Department,
    FollowRelation,
    GroupChat,
    GroupMember,
    SyncCursor,
    SyncRun,
    Tag,
)
from scrm.sync.corp import SyncBusy, lock_name, run_corp_sync
from tests.sync.helpers import corp_pk, rows_written_since, seed_world
from tests.wecom.sandbox_fixtures import Sandbox
from wecom.client import WeComClient


async def test_full_sync_imports_the_world_by_name(
    db: Settings, sandbox: Sandbox, wecom: WeComClient, redis_client: aioredis.Redis
) -> None:
    world = await seed_world(sandbox, wecom)
    run = await run_corp_sync(await corp_pk(), wecom, redis_client)
    assert run.status == "done" and run.errors == []
    for ext, name in world.customers.items():
        assert (await Customer.get(external_userid=ext)).name == name
    shared = next(iter(world.customers))
    rel = await FollowRelation.get(staff__userid="zhangsan", customer__external_userid=shared)
    assert (rel.remark, rel.description, rel.tag_ids) == ("老客户", "去年签约", [world.tag_id])
    assert rel.status == RelationStatus.ACTIVE and rel.added_at is not None
    # Phones: encrypted at rest, matched by the blind index of the normalised number.
    assert json.loads(rel.remark_mobiles or "[]") == ["+86 138-0013-8000"]
    assert rel.mobile_indexes == [vault.current().blind_index("13800138000")]
    assert await FollowRelation.filter(customer__external_userid=shared).count() == 2
    assert await FollowRelation.filter(status=RelationStatus.ACTIVE).count() == 10
    assert (await Tag.get(tag_id=world.tag_id)).name == "VIP"
    chat = await GroupChat.get(chat_id=world.chat_id)
    assert (chat.name, chat.owner_userid, chat.member_count) == ("老客户群", "zhangsan", 4)
    member = await GroupMember.get(chat_id=chat.id, member_id=shared)
    assert member.type == MemberType.EXTERNAL and member.name == world.customers[shared]
    assert member.invitor == "zhangsan" and member.joined_at is not None
    assert (await GroupMember.get(chat_id=chat.id, member_id="lisi")).type == MemberType.STAFF
    assert run.counts["customers"]["added"] == 9
    assert run.counts["relations"]["added"] == 10
    assert run.counts["members"]["added"] == 4
    assert run.api_calls >= 6 and run.rows_written > 0
    assert await SyncCursor.all().count() == 0  # a finished run leaves nothing to resume
    # The staff step names the departments (department/list) for the pickers and pages.
    names = await Department.all().order_by("dept_id").values_list("name", flat=True)
    assert names == ["总部", "销售部", "市场部"]


async def test_a_second_run_with_nothing_changed_writes_nothing(
    db: Settings, sandbox: Sandbox, wecom: WeComClient, redis_client: aioredis.Redis
) -> None:
    await seed_world(sandbox, wecom)
    await run_corp_sync(await corp_pk(), wecom, redis_client)
    await asyncio.sleep(0.01)
    before = datetime.now(UTC)
    again = await run_corp_sync(await corp_pk(), wecom, redis_client)
    assert again.rows_written == 0
    assert await rows_written_since(before) == 0


async def test_what_wecom_no_longer_has_is_ended_not_deleted(
    db: Settings, sandbox: Sandbox, wecom: WeComClient, redis_client: aioredis.Redis
) -> None:
    world = await seed_world(sandbox, wecom)
    await run_corp_sync(await corp_pk(), wecom, redis_client)
    shared, second = list(world.customers)[:2]
    await sandbox.control("staff_deletes_customer", {"userid": "lisi", "external_userid": shared})
    await sandbox.control(f"groups/{world.chat_id}/quit", {"members": [second]})
    other = await sandbox.control("groups", {"owner": "wangwu", "name": "要解散的群"})
    await run_corp_sync(await corp_pk(), wecom, redis_client)
    await sandbox.control(f"groups/{other['chat_id']}/dismiss")
    noticed = datetime.now(UTC)
    run = await run_corp_sync(await corp_pk(), wecom, redis_client)
    await run_corp_sync(await corp_pk(), wecom, redis_client, only="groups")
    rel = await FollowRelation.get(staff__userid="lisi", customer__external_userid=shared)
    assert rel.status == RelationStatus.ENDED and rel.deleted_at is not None
    # zhangsan still has the shared customer: only lisi's relation ended.
    kept = await FollowRelation.get(staff__userid="zhangsan", customer__external_userid=shared)
    assert kept.status == RelationStatus.ACTIVE
    chat = await GroupChat.get(chat_id=world.chat_id)
    left = await GroupMember.get(chat_id=chat.id, member_id=second)
    assert not left.active and left.left_at is not None and chat.member_count == 3
    gone = await GroupChat.get(chat_id=other["chat_id"])
    assert gone.status == GroupStatus.DISMISSED and gone.dismissed_at is not None
    assert gone.dismissed_at >= noticed.replace(microsecond=0)
    assert run.counts["groups"]["ended"] == 1
    assert await GroupMember.filter(chat_id=gone.id, active=True).count() == 0


async def test_one_sync_per_corp_a_second_is_refused(
    db: Settings, sandbox: Sandbox, wecom: WeComClient, redis_client: aioredis.Redis
) -> None:
    await seed_world(sandbox, wecom)
    pk = await corp_pk()
    inside, release = asyncio.Event(), asyncio.Event()

    async def hold(step: str, pages: int) -> None:
        inside.set()
        await release.wait()

    first = asyncio.create_task(run_corp_sync(pk, wecom, redis_client, after_page=hold))
    await asyncio.wait_for(inside.wait(), 10)
    with pytest.raises(SyncBusy, match="正在同步"):
        await run_corp_sync(pk, wecom, redis_client)
    release.set()
    assert (await first).status == "done"
    assert not await redis_client.exists(lock_name(pk))  # released by its owner
    # A lock another process holds (its own token) refuses us too, and we cannot free it.
    other = redis_client.lock(lock_name(pk), timeout=30)
    assert await other.acquire(blocking=False)
    with pytest.raises(SyncBusy):
        await run_corp_sync(pk, wecom, redis_client)
    assert await other.owned()


async def test_a_member_wecom_refuses_is_skipped(
    db: Settings, sandbox: Sandbox, wecom: WeComClient, redis_client: aioredis.Redis
) -> None:
    world = await seed_world(sandbox, wecom)
    # Members go in userid order: lisi is first, and WeCom refuses her once.
    await sandbox.control(
        "faults", {"api": "externalcontact/batch/get_by_user", "errcode": 84061, "count": 1}
    )
    run = await run_corp_sync(await corp_pk(), wecom, redis_client)
    assert run.status == "done"
    assert any("lisi" in e and "84061" in e for e in run.errors)
    assert await FollowRelation.filter(staff__userid="lisi").count() == 0
    assert await FollowRelation.filter(staff__userid="wangwu").count() == 3
    assert await FollowRelation.filter(staff__userid="zhangsan").count() == 3
    # lisi's own three customers wait for the next sync; everyone else's are in.
    names = list(world.customers.values())
    assert await Customer.filter(name__in=names).count() == 6
    assert not await Customer.filter(name__startswith="lisi").exists()


async def api_calls(sandbox: Sandbox, api: str) -> int:
    async with sandbox.http.get(f"{sandbox.url}/sandbox/stats") as r:
        return int((await r.json())["calls"].get(api, 0))


async def test_pages_through_customers_and_groups(
    db: Settings, sandbox: Sandbox, wecom: WeComClient, redis_client: aioredis.Redis
) -> None:
    world = await seed_world(sandbox, wecom, per_member=5)
    for n in range(2):
        await sandbox.control("groups", {"owner": "wangwu", "name": f"门店群{n}"})
    run = await run_corp_sync(await corp_pk(), wecom, redis_client, customer_page=2, group_page=1)
    # lisi 6 relations, wangwu 5, zhangsan 5: three pages of two each.
    assert await api_calls(sandbox, "externalcontact/batch/get_by_user") == 9
    assert await api_calls(sandbox, "externalcontact/groupchat/list") >= 3
    assert run.counts["relations"]["added"] == 16
    assert await Customer.filter(name__in=list(world.customers.values())).count() == 15
    assert await GroupChat.filter(name__startswith="门店群").count() == 2
    assert await GroupChat.all().count() == 3


async def test_a_killed_sync_resumes_where_it_stopped(
    db: Settings, sandbox: Sandbox, wecom: WeComClient, redis_client: aioredis.Redis
) -> None:
    world = await seed_world(sandbox, wecom, per_member=5)
    pk, seen = await corp_pk(), []
    await run_corp_sync(pk, wecom, redis_client, customer_page=2)
    # Then at WeCom: zhangsan loses a customer, and a new friend of wangwu's arrives.
    lost = next(e for e, n in world.customers.items() if n == "zhangsan的客户4")
    await sandbox.control(
        "staff_deletes_customer", {"userid": "zhangsan", "external_userid": lost}
    )
    await sandbox.control("friends", {"friends": [{"userid": "wangwu", "name": "新朋友"}]})

    async def kill_after_five(step: str, pages: int) -> None:
        if step == "customers":
            seen.append(pages)
            if len(seen) == 5:  # lisi's 3 pages, then wangwu's first 2 of 3
                raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        await run_corp_sync(pk, wecom, redis_client, customer_page=2, after_page=kill_after_five)
    cursors = {c.key: c for c in await SyncCursor.filter(step="customers")}
    assert cursors["lisi"].done and not cursors["wangwu"].done and cursors["wangwu"].cursor
    assert "zhangsan" not in cursors
    before = await api_calls(sandbox, "externalcontact/batch/get_by_user")
    run = await run_corp_sync(pk, wecom, redis_client, customer_page=2)
    # Only what was left: wangwu's last page, then zhangsan's 4 customers in two pages.
    assert await api_calls(sandbox, "externalcontact/batch/get_by_user") - before == 3
    assert run.status == "done" and run.resumed
    assert await FollowRelation.filter(status=RelationStatus.ACTIVE).count() == 16
    ended = await FollowRelation.get(status=RelationStatus.ENDED).prefetch_related("customer")
    assert ended.customer.external_userid == lost and ended.deleted_at is not None
    assert await Customer.filter(name="新朋友").exists()
    assert await SyncCursor.all().count() == 0
    statuses = await SyncRun.all().order_by("id").values_list("status", flat=True)
    assert list(statuses) == ["done", "failed", "done"]


async def test_a_lost_seen_set_ends_nothing(
    db: Settings, sandbox: Sandbox, wecom: WeComClient, redis_client: aioredis.Redis
) -> None:
    await seed_world(sandbox, wecom, per_member=5)
    pk = await corp_pk()
    await run_corp_sync(pk, wecom, redis_client, customer_page=2)

    async def forget(step: str, pages: int) -> None:
        if step == "customers" and pages == 2:  # Redis lost what the first pages listed
            for key in await redis_client.keys("sync:*:seen:*"):
                await redis_client.delete(key)

    run = await run_corp_sync(pk, wecom, redis_client, customer_page=2, after_page=forget)
    assert run.status == "done" and any("已读记录丢失" in e for e in run.errors)
    assert not await FollowRelation.filter(status=RelationStatus.ENDED).exists()
