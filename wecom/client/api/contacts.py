"""Customers and 「联系我」 contact ways."""

from __future__ import annotations

from wecom.client.core import WeComCore
from wecom.client.models import contacts as m
from wecom.client.models.common import Request, Response


class _ConfigId(Request):
    config_id: str


class ContactsAPI(WeComCore):
    async def get_follow_user_list(self) -> m.FollowUserList:
        return await self.get("externalcontact/get_follow_user_list", m.FollowUserList)

    async def list_department_users(
        self, department_id: int, fetch_child: bool = True
    ) -> m.DepartmentUsers:
        """Members of a department (user/simplelist), to expand a code's department pool."""
        return await self.get(
            "user/simplelist",
            m.DepartmentUsers,
            department_id=department_id,
            fetch_child=int(fetch_child),
        )

    async def list_departments(self, department_id: int | None = None) -> m.Departments:
        """department/list: every department the app can see (or `department_id` and those
        under it), with names for a self-built app."""
        if department_id is None:
            return await self.get("department/list", m.Departments)
        return await self.get("department/list", m.Departments, id=department_id)

    async def list_external_contacts(self, userid: str) -> m.ExternalContactIds:
        return await self.get("externalcontact/list", m.ExternalContactIds, userid=userid)

    async def get_external_contact(
        self, external_userid: str, cursor: str = ""
    ) -> m.ExternalContactDetail:
        params = {"external_userid": external_userid}
        if cursor:
            params["cursor"] = cursor
        return await self.get("externalcontact/get", m.ExternalContactDetail, **params)

    async def batch_get_by_user(self, req: m.BatchGetByUser) -> m.BatchContacts:
        return await self.post("externalcontact/batch/get_by_user", req, m.BatchContacts)

    async def remark(self, req: m.Remark) -> Response:
        return await self.post("externalcontact/remark", req, Response)

    async def add_contact_way(self, req: m.ContactWay) -> m.ContactWayCreated:
        return await self.post("externalcontact/add_contact_way", req, m.ContactWayCreated)

    async def get_contact_way(self, config_id: str) -> m.ContactWayDetail:
        return await self.post(
            "externalcontact/get_contact_way", _ConfigId(config_id=config_id), m.ContactWayDetail
        )

    async def update_contact_way(self, req: m.ContactWayUpdate) -> Response:
        return await self.post("externalcontact/update_contact_way", req, Response)

    async def del_contact_way(self, config_id: str) -> Response:
        return await self.post(
            "externalcontact/del_contact_way", _ConfigId(config_id=config_id), Response
        )

    async def list_contact_ways(self, req: m.ContactWayList) -> m.ContactWays:
        return await self.post("externalcontact/list_contact_way", req, m.ContactWays)
