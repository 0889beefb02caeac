"""Filter base class and combinators (and / or / not) over any filter specification."""

from __future__ import annotations

from typing import Any

from scrm.infra.dispatch.handler import FilterObject


class Filter:
    """Subclass with `async __call__(self, event, **deps) -> bool | dict`."""

    async def __call__(self, event: Any) -> bool | dict[str, Any]:  # pragma: no cover
        raise NotImplementedError


def and_f(*specs: Any) -> Any:
    objs = [FilterObject(s) for s in specs]

    async def check(event: Any, **data: Any) -> bool | dict[str, Any]:
        merged: dict[str, Any] = {}
        for obj in objs:
            verdict = await obj.check(event, {**data, **merged})
            if verdict is False:
                return False
            if isinstance(verdict, dict):
                merged.update(verdict)
        return merged or True

    return check


def or_f(*specs: Any) -> Any:
    objs = [FilterObject(s) for s in specs]

    async def check(event: Any, **data: Any) -> bool | dict[str, Any]:
        for obj in objs:
            verdict = await obj.check(event, data)
            if verdict is not False:
                return verdict
        return False

    return check


def invert_f(spec: Any) -> Any:
    obj = FilterObject(spec)

    async def check(event: Any, **data: Any) -> bool:
        return await obj.check(event, data) is False

    return check
