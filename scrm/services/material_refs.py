"""素材库 references held by the welcome message, quick replies, group SOP steps and journey
sends: checked in the corp when saved, read fresh when sent (so an edit to a material reaches
every place that uses it), with 雷达 links minted for that send."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrm.infra.logging import get_logger
from scrm.models import Material
from scrm.services import materials, radar

log = get_logger("scrm.material_refs")
MAX_REFS = 9  # a WeCom message carries at most 9 attachments


async def check(corp_id: int, ids: Sequence[int]) -> list[int]:
    """The ids as given, each a material of this corp; MaterialError (a 422) otherwise."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    if len(ids) > MAX_REFS:
        raise materials.MaterialError(f"最多引用 {MAX_REFS} 个素材")
    if ids:
        await materials.load(corp_id, ids)
    return ids


async def current(corp_id: int, ids: Sequence[int]) -> list[Material]:
    """The materials still there, in the order given: one deleted since it was picked is left
    out of the message rather than stopping it."""
    if not ids:
        return []
    rows = {m.id: m for m in await Material.filter(corp_id=corp_id, id__in=list(ids))}
    return [rows[i] for i in ids if i in rows]


async def compose(
    corp_id: int,
    text: str,
    attachments: list[dict[str, Any]],
    ids: Sequence[int],
    *,
    base_url: str,
    claim: radar.Claim,
    count: bool = True,
) -> tuple[str, list[dict[str, Any]]]:
    """Inline text and attachments, then the referenced materials' current content: text
    materials join the text, the others become attachments (at most 9 in all). A material that
    cannot be sent now (its media expired) is left out and logged; the rest still goes. A
    tracked link carries a 雷达 token for `claim`, or its plain address when no public URL is
    configured (a relative /r/ link would not open from WeCom)."""
    mats = await current(corp_id, ids)
    parts = [text] if text else []
    parts += [m.content for m in mats if m.kind == "text" and m.content]
    out = list(attachments)
    for m in mats:
        try:
            made = materials.attachment(m, base_url=base_url, claim=claim if base_url else None)
        except materials.MaterialError as exc:
            log.warning("material_refs.skipped", material_id=m.id, reason=str(exc))
            continue
        if made is not None:
            out.append(made)
    if mats and count:
        await materials.count_use([m.id for m in mats])
    return "\n\n".join(parts), out[:MAX_REFS]
