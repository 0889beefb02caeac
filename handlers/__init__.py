"""Feature routers, composed in priority order: the first matching handler wins."""

from __future__ import annotations

from functools import lru_cache

from handlers import compliance, contacts, fallback, groups, livecode, tags, transfers
from scrm.infra.dispatch import Dispatcher, Router


def routers() -> list[Router]:
    # Order matters: feature routers that claim specific events (live codes, later SOP and
    # compliance) come before the plain mirror handlers, and the fallback logger comes last.
    # Compliance records deletions and dismissals, then passes them on to the mirror routers.
    return [
        livecode.router,
        transfers.router,
        compliance.router,
        contacts.router,
        groups.router,
        tags.router,
        fallback.router,
    ]


@lru_cache(maxsize=1)
def build_dispatcher() -> Dispatcher:
    """The process's dispatcher; routers are module singletons, so it is built once."""
    dispatcher = Dispatcher()
    dispatcher.include_routers(*routers())
    return dispatcher
