"""Set-based writes of customers and follow relations: diff against the mirror, then bulk."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from scrm.enums import RelationStatus
from scrm.models import Customer, FollowRelation
from scrm.sync.context import Counts
from scrm.sync.mapping import CUSTOMER_FIELDS, RELATION_FIELDS, customer_fields, differs
from wecom.client.models.contacts import ExternalContact

# A relation WeCom lists is a live one, whatever the mirror said before.
LIVE = (RelationStatus.ACTIVE,)


async def write_customers(
    corp_id: int, contacts: Sequence[ExternalContact], counts: Counts, now: datetime
) -> dict[str, int]:
    """Insert new customers, update changed ones; returns external_userid → primary key."""
    fresh = {c.external_userid: customer_fields(c) for c in contacts}
    if not fresh:
        return {}
    stored = {
        row["external_userid"]: row
        for row in await Customer.filter(corp_id=corp_id, external_userid__in=list(fresh)).values(
            "id", "external_userid", *CUSTOMER_FIELDS
        )
    }
    new = [
        Customer(corp_id=corp_id, external_userid=ext, **values)
        for ext, values in fresh.items()
        if ext not in stored
    ]
    changed = [
        Customer(
            id=stored[ext]["id"],
            corp_id=corp_id,
            updated_at=now,
            **{**{k: stored[ext][k] for k in CUSTOMER_FIELDS}, **values},
        )
        for ext, values in fresh.items()
        if ext in stored and differs(stored[ext], values, CUSTOMER_FIELDS)
    ]
    if new:
        # Another writer (an add event) may insert the same customer meanwhile: theirs stands.
        await Customer.bulk_create(new, ignore_conflicts=True)
        for row in await Customer.filter(
            corp_id=corp_id, external_userid__in=[c.external_userid for c in new]
        ).values("id", "external_userid"):
            stored[row["external_userid"]] = row
    if changed:
        await Customer.bulk_update(changed, fields=[*CUSTOMER_FIELDS, "updated_at"])
    counts.add("customers", added=len(new), changed=len(changed))
    return {ext: int(row["id"]) for ext, row in stored.items()}


async def write_relations(
    corp_id: int,
    fresh: dict[tuple[int, int], dict[str, Any]],
    counts: Counts,
    now: datetime,
    stored: dict[tuple[int, int], dict[str, Any]] | None = None,
) -> None:
    """`fresh`: (staff pk, customer pk) → relation fields. `stored` may be passed when the
    caller holds the member's relations already (the bulk sync loads them once a member)."""
    if not fresh:
        return
    if stored is None:
        stored = await stored_relations(
            corp_id,
            staff_ids={s for s, _ in fresh},
            customer_ids={c for _, c in fresh},
        )
    new: list[FollowRelation] = []
    changed: list[FollowRelation] = []
    for (staff_id, customer_id), values in fresh.items():
        row = stored.get((staff_id, customer_id))
        if row is None:
            new.append(
                FollowRelation(
                    corp_id=corp_id,
                    staff_id=staff_id,
                    customer_id=customer_id,
                    status=RelationStatus.ACTIVE,
                    **values,
                )
            )
        elif row["status"] not in LIVE or differs(row, values, RELATION_FIELDS):
            changed.append(
                FollowRelation(
                    id=row["id"],
                    corp_id=corp_id,
                    status=RelationStatus.ACTIVE,
                    deleted_at=None,
                    updated_at=now,
                    **values,
                )
            )
            row.update(values, status=RelationStatus.ACTIVE)
    if new:
        await FollowRelation.bulk_create(new, ignore_conflicts=True)
    if changed:
        await FollowRelation.bulk_update(
            changed,
            fields=[*RELATION_FIELDS, "remark_mobiles", "status", "deleted_at", "updated_at"],
        )
    counts.add("relations", added=len(new), changed=len(changed))


async def stored_relations(
    corp_id: int, *, staff_ids: set[int], customer_ids: set[int] | None = None
) -> dict[tuple[int, int], dict[str, Any]]:
    query = FollowRelation.filter(corp_id=corp_id, staff_id__in=list(staff_ids))
    if customer_ids is not None:
        query = query.filter(customer_id__in=list(customer_ids))
    rows = await query.values("id", "staff_id", "customer_id", "status", *RELATION_FIELDS)
    return {(int(r["staff_id"]), int(r["customer_id"])): r for r in rows}


async def end_relations(relation_ids: list[int], counts: Counts, now: datetime) -> None:
    """WeCom no longer lists these: ended at the time the sync noticed, never deleted."""
    for start in range(0, len(relation_ids), 500):
        chunk = relation_ids[start : start + 500]
        ended = await FollowRelation.filter(id__in=chunk, status=RelationStatus.ACTIVE).update(
            status=RelationStatus.ENDED, deleted_at=now, updated_at=now
        )
        counts.add("relations", ended=ended)
