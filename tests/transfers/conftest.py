"""Transfer tests reuse the bot + sandbox pair of the live-code tests, with seeding helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scrm.models import Corp, Customer
from scrm.services import contacts
from tests.conftest import CORP_ID
from tests.livecode.conftest import AUTH, Linked, linked  # noqa: F401

DAY = 24 * 3600


async def corp() -> Corp:
    return await Corp.get(corp_id=CORP_ID)


async def seed_friends(pair: Linked, userid: str, names: list[str]) -> list[str]:
    """Friendships already in WeCom, mirrored locally the way a customer sync leaves them."""
    made = await pair.sandbox.control(
        "friends", {"friends": [{"userid": userid, "name": n} for n in names]}
    )
    c = await corp()
    since = datetime.now(UTC) - timedelta(days=40, hours=1)
    for ext, name in zip(made["external_userids"], names, strict=True):
        await contacts.record_add(c, userid, ext, at=since)
        await Customer.filter(corp_id=c.id, external_userid=ext).update(name=name)
    return list(made["external_userids"])
