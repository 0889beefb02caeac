"""`/api/v1/leads`: sources, leads with timelines, activities, follow-ups (claims, assignment
and merges: lead_pool.py)."""

from __future__ import annotations

from aiohttp import web
from tortoise.expressions import Q

from admin.api.auth import actor, in_scope, require
from admin.api.common import corp_for, error, not_found, ok, owned, parse, query_int
from admin.api.openapi import API
from scrm import phones, storable
from scrm.enums import Grade, LeadStatus, members
from scrm.infra import keys
from scrm.leads import schemas as s
from scrm.models import Lead, LeadActivity, LeadSource
from scrm.models.base import corp_pk
from scrm.services import assignment, leads, prediction
from scrm.services.lead_platforms import LeadFields, scrub_phones

TAG = "leads"


def _masked(lead: Lead) -> str:
    phone = lead.phone or ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else ""


def lead_out(lead: Lead) -> dict[str, object]:
    return s.LeadOut(
        id=lead.id,
        name=lead.name,
        phone_masked=_masked(lead),
        platform=lead.platform,
        channel=lead.channel,
        campaign=lead.campaign,
        city=lead.city,
        score=lead.score,
        grade=lead.grade,
        status=lead.status,
        owner_userid=lead.owner_userid,
        in_pool=lead.in_pool,
        touches=lead.touches,
        merged_into_id=lead.merged_into_id,
        customer_id=getattr(lead, "customer_id", None),
        # Phones under any name (联系电话, mobile2…) are masked, also in rows stored before
        # intake masked them: nobody reads a full number through the API.
        attributes=phones.mask_values(lead.attributes),
    ).model_dump(mode="json")


async def scoped_lead(request: web.Request) -> Lead:
    _, lead = await owned(request, Lead, "lead")
    # Out of scope looks like absent: staff must not learn which ids exist.
    if not (lead.in_pool or in_scope(request, lead.owner_userid)):
        raise not_found("lead")
    return lead


@API.route(
    "POST",
    "/api/v1/lead-sources",
    "Register a platform app or web form",
    tag=TAG,
    body=s.LeadSourceIn,
    response=s.LeadSourceOut,
    status=201,
    also=(409,),
)
async def create_source(request: web.Request) -> web.Response:
    require(request, "ops")
    corp = await corp_for(request)
    body = await parse(request, s.LeadSourceIn)
    if await LeadSource.exists(platform=body.platform, key=body.key):
        return error(409, "a source with this platform and key exists")
    src = await LeadSource.create(corp_id=corp.id, **body.model_dump())
    return ok(
        s.LeadSourceOut(
            id=src.id,
            platform=src.platform,
            key=src.key,
            name=src.name,
            channel=src.channel,
            campaign=src.campaign,
            webhook_path=f"/webhooks/{src.platform}?key={src.key}",
        ).model_dump(),
        status=201,
    )


@API.route(
    "GET",
    "/api/v1/leads",
    "Leads (filters: owner, status, grade, channel, pool, mine, min_score; limit, offset)",
    tag=TAG,
    response=s.LeadOut,
    many=True,
)
async def list_leads(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    q = Lead.filter(corp_id=corp.id, merged_into_id=None)
    owners = actor(request).owners()
    if owners is not None:  # staff: their own and the pool; managers: their team's too
        q = q.filter(Q(owner_userid__in=owners) | Q(in_pool=True))
    for name in ("owner_userid", "channel"):
        if request.query.get(name):
            q = q.filter(**{name: request.query[name]})
    for name, closed in (("status", LeadStatus), ("grade", Grade)):
        if request.query.get(name):  # a value outside the set matches no lead
            q = q.filter(**{f"{name}__in": members(closed, [request.query[name]])})
    if request.query.get("pool") in ("1", "true"):
        q = q.filter(in_pool=True)
    if request.query.get("mine") in ("1", "true"):
        q = q.filter(owner_userid=actor(request).userid or "-", in_pool=False)
    if request.query.get("min_score"):
        q = q.filter(score__gte=query_int(request, "min_score", 0, -10_000, 10_000))
    limit = query_int(request, "limit", 100, 1, 500)
    offset = query_int(request, "offset", 0, 0, 1_000_000)
    found = await q.order_by("-score", "-id").offset(offset).limit(limit)
    return ok([lead_out(x) for x in found])


@API.route(
    "POST",
    "/api/v1/leads",
    "Enter a lead by hand (merged by phone/unionid)",
    tag=TAG,
    body=s.LeadIn,
    response=s.LeadOut,
    status=201,
)
async def create_lead(request: web.Request) -> web.Response:
    corp = await corp_for(request)
    body = await parse(request, s.LeadIn)
    source, _ = await LeadSource.get_or_create(
        platform="manual",
        key=f"manual-{corp.id}",
        defaults={"corp_id": corp.id, "secret": "-", "channel": "manual"},
    )
    if body.phone and phones.key(body.phone) is None:
        return error(422, "phone is not a phone number (手机号或电话号码无效)")
    fields = scrub_phones(
        LeadFields(
            name=storable.clean(body.name),
            phone=body.phone,
            unionid=storable.clean(body.unionid),
            city=storable.clean(body.city),
            campaign=storable.clean(body.campaign),
            attributes=storable.clean_json(body.attributes),
        )
    )
    source.channel = body.channel
    lead, created = await leads.ingest(source, fields, request.config_dict[keys.ARQ])
    if created:
        await assignment.assign(lead, request.config_dict[keys.ARQ])
    return ok(lead_out(lead), status=201 if created else 200)


@API.route(
    "GET",
    "/api/v1/leads/{id}",
    "A lead with its timeline (merged leads included)",
    tag=TAG,
    response=s.LeadDetail,
)
async def get_lead(request: web.Request) -> web.Response:
    lead = await scoped_lead(request)
    ids = [lead.id, *await Lead.filter(merged_into_id=lead.id).values_list("id", flat=True)]
    acts = await LeadActivity.filter(lead_id__in=ids).order_by("at", "id")
    timeline = [
        s.ActivityOut(
            kind=a.kind, points=a.points, actor=a.actor, at=a.at, data=a.data
        ).model_dump(mode="json")
        for a in acts
    ]
    table = await prediction.frequency_table(corp_pk(lead))
    values = {f: getattr(lead, f) for f in prediction.FIELDS}
    return ok(
        {
            **lead_out(lead),
            "predicted_probability": prediction.predict(values, table),
            "timeline": timeline,
        }
    )


@API.route(
    "POST",
    "/api/v1/leads/{id}/activities",
    "Record a behaviour (scored)",
    tag=TAG,
    body=s.ActivityIn,
    response=s.LeadOut,
)
async def add_activity(request: web.Request) -> web.Response:
    lead = await scoped_lead(request)
    body = await parse(request, s.ActivityIn)
    await leads.record_activity(lead, body.event, data=body.data)
    return ok(lead_out(lead))


@API.route(
    "POST",
    "/api/v1/leads/{id}/followups",
    "Record a follow-up",
    tag=TAG,
    body=s.FollowUpIn,
    response=s.LeadOut,
)
async def add_followup(request: web.Request) -> web.Response:
    lead = await scoped_lead(request)
    body = await parse(request, s.FollowUpIn)
    if not in_scope(request, body.userid):
        return error(403, "you may record your own (or your team's) follow-ups only")
    await leads.record_followup(lead, body.userid, body.note)
    return ok(lead_out(lead))
