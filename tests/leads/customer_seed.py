"""Customers of lisi, wangwu and zhangsan, with tags, a live-code channel and a scored lead,
for the customer API tests and the admin pages' browser tests. Their names and remarks are
WeCom's: seeded in the sandbox and brought into the mirror by the corp sync."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scrm.models import (
    Corp,
    Customer,
    FollowRelation,
    FollowUp,
    Lead,
    LeadActivity,
    Tag,
    TagGroup,
)
from scrm.models.livecode import LiveCode
from tests.conftest import CORP_ID
from tests.livecode.conftest import Linked
from tests.sync.helpers import sync_customers
from wecom.client.models.contacts import Remark

# (staff userid, external_userid, name, live-code state, tag ids)
PEOPLE = (
    ("lisi", "wmLisiA", "李客户甲", "lc-poster", ["tagVIP"]),
    ("lisi", "wmLisiB", "李客户乙", "", ["tagNew"]),
    ("wangwu", "wmWangA", "王客户", "lc-poster", ["tagVIP"]),
    ("zhangsan", "wmZhangA", "张客户", "", []),
)


@dataclass
class Seeded:
    corp: Corp
    lead: Lead  # lisi's scored lead on wmLisiA


async def seed_customers(linked: Linked) -> Seeded:
    from scrm.services import contacts

    corp = await Corp.get(corp_id=CORP_ID)
    # WeCom's side: the friendships with names, and each member's remark.
    friends = [{"userid": u, "external_userid": e, "name": n} for u, e, n, _, _ in PEOPLE]
    await linked.sandbox.control("friends", {"friends": friends})
    for userid, ext, name, _, _ in PEOPLE:
        await linked.client.remark(
            Remark(userid=userid, external_userid=ext, remark=f"{name}-备注")
        )
    now = datetime.now(UTC)
    await LiveCode.create(corp_id=corp.id, name="门店海报", state="lc-poster")
    group = await TagGroup.create(corp_id=corp.id, group_id="grpLevel", name="客户分层")
    await Tag.create(corp_id=corp.id, tag_id="tagVIP", group=group, name="VIP")
    await Tag.create(corp_id=corp.id, tag_id="tagNew", group=group, name="新客")
    for i, (userid, ext, _, state, _) in enumerate(PEOPLE):  # as their add callbacks did
        await contacts.record_add(
            corp, userid, ext, at=now - timedelta(days=3, hours=i), state=state
        )
    await sync_customers(linked)
    # The channel and tags are this test's own (a live code, local tag ids), not WeCom's.
    for i, (userid, ext, _, state, tags) in enumerate(PEOPLE):
        relation = await FollowRelation.get(
            corp_id=corp.id, staff__userid=userid, customer__external_userid=ext
        )
        relation.state, relation.tag_ids = state, tags
        relation.added_at = now - timedelta(days=3, hours=i)
        await relation.save()
    customer = await Customer.get(corp_id=corp.id, external_userid="wmLisiA")
    lead = await Lead.create(
        corp_id=corp.id,
        customer=customer,
        name="李客户甲",
        phone="13800001111",
        channel="门店海报",
        score=72,
        grade="A",
        status="mql",
        owner_userid="lisi",
        assigned_at=now - timedelta(days=2),
    )
    await LeadActivity.create(
        corp_id=corp.id, lead=lead, kind="intake", at=now - timedelta(days=2), data={}
    )
    await FollowUp.create(
        corp_id=corp.id,
        userid="lisi",
        external_userid="wmLisiA",
        note="电话沟通，客户想要报价",
        at=now - timedelta(days=1),
    )
    return Seeded(corp, lead)


def exts(listing: dict[str, Any]) -> set[str]:
    return {c["external_userid"] for c in listing["items"]}
