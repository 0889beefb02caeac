"""流失提醒: a customer deleted a member, and that member (and, as a setting, their manager)
hears about it within seconds — once per deletion, even when WeCom retries the callback.

A deletion is a row unique on (member, customer, time). Its `notified_at` is claimed with a
conditional update before anything is sent, so a replayed job or a second worker sends
nothing. Each recipient gets at most RATE_LIMIT messages per window; past that, deletions
wait in a Redis set and go out as one digest (`send_digests`, run by the worker's cron)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scrm.models import ChurnEvent, Corp, Customer, FollowRelation, Staff, TransferSettings
from scrm.services import display_names, notify
from scrm.services.upsert import get_or_create
from wecom.client import WeComClient

RATE_LIMIT = 5  # messages per recipient per window (WeCom drops > 30/min silently)
RATE_WINDOW = 600  # seconds


def display_name(customer: Customer | None, remark: str, external_userid: str) -> str:
    """The shared rule (name, then remark, then id) for rows already loaded here."""
    name = customer.name if customer is not None else ""
    return display_names.choose(name, [remark], external_userid)


def how_long(since: datetime | None, at: datetime) -> str:
    if since is None:
        return "时长未知"
    seconds = max(0, int((at - since).total_seconds()))
    if seconds >= 86400:
        return f"{seconds // 86400} 天"
    if seconds >= 3600:
        return f"{seconds // 3600} 小时"
    return "不到 1 小时"


async def settings_for(corp_id: int) -> TransferSettings:
    row, _ = await get_or_create(TransferSettings, corp_id=corp_id)
    return row


async def record(corp: Corp, userid: str, external_userid: str, at: datetime) -> ChurnEvent:
    """The deletion, once; `customer_since` is when this member's friendship began."""
    relation = await FollowRelation.get_or_none(
        corp_id=corp.id, staff__userid=userid, customer__external_userid=external_userid
    )
    event, _ = await get_or_create(
        ChurnEvent,
        corp_id=corp.id,
        userid=userid,
        external_userid=external_userid,
        at=at,
        defaults={"customer_since": relation.added_at if relation else None},
    )
    return event


async def _text(corp: Corp, event: ChurnEvent, for_manager: bool) -> str:
    customer = await Customer.get_or_none(corp_id=corp.id, external_userid=event.external_userid)
    relation = await FollowRelation.get_or_none(
        corp_id=corp.id,
        staff__userid=event.userid,
        customer__external_userid=event.external_userid,
    )
    name = display_name(customer, relation.remark if relation else "", event.external_userid)
    since = how_long(event.customer_since, event.at)
    if for_manager:
        member = await Staff.get_or_none(corp_id=corp.id, userid=event.userid)
        who = member.name if member and member.name else event.userid
        return f"流失提醒：客户「{name}」删除了成员 {who}（已是客户 {since}）。"
    tail = "可在「流失客户」中安排回访。"
    return f"流失提醒：客户「{name}」已将你删除（已是你的客户 {since}）。{tail}"


def _rate_key(corp_id: int, userid: str) -> str:
    return f"churn:rate:{corp_id}:{userid}"


def _digest_key(corp_id: int, userid: str) -> str:
    return f"churn:digest:{corp_id}:{userid}"


async def _send(
    redis: Any, client: WeComClient, corp: Corp, userid: str, event: ChurnEvent, manager: bool
) -> bool:
    count = await redis.incr(_rate_key(corp.id, userid))
    if count == 1:
        await redis.expire(_rate_key(corp.id, userid), RATE_WINDOW)
    if count > RATE_LIMIT:  # over the limit: it waits for the digest
        await redis.sadd(_digest_key(corp.id, userid), f"{int(manager)}:{event.id}")
        await redis.sadd(f"churn:digests:{corp.id}", userid)
        return False
    return await notify.tell(client, corp, userid, await _text(corp, event, manager))


async def alert(
    corp: Corp, client: WeComClient, redis: Any, event: ChurnEvent, now: datetime | None = None
) -> int:
    """Tell the member (and their manager, if the corp wants it); 0 when already told."""
    now = now or datetime.now(UTC)
    claimed = await ChurnEvent.filter(id=event.id, notified_at__isnull=True).update(
        notified_at=now
    )
    if not claimed:
        return 0
    settings = await settings_for(corp.id)
    sent = 0
    if settings.churn_notify_member:
        sent += await _send(redis, client, corp, event.userid, event, manager=False)
    if settings.churn_notify_manager:
        member = await Staff.get_or_none(corp_id=corp.id, userid=event.userid)
        if member is not None and member.manager_userid:
            sent += await _send(redis, client, corp, member.manager_userid, event, manager=True)
    return sent


async def send_digests(corp: Corp, client: WeComClient, redis: Any) -> int:
    """One message per waiting recipient whose window has room again, naming the customers."""
    sent = 0
    for raw in await redis.smembers(f"churn:digests:{corp.id}"):
        userid = raw.decode() if isinstance(raw, bytes) else str(raw)
        if int(await redis.get(_rate_key(corp.id, userid)) or 0) >= RATE_LIMIT:
            continue
        items = [x.decode() if isinstance(x, bytes) else str(x) for x in await redis.spop(
            _digest_key(corp.id, userid), 1000
        ) or []]  # fmt: skip
        await redis.srem(f"churn:digests:{corp.id}", userid)
        ids = [int(x.split(":", 1)[1]) for x in items]
        events = await ChurnEvent.filter(corp_id=corp.id, id__in=ids).order_by("at")
        if not events:
            continue
        names = []
        for event in events[:20]:
            customer = await Customer.get_or_none(
                corp_id=corp.id, external_userid=event.external_userid
            )
            names.append(display_name(customer, "", event.external_userid))
        more = f" 等 {len(events)} 位" if len(events) > 20 else ""
        text = f"流失提醒汇总：{len(events)} 位客户删除了成员：{'、'.join(names)}{more}。"
        await redis.incr(_rate_key(corp.id, userid))
        sent += await notify.tell(client, corp, userid, text)
    return sent


async def lost(corp: Corp, owners: list[str] | None, limit: int = 200) -> list[ChurnEvent]:
    """The 流失客户 list, newest first; `owners` limits it to a member's or a team's."""
    q = ChurnEvent.filter(corp_id=corp.id)
    if owners is not None:
        q = q.filter(userid__in=owners)
    return await q.order_by("-at", "-id").limit(limit)
