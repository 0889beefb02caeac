"""The Dispatcher: the root router, with workflow data and error routing."""

from __future__ import annotations

import time
from typing import Any

from scrm.infra.dispatch.router import UNHANDLED, Router
from scrm.infra.logging import get_logger

log = get_logger("scrm.infra.dispatch")


class Dispatcher(Router):
    def __init__(self, name: str = "dispatcher", **workflow_data: Any) -> None:
        super().__init__(name)
        self.workflow_data: dict[str, Any] = dict(workflow_data)

    def __setitem__(self, key: str, value: Any) -> None:
        self.workflow_data[key] = value

    def __getitem__(self, key: str) -> Any:
        return self.workflow_data[key]

    async def feed(self, event: Any, **data: Any) -> Any:
        """Route one event; returns the handler's result or UNHANDLED.

        A handler's exception is offered to `errors` handlers (with `exception` injected),
        searched from the root router down in inclusion order; if none claims it, it is
        re-raised so the caller (the inbox job) records the failure and retries."""
        context = {**self.workflow_data, **data}
        started = time.perf_counter()
        kind = getattr(event, "kind", type(event).__name__)
        try:
            result = await self.propagate("event", event, context)
        except Exception as exc:
            handled = await self.propagate("errors", event, {**context, "exception": exc})
            if handled is UNHANDLED:
                log.info("dispatch.failed", kind=kind, ms=_ms(started))
                raise
            result = handled
        log.info("dispatch.done", kind=kind, handled=result is not UNHANDLED, ms=_ms(started))
        return result


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
