"""Structured logging: structlog over stdlib, JSON or console, with contextvars (request id).

Tracebacks are rendered as plain text, never with local variables (structlog renders locals
when `rich` or `better-exceptions` is installed, and locals hold passwords and tokens), and
every line passes `log_redact.redact` (secret keys and phone numbers masked, by value too)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import structlog

from scrm.infra.log_redact import redact


def setup_logging(level: str = "INFO", fmt: str = "console") -> None:
    """Route stdlib loggers (aiohttp, arq, tortoise, ours) through one structlog formatter."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(fmt, shared))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiohttp's access log is one line per callback; our edge logs what matters instead.
    quiet("aiohttp.access", "tortoise")


def quiet(*names: str) -> None:
    """Only warnings and worse from these libraries' loggers."""
    for name in names:
        logging.getLogger(name).setLevel(logging.WARNING)


def log_to_file(path: Path) -> Path:
    """Send every log line to `path` (same format as the console), none to the terminal."""
    root = logging.getLogger()
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    if root.handlers:
        handler.setFormatter(root.handlers[0].formatter)
    root.handlers[:] = [handler]
    return path


def formatter(
    fmt: str = "console", shared: list[structlog.types.Processor] | None = None
) -> structlog.stdlib.ProcessorFormatter:
    """The one formatter of every handler: plain traceback text, redaction, then rendering."""
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        # plain_traceback: the default picks rich's renderer (with show_locals) when installed.
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared or [],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # format_exc_info is traceback.format_exception: no locals, unlike dict_tracebacks.
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
