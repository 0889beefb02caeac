"""The unassigned list of resigned members' customers, and group hand-overs (在职/离职)."""

from __future__ import annotations

from wecom.client.core import WeComCore
from wecom.client.models import transfer as m


class TransferAPI(WeComCore):
    async def get_unassigned_list(self, req: m.UnassignedRequest) -> m.Unassigned:
        return await self.post("externalcontact/get_unassigned_list", req, m.Unassigned)

    async def transfer_groups(self, req: m.GroupTransfer) -> m.GroupTransferResult:
        """在职继承 of groups: the owner is still employed."""
        api = "externalcontact/groupchat/onjob_transfer"
        return await self.post(api, req, m.GroupTransferResult)

    async def transfer_resigned_groups(self, req: m.GroupTransfer) -> m.GroupTransferResult:
        """离职继承 of groups: the owner has left."""
        return await self.post("externalcontact/groupchat/transfer", req, m.GroupTransferResult)
