"""The demo corp's pre-existing world: seeded in the sandbox first, imported by the first sync."""

from __future__ import annotations

import asyncio
import time

import aiohttp
from redis.asyncio import Redis

from bot.sync_cmd import summary
from scrm.infra.settings import Settings
from scrm.models import Corp, Customer, SyncRun
from scrm.services import display_names
from scrm.sync.corp import SyncBusy, run_corp_sync
from wecom.client import WeComClient

# What the corp had in WeCom before it connected the service: about a hundred customers per
# member (a tenth shared by two), remarks, tags, and a few groups.
WORLD = {"seed": 13, "customers_per_member": 100, "shared": 0.1, "groups": 6, "group_size": 12}
FIRST_SYNC_WAIT = 120.0  # seconds; the demo's world takes a few


async def seed_world(http: aiohttp.ClientSession, sandbox_url: str) -> dict[str, int]:
    async with http.post(f"{sandbox_url}/sandbox/world", json=WORLD) as r:
        r.raise_for_status()
        made: dict[str, int] = await r.json()
    print(
        f"接入前，企业微信里已有 {made['members']} 名成员的 {made['customers']} 位客户"
        f"（{made['relations']} 条好友关系）和 {made['groups']} 个客户群"
    )
    return made


async def first_sync(settings: Settings, http: aiohttp.ClientSession) -> SyncRun | None:
    """The worker queues a new corp's first sync at start; wait for it and print its summary.
    If it has not started within a few seconds, run it here."""
    corp = await Corp.get(corp_id=settings.wecom_corp_id)
    deadline = time.monotonic() + FIRST_SYNC_WAIT
    started = time.monotonic()
    while time.monotonic() < deadline:
        run = await SyncRun.filter(corp_id=corp.id).order_by("-id").first()
        if run is not None and run.status != "running":
            break
        if run is None and time.monotonic() - started > 5:
            redis = Redis.from_url(settings.redis_url)
            client = WeComClient(
                corp.corp_id, corp.secret, session=http, redis=redis, api_base=corp.api_base
            )
            try:
                run = await run_corp_sync(corp.id, client, redis, trigger="first")
            except SyncBusy:
                continue  # the worker's run started meanwhile: wait for it
            finally:
                await redis.aclose()
            break
        await asyncio.sleep(0.3)
    else:
        print("首次同步未能按时完成")
        return None
    print(f"\n首次同步（{'完成' if run.status == 'done' else run.status}）：")
    for line in summary(run):
        print(f"  {line}")
    names = await display_names.customers(corp.id, await corp_customer_ids(corp.id, limit=5))
    print("  例如 " + "、".join(p.name for p in names.values()))
    return run


async def corp_customer_ids(corp_pk: int, limit: int) -> list[str]:
    rows = await Customer.filter(corp_id=corp_pk).order_by("id").limit(limit)
    return [c.external_userid for c in rows]


async def names_once_known(
    corp_pk: int, external_userids: list[str], wait: float = 10.0
) -> dict[str, str]:
    """The mirror's names for the customers just added: each add is followed by a profile
    fetch after the welcome, so give those a moment before printing."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        known = (
            await Customer.filter(corp_id=corp_pk, external_userid__in=external_userids)
            .exclude(name="")
            .count()
        )
        if known >= len(set(external_userids)):
            break
        await asyncio.sleep(0.2)
    people = await display_names.customers(corp_pk, external_userids)
    return {e: p.name for e, p in people.items()}
