"""JS-SDK tickets for the sidebar (jsapi_ticket and agent ticket) and their signature."""

from __future__ import annotations

import hashlib

from wecom.client.api.misc import MiscAPI
from wecom.client.cache import SharedValueCache


def jsapi_signature(ticket: str, noncestr: str, timestamp: int | str, url: str) -> str:
    """wx.config / wx.agentConfig signature: sha1 over the four fields in this fixed order."""
    url = url.split("#", 1)[0]  # the fragment is never part of the signed URL
    plain = f"jsapi_ticket={ticket}&noncestr={noncestr}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(plain.encode()).hexdigest()


class Tickets:
    """Both tickets cached in Redis like the token: WeCom allows 400 fetches/h per corp."""

    def __init__(self, client: MiscAPI) -> None:
        async def fetch_jsapi() -> tuple[str, int]:
            t = await client.fetch_jsapi_ticket()
            return t.ticket, t.expires_in

        async def fetch_agent() -> tuple[str, int]:
            t = await client.fetch_agent_ticket()
            return t.ticket, t.expires_in

        prefix = client.cache_prefix
        self.jsapi = SharedValueCache(client.redis, f"{prefix}:jsapi_ticket", fetch_jsapi)
        self.agent = SharedValueCache(client.redis, f"{prefix}:agent_ticket", fetch_agent)

    async def jsapi_ticket(self) -> str:
        return await self.jsapi.get()

    async def agent_ticket(self) -> str:
        return await self.agent.get()
