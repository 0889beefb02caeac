"""The 群发 tick: make due sends' tasks (scheduled or missed), resume the sends of dead
holders, and track sends whose next poll is due."""

from __future__ import annotations

from datetime import datetime

from scrm.infra.logging import get_logger
from scrm.services import mass_send, mass_send_resume, mass_send_track
from scrm.services.mass_send import ClientFor
from scrm.services.mass_send_resume import Holder

log = get_logger("scrm.services.mass_send_tick")


async def tick(
    now: datetime, client_for: ClientFor, opts: mass_send.RunOptions, holder: Holder | None
) -> dict[str, int]:
    made = tracked = 0

    async def run(send_id: int) -> int:
        try:
            await mass_send.run(send_id, client_for, opts, now, holder)
        except mass_send_resume.LeaseLost as exc:  # taken for dead: the others go on
            log.warning("mass_send.lease_lost", send_id=send_id, error=str(exc))
            return 0
        return 1

    for send_id in await mass_send.due(now):
        if await mass_send.claim(send_id, holder.id if holder else ""):
            made += await run(send_id)
    for send_id in await mass_send_resume.reclaim(now, holder):
        log.warning("mass_send.resumed", send_id=send_id)
        made += await run(send_id)
    for send_id in await mass_send_track.due(now):
        await mass_send_track.track(send_id, client_for, now)
        tracked += 1
    return {"made": made, "tracked": tracked}
