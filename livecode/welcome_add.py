"""The welcome step of a live-code add, shared by the welcome job and the add flow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from redis.asyncio import Redis

from livecode import one_owner, service
from livecode.welcome_flow import WelcomeOutcome, send_welcome
from livecode.welcome_once import welcome_once
from scrm.models import Corp
from scrm.models.livecode import LiveCode, LiveCodeMember
from wecom.client import WeComClient
from wecom.events import AddExternalContact


@dataclass
class Welcomed:
    outcome: WelcomeOutcome
    member: LiveCodeMember | None
    owner: tuple[str, str] | None  # (userid, name) under "one customer, one owner"
    local: datetime


async def welcome_add(
    event: AddExternalContact,
    corp: Corp,
    code: LiveCode,
    wecom: WeComClient,
    redis: Redis | None,
    arrived_at: datetime | None,
    base_url: str = "",
) -> Welcomed:
    """Send the add's welcome once (see livecode.welcome_once); only reads come before it."""
    local = service.local_now(corp, event.created_at)
    member = await LiveCodeMember.get_or_none(code_id=code.id, userid=event.user_id)
    # A returning customer under "one customer, one owner": their owner keeps them.
    owner = (
        await one_owner.existing_owner(corp, event.external_user_id, event.user_id)
        if code.one_owner
        else None
    )

    async def send() -> WelcomeOutcome:
        return await send_welcome(
            wecom,
            code,
            corp=corp,
            userid=event.user_id,
            external_userid=event.external_user_id,
            welcome_code=event.welcome_code or "",
            event_time=event.created_at.timestamp(),
            local=local,
            arrived_at=arrived_at.timestamp() if arrived_at else None,
            member=member,
            text_override=code.one_owner_text if owner else None,
            extra_values={"owner_name": owner[1]} if owner else None,
            base_url=base_url,  # 雷达 links in welcome materials point back here
        )

    outcome = await welcome_once(redis, corp.id, event.welcome_code or "", send)
    return Welcomed(outcome, member, owner, local)
