"""Records a write refers to by id (a lead, an opportunity, a customer, a member): each must
exist in the caller's corp and be in the caller's scope, else the write is refused.

One rule for every route: an id that does not exist and an id outside your scope both answer
404 `no such <thing>` (as reading it would), so ids cannot be probed; a lead in the pool must
be claimed before it is worked on (409); a userid that is not an active member is a 422."""

from __future__ import annotations

import json

from aiohttp import web

from admin.api.auth import actor, in_scope
from admin.api.common import not_found
from scrm.models import Corp, Customer, Lead, Opportunity, Staff
from scrm.services import material_refs, timeline
from scrm.services import materials as material_errors


def _refuse(status: int, message: str) -> web.HTTPException:
    cls = web.HTTPConflict if status == 409 else web.HTTPUnprocessableEntity
    return cls(
        text=json.dumps({"error": message}, ensure_ascii=False), content_type="application/json"
    )


async def lead(request: web.Request, corp: Corp, lead_id: int) -> Lead:
    row = await Lead.get_or_none(id=lead_id, corp_id=corp.id)
    scoped = actor(request).owners() is not None
    if row is None or (not row.in_pool and not in_scope(request, row.owner_userid)):
        raise not_found("lead")
    if row.in_pool and scoped:
        raise _refuse(409, "这条线索在公海中，请先领取再跟进")
    return row


async def opportunity(request: web.Request, corp: Corp, opportunity_id: int) -> Opportunity:
    row = await Opportunity.get_or_none(id=opportunity_id, corp_id=corp.id)
    if row is None or not in_scope(request, row.owner_userid):
        raise not_found("opportunity")
    return row


async def customer(request: web.Request, corp: Corp, external_userid: str) -> Customer:
    """A customer of the corp that someone in the caller's scope serves (all for admin/ops)."""
    row = await Customer.get_or_none(corp_id=corp.id, external_userid=external_userid)
    owners = actor(request).owners()
    if row is None or (
        owners is not None and not await timeline.served_by(corp.id, external_userid, owners)
    ):
        raise not_found("customer")
    return row


async def member(corp: Corp, userid: str) -> None:
    if not await Staff.exists(corp_id=corp.id, userid=userid, active=True):
        raise _refuse(422, f"不是本企业的在职成员：{userid[:64]}")


async def materials(corp: Corp, ids: list[int]) -> list[int]:
    """素材库 ids a welcome, quick reply, SOP step or journey send refers to: each must be a
    material of this corp (422 otherwise: the ids are picked from the library, not probed)."""
    try:
        return await material_refs.check(corp.id, ids)
    except material_errors.MaterialError as exc:
        raise _refuse(422, str(exc)) from None
