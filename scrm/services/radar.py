"""雷达 links: a signed token per (material, member, customer or group, send); an open is
recorded, tells the member (rate-limited) and scores the customer's lead (`link_open`)."""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scrm import vault
from scrm.models import Corp, Customer, Lead, LinkOpen, Material, Staff
from scrm.services import display_names
from scrm.services import leads as lead_service

SIG_CHARS = 22  # 132 bits of HMAC-SHA256: forging one is out of reach
NOTIFY_EVERY = timedelta(minutes=10)  # per member: at most one 「…打开了」 message in this time
EVENT = "link_open"


@dataclass(frozen=True)
class Claim:
    corp_pk: int
    material_id: int
    sender: str
    target: str  # external_userid or chat_id
    source: str  # mass:<id> | sidebar | sop | journey


def _sign(payload: str) -> str:
    return vault.current().blind_index("radar:" + payload)[:SIG_CHARS]


def mint(claim: Claim) -> str:
    payload = "|".join(
        [str(claim.corp_pk), str(claim.material_id), claim.sender, claim.target, claim.source]
    )
    body = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    return f"{body}.{_sign(payload)}"


def read(token: str) -> Claim | None:
    """The claim of a genuine token; None for anything forged, truncated or malformed."""
    if len(token) > 600 or token.count(".") != 1:
        return None
    body, sig = token.split(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(sig.encode(), _sign(payload).encode()):
        return None
    parts = payload.split("|")
    if len(parts) != 5 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    return Claim(int(parts[0]), int(parts[1]), parts[2], parts[3], parts[4])


def link(base: str, claim: Claim) -> str:
    return f"{base.rstrip('/')}/r/{mint(claim)}"


@dataclass
class Opened:
    url: str
    notify: str  # the member to tell now, or "" (rate limit, unknown member)
    text: str


async def record_open(claim: Claim, user_agent: str, now: datetime | None = None) -> Opened | None:
    """Store the open and score the lead; None when the material is gone (no redirect)."""
    now = now or datetime.now(UTC)
    material = await Material.get_or_none(id=claim.material_id, corp_id=claim.corp_pk)
    if material is None or material.kind != "link" or not material.url:
        return None
    last = (
        await LinkOpen.filter(corp_id=claim.corp_pk, sender=claim.sender)
        .order_by("-opened_at")
        .first()
    )
    await LinkOpen.create(
        corp_id=claim.corp_pk,
        material_id=material.id,
        sender=claim.sender,
        target_id=claim.target,
        source=claim.source[:32],
        user_agent=user_agent[:256],
        opened_at=now,
    )
    customer = await Customer.get_or_none(corp_id=claim.corp_pk, external_userid=claim.target)
    who = await display_names.name(claim.corp_pk, claim.target, claim.sender)
    if customer is not None:
        await Customer.filter(id=customer.id).update(last_activity_at=now)
        lead = await Lead.filter(
            corp_id=claim.corp_pk, customer_id=customer.id, merged_into_id=None
        ).first()
        if lead is not None:
            data: dict[str, Any] = {"material_id": material.id, "title": material.title}
            await lead_service.record_activity(lead, EVENT, actor=claim.sender, data=data, at=now)
    quiet = last is not None and now - _aware(last.opened_at) < NOTIFY_EVERY
    known = await Staff.filter(corp_id=claim.corp_pk, userid=claim.sender).exists()
    text = f"{who} 打开了《{material.title}》"
    return Opened(material.url, "" if quiet or not known else claim.sender, text)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


async def corp_of(claim: Claim) -> Corp | None:
    return await Corp.get_or_none(id=claim.corp_pk, active=True)


async def stats(corp_id: int, material_id: int) -> dict[str, Any]:
    """Per-material: opens, distinct openers, and the latest openers with their counts."""
    rows = await LinkOpen.filter(corp_id=corp_id, material_id=material_id).values_list(
        "target_id", "sender", "opened_at"
    )
    per: dict[str, dict[str, Any]] = {}
    for target, sender, at in rows:
        entry = per.setdefault(str(target), {"target": target, "sender": sender, "opens": 0})
        entry["opens"] += 1
        entry["last_opened_at"] = max(str(entry.get("last_opened_at", "")), at.isoformat())
    names = dict(
        await Customer.filter(corp_id=corp_id, external_userid__in=list(per)).values_list(
            "external_userid", "name"
        )
    )
    openers = sorted(per.values(), key=lambda e: e["last_opened_at"], reverse=True)
    for e in openers:
        e["name"] = names.get(e["target"], "")
    return {
        "material_id": material_id,
        "opens": len(rows),
        "openers": openers[:200],
        "opener_count": len(per),
    }
