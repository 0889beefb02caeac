"""Middlewares: outer (before filters) and inner (around the chosen handler)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

NextHandler = Callable[[Any, dict[str, Any]], Awaitable[Any]]


class BaseMiddleware:
    """Subclass and implement `__call__`; call `await handler(event, data)` to continue.

    Not calling it drops the event. Keys added to `data` are injectable into handlers."""

    async def __call__(self, handler: NextHandler, event: Any, data: dict[str, Any]) -> Any:
        return await handler(event, data)


Middleware = BaseMiddleware | Callable[[NextHandler, Any, dict[str, Any]], Awaitable[Any]]


def wrap(middlewares: list[Middleware], handler: NextHandler) -> NextHandler:
    """The first middleware in the list is the outermost."""
    wrapped = handler
    for mw in reversed(middlewares):
        wrapped = functools.partial(mw, wrapped)
    return wrapped
