"""`/api/v1/leads/{id}/…`: claiming from the pool (公海), assigning to a member, merging."""

from __future__ import annotations

from aiohttp import web
from pydantic import Field

from admin.api.auth import in_scope, require, who
from admin.api.common import error, ok, parse
from admin.api.leads import TAG, lead_out, scoped_lead
from admin.api.openapi import API
from scrm.infra import keys
from scrm.infra.schemas import Strict
from scrm.leads import schemas as s
from scrm.models import Lead, Staff
from scrm.models.base import corp_pk
from scrm.services import assignment, leads, pool
from scrm.services.assignment import OPEN_STATUSES


class LeadAssignIn(Strict):
    userid: str = Field(min_length=1, max_length=64, description="the member who gets the lead")


@API.route(
    "POST",
    "/api/v1/leads/{id}/claim",
    "Claim a lead from the pool (for yourself; managers also for their team)",
    tag=TAG,
    body=s.ClaimIn,
    response=s.LeadOut,
    also=(409,),
)
async def claim(request: web.Request) -> web.Response:
    lead = await scoped_lead(request)
    body = await parse(request, s.ClaimIn)
    if not in_scope(request, body.userid):
        return error(403, "you may claim leads for yourself (or your team) only")
    try:
        await pool.claim(lead, body.userid, request.config_dict[keys.ARQ])
    except pool.ClaimRefused as exc:
        return error(409, str(exc))
    return ok(lead_out(lead))


@API.route(
    "POST",
    "/api/v1/leads/{id}/assign",
    "Give a lead (pooled or owned) to a member of your team (managers and up)",
    tag=TAG,
    body=LeadAssignIn,
    response=s.LeadOut,
    also=(409,),
)
async def assign(request: web.Request) -> web.Response:
    require(request, "manager")
    lead = await scoped_lead(request)
    body = await parse(request, LeadAssignIn)
    if not in_scope(request, body.userid):
        return error(403, "you may assign leads to yourself or your team only")
    if lead.merged_into_id is not None:
        return error(409, "this lead was merged: assign the lead it was merged into")
    if lead.status not in OPEN_STATUSES:
        return error(409, f"a {lead.status} lead is closed: nothing to assign")
    corp_id = corp_pk(lead)
    if not await Staff.exists(corp_id=corp_id, userid=body.userid, active=True):
        return error(422, f"no active member {body.userid!r}")
    if lead.owner_userid == body.userid and not lead.in_pool:
        return ok(lead_out(lead))  # already theirs: nothing changes, nothing recorded
    try:
        await assignment.hand_over(lead, body.userid, who(request), request.config_dict[keys.ARQ])
    except assignment.CapReached as exc:
        return error(409, str(exc))
    return ok(lead_out(lead))


@API.route(
    "POST",
    "/api/v1/leads/{id}/merge",
    "Merge another lead into this one",
    tag=TAG,
    body=s.MergeIn,
    response=s.LeadOut,
    also=(409,),
)
async def merge(request: web.Request) -> web.Response:
    require(request, "manager")
    lead = await scoped_lead(request)
    body = await parse(request, s.MergeIn)
    other = await Lead.get_or_none(id=body.other_id, corp_id=corp_pk(lead))
    # The other lead must be in scope too: a manager merges only what they could open.
    if other is None or not (other.in_pool or in_scope(request, other.owner_userid)):
        return error(404, "no such lead to merge")
    try:
        await leads.merge(lead, other, body.actor or who(request))
    except ValueError as exc:
        return error(409, str(exc))
    return ok(lead_out(lead))


@API.route(
    "POST",
    "/api/v1/leads/{id}/unmerge",
    "Undo the merge of this lead",
    tag=TAG,
    response=s.LeadOut,
    also=(409,),
)
async def unmerge(request: web.Request) -> web.Response:
    require(request, "manager")
    lead = await scoped_lead(request)
    try:
        await leads.unmerge(lead, who(request))
    except ValueError as exc:
        return error(409, str(exc))
    return ok(lead_out(lead))
