"""Lead pushes at rest: reading a stored body back, recording many pushes' outcomes at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise import connections

from scrm import vault


def plain_body(body: str) -> str:
    """Rows stored before bodies were encrypted are plain JSON; a body that cannot be
    decrypted (a wrong SCRM_SECRET_KEY) reads as empty, so its event ends dead as unreadable."""
    if not body.startswith("gAAAA"):
        return body
    try:
        return vault.current().decrypt(body)
    except vault.VaultError:
        return ""


async def finish_events(
    done: dict[int, int | None], status_of: dict[int, str], reason_of: dict[int, str]
) -> None:
    """Status, lead and reason of many pushes, one `UPDATE … FROM (VALUES …)` per status."""
    conn = connections.get("default")
    pg = conn.capabilities.dialect == "postgres"
    now = datetime.now(UTC)
    for status in set(status_of.values()):
        ids = [i for i, s in status_of.items() if s == status]
        for start in range(0, len(ids), 300):
            chunk = ids[start : start + 300]
            values = [(i, done.get(i), reason_of.get(i, "")) for i in chunk]
            if pg:
                rows = ", ".join(
                    f"(${3 * k + 3}::bigint, ${3 * k + 4}::bigint, ${3 * k + 5}::text)"
                    for k in range(len(values))
                )
                sql = (
                    f"UPDATE lead_event SET status = $1, updated_at = $2, lead_id = v.lead, "
                    f"error = v.error FROM (VALUES {rows}) AS v(id, lead, error) "
                    "WHERE lead_event.id = v.id"
                )
            else:
                rows = ", ".join("(?, ?, ?)" for _ in values)
                sql = (
                    "UPDATE lead_event SET status = ?, updated_at = ?, lead_id = v.column2, "
                    f"error = v.column3 FROM (VALUES {rows}) AS v WHERE lead_event.id = v.column1"
                )
            params: list[Any] = [status, now, *[x for row in values for x in row]]
            await conn.execute_query(sql, params)
