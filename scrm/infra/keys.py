"""Typed aiohttp application keys: every shared resource the web app holds."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    from arq.connections import ArqRedis

    from scrm.infra.clients import WeComClients
    from scrm.infra.corps import CorpRegistry
    from scrm.infra.enqueue import BatchEnqueuer
    from scrm.infra.priority_gate import PriorityGate
    from scrm.infra.settings import Settings

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
ARQ: web.AppKey[ArqRedis] = web.AppKey("arq")
HTTP: web.AppKey[aiohttp.ClientSession] = web.AppKey("http")
CORPS: web.AppKey[CorpRegistry] = web.AppKey("corps")
ENQUEUER: web.AppKey[BatchEnqueuer] = web.AppKey("enqueuer")
CLIENTS: web.AppKey[WeComClients] = web.AppKey("clients")
# Set on SIGTERM when SCRM_WEB_DRAIN_SECONDS > 0: /healthz answers 503 so the load balancer
# stops sending while the process still serves what it is sent.
DRAINING: web.AppKey[asyncio.Event] = web.AppKey("draining")
# Scans and welcomes ahead of lead webhooks (priority_gate.py): the edge holds it on an add.
GATE: web.AppKey[PriorityGate] = web.AppKey("priority_gate")
