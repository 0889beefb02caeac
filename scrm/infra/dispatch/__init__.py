"""An aiogram-style event router: filters, dependency injection, middlewares, errors."""

from magic_filter import F

from scrm.infra.dispatch.dispatcher import Dispatcher
from scrm.infra.dispatch.filters import Filter, and_f, invert_f, or_f
from scrm.infra.dispatch.middleware import BaseMiddleware
from scrm.infra.dispatch.router import UNHANDLED, Router, SkipHandler

__all__ = [
    "UNHANDLED",
    "BaseMiddleware",
    "Dispatcher",
    "F",
    "Filter",
    "Router",
    "SkipHandler",
    "and_f",
    "invert_f",
    "or_f",
]
