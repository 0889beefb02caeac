"""Pulling the chat archive: fetch after the cursor, decrypt in order, store + scan + advance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrm.compliance import scan
from scrm.compliance.archive_sources import ArchiveError, ArchiveKeys, ArchiveSource
from scrm.infra.logging import get_logger

log = get_logger("scrm.compliance.archive")


@dataclass
class PullResult:
    fetched: int = 0
    stored: int = 0
    alerts: int = 0
    cursor: int = 0
    stopped: str = ""  # why the pull stopped before the end (the cursor waits there)


def text_of(data: dict[str, Any]) -> str:
    """The words a message carries: `text.content` for text; for other kinds the readable
    fields of their body (link titles, markdown content), so a word in them is caught too."""
    body = data.get(str(data.get("msgtype", "")))
    if isinstance(body, dict):
        parts = [body.get(k) for k in ("content", "title", "description")]
        info = body.get("info")
        if isinstance(info, dict):
            parts.append(info.get("content"))
        return "\n".join(p for p in parts if isinstance(p, str) and p)
    return ""


def parse_message(seq: int, data: dict[str, Any]) -> scan.ArchivedMessage | None:
    """A decrypted archive message; None for ones with nothing to store (`switch` logs)."""
    if data.get("action") == "switch" or not data.get("from"):
        return None
    return scan.ArchivedMessage(
        msgid=str(data["msgid"]),
        seq=seq,
        sender=str(data["from"]),
        receivers=[str(u) for u in data.get("tolist") or []],
        roomid=str(data.get("roomid") or ""),
        msgtime=scan.utc_from_ms(int(data.get("msgtime") or 0)),
        msgtype=str(data.get("msgtype") or data.get("action") or ""),
        text=text_of(data),
    )


async def pull_once(
    corp_id: int, source: ArchiveSource, keys: ArchiveKeys, limit: int = 500
) -> PullResult:
    """One GetChatData batch after the cursor. Items are taken in `seq` order up to the first
    that cannot be read (unknown key version, bad ciphertext): the cursor stops before it, so
    nothing is ever skipped — fix the key and the next pull continues from there."""
    result = PullResult(cursor=await scan.cursor(corp_id, source.name))
    items = sorted(
        (i for i in await source.fetch(result.cursor, limit) if i.seq > result.cursor),
        key=lambda i: i.seq,
    )
    result.fetched = len(items)
    messages, last = [], result.cursor
    for item in items:
        try:
            data = await source.decrypt(keys.random_key(item), item.encrypt_chat_msg)
            message = parse_message(item.seq, data)
        except (ArchiveError, KeyError, TypeError, ValueError) as exc:
            result.stopped = f"seq {item.seq}: {exc}"
            log.error("archive.stuck", corp_id=corp_id, seq=item.seq, error=str(exc))
            break
        if message is not None:
            messages.append(message)
        last = item.seq
    if last > result.cursor:
        stored = await scan.store_and_scan(corp_id, source.name, messages, cursor_seq=last)
        result.stored, result.alerts, result.cursor = stored.stored, stored.alerts, last
    return result


async def pull(
    corp_id: int, source: ArchiveSource, keys: ArchiveKeys, limit: int = 500, batches: int = 20
) -> PullResult:
    """Batches until caught up, stuck, or `batches` done (the next run goes on)."""
    total = PullResult()
    for _ in range(batches):
        one = await pull_once(corp_id, source, keys, limit)
        total.fetched += one.fetched
        total.stored += one.stored
        total.alerts += one.alerts
        total.cursor, total.stopped = one.cursor, one.stopped
        if one.stopped or one.fetched < limit:
            break
    return total
