"""Last router: events nobody handles are logged (they stay in the inbox, never lost)."""

from __future__ import annotations

from scrm.infra.dispatch import Router
from scrm.infra.logging import get_logger
from wecom.events import WecomEvent

log = get_logger("handlers.fallback")
router = Router(name=__name__)


@router.event(WecomEvent)
async def on_anything(event: WecomEvent, inbox_id: int) -> str:
    log.info("event.unhandled_kind", kind=event.kind, inbox_id=inbox_id)
    return "ignored"
