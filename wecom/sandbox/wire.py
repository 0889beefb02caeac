"""WeCom's answer shape: HTTP 200 with errcode/errmsg, and the registry of API handlers."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from wecom.sandbox.state import CorpState, World


class ApiError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(errmsg)
        self.errcode = errcode
        self.errmsg = errmsg


def require(condition: object, errcode: int, errmsg: str) -> None:
    if not condition:
        raise ApiError(errcode, errmsg)


def max_chars(value: Any, limit: int, name: str) -> None:
    require(value is None or len(str(value)) <= limit, 40058, f"{name} exceeds {limit} chars")


def max_bytes(value: Any, limit: int, name: str) -> None:
    size = len(str(value or "").encode())
    require(size <= limit, 45002, f"{name} is {size} bytes, over {limit}")


@dataclass
class Call:
    world: World
    corp: CorpState
    body: dict[str, Any]
    request: web.Request

    def arg(self, name: str, default: Any = None) -> Any:
        return self.body.get(name, self.request.query.get(name, default))


Handler = Callable[[Call], Awaitable[dict[str, Any]]]
ROUTES: dict[str, Handler] = {}


def api(path: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ROUTES[path] = fn
        return fn

    return register


def answer(errcode: int = 0, errmsg: str = "ok", **data: Any) -> web.Response:
    return web.json_response({"errcode": errcode, "errmsg": errmsg, **data})


def make_cursor(*position: int) -> str:
    """An opaque next_cursor holding where the next page starts (WeCom's are opaque too)."""
    return base64.urlsafe_b64encode(":".join(map(str, position)).encode()).decode().rstrip("=")


def read_cursor(raw: Any, parts: int) -> tuple[int, ...]:
    """The position a cursor from make_cursor holds; "" or absent is the start."""
    if not raw:
        return (0,) * parts
    try:
        text = base64.urlsafe_b64decode(str(raw) + "=" * (-len(str(raw)) % 4)).decode()
        position = tuple(int(p) for p in text.split(":"))
    except ValueError:
        position = ()
    require(len(position) == parts and min(position) >= 0, 40058, "invalid cursor")
    return position


def page_limit(raw: Any, default: int, most: int) -> int:
    limit = default if raw is None or raw == "" else raw
    require(
        isinstance(limit, int) and not isinstance(limit, bool) and 1 <= limit <= most,
        40058,
        f"invalid limit: must be 1..{most}",
    )
    return int(limit)
