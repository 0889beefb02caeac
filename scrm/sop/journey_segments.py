"""Journeys that start when a customer enters a 客户分群 (swept with the date triggers)."""

from __future__ import annotations

from datetime import datetime

from scrm.models import Journey, JourneyRun, Segment
from scrm.services import segments
from scrm.services.segment_rules import Conditions
from scrm.sop import journeys


async def segment_exists(corp_id: int, segment_id: int | None) -> bool:
    """True when no segment is named, or the named one is the corp's."""
    if segment_id is None:
        return True
    return await Segment.filter(id=segment_id, corp_id=corp_id).exists()


async def enroll_segment(journey: Journey, now: datetime) -> int:
    """Everyone now in the segment who has not been on the journey enters it, owned by the
    member a 群发 would send through (the same sender rule)."""
    corp_id = journey.corp_id  # type: ignore[attr-defined]
    seg = await Segment.get_or_none(id=journey.trigger.get("segment_id"), corp_id=corp_id)
    if seg is None:  # deleted since: the journey simply gets nobody new
        return 0
    match = await segments.evaluate(corp_id, Conditions.model_validate(seg.conditions), None)
    already = {
        str(e)
        for (e,) in await JourneyRun.filter(journey_id=journey.id).values_list("external_userid")
    }
    entered = 0
    for pk, ext in match.external.items():
        if ext in already:
            continue
        entered += await journeys.enroll(
            corp_id, "segment", ext, match.sender[pk], {"journey_id": journey.id}, now=now
        )
    return entered
