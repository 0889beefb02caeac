"""Router and its observers: registration, nesting, first-match propagation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrm.infra.dispatch.handler import CallableObject, FilterObject, HandlerObject
from scrm.infra.dispatch.middleware import Middleware, NextHandler, wrap


class _Unhandled:
    def __repr__(self) -> str:
        return "UNHANDLED"


UNHANDLED: Any = _Unhandled()


class SkipHandler(Exception):
    """Raise from a handler to pass the event on to the next matching handler."""


def _invoker(handler: HandlerObject) -> NextHandler:
    """The innermost step of the middleware chain: call the handler with its flags."""

    async def invoke(event: Any, data: dict[str, Any]) -> Any:
        return await handler.handler.call(event, {**data, "flags": handler.flags})

    return invoke


class Observer:
    """One event stream of a router: handlers, router-wide filters, two middleware layers."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.handlers: list[HandlerObject] = []
        self.gate: list[FilterObject] = []
        self.outer: list[Middleware] = []
        self.inner: list[Middleware] = []

    def register(
        self, callback: Callable[..., Any], *filters: Any, flags: dict[str, Any] | None = None
    ) -> Callable[..., Any]:
        self.handlers.append(
            HandlerObject(
                CallableObject(callback), [FilterObject(f) for f in filters], flags or {}
            )
        )
        return callback

    def __call__(
        self, *filters: Any, flags: dict[str, Any] | None = None
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(callback: Callable[..., Any]) -> Callable[..., Any]:
            return self.register(callback, *filters, flags=flags)

        return decorator

    def filter(self, *filters: Any) -> None:
        """Router-wide filters: when they fail, this router and its sub-routers are skipped."""
        self.gate.extend(FilterObject(f) for f in filters)

    def outer_middleware(self, mw: Middleware) -> Middleware:
        self.outer.append(mw)
        return mw

    def middleware(self, mw: Middleware) -> Middleware:
        self.inner.append(mw)
        return mw


class Router:
    def __init__(self, name: str | None = None) -> None:
        self.name = name or hex(id(self))
        self.parent: Router | None = None
        self.sub_routers: list[Router] = []
        self.event = Observer(self)
        self.errors = Observer(self)

    def __repr__(self) -> str:
        return f"Router({self.name!r})"

    def include_router(self, router: Router) -> Router:
        if router.parent is not None:
            raise RuntimeError(f"{router!r} is already attached to {router.parent!r}")
        node: Router | None = self
        while node is not None:
            if node is router:
                raise RuntimeError(f"including {router!r} into {self!r} would make a cycle")
            node = node.parent
        router.parent = self
        self.sub_routers.append(router)
        return router

    def include_routers(self, *routers: Router) -> None:
        for router in routers:
            self.include_router(router)

    def chain_inner(self, observer_name: str) -> list[Middleware]:
        """Inner middlewares from the root down to this router (parents wrap children)."""
        chain: list[Router] = []
        node: Router | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return [mw for r in reversed(chain) for mw in getattr(r, observer_name).inner]

    async def propagate(self, observer_name: str, event: Any, data: dict[str, Any]) -> Any:
        observer: Observer = getattr(self, observer_name)

        async def inside(event: Any, data: dict[str, Any]) -> Any:
            for gate in observer.gate:
                verdict = await gate.check(event, data)
                if verdict is False:
                    return UNHANDLED
                if isinstance(verdict, dict):
                    data = {**data, **verdict}
            for handler in observer.handlers:
                call_data = await handler.check(event, data)
                if call_data is None:
                    continue
                try:
                    return await wrap(self.chain_inner(observer_name), _invoker(handler))(
                        event, call_data
                    )
                except SkipHandler:
                    continue
            for sub in self.sub_routers:
                result = await sub.propagate(observer_name, event, data)
                if result is not UNHANDLED:
                    return result
            return UNHANDLED

        return await wrap(observer.outer, inside)(event, data)
