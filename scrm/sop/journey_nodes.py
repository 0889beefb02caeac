"""Journey nodes that reach outside (a signed webhook), and the preview of what comes next."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp

from scrm.infra import safe_fetch
from scrm.infra.settings import get_settings
from scrm.models import Journey

if TYPE_CHECKING:  # the batch module imports this one
    from scrm.sop.journey_state import Claimed


async def post_webhook(
    http: aiohttp.ClientSession | None,
    node: dict[str, Any],
    journey: Journey,
    run: Claimed,
    now: datetime,
) -> int | str:
    """One signed POST, 5 s; the outcome is logged and the customer moves on either way."""
    if http is None:
        return "no http session"
    body = json.dumps(
        {
            "journey": journey.name,
            "node": node["id"],
            "at": now.isoformat(),
            "external_userid": run.external_userid,
            "owner_userid": run.owner_userid,
        },
        ensure_ascii=False,
    ).encode()
    sig = hmac.new(node.get("secret", "").encode(), body, hashlib.sha256).hexdigest()
    try:
        # Ops type the address and the worker posts to it: public addresses only, unless
        # SCRM_FETCH_ALLOW_HOSTS names the host; no redirects for a signed POST.
        got = await safe_fetch.fetch(
            node["url"],
            allow_hosts=get_settings().fetch_allow_hosts,
            method="POST",
            data=body,
            headers={"Content-Type": "application/json", "X-Signature": sig},
            max_bytes=64 << 10,
            timeout=5.0,
            max_redirects=0,
        )
    except safe_fetch.FetchError:
        return "refused or failed"
    return got.status


def upcoming(
    nodes: dict[str, dict[str, Any]], start: str, due: datetime, horizon: datetime
) -> list[dict[str, Any]]:
    """What a customer at node `start` (due at `due`) will get before `horizon`: sends and
    reminders with their times; after a branch both ways are listed, each marked with its
    condition. The graph has no loops (checked on save), so this ends."""
    out: list[dict[str, Any]] = []

    def walk(node_id: str | None, at: datetime, condition: str) -> None:
        while node_id is not None and at < horizon:
            node = nodes[node_id]
            kind = node["kind"]
            if kind == "wait":
                at = at + timedelta(minutes=node["minutes"])
            elif kind in ("send", "remind", "task", "webhook"):
                out.append(
                    {
                        "at": at.isoformat(),
                        "node": node_id,
                        "kind": kind,
                        "text": node.get("text") or node.get("title") or node.get("url"),
                        "condition": condition,
                    }
                )
            elif kind == "branch":
                if node.get("if_tag"):
                    test = f"tag {node['if_tag']}"
                elif node.get("if_activity"):
                    test = f"{node['if_activity']} within {node.get('within_days', 7)} days"
                else:
                    test = f"grade in {node['if_grades']}"
                walk(node.get("next"), at, f"{condition} & {test}".strip(" &"))
                walk(node.get("otherwise"), at, f"{condition} & not {test}".strip(" &"))
                return
            elif kind == "exit":
                return
            node_id = node.get("next")

    walk(start, due, "")
    return sorted(out, key=lambda x: x["at"])
