"""`scrm-bot leads events list|replay`: stored lead pushes, dead ones with their reason."""

from __future__ import annotations

import argparse

from bot.db import close_db, init_db
from scrm.infra.settings import Settings
from scrm.models import LeadEvent

STATUSES = ("pending", "processing", "retry", "dead", "done", "ignored", "failed")


def add_parser(sub: argparse._SubParsersAction) -> None:
    leads = sub.add_parser("leads", help="lead intake: stored pushes (/webhooks/*)")
    leads_sub = leads.add_subparsers(dest="leads_command", required=True)
    events = leads_sub.add_parser("events", help="inspect and replay stored pushes")
    events_sub = events.add_subparsers(dest="events_command", required=True)
    ls = events_sub.add_parser("list", help="recent pushes, newest first")
    ls.add_argument("--status", choices=STATUSES, help="only events in this state")
    ls.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    rp = events_sub.add_parser("replay", help="re-run dead pushes (or the given ids)")
    rp.add_argument("ids", nargs="*", type=int, help="lead event ids to replay")
    rp.add_argument("--status", choices=STATUSES, default="dead", help="when no ids are given")


def line(event: LeadEvent) -> str:
    """One row: id, status, tries, platform, message id, received, reason (never the body)."""
    return (
        f"{event.id}\t{event.status}\t{event.attempts}\t{event.platform}\t"
        f"{event.message_id[:40]}\t{event.created_at:%Y-%m-%d %H:%M:%S}\t{event.error[:120]}"
    )


async def list_events(status: str | None, limit: int) -> list[LeadEvent]:
    query = LeadEvent.all().order_by("-id").limit(max(1, min(limit, 10_000)))
    if status:
        query = query.filter(status=status)
    return await query


async def replay(ids: list[int], status: str) -> int:
    """Back to pending with a fresh budget of tries; a drain is kicked by the caller.
    Pushes whose body was purged after processing (retention) cannot be re-run."""
    query = LeadEvent.filter(id__in=ids) if ids else LeadEvent.filter(status=status)
    return await query.exclude(body="").update(status="pending", attempts=0, error="")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    await init_db(settings)
    try:
        if args.events_command == "list":
            for event in await list_events(args.status, args.limit):
                print(line(event))
            return 0
        count = await replay(args.ids, args.status)
        if count:
            from bot.app import make_arq
            from scrm.infra.enqueue import kick_drain

            arq = make_arq(settings)
            try:
                await kick_drain(arq)
            finally:
                await arq.aclose()
        print(f"replayed {count} push(es); the next drain (or sweep) runs them")
        return 0
    finally:
        await close_db()
