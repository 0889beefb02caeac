"""An aiogram-style event router: filters, dependency injection, middlewares, errors."""

from magic_filter import F

from bot.dispatch.dispatcher import Dispatcher
from bot.dispatch.filters import Filter, and_f, invert_f, or_f
from bot.dispatch.middleware import BaseMiddleware
from bot.dispatch.router import UNHANDLED, Router, SkipHandler

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
