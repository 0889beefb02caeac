"""Reply timeouts counted in working time, per team, raised once per unanswered stretch."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from bot.jobs.compliance_alerts import compliance_reply_timeouts
from scrm.compliance.reply_timeout import deadline
from scrm.compliance.team_settings import settings_for
from scrm.infra import schedule
from scrm.infra.settings import Settings
from scrm.models import Alert, ChatMessage, Corp, Staff
from tests.compliance.conftest import Linked
from tests.conftest import CORP_ID

SH = ZoneInfo("Asia/Shanghai")
WEEKDAYS = {str(d): [["09:00", "18:00"]] for d in range(1, 6)}
_ids = count(1)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time in the week of Mon 2026-11-23 … Mon 2026-11-30, as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=SH).astimezone(UTC)


async def say(who: str, at: datetime, text: str = "在吗？", staff: str = "zhangsan") -> str:
    corp = await Corp.get(corp_id=CORP_ID)
    msgid = f"m{next(_ids)}"
    customer = who != "staff"
    await ChatMessage.create(
        corp_id=corp.id,
        msgid=msgid,
        sender="wmCust" if customer else staff,
        receivers=[staff if customer else "wmCust"],
        msgtime=at,
        text=text,
        direction="customer_to_staff" if customer else "staff_to_customer",
        staff_userid=staff,
        external_userid="wmCust",
    )
    return msgid


async def hours(minutes: int = 30, **extra: object) -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    row = await settings_for(corp.id)
    row.working_hours, row.reply_timeout_minutes = WEEKDAYS, minutes
    for key, value in extra.items():
        setattr(row, key, value)
    await row.save()


async def scan(at: datetime) -> int:
    return await compliance_reply_timeouts({}, now=at)


def test_deadline_counts_working_minutes_only() -> None:
    # Friday 17:50 + 30 working minutes: 10 on Friday, 20 on Monday morning.
    assert deadline(local(27, 17, 50), 30, WEEKDAYS, SH) == local(30, 9, 20)
    assert deadline(local(28, 10), 30, WEEKDAYS, SH) == local(30, 9, 30)  # Saturday
    assert deadline(local(23, 8), 30, WEEKDAYS, SH) == local(23, 9, 30)  # before opening
    assert deadline(local(23, 12), 30, WEEKDAYS, SH) == local(23, 12, 30)
    assert deadline(local(28, 10), 30, {}, SH) == local(28, 10, 30)  # no hours: always
    assert deadline(local(23, 10), 30, {"1": []}, SH) is None  # never open
    # A window past midnight (22:00–02:00) carries the count into the next day.
    night = {str(d): [["22:00", "02:00"]] for d in range(1, 8)}
    assert deadline(local(23, 1, 50), 30, night, SH) == local(23, 22, 20)


def brute_force(start: datetime, minutes: int, hours: dict[str, object]) -> datetime:
    """Minute by minute with the live-code schedule's own `is_open`: the reference."""
    probe, left = start.astimezone(SH), minutes
    while True:
        if schedule.is_open(hours, {}, probe):
            left -= 1
            if left == 0:
                return (probe + timedelta(minutes=1)).astimezone(UTC)
        probe += timedelta(minutes=1)


def test_deadline_agrees_with_the_live_code_schedule() -> None:
    schedules: list[dict[str, object]] = [
        WEEKDAYS,
        {"1": [["09:00", "12:00"], ["13:00", "18:00"]], "3": [["20:00", "02:00"]]},
        {"5": [["22:00", "06:00"]], "6": [["00:00", "03:00"], ["10:00", "24:00"]]},
        {"2": [["08:00", "11:00"], ["10:00", "12:00"]]},  # overlapping windows count once
    ]
    rng = random.Random(7)
    for hours in schedules:
        for _ in range(15):
            start = local(23, 0) + timedelta(minutes=rng.randrange(0, 7 * 24 * 60))
            minutes = rng.choice([1, 5, 30, 90, 600])
            assert deadline(start, minutes, hours, SH) == brute_force(start, minutes, hours), (
                hours,
                start,
                minutes,
            )


