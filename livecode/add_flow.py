"""A live-code add after its welcome: statistics, quota, hand-back under one owner, tags,
remark, journeys and the lead of the code's channel (the handler's one service call)."""

from __future__ import annotations

from datetime import datetime

from redis.asyncio import Redis
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from livecode import one_owner, service, welcome
from livecode.allocation import Allocator
from livecode.welcome_add import welcome_add
from scrm.infra.logging import get_logger
from scrm.models import Corp
from scrm.models.livecode import LiveCode, LiveCodeAdd
from scrm.services import contacts, lead_sources
from scrm.sop import journeys
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.contacts import Remark
from wecom.client.models.tags import MarkTag
from wecom.events import AddExternalContact

log = get_logger("livecode.add_flow")


async def run(
    event: AddExternalContact,
    corp: Corp,
    code: LiveCode,
    wecom: WeComClient,
    redis: Redis | None,
    base_url: str,
    arrived_at: datetime | None,
) -> str:
    """Everything a live code does for its add but the mirror's own record (the handler
    passes the add on to the mirror): welcome, facts, quota, hand-back, tags, remark, journeys
    and the lead. Safe to run twice: a replay neither welcomes nor counts nor notifies again."""
    # 1. The welcome: its code dies 20 s after the event, so nothing slow goes before it.
    # Usually the welcome job on its own queue has sent it already; then this only reads the
    # recorded outcome (livecode/welcome_add.py, docs/decisions/0024).
    done = await welcome_add(
        event,
        corp,
        code,
        wecom,
        redis,
        arrived_at,
        base_url=base_url,
    )
    outcome, member, owner, local = done.outcome, done.member, done.owner, done.local
    # 2. The facts for statistics, once per add even when the job runs twice.
    try:
        async with in_transaction():  # the row and the member's count together, or neither
            await LiveCodeAdd.create(
                corp_id=corp.id,
                code_id=code.id,
                userid=event.user_id,
                external_userid=event.external_user_id,
                added_at=event.created_at,
                day=local.date(),
                welcome=outcome.outcome,
                welcome_ms=round(outcome.seconds * 1000),
            )
            if member is not None:
                member.adds_total += 1
                await member.save(update_fields=["adds_total", "updated_at"])
        first_time = True
    except IntegrityError:  # the job ran before (a replay): counted already
        first_time = False
    # The once-per-add follow-ups (hand-back, journeys, the lead) end with the lead's touch:
    # a job that died after the row above but before that touch does them on its retry
    # (each is safe to repeat), a full replay of a finished add does none of them again.
    follow_up = first_time or not await lead_sources.wecom_add_recorded(
        corp.id, event.external_user_id, event.created_at
    )
    native = code.strategy == "native" and owner is None
    if first_time and member is not None and redis is not None and native:
        # WeCom chose the member; count it and take them out of the code at their quota.
        used = await Allocator(redis).count_add(code, member.userid, local.date().isoformat())
        if member.daily_quota and used >= member.daily_quota:
            await service.sync_code(code, wecom, corp, redis)
    if owner is not None and follow_up:  # a replayed job must not transfer or notify twice
        await one_owner.route_back(
            wecom,
            corp,
            code,
            external_userid=event.external_user_id,
            new_member=event.user_id,
            owner=owner[0],
        )
    # 3. Tags and remark. A tag deleted at WeCom must not cost the customer the mirror row.
    if code.tag_ids:
        try:
            await wecom.mark_tag(
                MarkTag(
                    userid=event.user_id,
                    external_userid=event.external_user_id,
                    add_tag=code.tag_ids,
                )
            )
        except (errors.NotFound, errors.NotAFriend) as exc:
            log.warning("livecode.tag_failed", code=code.name, errcode=exc.errcode)
        else:
            if follow_up:
                await journeys.enroll(
                    corp.id,
                    "tag_added",
                    event.external_user_id,
                    event.user_id,
                    {"tag_ids": code.tag_ids},
                )
    if code.remark_template or code.description_template:
        values = {
            "channel": code.channel,
            "campaign": code.campaign,
            "date": local.date().isoformat(),
        }
        try:
            await wecom.remark(
                Remark(
                    userid=event.user_id,
                    external_userid=event.external_user_id,
                    remark=welcome.render(code.remark_template, values)[:20] or None,
                    description=welcome.render(code.description_template, values)[:150] or None,
                )
            )
        except (errors.InvalidParameter, errors.NotAFriend) as exc:
            log.warning("livecode.remark_failed", code=code.name, errcode=exc.errcode)
    # 5. The add is a lead of the code's channel (lead-to-deal starts here for WeCom adds);
    # once per add, so a replayed job does not count a second touch.
    # The mirror records the friendship after this (the handler passes the add on to it);
    # the lead needs the customer now.
    customer = await contacts.ensure_customer(corp, event.external_user_id)
    if follow_up:  # enrolment is once per journey entry: a repeat finds the run and stops
        await journeys.enroll(
            corp.id, "livecode_add", event.external_user_id, event.user_id, {"code_id": code.id}
        )
        await lead_sources.from_wecom_add(
            corp.id,
            customer,
            owner=owner[0] if owner else event.user_id,
            channel=code.channel,
            campaign=code.campaign,
            at=event.created_at,
        )
    log.info(
        "livecode.added",
        code=code.name,
        userid=event.user_id,
        welcome=outcome.outcome,
        welcome_ms=round(outcome.seconds * 1000),  # from the edge arrival
        since_create_ms=round(outcome.since_create * 1000),
    )
    return outcome.outcome
