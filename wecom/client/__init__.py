"""The async WeCom API client: `WeComClient(corp_id, secret, session=..., redis=...)`."""

from __future__ import annotations

from functools import cached_property

from wecom.client.api.contacts import ContactsAPI
from wecom.client.api.groups import GroupsAPI
from wecom.client.api.messages import MessagesAPI
from wecom.client.api.misc import MiscAPI
from wecom.client.api.tags import TagsAPI
from wecom.client.api.transfer import TransferAPI
from wecom.client.media import MediaCache
from wecom.client.tickets import Tickets, jsapi_signature


class WeComClient(ContactsAPI, TagsAPI, GroupsAPI, MessagesAPI, MiscAPI, TransferAPI):
    """Every WeCom server API the project uses, typed; one instance per (corp, app secret)."""

    @cached_property
    def media(self) -> MediaCache:
        return MediaCache(self)

    @cached_property
    def tickets(self) -> Tickets:
        return Tickets(self)


__all__ = ["WeComClient", "jsapi_signature"]
