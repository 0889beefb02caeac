"""Corp-tag events (change_external_tag): mirror deletions now, details from WeCom."""

from __future__ import annotations

from bot.dispatch import Router
from scrm.models import Corp
from scrm.services import tags
from wecom.events import ExternalTagDelete

router = Router(name=__name__)


@router.event(ExternalTagDelete)
async def on_delete(event: ExternalTagDelete, corp: Corp) -> str:
    await tags.mark_deleted(corp, event.id, is_group=event.tag_type == "tag_group")
    return "deleted"
