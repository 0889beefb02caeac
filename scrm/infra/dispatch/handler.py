"""Callables with dependency injection by parameter name, and filters that may inject too."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from magic_filter import MagicFilter


@dataclass
class CallableObject:
    """Wraps a function; at call time passes only the keyword arguments it names."""

    callback: Callable[..., Any]
    awaitable: bool = field(init=False)
    params: frozenset[str] = field(init=False)
    varkw: bool = field(init=False)

    def __post_init__(self) -> None:
        target = self.callback
        call = getattr(target, "__call__", None)  # noqa: B004 - callable objects as filters
        is_function = inspect.isfunction(target) or inspect.ismethod(target)
        self.awaitable = inspect.iscoroutinefunction(target) or (
            not is_function and call is not None and inspect.iscoroutinefunction(call)
        )
        sig = inspect.signature(target)
        self.params = frozenset(
            name
            for name, p in sig.parameters.items()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        )
        self.varkw = any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())

    def kwargs_for(self, data: dict[str, Any]) -> dict[str, Any]:
        if self.varkw:
            return data
        return {k: v for k, v in data.items() if k in self.params}

    async def call(self, event: Any, data: dict[str, Any]) -> Any:
        kwargs = self.kwargs_for({**data, "event": event})
        if self.awaitable:
            return await self.callback(**kwargs)
        # Sync handlers must not block the loop (they may touch files or CPU).
        return await asyncio.to_thread(self.callback, **kwargs)


class FilterObject(CallableObject):
    """A filter: an event class (isinstance), a magic-filter expression, or a callable."""

    def __init__(self, spec: Any) -> None:
        self.spec = spec
        # Class and F filters are cheap and pure: check them on the loop, not via to_thread
        # (a thread hop per filter, queued behind any blocking sync handlers).
        if isinstance(spec, type):

            async def is_instance(event: Any) -> bool:
                return isinstance(event, spec)

            super().__init__(is_instance)
        elif isinstance(spec, MagicFilter):

            async def resolve(event: Any) -> Any:
                return spec.resolve(event)

            super().__init__(resolve)
        elif callable(spec):
            super().__init__(spec)
        else:
            raise TypeError(f"{spec!r} is not a filter (class, F expression or callable)")

    async def check(self, event: Any, data: dict[str, Any]) -> bool | dict[str, Any]:
        """False to reject; True or a dict (merged into the handler's kwargs) to accept."""
        result = await self.call(event, data)
        if isinstance(result, dict):
            return result
        return bool(result)


@dataclass
class HandlerObject:
    handler: CallableObject
    filters: list[FilterObject]
    flags: dict[str, Any]

    async def check(self, event: Any, data: dict[str, Any]) -> dict[str, Any] | None:
        """The data to call with, extended by filters' dicts; None if any filter rejects."""
        extra: dict[str, Any] = {}
        for flt in self.filters:
            verdict = await flt.check(event, {**data, **extra})
            if verdict is False:
                return None
            if isinstance(verdict, dict):
                extra.update(verdict)
        return {**data, **extra}
