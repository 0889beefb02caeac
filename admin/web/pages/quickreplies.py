"""话术库 (/admin/quick-replies): ops leads keep the categories and items staff insert from the
sidebar. The page reads the tables; every change goes through /api/v1/quick-replies."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from admin.api.quick_replies import reply_out
from admin.web.render import current, page
from scrm.models import Material, QuickReply, QuickReplyCategory
from scrm.services.materials import KIND_LABELS

routes = web.RouteTableDef()
KINDS = {"text": "文字", "image": "图片", "link": "链接", "material": "素材库"}


@routes.get("/admin/quick-replies")
@page("quickreplies.html", nav="quickreplies", title="话术库", role="ops")
async def quick_replies(request: web.Request) -> dict[str, Any]:
    corp_pk = current(request).corp_pk
    cats = await QuickReplyCategory.filter(corp_id=corp_pk).order_by("sort", "id")
    items = await QuickReply.filter(corp_id=corp_pk).order_by("sort", "id")
    by_cat: dict[int, list[QuickReply]] = {}
    for item in items:
        by_cat.setdefault(getattr(item, "category_id", 0), []).append(item)
    # A 话术 may refer to a 素材库 item (sent as the item is at the time): the form's choices.
    mats = await Material.filter(corp_id=corp_pk).order_by("category", "title").limit(1000)
    titles = {m.id: m.title for m in mats}
    return {
        "materials": [
            {"id": m.id, "label": f"{KIND_LABELS.get(m.kind, m.kind)} · {m.title}"} for m in mats
        ],
        "material_titles": titles,
        "categories": [
            {"row": c, "items": [reply_out(i) for i in by_cat.get(c.id, [])]} for c in cats
        ],
        "kinds": KINDS,
        "total_uses": sum(i.uses for i in items),
        "inline": sum(i.kind != "material" for i in items),
    }
