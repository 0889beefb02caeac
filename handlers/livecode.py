"""Adds through one of our live codes: the add flow, then the mirror records the friendship."""

from __future__ import annotations

from datetime import datetime

from magic_filter import F
from redis.asyncio import Redis

from livecode import add_flow, service
from scrm.infra.dispatch import Router, SkipHandler
from scrm.infra.settings import Settings
from scrm.models import Corp
from scrm.models.livecode import LiveCode
from wecom.client import WeComClient
from wecom.events import AddExternalContact

router = Router(name=__name__)


async def our_live_code(event: AddExternalContact, corp: Corp) -> dict[str, LiveCode] | bool:
    """Claim the add only when its state is one of our live codes; others go to the mirror."""
    code = await service.find_by_state(corp, event.state)
    return {"code": code} if code is not None else False


@router.event(AddExternalContact, F.state, our_live_code)
async def on_live_code_add(
    event: AddExternalContact,
    corp: Corp,
    code: LiveCode,
    wecom: WeComClient,
    redis: Redis | None = None,
    settings: Settings | None = None,
    arrived_at: datetime | None = None,
) -> None:
    base_url = settings.public_url if settings is not None else ""
    await add_flow.run(event, corp, code, wecom, redis, base_url, arrived_at)
    # The friendship itself is the mirror's, as for every add (handlers/contacts.py): it
    # records the relation and queues the profile refresh, which reads back the code's tags.
    raise SkipHandler
