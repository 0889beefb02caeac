"""Leads from WeCom adds through a live code, re-scoring after rule changes, and replays."""

from __future__ import annotations

from datetime import datetime

from scrm.models import Customer, Lead, LeadActivity, LeadEvent
from scrm.services import scoring


async def wecom_add_recorded(corp_id: int, external_userid: str, at: datetime) -> bool:
    """Whether the add at `at` already reached its lead (the add's last follow-up), which
    stamps `last_activity_at`. One indexed lookup (lead.external_userid): lead_activity has no
    index to find one add's activity by. A later activity on the same lead within a retry's
    few seconds would also count as done: one touch less, never a touch twice."""
    return await Lead.filter(
        corp_id=corp_id,
        external_userid=external_userid,
        merged_into_id=None,
        last_activity_at__gte=at,
    ).exists()


async def from_wecom_add(
    corp_id: int, customer: Customer, *, owner: str, channel: str, campaign: str, at: datetime
) -> tuple[Lead, bool]:
    """A customer added through a live code is a lead of that channel, owned by the member
    who got them; a person who was already a lead (same customer) is touched, not duplicated."""
    lead = await Lead.filter(corp_id=corp_id, customer_id=customer.id, merged_into_id=None).first()
    if lead is None:
        lead = await Lead.filter(
            corp_id=corp_id, external_userid=customer.external_userid, merged_into_id=None
        ).first()
    created = lead is None
    if lead is None:
        lead = Lead(
            corp_id=corp_id,
            platform="wecom",
            channel=channel,
            campaign=campaign,
            owner_userid=owner,
            assigned_at=at,
            name=customer.name,
        )
    else:
        lead.touches += 1
    lead.customer = customer
    lead.external_userid = customer.external_userid
    lead.last_activity_at = at
    rules = await scoring.active_rules(corp_id)
    settings = await scoring.settings_for(corp_id)
    scoring.recompute(lead, settings, rules, attributes=True, event="wecom_add")
    await lead.save()
    await LeadActivity.create(
        corp_id=corp_id,
        lead_id=lead.id,
        kind="wecom_add",
        actor=owner,
        data={"channel": channel, "campaign": campaign},
        at=at,
    )
    return lead, created


async def rescore(corp_id: int) -> int:
    """Full recompute of attribute scores, grades and automatic statuses (after rule edits)."""
    rules = await scoring.active_rules(corp_id)
    settings = await scoring.settings_for(corp_id)
    leads = await Lead.filter(corp_id=corp_id, merged_into_id=None)
    changed = scoring.rescored(leads, settings, rules)
    if changed:
        await Lead.bulk_update(changed, fields=scoring.RESCORED)
    return len(changed)


async def replay(corp_id: int, ids: list[int] | None, status: str | None) -> int:
    """Stored pushes go back to pending (a mapping fix, a failed batch): the next drain redoes
    them. Done pushes are merged again, which counts one more touch — replay failures."""
    q = LeadEvent.filter(corp_id=corp_id)
    if ids:
        q = q.filter(id__in=ids)
    if status:
        q = q.filter(status=status)
    # A fresh budget of tries; a body purged after processing (retention) cannot be re-run.
    return await q.exclude(body="").update(status="pending", error="", attempts=0)
