"""The `scrm-bot` command line: migrate, up, serve, worker, sandbox, demo, inbox, leads, sync…"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Coroutine, Sequence
from typing import Any

from bot import lead_events_cmd, sync_cmd, users_cmd
from scrm.infra.logging import setup_logging
from scrm.infra.settings import Settings, get_settings


def _parser() -> argparse.ArgumentParser:
    # Every option says what it does (tests/scrm/test_cli_help.py holds the commands to it).
    parser = argparse.ArgumentParser(
        prog="scrm-bot", description="WeCom SCRM service (settings: SCRM_* environment)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the schema at SCRM_DATABASE_URL")
    for name, text in (
        ("up", "web + worker + scheduler on one machine"),
        ("serve", "the web half only (callbacks, webhooks, API)"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--host", default=None, help="listen address (default: SCRM_HOST)")
        cmd.add_argument("--port", type=int, default=None, help="listen port (default: SCRM_PORT)")
    worker = sub.add_parser("worker", help="the arq worker only")
    worker.add_argument(
        "--welcome-only",
        action="store_true",
        help="only the welcome queue (what `up` and `worker` start as their child process)",
    )
    worker.add_argument(
        "--bulk-only",
        action="store_true",
        help="no welcome child, no sweeper, lower CPU priority (what `up` starts on PostgreSQL)",
    )
    sandbox = sub.add_parser("sandbox", help="run the WeCom sandbox (a stand-in for WeCom)")
    sandbox.add_argument("--host", default="127.0.0.1", help="listen address")
    sandbox.add_argument(
        "--port", type=int, default=None, help="listen port (default: SCRM_SANDBOX_PORT, 8090)"
    )
    sandbox.add_argument("--state-file", default="", help="load the world at start, save at stop")
    sandbox.add_argument(
        "--staff",
        default="zhangsan:张三,lisi:李四,wangwu:王五",
        help="members of the corp as userid:name,… (more via POST /sandbox/staff)",
    )
    demo = sub.add_parser("demo", help="sandbox + bot + seeded demo corp, end to end")
    demo.add_argument("--port", type=int, default=8080, help="bot port (sandbox: port+10)")
    demo.add_argument(
        "--scans", type=int, default=5, help="customers who scan the channel code (default 5)"
    )
    demo.add_argument("--exit", action="store_true", help="stop after the scripted scans")
    box = sub.add_parser("inbox", help="inspect and replay stored callbacks")
    box_sub = box.add_subparsers(dest="inbox_command", required=True)
    ls = box_sub.add_parser("list", help="recent rows")
    ls.add_argument(
        "--status",
        choices=["pending", "failed", "dead", "handled"],
        help="only rows in this state",
    )
    ls.add_argument("--limit", type=int, default=50, help="at most this many rows (default 50)")
    rp = box_sub.add_parser("replay", help="re-run failed/dead rows (or the given ids)")
    rp.add_argument("ids", nargs="*", type=int, help="inbox row ids (default: every dead row)")
    rp.add_argument("--include-failed", action="store_true", help="also rows still retrying")
    users_cmd.add_parser(sub)
    lead_events_cmd.add_parser(sub)
    sync_cmd.add_parser(sub)
    return parser


async def _inbox(settings: Settings, args: argparse.Namespace) -> int:
    from bot import inbox_admin
    from bot.app import make_arq
    from bot.db import close_db, init_db
    from scrm.enums import InboxStatus

    await init_db(settings)
    try:
        if args.inbox_command == "list":
            for row in await inbox_admin.list_rows(args.status, args.limit):
                print(
                    f"{row.id}\t{row.status.value}\t{row.attempts}\t{row.kind}\t"
                    f"{row.received_at:%Y-%m-%d %H:%M:%S}\t{row.last_error[:80]}"
                )
            return 0
        statuses = [InboxStatus.DEAD] + ([InboxStatus.FAILED] if args.include_failed else [])
        arq = make_arq(settings)
        try:
            count = await inbox_admin.replay(arq, args.ids or None, statuses)
        finally:
            await arq.aclose()
        print(f"replayed {count} row(s)")
        return 0
    finally:
        await close_db()


def run_service(settings: Settings, main: Coroutine[Any, Any, None]) -> None:
    """`up`, `serve` and `worker` run on uvloop where it is installed (SCRM_UVLOOP=0: asyncio's
    own loop): the same code, about 8 % fewer instructions per callback (decision 0035)."""
    if settings.uvloop:
        try:
            import uvloop
        except ImportError:  # Windows, or a minimal install: asyncio's loop does the same work
            pass
        else:
            uvloop.run(main)
            return
    asyncio.run(main)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = get_settings()
    setup_logging(settings.log_level, settings.log_format)
    from bot import db

    if args.command == "migrate":
        asyncio.run(db.migrate(settings))
        print(f"schema is up to date at {settings.database_url}")
        return 0
    if args.command in ("up", "serve", "worker"):
        from bot import runner

        host = getattr(args, "host", None) or settings.host
        port = getattr(args, "port", None) or settings.port
        run_service(
            settings,
            runner.run(
                settings,
                web_on=args.command != "worker",
                worker_on=args.command != "serve",
                host=host,
                port=port,
                welcome_only=getattr(args, "welcome_only", False),
                bulk_only=getattr(args, "bulk_only", False),
            ),
        )
        return 0
    if args.command == "sandbox":
        from bot.sandbox_cmd import run_sandbox_from_settings

        asyncio.run(
            run_sandbox_from_settings(
                settings, args.host, args.port, state_file=args.state_file, staff=args.staff
            )
        )
        return 0
    if args.command == "demo":
        from bot.demo import run_demo

        return asyncio.run(run_demo(settings, port=args.port, scans=args.scans, once=args.exit))
    if args.command == "inbox":
        return asyncio.run(_inbox(settings, args))
    if args.command == "leads":
        return asyncio.run(lead_events_cmd.run(settings, args))
    if args.command == "user":
        return asyncio.run(users_cmd.run(settings, args))
    if args.command == "sync":
        return asyncio.run(sync_cmd.run(settings, args))
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
