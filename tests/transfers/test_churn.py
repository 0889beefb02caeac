"""流失提醒: the member a customer deleted is told within the job, once per deletion even when
WeCom retries the callback or the job is replayed; the manager as a setting; digests."""

from __future__ import annotations

from typing import Any

from handlers import build_dispatcher
from scrm.infra import keys
from scrm.models import ChurnEvent, Staff, TransferSettings
from scrm.services import churn
from tests.callbacks import event_xml, signed
from tests.conftest import AES_KEY, CORP_ID, TOKEN
from tests.transfers.conftest import Linked, corp, seed_friends
from wecom.crypto import WeComCrypto
from wecom.events import parse_event


async def told(linked: Linked, userid: str) -> list[str]:
    rows = await linked.sandbox.records("notification")
    return [r["data"]["content"] for r in rows if r["data"]["touser"] == [userid]]


def deletion_xml(userid: str, ext: str, at: int) -> bytes:
    return event_xml(
        CORP_ID, at, Event="change_external_contact", ChangeType="del_follow_user",
        UserID=userid, ExternalUserID=ext,
    )  # fmt: skip


async def test_the_member_hears_once_per_deletion(linked: Linked) -> None:
    a, b = await seed_friends(linked, "zhangsan", ["丙客户", "丁客户"])
    await linked.sandbox.control(
        "customer_deletes_staff", {"userid": "zhangsan", "external_userid": a}
    )
    await linked.drain()
    messages = await told(linked, "zhangsan")
    assert len(messages) == 1
    assert "丙客户" in messages[0] and "40 天" in messages[0]
    event = await ChurnEvent.get(external_userid=a)
    assert event.notified_at is not None

    # WeCom retries the very same callback: the edge takes it as a duplicate.
    plain = deletion_xml("zhangsan", a, int(event.at.timestamp()))
    params, body = signed(WeComCrypto(TOKEN, AES_KEY, CORP_ID), plain)
    resp = await linked.bot.post(f"/wecom/callback/{CORP_ID}", params=params, data=body)
    assert resp.status == 200
    await linked.drain()
    # And the job replayed by hand (scrm-bot inbox replay) runs the handler again.
    c = await corp()
    deps: dict[str, Any] = {
        "wecom": linked.bot.app[keys.CLIENTS].for_corp(c),
        "redis": linked.bot.app[keys.ARQ],
    }
    await build_dispatcher().feed(parse_event(plain), corp=c, inbox_id=1, **deps)
    assert len(await told(linked, "zhangsan")) == 1
    assert await ChurnEvent.all().count() == 1

    # The manager is told too once the corp asks for it.
    await Staff.filter(userid="zhangsan").update(manager_userid="wangwu")
    await TransferSettings.filter(corp_id=c.id).update(churn_notify_manager=True)
    await linked.sandbox.control(
        "customer_deletes_staff", {"userid": "zhangsan", "external_userid": b}
    )
    await linked.drain()
    assert len(await told(linked, "zhangsan")) == 2
    (to_manager,) = await told(linked, "wangwu")
    assert "丁客户" in to_manager and "张三" in to_manager


async def test_a_burst_is_rate_limited_into_a_digest(linked: Linked) -> None:
    names = [f"客户{i}" for i in range(7)]
    exts = await seed_friends(linked, "lisi", names)
    for ext in exts:
        await linked.sandbox.control(
            "customer_deletes_staff", {"userid": "lisi", "external_userid": ext}
        )
    await linked.drain()
    assert len(await told(linked, "lisi")) == churn.RATE_LIMIT
    c = await corp()
    client = linked.bot.app[keys.CLIENTS].for_corp(c)
    redis = linked.bot.app[keys.ARQ]
    assert await churn.send_digests(c, client, redis) == 0  # the window is still full
    await redis.delete(f"churn:rate:{c.id}:lisi")  # the window passes
    assert await churn.send_digests(c, client, redis) == 1
    *single, digest = await told(linked, "lisi")
    alone = {n for n in names if any(f"「{n}」" in m for m in single)}
    assert len(alone) == churn.RATE_LIMIT  # the jobs ran concurrently: any five came first
    assert digest.startswith("流失提醒汇总：2 位客户")
    assert all(n in digest for n in set(names) - alone)
    assert await churn.send_digests(c, client, redis) == 0
