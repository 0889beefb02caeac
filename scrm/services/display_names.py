"""How a customer is shown: WeCom's name, else a member's remark, else the external id.

The one place that rule lives. Lookups come in single and batch forms; a batch costs two
queries however many people it names (the customers, then remarks for those without a name)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scrm.enums import RelationStatus
from scrm.models import Customer, FollowRelation, Lead

CHUNK = 500  # ids per IN (…): well inside SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True)
class Person:
    """A customer as lists show them: the name to print and the picture beside it."""

    external_userid: str
    name: str
    avatar: str = ""


def choose(name: str, remarks: Iterable[str], external_userid: str) -> str:
    """Name, then the first non-empty remark, then the id — in that order."""
    if name.strip():
        return name.strip()
    for remark in remarks:
        if remark and remark.strip():
            return remark.strip()
    return external_userid


def _chunks(items: list[str] | list[int]) -> Iterable[list[str] | list[int]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


async def _remarks(pks: list[int], staff_userid: str) -> dict[int, list[str]]:
    """Remarks per customer pk, best first: the given member's, then active relations',
    oldest first, then ended ones'."""
    rows: list[dict[str, object]] = []
    for part in _chunks(pks):
        rows += await (
            FollowRelation.filter(customer_id__in=part)
            .exclude(remark="")
            .order_by("added_at", "id")
            .values("customer_id", "remark", "status", "staff__userid")
        )

    def rank(row: dict[str, object]) -> int:
        if staff_userid and row["staff__userid"] == staff_userid:
            return 0
        return 1 if row["status"] == RelationStatus.ACTIVE else 2

    out: dict[int, list[str]] = {}
    for row in sorted(rows, key=rank):  # stable: keeps the oldest-first order within a rank
        out.setdefault(int(str(row["customer_id"])), []).append(str(row["remark"]))
    return out


async def _people(rows: list[dict[str, object]], staff_userid: str) -> list[Person]:
    unnamed = [int(str(r["id"])) for r in rows if not str(r["name"]).strip()]
    remarks = await _remarks(unnamed, staff_userid) if unnamed else {}
    return [
        Person(
            str(r["external_userid"]),
            choose(str(r["name"]), remarks.get(int(str(r["id"])), []), str(r["external_userid"])),
            str(r["avatar"]),
        )
        for r in rows
    ]


async def customers(
    corp_id: int, external_userids: Iterable[str], staff_userid: str = ""
) -> dict[str, Person]:
    """Every asked id → its Person; an id the mirror does not hold is shown as itself."""
    wanted = list(dict.fromkeys(e for e in external_userids if e))
    rows: list[dict[str, object]] = []
    for part in _chunks(wanted):
        rows += await Customer.filter(corp_id=corp_id, external_userid__in=part).values(
            "id", "external_userid", "name", "avatar"
        )
    found = {p.external_userid: p for p in await _people(rows, staff_userid)}
    return {e: found.get(e) or Person(e, e) for e in wanted}


async def customers_by_pk(corp_id: int, pks: Iterable[int | None]) -> dict[int, Person]:
    """The same for rows that link a customer by primary key (leads, opportunities)."""
    wanted = list(dict.fromkeys(pk for pk in pks if pk))
    rows: list[dict[str, object]] = []
    for part in _chunks(wanted):
        rows += await Customer.filter(corp_id=corp_id, id__in=part).values(
            "id", "external_userid", "name", "avatar"
        )
    people = await _people(rows, "")
    return {int(str(r["id"])): p for r, p in zip(rows, people, strict=True)}


async def customer(corp_id: int, external_userid: str, staff_userid: str = "") -> Person:
    """One customer; with `staff_userid`, that member's remark is preferred to others'."""
    if not external_userid:
        return Person("", "")
    return (await customers(corp_id, [external_userid], staff_userid))[external_userid]


async def name(corp_id: int, external_userid: str, staff_userid: str = "") -> str:
    return (await customer(corp_id, external_userid, staff_userid)).name


async def leads(corp_id: int, rows: Iterable[Lead]) -> dict[int, Person]:
    """Per lead id: its own name (what the person gave), else its WeCom customer's display
    name, with the customer's avatar; name "" for a nameless lead with no customer."""
    rows = list(rows)
    by_pk = await customers_by_pk(corp_id, [getattr(x, "customer_id", None) for x in rows])
    by_ext = await customers(
        corp_id, [x.external_userid for x in rows if not getattr(x, "customer_id", None)]
    )
    out: dict[int, Person] = {}
    for lead in rows:
        person = by_pk.get(getattr(lead, "customer_id", None) or 0) or by_ext.get(
            lead.external_userid
        )
        out[lead.id] = Person(
            lead.external_userid,
            lead.name.strip() or (person.name if person else ""),
            person.avatar if person else "",
        )
    return out
