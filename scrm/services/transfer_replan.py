"""After a hand-over, a journey send the old member was given but never sent goes again,
from the new member: the old member can no longer reach the customer, so it cannot arrive
twice."""

from __future__ import annotations

from datetime import datetime

from scrm.enums import JourneyAction
from scrm.infra.logging import get_logger
from scrm.models import Corp, JourneyLog, JourneyRun, JourneyTask
from scrm.models.sop import journey_owner
from scrm.services.mass_send_track import send_results
from wecom import errors
from wecom.client import WeComClient

log = get_logger("scrm.services.transfer_replan")
REACHED = 1  # WeCom's send status 已发送; 0 未发送, 2 非好友, 3 已收到其他群发 never arrived


async def replan_fired(
    corp: Corp, client: WeComClient, old: str, new: str, ext: str, at: datetime
) -> list[int]:
    """Runs whose last send sits unsent in the old member's WeCom task go back to that send
    node, owned by the new member and due now; the old `sent` log becomes `replanned` (it
    reached nobody, so the caps do not count it). WeCom is asked first: a send the old
    member made before the hand-over stays as it is. Returns the runs re-planned."""
    logs = await JourneyLog.filter(corp_id=corp.id, external_userid=ext, action="sent").order_by(
        "-at", "-id"
    )
    latest: dict[int, JourneyLog] = {}
    for row in logs:  # newest first: the send each run made last
        latest.setdefault(row.run_id, row)  # type: ignore[attr-defined]
    msgids = {str(row.data.get("msgid", "")) for row in latest.values()} - {""}
    fired = set(
        await JourneyTask.filter(
            corp_id=corp.id, owner_userid=old, status="fired", msgid__in=sorted(msgids) or [""]
        ).values_list("msgid", flat=True)
    )
    replanned = []
    for run_id, row in latest.items():
        msgid = str(row.data.get("msgid", ""))
        if msgid not in fired:
            continue
        try:
            status = (await send_results(client, msgid, old)).get(ext, 0)
        except errors.WeComError as exc:  # unknown: leave it rather than risk a second send
            log.warning("journey.replan_skipped", msgid=msgid, errcode=exc.errcode)
            continue
        if status == REACHED:
            continue
        moved = await JourneyRun.filter(id=run_id, status__in=("active", "done")).update(
            node_id=row.node_id, status="active", due_at=at, **journey_owner(new)
        )
        if moved:
            row.action = JourneyAction.REPLANNED
            row.data = {**row.data, "handover_to": new}
            await row.save(update_fields=["action", "data", "updated_at"])
            replanned.append(run_id)
    return replanned
