"""Tell a member something through the corp's app (WeCom message/send), best effort."""

from __future__ import annotations

from scrm.infra.clients import WeComClients
from scrm.infra.logging import get_logger
from scrm.models import Corp
from wecom import errors
from wecom.client import WeComClient
from wecom.client.models.common import Text
from wecom.client.models.messages import AppMessage

log = get_logger("scrm.services.notify")


async def tell(client: WeComClient, corp: Corp, userid: str, text: str) -> bool:
    """True when WeCom took the message. A corp without an app (agent id), an empty userid or a
    WeCom refusal is logged and answered False: callers mark their reminder as done either
    way, so a member is never spammed by retries of the same notice."""
    if not corp.agent_id or not userid:
        return False
    try:
        await client.send_app_message(
            AppMessage(touser=userid, agentid=corp.agent_id, text=Text(content=text))
        )
    except errors.WeComError as exc:
        log.warning("notify.failed", userid=userid, errcode=exc.errcode)
        return False
    return True


async def tell_member(clients: WeComClients | None, corp: Corp, userid: str, text: str) -> bool:
    """`tell` through the corp's client; a process without WeCom clients (a test's worker)
    tells nobody."""
    return clients is not None and await tell(clients.for_corp(corp), corp, userid, text)
