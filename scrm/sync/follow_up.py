"""Refreshes asked for by events: queued as jobs so nothing slow joins the event's own path."""

from __future__ import annotations

import time

from arq.connections import ArqRedis
from redis.asyncio import Redis
from redis.exceptions import RedisError

from scrm.infra.job_names import REFRESH_CUSTOMER

COALESCE_SECONDS = 10  # several events for one customer within this share one refresh


async def queue_customer_refresh(redis: Redis | None, corp_pk: int, external_userid: str) -> bool:
    """Queue externalcontact/get for this customer after the current job; False when there is
    no queue (a replay without Redis) or Redis refused — the nightly reconcile catches up."""
    if not isinstance(redis, ArqRedis):
        return False
    bucket = int(time.time()) // COALESCE_SECONDS
    try:
        job = await redis.enqueue_job(
            REFRESH_CUSTOMER,
            corp_pk,
            external_userid,
            _job_id=f"{REFRESH_CUSTOMER}:{corp_pk}:{external_userid}:{bucket}",
        )
    except (RedisError, OSError):
        return False
    return job is not None
