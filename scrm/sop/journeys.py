"""Customer journeys: enrolment on triggers, and a per-second engine that walks the nodes."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from tortoise import connections
from tortoise.exceptions import IntegrityError

from livecode.schedule import parse_hhmm
from scrm.enums import RelationStatus
from scrm.models import Corp, FollowRelation, Journey, JourneyLog, JourneyRun, Task
from scrm.models.base import corp_pk
from scrm.sop.execute import ClientFor
from scrm.sop.journey_nodes import branch_hit, post_webhook
from wecom import errors
from wecom.client.models.common import Text
from wecom.client.models.messages import AppMessage, MsgTemplate
from wecom.client.models.tags import MarkTag


async def enroll(
    corp_id: int,
    kind: str,
    external_userid: str,
    owner: str,
    facts: dict[str, Any],
    now: datetime | None = None,
) -> int:
    """Put the customer on every active journey this trigger starts (once per journey)."""
    now = now or datetime.now(UTC)
    entered = 0
    for j in await Journey.filter(corp_id=corp_id, status="active"):
        t = j.trigger
        if t.get("kind") != kind:
            continue
        if (
            kind == "livecode_add"
            and t.get("code_ids")
            and facts.get("code_id") not in t["code_ids"]
        ):
            continue
        if kind == "grade_reached" and facts.get("grade") not in t.get("grades", []):
            continue
        if kind == "tag_added" and not set(facts.get("tag_ids", [])) & set(t.get("tag_ids", [])):
            continue
        if kind == "stage_changed" and facts.get("stage") not in t.get("stages", []):
            continue
        if kind == "date" and facts.get("journey_id") != j.id:
            continue  # date triggers enrol into the one journey whose date matched
        try:
            await JourneyRun.create(
                corp_id=corp_id,
                journey_id=j.id,
                external_userid=external_userid,
                owner_userid=owner,
                node_id=j.nodes[0]["id"],
                due_at=now,
            )
            entered += 1
        except IntegrityError:
            pass  # on this journey already: a journey is entered once
    return entered


async def claim(now: datetime, limit: int = 500) -> list[int]:
    conn = connections.get("default")
    pg = conn.capabilities.dialect == "postgres"
    m = ("$1", "$2") if pg else ("?", "?")
    lock = " FOR UPDATE SKIP LOCKED" if pg else ""
    m3 = "$3" if pg else "?"
    sql = (
        f"UPDATE journey_run SET status = 'running', updated_at = {m3} WHERE id IN ("
        f"SELECT id FROM journey_run WHERE status = 'active' AND due_at <= {m[0]} "
        f"ORDER BY due_at LIMIT {m[1]}{lock}) RETURNING id"
    )
    utc = now.astimezone(UTC)
    # "?" is positional: SQLite reads the SET value first; "$n" is by number.
    params: list[Any] = [utc, limit, utc] if pg else [utc, utc, limit]
    rows = await conn.execute_query_dict(sql, params)
    return [int(r["id"]) for r in rows]


def _quiet(journey: Journey, local: datetime) -> datetime | None:
    """The end of quiet hours if `local` falls inside them (the window may cross midnight)."""
    start, end, t = parse_hhmm(journey.quiet_start), parse_hhmm(journey.quiet_end), local.time()
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if (start < end or t < end) else local.date() + timedelta(days=1)
    return datetime.combine(day, end if end != time.max else time(23, 59), tzinfo=local.tzinfo)


def month_limit(local: datetime) -> int:
    """WeCom: a customer receives at most as many mass messages a month as the month has days."""
    return calendar.monthrange(local.year, local.month)[1]


async def step(
    run_id: int, client_for: ClientFor, now: datetime, http: aiohttp.ClientSession | None = None
) -> str:
    """Execute the run's current node and move it on; returns what happened."""
    run = await JourneyRun.get(id=run_id)
    journey = await Journey.get(id=run.journey_id)  # type: ignore[attr-defined]
    corp = await Corp.get(id=corp_pk(run))
    nodes = {n["id"]: n for n in journey.nodes}
    node = nodes[run.node_id]

    async def log(action: str, **data: Any) -> None:
        await JourneyLog.create(
            corp_id=corp.id,
            run_id=run.id,
            external_userid=run.external_userid,
            node_id=node["id"],
            action=action,
            at=now,
            data=data,
        )

    async def advance(to: str | None, due: datetime) -> str:
        run.node_id, run.due_at = (to or run.node_id), due
        run.status = "active" if to else "done"
        await run.save(update_fields=["node_id", "due_at", "status", "updated_at"])
        return run.status

    if (
        journey.status != "active"
        or not await FollowRelation.filter(
            corp_id=corp.id,
            customer__external_userid=run.external_userid,
            staff__userid=run.owner_userid,
            status=RelationStatus.ACTIVE,
        ).exists()
    ):
        await log("exit", reason="paused" if journey.status != "active" else "no longer a friend")
        run.status = "exited"
        await run.save(update_fields=["status", "updated_at"])
        return "exited"
    kind, nxt = node["kind"], node.get("next")
    if kind == "wait":
        return await advance(nxt, now + timedelta(minutes=node["minutes"]))
    if kind == "exit":
        await log("exit", reason="journey end")
        return await advance(None, now)
    client = client_for(corp)
    if kind == "send":
        local = now.astimezone(ZoneInfo(corp.timezone or "Asia/Shanghai"))
        if (quiet_until := _quiet(journey, local)) is not None:
            await log("quiet", until=quiet_until.isoformat())
            run.due_at, run.status = quiet_until.astimezone(UTC), "active"
            await run.save(update_fields=["due_at", "status", "updated_at"])
            return "quiet"
        day = await JourneyLog.filter(
            external_userid=run.external_userid, action="sent", at__gte=now - timedelta(days=1)
        ).count()
        week = await JourneyLog.filter(
            external_userid=run.external_userid, action="sent", at__gte=now - timedelta(days=7)
        ).count()
        month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        month = await JourneyLog.filter(
            external_userid=run.external_userid, action="sent", at__gte=month_start.astimezone(UTC)
        ).count()
        if day >= journey.per_day_cap or week >= journey.per_week_cap:
            await log("capped", day=day, week=week)
        elif month >= month_limit(local):
            await log("capped", month=month, wecom_limit=month_limit(local))
        else:
            created = await client.add_msg_template(
                MsgTemplate(
                    chat_type="single",
                    sender=run.owner_userid,
                    external_userid=[run.external_userid],
                    text=Text(content=node["text"]),
                )
            )
            await log("sent", msgid=created.msgid)
    elif kind == "remind" and corp.agent_id:
        await client.send_app_message(
            AppMessage(
                touser=run.owner_userid, agentid=corp.agent_id, text=Text(content=node["text"])
            )
        )
        await log("reminded")
    elif kind == "tag":
        await client.mark_tag(
            MarkTag(
                userid=run.owner_userid,
                external_userid=run.external_userid,
                add_tag=node.get("add_tags", []),
                remove_tag=node.get("remove_tags", []),
            )
        )
        await log("tagged")
    elif kind == "branch":
        hit = await branch_hit(corp.id, run, node)
        await log("branch", hit=hit)
        nxt = nxt if hit else node.get("otherwise")
    elif kind == "webhook":
        await log("webhook", status=await post_webhook(http, node, journey, run, now))
    elif kind == "task":
        await Task.create(
            corp_id=corp.id,
            title=node["title"],
            assignee=run.owner_userid,
            external_userid=run.external_userid,
            due_at=now + timedelta(days=1),
        )
        await log("task")
    return await advance(nxt, now)


STUCK = timedelta(minutes=5)


async def release_stuck(now: datetime) -> int:
    """A worker that died mid-node leaves its customers `running`: after STUCK they go back to
    `active` and that node runs again (at least once: a send may repeat, none is lost)."""
    return await JourneyRun.filter(status="running", updated_at__lt=now - STUCK).update(
        status="active"
    )


async def run_due(
    client_for: ClientFor, now: datetime | None = None, http: aiohttp.ClientSession | None = None
) -> dict[str, int]:
    now = now or datetime.now(UTC)
    counts: dict[str, int] = {}
    await release_stuck(now)
    for run_id in await claim(now):
        try:
            outcome = await step(run_id, client_for, now, http)
        except errors.WeComError as exc:  # transient ones were retried; try again in 5 minutes
            await JourneyRun.filter(id=run_id).update(
                status="active", due_at=now + timedelta(minutes=5)
            )
            outcome = f"error:{exc.errcode}"
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
