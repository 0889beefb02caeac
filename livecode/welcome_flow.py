"""The welcome of a live code: chosen and rendered from local data, sent inside WeCom's 20 s."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from livecode import welcome
from scrm.infra import schedule as sched
from scrm.models import Corp, Staff
from scrm.models.livecode import LiveCode, LiveCodeMember
from scrm.services import material_refs, radar
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.common import Attachment, Text
from wecom.client.models.messages import WelcomeMessage

# WeCom gives 20 s; past this much of it a send is more likely to race the expiry than land.
WELCOME_DEADLINE_SECONDS = 18.0


@dataclass
class WelcomeOutcome:
    outcome: str  # sent | spent | expired | skipped | none (no welcome code) | failed
    seconds: float  # since the callback arrived at our edge (welcome_ms, the latency metric)
    since_create: float = 0.0  # since the event's whole-second CreateTime (WeCom's 20 s)


def choose(
    code: LiveCode, member: LiveCodeMember | None, local: datetime
) -> tuple[str, list[dict[str, Any]]]:
    """The text and attachments for an add at `local`: a matching time slice, else the code's;
    a member's own text overrides the text (attachments stay the code's)."""
    text, attachments = code.welcome_text, list(code.welcome_attachments)
    for variant in code.welcome_variants:
        if local.isoweekday() in variant.get("weekdays", range(1, 8)) and sched.is_open(
            {}, {local.date().isoformat(): [[variant["start"], variant["end"]]]}, local
        ):
            text = variant.get("text") or text
            attachments = variant.get("attachments") or attachments
            break
    if member is not None and member.welcome_text:
        text = member.welcome_text
    return text, attachments


async def send_welcome(
    client: WeComClient,
    code: LiveCode,
    *,
    corp: Corp,
    userid: str,
    external_userid: str,
    welcome_code: str,
    event_time: float,
    local: datetime,
    arrived_at: float | None = None,
    member: LiveCodeMember | None = None,
    text_override: str | None = None,
    extra_values: dict[str, str] | None = None,
    base_url: str = "",
) -> WelcomeOutcome:
    """Send the welcome now. Only the nickname may be fetched first, and only when used.

    `arrived_at` (epoch seconds) is when the callback reached our edge: the outcome's
    `seconds` count from it (from `event_time` when unknown); the deadline counts from
    `event_time`, WeCom's CreateTime, because WeCom's 20 s do."""
    start = event_time if arrived_at is None else arrived_at

    def done(outcome: str) -> WelcomeOutcome:
        now = time.time()
        return WelcomeOutcome(outcome, max(now - start, 0.0), now - event_time)

    age = time.time() - event_time
    if not welcome_code:
        return done("none")  # the admin console owns this member's welcome
    text, attachments = choose(code, member, local)
    refs = list(code.welcome_material_ids or [])
    if text_override is not None:
        text, attachments, refs = text_override, [], []
    if not text and not attachments and not refs:
        return done("skipped")
    if age > WELCOME_DEADLINE_SECONDS:
        return done("expired")
    staff = await Staff.get_or_none(corp_id=corp.id, userid=userid)
    values = {
        "staff_name": staff.name if staff and staff.name else userid,
        "channel": code.channel,
        **(extra_values or {}),
    }
    if welcome.needs_customer_name(text):
        detail = await client.get_external_contact(external_userid)
        values["customer_name"] = detail.external_contact.name
    text = welcome.render(text, values) if text else ""
    if refs:  # the 素材库 items as they are now; a 雷达 link names this member and customer
        claim = radar.Claim(corp.id, 0, userid, external_userid, "welcome")
        text, attachments = await material_refs.compose(
            corp.id, text, attachments, refs, base_url=base_url, claim=claim
        )
    message = WelcomeMessage(
        welcome_code=welcome_code,
        text=Text(content=text) if text else None,
        attachments=[Attachment.model_validate(a) for a in attachments],
    )
    try:
        await client.send_welcome_msg(message)
    except errors.WelcomeCodeSpent:
        # Already welcomed (a redelivery, a replay, another app) or the customer spoke first.
        return done("spent")
    except errors.WeComError:
        return done("failed")
    return done("sent")
