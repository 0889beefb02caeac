"""Moving the 话术库 into the 素材库: each text, picture or link 话术 becomes a material (its
category, content and use count kept) and the 话术 then refers to it, so there is one library
to edit. Run on request; running it again moves only what is left."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from scrm.enums import QuickReplyKind
from scrm.models import Material, QuickReply, QuickReplyCategory


async def quick_replies(corp_id: int) -> dict[str, int]:
    """Returns how many 话术 were moved and how many already referred to a material."""
    names = dict(await QuickReplyCategory.filter(corp_id=corp_id).values_list("id", "name"))
    moved = kept = 0
    for reply in await QuickReply.filter(corp_id=corp_id).order_by("id"):
        if reply.kind == "material":
            kept += 1
            continue
        category = str(names.get(getattr(reply, "category_id", 0), ""))[:32]
        # One material and the reference together: never a material without its 话术 pointing
        # at it, nor a 话术 pointing at nothing.
        async with in_transaction():
            material = await Material.create(
                corp_id=corp_id,
                kind=reply.kind,
                category=category,
                title=reply.title[:128],
                content=reply.content,
                url=reply.url,
                cover_url=str(reply.extra.get("img_url", ""))[:1024],
                uses=reply.uses,
            )
            reply.kind = QuickReplyKind.MATERIAL
            reply.extra = {**reply.extra, "material_id": material.id}
            await reply.save(update_fields=["kind", "extra", "updated_at"])
        moved += 1
    return {"moved": moved, "kept": kept}
