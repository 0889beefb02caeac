"""Corp-tag events (change_external_tag): deletions mirrored now, the rest read from WeCom."""

from __future__ import annotations

from scrm.infra.dispatch import Router
from scrm.models import Corp
from scrm.services import tags
from scrm.sync.refresh import refresh_tags
from wecom.client import WeComClient
from wecom.events import ExternalTagCreate, ExternalTagDelete, ExternalTagUpdate

router = Router(name=__name__)


@router.event(ExternalTagDelete)
async def on_delete(event: ExternalTagDelete, corp: Corp) -> str:
    await tags.mark_deleted(corp, event.id, is_group=event.tag_type == "tag_group")
    return "deleted"


@router.event(ExternalTagCreate)
@router.event(ExternalTagUpdate)
async def on_change(
    event: ExternalTagCreate | ExternalTagUpdate, corp: Corp, wecom: WeComClient | None = None
) -> str:
    # The event names the tag, not its new name or order: read the library back (one call).
    if wecom is None:
        return "ignored"
    await refresh_tags(corp.id, wecom)
    return "refreshed"
