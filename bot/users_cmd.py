"""`scrm-bot user add|passwd|unlock`: admin logins from the command line (the first admin)."""

from __future__ import annotations

import argparse
import getpass
import os

import redis.asyncio as aioredis

from admin.api import identity
from admin.api.accounts import AccountError, create_user, set_password
from admin.api.actor import ROLES
from bot.db import close_db, init_db
from scrm.infra.corps import bootstrap_corp
from scrm.infra.settings import Settings
from scrm.models import AdminUser, Corp


def add_parser(sub: argparse._SubParsersAction) -> None:
    user = sub.add_parser("user", help="admin logins: add, passwd, unlock")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser(
        "add", help="create a login (password from SCRM_NEW_PASSWORD or asked)"
    )
    add.add_argument("username", help="the login name")
    add.add_argument("--role", choices=ROLES, default="admin", help="what the login may do")
    add.add_argument("--userid", default="", help="the WeCom member (staff and managers)")
    add.add_argument("--team", default="", help="a manager's members, comma-separated userids")
    add.add_argument("--corp-id", default="", help="the corp (default: the only one)")
    for name, text in (("passwd", "set a new password"), ("unlock", "lift a lock-out")):
        user_sub.add_parser(name, help=text).add_argument("username", help="the login name")


def _password() -> str:
    given = os.environ.get("SCRM_NEW_PASSWORD")
    if given:
        return given
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise AccountError("the two passwords differ")
    return first


async def run(settings: Settings, args: argparse.Namespace) -> int:
    await init_db(settings)
    try:
        await bootstrap_corp(settings)
        if args.user_command == "add":
            corps = Corp.filter(active=True)
            if args.corp_id:
                corps = corps.filter(corp_id=args.corp_id)
            found = await corps.limit(2)
            if len(found) != 1:
                print("pass --corp-id: " + ("no such corp" if not found else "several corps"))
                return 2
            team = [t for t in args.team.split(",") if t]
            user = await create_user(
                found[0].id, args.username, _password(), args.role, userid=args.userid, team=team
            )
            print(f"created {user.username} ({user.role})")
            return 0
        found_user = await AdminUser.get_or_none(username=args.username)
        if found_user is None:
            print(f"no such user: {args.username}")
            return 2
        if args.user_command == "passwd":
            await set_password(found_user, _password())
            redis = aioredis.from_url(settings.redis_url, socket_connect_timeout=2.0)
            try:  # the sessions of the old password end, as with a reset in the admin UI
                await identity.end_sessions(redis, found_user.id)
            finally:
                await redis.aclose()
        else:
            found_user.failed_logins, found_user.locked_until = 0, None
            await found_user.save(update_fields=["failed_logins", "locked_until", "updated_at"])
        print(f"{args.user_command}: {found_user.username} done")
        return 0
    except AccountError as exc:
        print(f"refused: {exc}")
        return 2
    finally:
        await close_db()
