"""Staff, customers and follow relations: the local mirror of WeCom's friend graph."""

from __future__ import annotations

from datetime import datetime

from scrm.enums import RelationStatus
from scrm.models import Corp, Customer, FollowRelation, Staff
from scrm.services.upsert import get_or_create


async def ensure_staff(corp: Corp, userid: str) -> Staff:
    staff, _ = await get_or_create(Staff, corp_id=corp.id, userid=userid)
    return staff


async def ensure_customer(corp: Corp, external_userid: str) -> Customer:
    customer, _ = await get_or_create(Customer, corp_id=corp.id, external_userid=external_userid)
    return customer


async def record_add(
    corp: Corp,
    userid: str,
    external_userid: str,
    *,
    at: datetime,
    state: str = "",
    welcome_code: str = "",
    pending: bool = False,
) -> FollowRelation:
    """A staff member and a customer became friends (or half-friends, for add_half)."""
    staff = await ensure_staff(corp, userid)
    customer, new_customer = await get_or_create(
        Customer,
        corp_id=corp.id,
        external_userid=external_userid,
        defaults={"first_channel": state, "last_activity_at": at},
    )
    status = RelationStatus.PENDING if pending else RelationStatus.ACTIVE
    relation, created = await get_or_create(
        FollowRelation,
        corp_id=corp.id,
        staff_id=staff.id,
        customer_id=customer.id,
        defaults={"status": status, "state": state, "added_at": at, "welcome_code": welcome_code},
    )
    if not created:
        # A re-add after a deletion, or the full add following add_half: a fresh friendship.
        relation.status = status
        relation.deleted_at = None
        relation.added_at = at
        relation.state = state or relation.state
        relation.welcome_code = welcome_code or relation.welcome_code
        await relation.save()
    if not new_customer:  # a new customer got both fields at creation: no second write
        if state and not customer.first_channel:
            customer.first_channel = state
        customer.last_activity_at = at
        await customer.save(update_fields=["first_channel", "last_activity_at", "updated_at"])
    return relation


async def record_removal(
    corp: Corp, userid: str, external_userid: str, *, at: datetime, status: RelationStatus
) -> FollowRelation:
    """Mark the relation ended; who ended it (staff, customer, transfer) is the status."""
    staff = await ensure_staff(corp, userid)
    customer = await ensure_customer(corp, external_userid)
    relation, _ = await get_or_create(
        FollowRelation,
        corp_id=corp.id,
        staff_id=staff.id,
        customer_id=customer.id,
        defaults={"status": status},
    )
    relation.status = status
    relation.deleted_at = at
    await relation.save(update_fields=["status", "deleted_at", "updated_at"])
    return relation


async def owners_of(corp: Corp, external_userid: str) -> list[str]:
    """Userids of staff with an active relation to this customer, oldest first."""
    rows = (
        await FollowRelation.filter(
            corp_id=corp.id,
            customer__external_userid=external_userid,
            status=RelationStatus.ACTIVE,
        )
        .order_by("added_at")
        .values_list("staff__userid", flat=True)
    )
    return [str(r) for r in rows]
