"""`@page(...)`: a view that needs a login and a role, rendered into the shared layout."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from admin.api import identity
from admin.api.auth import ACTOR, Actor
from admin.web.nav import NAV
from scrm import labels
from scrm.infra import clock
from scrm.models import Corp

View = Callable[[web.Request], Awaitable[dict[str, Any]]]
ROLE_LABELS = labels.ROLES


def current(request: web.Request) -> Actor:
    """The logged-in actor (the page middleware has already refused anonymous requests)."""
    return request[ACTOR]


async def base_context(request: web.Request) -> dict[str, Any]:
    """What every page's layout needs: the person, their menu and the CSRF token for scripts.
    (Not a jinja context processor: those run before the guard has identified the person.)"""
    who = current(request)
    session = await identity.get_session(request)
    return {
        "corp_tz": await corp_zone(who),
        "who": who,
        "role_label": ROLE_LABELS.get(who.role, who.role),
        "menu": menu(who),
        "csrf": identity.csrf_token(session),
        "request": request,
    }


async def corp_zone(who: Actor) -> str:
    """The time zone every instant on the page is shown in: the person's corp's."""
    corp = await (
        Corp.get_or_none(id=who.corp_pk) if who.corp_pk else Corp.filter(active=True).first()
    )
    return clock.zone(corp.timezone if corp else None).key


def page(template: str, *, nav: str, title: str, role: str = "staff") -> Callable[[View], Any]:
    def wrap(view: View) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        @functools.wraps(view)
        async def handler(request: web.Request) -> web.StreamResponse:
            who = current(request)
            base = await base_context(request)
            if not who.at_least(role):
                base.update(title="无权访问", nav=nav, need=ROLE_LABELS[role])
                return aiohttp_jinja2.render_template("forbidden.html", request, base, status=403)
            context = {**base, **await view(request)}
            context.setdefault("title", title)
            context.setdefault("nav", nav)
            return aiohttp_jinja2.render_template(template, request, context)

        return handler

    return wrap


def menu(who: Actor) -> list[dict[str, str]]:
    return [
        {"key": n.key, "label": n.label, "href": n.href}
        for n in NAV
        if n.shown_to(who.role, who.at_least(n.role))
    ]
