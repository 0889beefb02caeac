"""Telling admins and managers about new alerts: one message each, or a digest for a burst.

Two steps, both safe to repeat. `queue_new` puts every alert without `notified_at` into a
Redis set per recipient (a set, so a crash before `notified_at` is written queues nothing
twice) and then stamps it. `send_queued` empties each recipient's set under a per-recipient
rate limit: a few alerts go one message each, a burst (or whatever piled up while the
recipient was at the limit) goes as one digest."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from redis.asyncio import Redis

from scrm import labels
from scrm.compliance.team_settings import settings_for
from scrm.infra import clock
from scrm.models import Alert, Corp, Staff
from scrm.services import display_names, notify
from wecom.client import WeComClient

RATE_LIMIT = 5  # app messages per recipient per window (WeCom drops >30/min silently)
RATE_WINDOW = 600  # seconds
DIGEST_AT = 3  # more alerts than this waiting for one person: one digest instead
MAX_BYTES = 2048  # message/send text limit
SEVERITY = labels.SEVERITY
WORST_FIRST = ("critical", "high", "medium", "low")
KIND = labels.ALERT_KIND
LIVE = ("open", "acknowledged")


def _outbox(corp_id: int, userid: str) -> str:
    return f"compliance:outbox:{corp_id}:{userid}"


def _recipients(corp_id: int) -> str:
    return f"compliance:outboxes:{corp_id}"


async def queue_new(redis: Redis, corp: Corp, now: datetime, batch: int = 500) -> int:
    """Queue alerts not yet notified for the corp's notify list and the staff's manager."""
    alerts = (
        await Alert.filter(corp_id=corp.id, notified_at__isnull=True).order_by("id").limit(batch)
    )
    if not alerts:
        return 0
    admins = set((await settings_for(corp.id)).notify_userids)
    managers = dict(
        await Staff.filter(
            corp_id=corp.id, userid__in={a.staff_userid for a in alerts if a.staff_userid}
        ).values_list("userid", "manager_userid")
    )
    async with redis.pipeline(transaction=False) as pipe:
        for alert in alerts:
            for userid in (admins | {managers.get(alert.staff_userid, "")}) - {""}:
                pipe.sadd(_outbox(corp.id, userid), alert.id)
                pipe.sadd(_recipients(corp.id), userid)
        await pipe.execute()
    await Alert.filter(id__in=[a.id for a in alerts]).update(notified_at=now)
    return len(alerts)


async def send_queued(redis: Redis, client: WeComClient, corp: Corp, now: datetime) -> int:
    """Send what each recipient has waiting, within their rate limit; returns messages sent."""
    sent = 0
    bucket = int(now.timestamp() // RATE_WINDOW)
    for raw in await redis.smembers(_recipients(corp.id)):  # type: ignore[misc]
        userid = raw.decode() if isinstance(raw, bytes) else str(raw)
        rate_key = f"compliance:rate:{corp.id}:{userid}:{bucket}"
        used = int(await redis.get(rate_key) or 0)
        if used >= RATE_LIMIT:
            continue  # held back: sent as a digest when the next window opens
        ids = [int(x) for x in await redis.smembers(_outbox(corp.id, userid))]  # type: ignore[misc]
        if not ids:
            await redis.srem(_recipients(corp.id), userid)  # type: ignore[misc]
            continue
        # Removed before sending: a crash mid-send must not repeat the message next minute.
        await redis.srem(_outbox(corp.id, userid), *ids)  # type: ignore[misc]
        alerts = await Alert.filter(id__in=ids, status__in=LIVE).order_by("occurred_at", "id")
        if not alerts:
            continue
        names = dict(
            await Staff.filter(
                corp_id=corp.id, userid__in={a.staff_userid for a in alerts}
            ).values_list("userid", "name")
        )
        # Named at sending, not raising: a sync since the alert may have brought the name.
        people = await display_names.customers(corp.id, {a.external_userid for a in alerts})
        customers = {ext: p.name for ext, p in people.items()}
        tz = clock.zone(corp.timezone)
        if len(alerts) <= min(DIGEST_AT, RATE_LIMIT - used):
            texts = [single(a, names, tz, customers) for a in alerts]
        else:
            texts = [digest(alerts, names, customers=customers)]
        for text in texts:
            await redis.incr(rate_key)
            await redis.expire(rate_key, RATE_WINDOW * 2)
            sent += int(await notify.tell(client, corp, userid, text))
    return sent


def _who(alert: Alert, names: dict[str, str]) -> str:
    name = names.get(alert.staff_userid) or ""
    return f"{name}（{alert.staff_userid}）" if name else alert.staff_userid or "（未知成员）"


def _fit(text: str) -> str:
    data = text.encode()
    if len(data) <= MAX_BYTES:
        return text
    return data[: MAX_BYTES - 3].decode(errors="ignore") + "…"


def single(
    alert: Alert, names: dict[str, str], tz: ZoneInfo, customers: dict[str, str] | None = None
) -> str:
    head = f"【合规告警·{SEVERITY.get(alert.severity, alert.severity)}】{KIND.get(alert.kind, '')}"
    lines = [head, f"成员：{_who(alert, names)}"]
    if alert.external_userid:
        whom = (customers or {}).get(alert.external_userid, alert.external_userid)
        lines.append(f"客户：{whom}")
    if alert.word:
        lines.append(f"敏感词：{alert.word}")
    lines.append(f"时间：{alert.occurred_at.astimezone(tz):%m-%d %H:%M}")
    if alert.context:
        lines.append(f"内容：{alert.context[:400]}")
    lines.append(f"告警 #{alert.id}，请在管理后台处理")
    return _fit("\n".join(lines))


def digest(
    alerts: list[Alert],
    names: dict[str, str],
    shown: int = 10,
    customers: dict[str, str] | None = None,
) -> str:
    counts: Counter[str] = Counter(a.severity for a in alerts)
    by_severity = " · ".join(
        f"{SEVERITY[key]} {counts[key]}" for key in WORST_FIRST if counts[key]
    )
    lines = [f"【合规告警汇总】共 {len(alerts)} 条待处理（{by_severity}）"]
    order = list(WORST_FIRST)
    worst_first = sorted(
        alerts, key=lambda a: order.index(a.severity) if a.severity in order else 9
    )
    for alert in worst_first[:shown]:
        what = f"「{alert.word}」" if alert.word else alert.context.split("\n")[0][:40]
        whom = ""
        if alert.external_userid and alert.kind != "action":  # an action's text names them
            whom = f" 客户{(customers or {}).get(alert.external_userid, alert.external_userid)}"
        lines.append(
            f"· #{alert.id} {SEVERITY.get(alert.severity, alert.severity)} "
            f"{KIND.get(alert.kind, alert.kind)} {_who(alert, names)}{whom} {what}"
        )
    if len(alerts) > shown:
        lines.append(f"其余 {len(alerts) - shown} 条请在管理后台查看")
    return _fit("\n".join(lines))
