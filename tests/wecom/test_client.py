"""The async WeCom client against the sandbox: tokens, retries, rate limit, typed errors."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio as aioredis

from tests.wecom.sandbox_fixtures import Sandbox, make_client
from wecom import errors
from wecom.client import WeComClient, jsapi_signature
from wecom.client.models.contacts import ContactWay
from wecom.client.models.messages import AppMessage
from wecom.client.models.tags import AddCorpTag, NewTag

FOLLOW = "externalcontact/get_follow_user_list"


async def calls(sandbox: Sandbox, api: str) -> int:
    async with sandbox.http.get(f"{sandbox.url}/sandbox/stats") as r:
        return int((await r.json())["calls"].get(api, 0))


async def test_token_is_cached_and_shared(sandbox: Sandbox, wecom: WeComClient) -> None:
    first = await wecom.get_follow_user_list()
    await wecom.get_follow_user_list()
    assert sorted(first.follow_user) == ["lisi", "wangwu", "zhangsan"]
    assert len(await sandbox.records("gettoken")) == 1


async def test_cold_start_storm_across_two_processes_fetches_once(
    sandbox: Sandbox, redis_client: aioredis.Redis
) -> None:
    # Two clients = two processes' worth of in-memory state sharing one Redis.
    a, b = make_client(sandbox, redis_client), make_client(sandbox, redis_client)
    results = await asyncio.gather(*(c.get_follow_user_list() for c in (a, b) for _ in range(100)))
    assert len(results) == 200
    assert len(await sandbox.records("gettoken")) == 1


async def test_expiry_mid_run_recovers_with_exactly_one_refresh(
    sandbox: Sandbox, wecom: WeComClient
) -> None:
    await wecom.get_follow_user_list()
    await sandbox.control("expire_tokens")
    results = await asyncio.gather(*(wecom.get_follow_user_list() for _ in range(200)))
    assert all(r.errcode == 0 for r in results)
    assert len(await sandbox.records("gettoken")) == 2  # the first fetch + one refresh


async def test_refresh_happens_once_then_gives_up(sandbox: Sandbox, wecom: WeComClient) -> None:
    # A token WeCom keeps refusing: one refresh, then a typed error, never a loop.
    await sandbox.control("faults", {"api": FOLLOW, "errcode": 40014, "count": 5})
    with pytest.raises(errors.TokenError) as info:
        await wecom.get_follow_user_list()
    assert info.value.errcode == 40014
    assert len(await sandbox.records("gettoken")) == 2
    assert await calls(sandbox, FOLLOW) == 2


@pytest.mark.parametrize("errcode", [45009, 45033, -1])
async def test_transient_errors_are_retried(
    sandbox: Sandbox, wecom: WeComClient, errcode: int
) -> None:
    await sandbox.control("faults", {"api": FOLLOW, "errcode": errcode, "count": 2})
    result = await wecom.get_follow_user_list()
    assert result.errcode == 0
    assert await calls(sandbox, FOLLOW) == 3
    assert wecom.stats.retries == 2


async def test_transient_errors_surface_after_max_retries(
    sandbox: Sandbox, wecom: WeComClient
) -> None:
    await sandbox.control("faults", {"api": FOLLOW, "errcode": 45009, "count": 10})
    with pytest.raises(errors.RateLimited):
        await wecom.get_follow_user_list()
    assert await calls(sandbox, FOLLOW) == 1 + wecom.max_retries


async def test_45009_storm_stays_inside_the_bucket(
    sandbox: Sandbox, redis_client: aioredis.Redis
) -> None:
    # 10 calls/s with a burst of 5; WeCom answers 45009 to everything for a while.
    client = make_client(sandbox, redis_client, rate_per_minute=600, max_retries=2)
    client.bucket.burst = 5
    await client.get_follow_user_list()  # token fetched outside the measured window
    await sandbox.control("faults", {"api": FOLLOW, "errcode": 45009, "count": 30})
    before = await calls(sandbox, FOLLOW)
    started = time.monotonic()
    results = await asyncio.gather(
        *(client.get_follow_user_list() for _ in range(20)), return_exceptions=True
    )
    elapsed = time.monotonic() - started
    sent = await calls(sandbox, FOLLOW) - before
    # Every request, retries included, went through the bucket: burst + rate × time, no more.
    assert sent <= 5 + 10 * elapsed + 1
    # Nothing skipped: each 45009 was one request, each success one more.
    successes = sum(1 for r in results if not isinstance(r, BaseException))
    assert sent == 30 + successes
    assert all(isinstance(r, errors.RateLimited) for r in results if isinstance(r, BaseException))


async def test_bucket_is_shared_between_clients(redis_client: aioredis.Redis) -> None:
    from wecom.client.ratelimit import TokenBucket

    a = TokenBucket(redis_client, "wecom:rl:test", per_minute=60, burst=3)
    b = TokenBucket(redis_client, "wecom:rl:test", per_minute=60, burst=3)
    waits = [await x.reserve("api") for x in (a, b, a, b, a)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    # The 4th and 5th callers are told to wait ~1 s and ~2 s: one token per second.
    assert 0.9 < waits[3] < 1.1 and 1.9 < waits[4] < 2.1


@pytest.mark.parametrize("errcode", sorted(errors._BY_CODE))
async def test_every_errcode_surfaces_typed(
    sandbox: Sandbox, redis_client: aioredis.Redis, errcode: int
) -> None:
    client = make_client(sandbox, redis_client, max_retries=0)
    await client.get_follow_user_list()
    # Token errcodes are answered by a refresh first, so inject enough to outlast it.
    await sandbox.control("faults", {"api": FOLLOW, "errcode": errcode, "count": 2})
    with pytest.raises(errors.WeComError) as info:
        await client.get_follow_user_list()
    assert type(info.value) is errors._BY_CODE[errcode]
    assert info.value.errcode == errcode and info.value.api == FOLLOW


async def test_real_rules_map_to_typed_errors(sandbox: Sandbox, wecom: WeComClient) -> None:
    with pytest.raises(errors.InvalidParameter):  # state > 30 chars, bypassing our own check
        await wecom.add_contact_way(
            ContactWay.model_construct(type=1, scene=2, state="x" * 31, user=["zhangsan"])
        )
    with pytest.raises(errors.NoRecipients):
        await wecom.send_app_message(AppMessage(touser="nobody", agentid=1000002))
    await wecom.add_corp_tag(AddCorpTag(group_name="来源", tag=[NewTag(name="海报")]))
    with pytest.raises(errors.TagNameExists):
        await wecom.add_corp_tag(AddCorpTag(group_name="来源", tag=[NewTag(name="海报")]))


async def test_wrong_secret_is_a_credential_error(
    sandbox: Sandbox, redis_client: aioredis.Redis
) -> None:
    client = make_client(sandbox, redis_client, secret="wrong")
    with pytest.raises(errors.CredentialError) as info:
        await client.get_follow_user_list()
    assert info.value.errcode == 40001


async def test_network_errors_are_retried_then_typed(redis_client: aioredis.Redis) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        client = WeComClient(
            "wwclosed", "s", session=http, redis=redis_client,
            api_base="http://127.0.0.1:1", retry_base=0.01, max_retries=2,
        )  # fmt: skip
        with pytest.raises(errors.NetworkError):
            await client.get_follow_user_list()
        assert client.stats.retries == 2


async def test_media_is_uploaded_once_and_forgotten_on_demand(
    sandbox: Sandbox, wecom: WeComClient
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    first = await wecom.media.media_id_for("image", "a.png", png)
    assert await wecom.media.media_id_for("image", "a.png", png) == first
    assert await calls(sandbox, "media/upload") == 1
    await wecom.media.forget("image", png)
    assert await wecom.media.media_id_for("image", "a.png", png) != first
    assert await calls(sandbox, "media/upload") == 2


async def test_tickets_are_cached(sandbox: Sandbox, wecom: WeComClient) -> None:
    t1 = await wecom.tickets.jsapi_ticket()
    assert await wecom.tickets.jsapi_ticket() == t1
    assert await wecom.tickets.agent_ticket() != t1
    assert await calls(sandbox, "get_jsapi_ticket") == 1


def test_jsapi_signature_matches_the_documented_example() -> None:
    # The JS-SDK signature example published with the WeChat/WeCom JS-SDK docs.
    ticket = (
        "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
    )
    sig = jsapi_signature(
        ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value#frag"
    )
    assert sig == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
