"""STAND-IN for the sync engine in tests: a customer's WeCom profile and remarks into the mirror.

Issue 13's sync (items 1–4: `scrm-bot sync`, the refresh after an add) is built on another
branch. Until it is merged, tests that need names get them the way production will: the name
is seeded in the sandbox, fetched through the real WeComClient (`externalcontact/get`, every
page of followers) and written onto the mirror's rows. When merging, replace the calls to
`fill_from_wecom` with the sync engine; nothing else in the tests depends on this module."""

from __future__ import annotations

from collections.abc import Iterable

from scrm.models import Corp, FollowRelation, Staff
from scrm.services import contacts
from wecom.client import WeComClient
from wecom.client.models.contacts import FollowUser


async def fill_from_wecom(
    corp: Corp, client: WeComClient, external_userids: Iterable[str], *, profile: bool = True
) -> None:
    """Profile (name, avatar, gender, type, corp name, unionid) and each relation's remark
    and description, as WeCom answers them. `profile=False` takes only the relations: a
    mirror that knows a remark but not yet the customer's name."""
    for ext in external_userids:
        followers: list[FollowUser] = []
        cursor = ""
        while True:
            detail = await client.get_external_contact(ext, cursor)
            followers += detail.follow_user
            cursor = detail.next_cursor
            if not cursor:
                break
        customer = await contacts.ensure_customer(corp, ext)
        if profile:
            found = detail.external_contact
            customer.name, customer.avatar = found.name, found.avatar or ""
            customer.gender, customer.type = found.gender, found.type
            customer.corp_name, customer.unionid = found.corp_name or "", found.unionid or ""
            await customer.save()
        for follower in followers:
            staff = await Staff.get_or_none(corp_id=corp.id, userid=follower.userid)
            if staff is None:
                continue
            await FollowRelation.filter(
                corp_id=corp.id, customer_id=customer.id, staff_id=staff.id
            ).update(remark=follower.remark, description=follower.description)
