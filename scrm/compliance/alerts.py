"""Raising alerts: one row per dedup key, phone numbers masked. Raising never calls WeCom."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from scrm.models import Alert

# Mainland mobile numbers, also when written with spaces or dashes between the digit groups.
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")


def mask_phones(text: str) -> str:
    """138 1234 5678 → 138****5678: alerts quote chat text, which must not leak numbers."""
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


async def raise_alert(
    corp_id: int,
    *,
    kind: str,
    dedup_key: str,
    occurred_at: datetime,
    severity: str = "medium",
    context: str = "",
    **columns: Any,
) -> Alert | None:
    """Create the alert unless one with this `dedup_key` exists; returns it when new.

    `columns` are further Alert fields (staff_userid, external_userid, chat_id, msgid, word,
    category, rule_id, details). Admins are told later by the notifier, which sends what has
    no `notified_at` yet (one message, or a digest for a burst)."""
    dedup_key = dedup_key[:160]
    if await Alert.filter(corp_id=corp_id, dedup_key=dedup_key).exists():
        return None
    try:
        return await Alert.create(
            corp_id=corp_id,
            kind=kind,
            dedup_key=dedup_key,
            occurred_at=occurred_at.astimezone(UTC),
            severity=severity,
            context=mask_phones(context),
            **columns,
        )
    except IntegrityError:  # raised concurrently by another worker: theirs stands
        return None
