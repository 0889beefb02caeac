"""WeCom's answer shape: HTTP 200 with errcode/errmsg, and the registry of API handlers."""

from __future__ import annotations

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