async def test_timeout_across_the_weekend_alerts_once(db: Settings) -> None:
    await hours()
    first = await say("customer", local(27, 17, 50), "电话 13812345678 请回电")
    await say("customer", local(27, 17, 55), "人呢")
    assert await scan(local(27, 23)) == 0  # only 10 working minutes so far
    assert await scan(local(30, 9, 19)) == 0
    assert await scan(local(30, 9, 21)) == 1
    assert await scan(local(30, 9, 22)) == 0  # raised once
    await say("staff", local(30, 9, 25), "抱歉刚看到")
    assert await scan(local(30, 9, 30)) == 0  # the late reply is the same stretch
    alert = await Alert.get(kind="reply_timeout")
    assert alert.msgid == first and alert.staff_userid == "zhangsan"
    assert alert.occurred_at == local(30, 9, 20)
    assert "138****5678" in alert.context and "13812345678" not in alert.context
    assert alert.details["messages"] == 2


async def test_answered_in_time_is_fine_and_late_answers_are_caught_later(db: Settings) -> None:
    await hours()
    await say("customer", local(23, 10))
    await say("staff", local(23, 10, 29))
    late = await say("customer", local(23, 14))
    await say("staff", local(23, 15))  # an hour later, before any scan noticed
    assert await scan(local(24, 12)) == 1
    alert = await Alert.get(kind="reply_timeout")
    assert alert.msgid == late and alert.details["replied_at"] == local(23, 15).isoformat()


async def test_team_override_sets_its_own_minutes_and_hours(db: Settings) -> None:
    corp = await Corp.get(corp_id=CORP_ID)
    await Staff.create(corp_id=corp.id, userid="lisi", department_ids=[7])
    await Staff.create(corp_id=corp.id, userid="zhangsan", department_ids=[3])
    evenings = {str(d): [["18:00", "22:00"]] for d in range(1, 8)}
    await hours(team_overrides={"7": {"minutes": 5, "working_hours": evenings}})
    await say("customer", local(23, 17, 58), staff="lisi")
    await say("customer", local(23, 17, 58), staff="zhangsan")
    # lisi's team: 5 minutes from 18:00 → 18:05; zhangsan: 2 minutes of Monday left, then Tue.
    assert await scan(local(23, 18, 4)) == 0
    assert await scan(local(23, 18, 6)) == 1
    assert (await Alert.get()).staff_userid == "lisi"
    assert await scan(local(24, 9, 27)) == 0
    assert await scan(local(24, 9, 29)) == 1


async def test_group_and_internal_messages_are_not_reply_timeouts(db: Settings) -> None:
    await hours(minutes=1)
    corp = await Corp.get(corp_id=CORP_ID)
    await ChatMessage.create(
        corp_id=corp.id,
        msgid="g1",
        sender="wmCust",
        roomid="wrRoom",
        msgtime=local(23, 10),
        text="群里有人吗",
        direction="group",
        staff_userid="zhangsan",
        external_userid="wmCust",
    )
    assert await scan(local(23, 12)) == 0
    await say("customer", local(23, 10))
    assert await scan(local(23, 12) + timedelta(seconds=1)) == 1


async def test_settings_api_validates_and_audits(linked: Linked) -> None:
    bad = await linked.api(
        "PUT", "/api/v1/compliance/settings", {"working_hours": {"8": [["09:00", "18:00"]]}}, 422
    )
    assert "ISO weekday" in bad["details"][0]
    bad = await linked.api(
        "PUT", "/api/v1/compliance/settings", {"team_overrides": {"7": {"minutes": 0}}}, 422
    )
    assert "minutes" in bad["details"][0]
    body = {
        "notify_userids": ["wangwu"],
        "reply_timeout_minutes": 15,
        "working_hours": WEEKDAYS,
        "team_overrides": {"7": {"minutes": 5}},
    }
    got = await linked.api("PUT", "/api/v1/compliance/settings", body)
    assert got["reply_timeout_minutes"] == 15 and got["team_overrides"] == {"7": {"minutes": 5}}
    assert (await linked.api("GET", "/api/v1/compliance/settings"))["notify_userids"] == ["wangwu"]
    audit = await linked.api("GET", "/api/v1/compliance/audit?object_type=settings")
    assert len(audit) == 1 and audit[0]["data"]["before"]["reply_timeout_minutes"] == 30
