"""Welcome messages, group welcome templates, mass messages and app notifications."""

from __future__ import annotations

from wecom.client.core import WeComCore
from wecom.client.models import messages as m
from wecom.client.models.common import Request, Response


class _MsgId(Request):
    msgid: str


class _TemplateId(Request):
    template_id: str


class MessagesAPI(WeComCore):
    async def send_welcome_msg(self, req: m.WelcomeMessage) -> Response:
        """Once, within 20 s of the add event. 41051 (WelcomeCodeSpent) is final."""
        return await self.post("externalcontact/send_welcome_msg", req, Response)

    async def add_group_welcome_template(self, req: m.GroupWelcomeTemplate) -> m.TemplateCreated:
        api = "externalcontact/group_welcome_template/add"
        return await self.post(api, req, m.TemplateCreated)

    async def edit_group_welcome_template(self, req: m.GroupWelcomeTemplateEdit) -> Response:
        return await self.post("externalcontact/group_welcome_template/edit", req, Response)

    async def get_group_welcome_template(self, template_id: str) -> m.GroupWelcomeTemplateDetail:
        req = _TemplateId(template_id=template_id)
        api = "externalcontact/group_welcome_template/get"
        return await self.post(api, req, m.GroupWelcomeTemplateDetail)

    async def del_group_welcome_template(self, template_id: str) -> Response:
        req = _TemplateId(template_id=template_id)
        return await self.post("externalcontact/group_welcome_template/del", req, Response)

    async def add_msg_template(self, req: m.MsgTemplate) -> m.MsgTemplateCreated:
        return await self.post("externalcontact/add_msg_template", req, m.MsgTemplateCreated)

    async def get_groupmsg_list(self, req: m.GroupMsgListRequest) -> m.GroupMsgs:
        return await self.post("externalcontact/get_groupmsg_list_v2", req, m.GroupMsgs)

    async def get_groupmsg_task(self, req: m.GroupMsgTaskRequest) -> m.GroupMsgTasks:
        return await self.post("externalcontact/get_groupmsg_task", req, m.GroupMsgTasks)

    async def get_groupmsg_send_result(self, req: m.GroupMsgResultRequest) -> m.GroupMsgResults:
        api = "externalcontact/get_groupmsg_send_result"
        return await self.post(api, req, m.GroupMsgResults)

    async def remind_groupmsg_send(self, msgid: str) -> Response:
        return await self.post(
            "externalcontact/remind_groupmsg_send", _MsgId(msgid=msgid), Response
        )

    async def cancel_groupmsg_send(self, msgid: str) -> Response:
        return await self.post(
            "externalcontact/cancel_groupmsg_send", _MsgId(msgid=msgid), Response
        )

    async def send_app_message(self, req: m.AppMessage) -> m.AppMessageSent:
        return await self.post("message/send", req, m.AppMessageSent)
