"""Storing archived chat messages and scanning them for sensitive words, in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from scrm.compliance import matcher
from scrm.compliance.alerts import mask_phones, raise_alert
from scrm.models import ArchiveCursor, ChatMessage, Staff

# WeCom's external contact ids start with wm (customers) or wo (WeChat users without a
# customer relation yet); robots use wb. Staff userids are whatever the corp chose.
EXTERNAL_PREFIXES = ("wm", "wo")
ROBOT_PREFIX = "wb"


@dataclass
class ArchivedMessage:
    """One chat message as every source hands it over (times in UTC)."""

    msgid: str
    sender: str
    msgtime: datetime
    receivers: list[str] = field(default_factory=list)
    roomid: str = ""
    msgtype: str = "text"
    text: str = ""
    seq: int | None = None


@dataclass
class ScanResult:
    stored: int = 0
    duplicates: int = 0
    alerts: int = 0


def is_external(userid: str) -> bool:
    return userid.startswith(EXTERNAL_PREFIXES)


def _staff(userid: str) -> bool:
    return bool(userid) and not is_external(userid) and not userid.startswith(ROBOT_PREFIX)


def classify(msg: ArchivedMessage) -> tuple[str, str, str]:
    """(direction, staff userid, external userid). In a group the staff member is the sender
    when staff, else the first staff member present; a customer speaking to staff is judged
    against the scope of the staff member they speak to."""
    staff = next((u for u in msg.receivers if _staff(u)), "")
    customer = next((u for u in msg.receivers if is_external(u)), "")
    if msg.roomid:
        if _staff(msg.sender):
            return "group", msg.sender, customer
        return "group", staff, msg.sender if is_external(msg.sender) else ""
    if _staff(msg.sender) and customer:
        return "staff_to_customer", msg.sender, customer
    if is_external(msg.sender):
        return "customer_to_staff", staff, msg.sender
    return "internal", msg.sender if _staff(msg.sender) else staff, ""


async def _departments(corp_id: int, userids: set[str]) -> dict[str, list[int]]:
    rows = await Staff.filter(corp_id=corp_id, userid__in=list(userids)).values(
        "userid", "department_ids"
    )
    return {r["userid"]: list(r["department_ids"] or []) for r in rows}


async def _alert(
    corp_id: int, msg: ArchivedMessage, direction: str, staff: str, customer: str, hits: list[Any]
) -> bool:
    top = max(hits, key=lambda h: matcher.severity_rank(h.entry.severity))
    details = {
        "direction": direction,
        "sender": msg.sender,
        "msgtype": msg.msgtype,
        "hits": [
            {
                "word": h.entry.word,
                "category": h.entry.category,
                "severity": h.entry.severity,
                "matched": mask_phones(h.matched),
                "context": mask_phones(h.context),
            }
            for h in hits
        ],
    }
    alert = await raise_alert(
        corp_id,
        kind="word",
        dedup_key=f"word:{msg.msgid}",  # one alert per message, however many hits
        occurred_at=msg.msgtime,
        severity=top.entry.severity,
        context=top.context,
        staff_userid=staff,
        external_userid=customer,
        chat_id=msg.roomid,
        msgid=msg.msgid,
        word=top.entry.word,
        category=top.entry.category,
        details=details,
    )
    return alert is not None


async def scan(corp_id: int, messages: Sequence[ArchivedMessage]) -> int:
    """Alerts raised for `messages`; internal staff-to-staff chat is not scanned."""
    found = await matcher.for_corp(corp_id)
    if not found.size:
        return 0
    pending = []
    for msg in messages:
        direction, staff, customer = classify(msg)
        if direction == "internal":
            continue
        hits = found.scan(msg.text)
        if hits:
            pending.append((msg, direction, staff, customer, hits))
    if not pending:
        return 0
    departments = await _departments(corp_id, {p[2] for p in pending if p[2]})
    raised = 0
    for msg, direction, staff, customer, hits in pending:
        deps = departments.get(staff, [])
        applicable = [h for h in hits if h.entry.applies(direction, staff, deps)]
        if applicable and await _alert(corp_id, msg, direction, staff, customer, applicable):
            raised += 1
    return raised


async def store_and_scan(
    corp_id: int, source: str, messages: Sequence[ArchivedMessage], cursor_seq: int | None = None
) -> ScanResult:
    """Store the messages not stored yet, scan them, and move the source's cursor to
    `cursor_seq` — all or nothing, so a crash repeats the batch instead of losing it, and the
    msgid uniqueness plus the alert dedup key make the repeat a no-op."""
    result = ScanResult()
    unique = list({m.msgid: m for m in messages}.values())
    async with in_transaction():
        known = set(
            await ChatMessage.filter(
                corp_id=corp_id, msgid__in=[m.msgid for m in unique]
            ).values_list("msgid", flat=True)
        )
        new = [m for m in unique if m.msgid not in known]
        result.duplicates = len(messages) - len(new)
        rows = []
        for m in new:
            direction, staff, customer = classify(m)
            rows.append(
                ChatMessage(
                    corp_id=corp_id,
                    msgid=m.msgid,
                    seq=m.seq,
                    source=source,
                    sender=m.sender,
                    receivers=m.receivers,
                    roomid=m.roomid,
                    msgtime=m.msgtime.astimezone(UTC),
                    msgtype=m.msgtype[:16],
                    text=m.text,
                    direction=direction,
                    staff_userid=staff,
                    external_userid=customer,
                )
            )
        if rows:
            await ChatMessage.bulk_create(rows, batch_size=500)
        result.stored = len(rows)
        result.alerts = await scan(corp_id, new)
        if cursor_seq is not None:
            await _advance(corp_id, source, cursor_seq)
    return result


async def _advance(corp_id: int, source: str, seq: int) -> None:
    cursor, _ = await ArchiveCursor.get_or_create(corp_id=corp_id, source=source)
    if seq > cursor.seq:  # never backwards, even if a stale worker finishes late
        await ArchiveCursor.filter(id=cursor.id).update(seq=seq)


async def cursor(corp_id: int, source: str) -> int:
    row = await ArchiveCursor.get_or_none(corp_id=corp_id, source=source)
    return row.seq if row else 0


def utc_from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
