"""`/api/v1/customers`: the customer list (tag, owner, channel, name) and the 360° detail,
both limited to the caller's data scope."""

from __future__ import annotations

from aiohttp import web

from admin.api import customer_query
from admin.api.auth import actor
from admin.api.common import corp_for, error, ok, query_int
from admin.api.openapi import API

TAG = "customers"


@API.route(
    "GET",
    "/api/v1/customers",
    "Customers you may see (filters: tag, owner, channel, q; page, per_page)",
    tag=TAG,
)
async def list_customers(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    filters = customer_query.Filters(
        tag=request.query.get("tag", "").strip(),
        owner=request.query.get("owner", "").strip(),
        channel=request.query.get("channel", "").strip(),
        q=request.query.get("q", "").strip()[:64],
        page=query_int(request, "page", 1, 1, 1_000_000),
        per_page=query_int(request, "per_page", customer_query.PER_PAGE, 1, 100),
    )
    return ok(await customer_query.list_customers(corp.id, actor(request).owners(), filters))


@API.route(
    "GET",
    "/api/v1/customers/{external_userid}",
    "A customer: profile, owners, tags, leads, opportunities, follow-ups",
    tag=TAG,
)
async def get_customer(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    ext = request.match_info["external_userid"]
    found = await customer_query.detail(corp.id, actor(request).owners(), ext)
    if found is None:  # absent and out of scope answer alike: existence never leaks
        return error(404, "no such customer")
    return ok(found)
