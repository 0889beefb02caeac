"""One customer, one owner: a returning customer added by someone else goes back to their owner."""

from __future__ import annotations

from scrm.infra.logging import get_logger
from scrm.models import Corp, Staff
from scrm.models.livecode import LiveCode
from scrm.services import contacts, notify
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.misc import Transfer

log = get_logger("livecode.one_owner")


async def existing_owner(
    corp: Corp, external_userid: str, new_member: str
) -> tuple[str, str] | None:
    """(userid, name) of a member other than `new_member` who already serves the customer."""
    owners = [u for u in await contacts.owners_of(corp, external_userid) if u != new_member]
    if not owners:
        return None
    staff = await Staff.get_or_none(corp_id=corp.id, userid=owners[0])
    return owners[0], staff.name if staff and staff.name else owners[0]


async def route_back(
    wecom: WeComClient,
    corp: Corp,
    code: LiveCode,
    *,
    external_userid: str,
    new_member: str,
    owner: str,
) -> None:
    """Hand the customer back to their owner (在职继承, effective within 24 h) and tell them."""
    try:
        result = await wecom.transfer_customer(
            Transfer(
                handover_userid=new_member,
                takeover_userid=owner,
                external_userid=[external_userid],
            )
        )
    except errors.WeComError as exc:
        log.warning("livecode.route_back_failed", code=code.name, errcode=exc.errcode)
        return
    failed = [c.errcode for c in result.customer if c.errcode]
    if failed:  # not handed back (or already on its way, a retried job): nothing to tell
        log.warning("livecode.route_back_refused", code=code.name, errcodes=failed)
        return
    await notify.tell(
        wecom,
        corp,
        owner,
        f"您的客户通过「{code.name}」添加了 {new_member}，"
        "已按「一客一主」转回给您（在职继承，24 小时内生效）。",
    )
