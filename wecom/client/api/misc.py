"""Intercept rules, customer transfer (在职/离职继承), media uploads, JS-SDK tickets, OAuth."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import aiohttp

from wecom.client.core import WeComCore
from wecom.client.models import misc as m
from wecom.client.models.common import Request, Response


class _RuleId(Request):
    rule_id: str


MediaType = Literal["image", "voice", "video", "file"]


class MiscAPI(WeComCore):
    async def add_intercept_rule(self, req: m.InterceptRule) -> m.InterceptRuleCreated:
        api = "externalcontact/add_intercept_rule"
        return await self.post(api, req, m.InterceptRuleCreated)

    async def list_intercept_rules(self) -> m.InterceptRules:
        return await self.get("externalcontact/get_intercept_rule_list", m.InterceptRules)

    async def get_intercept_rule(self, rule_id: str) -> m.InterceptRuleDetail:
        req = _RuleId(rule_id=rule_id)
        return await self.post("externalcontact/get_intercept_rule", req, m.InterceptRuleDetail)

    async def update_intercept_rule(self, req: m.InterceptRuleUpdate) -> Response:
        return await self.post("externalcontact/update_intercept_rule", req, Response)

    async def del_intercept_rule(self, rule_id: str) -> Response:
        return await self.post(
            "externalcontact/del_intercept_rule", _RuleId(rule_id=rule_id), Response
        )

    async def transfer_customer(self, req: m.Transfer) -> m.TransferStarted:
        return await self.post("externalcontact/transfer_customer", req, m.TransferStarted)

    async def transfer_result(self, req: m.TransferResultRequest) -> m.TransferResults:
        return await self.post("externalcontact/transfer_result", req, m.TransferResults)

    async def resigned_transfer_customer(self, req: m.ResignedTransfer) -> m.TransferStarted:
        api = "externalcontact/resigned/transfer_customer"
        return await self.post(api, req, m.TransferStarted)

    async def resigned_transfer_result(self, req: m.TransferResultRequest) -> m.TransferResults:
        api = "externalcontact/resigned/transfer_result"
        return await self.post(api, req, m.TransferResults)

    async def upload_media(
        self, kind: MediaType, filename: str, content: bytes
    ) -> m.MediaUploaded:
        """A temporary media_id, valid 3 days; prefer `media.MediaCache`, which reuses it."""
        data = await self.request(
            "POST", "media/upload", params={"type": kind}, form=_form(filename, content)
        )
        return m.MediaUploaded.model_validate(data)

    async def upload_image(self, filename: str, content: bytes) -> m.ImageUploaded:
        """A permanent image URL for pic_url fields (quota: 1000/day, 3000/month per corp)."""
        data = await self.request("POST", "media/uploadimg", form=_form(filename, content))
        return m.ImageUploaded.model_validate(data)

    async def fetch_jsapi_ticket(self) -> m.Ticket:
        return await self.get("get_jsapi_ticket", m.Ticket)

    async def fetch_agent_ticket(self) -> m.Ticket:
        return await self.get("ticket/get", m.Ticket, type="agent_config")

    async def get_user_info(self, code: str) -> m.OAuthUser:
        """Who came back from an OAuth (网页授权) redirect; `code` is single-use, 5 minutes."""
        return await self.get("auth/getuserinfo", m.OAuthUser, code=code)


def _form(filename: str, content: bytes) -> Callable[[], aiohttp.FormData]:
    def build() -> aiohttp.FormData:
        form = aiohttp.FormData()
        form.add_field(
            "media", content, filename=filename, content_type="application/octet-stream"
        )
        return form

    return build
