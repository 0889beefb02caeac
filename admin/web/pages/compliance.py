"""合规审查 pages: the alert queue and an alert with its conversation and review actions."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from admin.api.compliance_alerts import conversation
from admin.web.pages import compliance_library
from admin.web.pages.compliance_common import (
    LABELS,
    corp_of,
    day_start,
    local,
    refuse_ops,
    staff_names,
    tabs,
    zone,
)
from admin.web.render import current, page
from scrm.compliance import review
from scrm.ints import parse_id
from scrm.models import AdminUser, Alert, AlertComment, AuditLog
from scrm.services import display_names

_routes = web.RouteTableDef()
PER_PAGE = 30
# The queue's status choices: "pending" (the default) is what still needs a reviewer.
STATUS_FILTERS = {
    "pending": ("待处理（未处理+已确认）", ["open", "acknowledged"]),
    "open": ("未处理", ["open"]),
    "acknowledged": ("已确认", ["acknowledged"]),
    "resolved": ("已解决", ["resolved"]),
    "false_positive": ("误报", ["false_positive"]),
    "all": ("全部", []),
}


def _filters(request: web.Request) -> dict[str, str]:
    q = request.query
    status = q.get("status", "pending")
    return {
        "status": status if status in STATUS_FILTERS else "pending",
        "kind": q.get("kind", "") if q.get("kind", "") in LABELS["kind"] else "",
        "severity": q.get("severity", "") if q.get("severity", "") in LABELS["severity"] else "",
        "staff": q.get("staff", ""),
        "since": q.get("since", ""),
        "until": q.get("until", ""),
    }


@_routes.get("/admin/compliance", name="compliance")
@page("compliance_queue.html", nav="compliance", title="合规审查", role="manager")
async def queue(request: web.Request) -> dict[str, Any]:
    """Alerts newest first. The same data scope as GET /api/v1/compliance/alerts: managers
    see their own and their team's alerts, admins all."""
    await refuse_ops(request)
    who, corp = current(request), await corp_of(request)
    tz, f = zone(corp), _filters(request)
    q = Alert.filter(corp_id=corp.id)
    if statuses := STATUS_FILTERS[f["status"]][1]:
        q = q.filter(status__in=statuses)
    if f["kind"]:
        q = q.filter(kind=f["kind"])
    if f["severity"]:
        q = q.filter(severity=f["severity"])
    if f["staff"]:
        q = q.filter(staff_userid=f["staff"])
    bad_dates = []
    for name, field, days in (("since", "occurred_at__gte", 0), ("until", "occurred_at__lt", 1)):
        if f[name]:
            if (at := day_start(f[name], tz, days)) is None:
                bad_dates.append(name)
            else:
                q = q.filter(**{field: at})
    if (owners := who.owners()) is not None:
        q = q.filter(staff_userid__in=owners)
    total = await q.count()
    pages = max(1, -(-total // PER_PAGE))
    try:
        at_page = min(max(1, int(request.query.get("page", "1"))), pages)
    except ValueError:
        at_page = 1
    rows = await q.order_by("-occurred_at", "-id").offset((at_page - 1) * PER_PAGE).limit(PER_PAGE)
    names = await staff_names(corp)
    if owners is not None:
        names = {k: v for k, v in names.items() if k in owners}
    people = await display_names.customers(corp.id, [a.external_userid for a in rows])

    def link(n: int) -> str:
        return "?" + urlencode({**{k: v for k, v in f.items() if v}, "page": n})

    return {
        "tabs": tabs(who, "queue"),
        "labels": LABELS,
        "status_filters": {k: v[0] for k, v in STATUS_FILTERS.items()},
        "f": f,
        "bad_dates": bad_dates,
        "staff": names,
        "total": total,
        "page_no": at_page,
        "pages": pages,
        "prev": link(at_page - 1) if at_page > 1 else "",
        "next": link(at_page + 1) if at_page < pages else "",
        "alerts": [
            {
                "a": a,
                "at": local(a.occurred_at, tz),
                "staff": names.get(a.staff_userid, ""),
                "customer": people.get(a.external_userid),
            }
            for a in rows
        ],
    }


def _segments(text: str, needles: list[str]) -> list[tuple[str, bool]]:
    """The message cut into (text, highlighted) pieces around each matched wording; the
    template escapes each piece, so nothing of the chat text is ever trusted as HTML."""
    found = [n for n in {n for n in needles if n} if n in text]
    if not found:
        return [(text, False)]
    pattern = re.compile("|".join(re.escape(n) for n in sorted(found, key=len, reverse=True)))
    out, at = [], 0
    for m in pattern.finditer(text):
        if m.start() > at:
            out.append((text[at : m.start()], False))
        out.append((m.group(0), True))
        at = m.end()
    if at < len(text):
        out.append((text[at:], False))
    return out


def _hits(alert: Alert) -> list[dict[str, Any]]:
    hits = list(alert.details.get("hits") or [])
    if not hits and alert.kind == "word" and alert.word:  # raised without details
        hits = [
            {
                "word": alert.word,
                "category": alert.category,
                "severity": alert.severity,
                "matched": alert.word,
                "context": alert.context,
            }
        ]
    return hits


async def _reviewers(corp_id: int) -> list[dict[str, str]]:
    """Who an alert may be assigned to: admin and manager logins tied to a WeCom member
    (the API assigns to a staff userid)."""
    rows = await AdminUser.filter(
        corp_id=corp_id, active=True, role__in=("admin", "manager")
    ).order_by("username")
    return [
        {"userid": u.userid, "label": f"{u.display_name or u.username}（{u.userid}）"}
        for u in rows
        if u.userid
    ]


@_routes.get("/admin/compliance/alerts/{id}", name="compliance_alert")
@page("compliance_alert.html", nav="compliance", title="告警详情", role="manager")
async def alert_detail(request: web.Request) -> dict[str, Any]:
    await refuse_ops(request)
    who, corp = current(request), await corp_of(request)
    tz = zone(corp)
    raw = request.match_info["id"]
    alert_id = parse_id(raw)  # as the API's path_id: never a 500
    alert = await Alert.get_or_none(id=alert_id, corp_id=corp.id) if alert_id else None
    owners = who.owners()
    if alert is None or (owners is not None and alert.staff_userid not in owners):
        raise web.HTTPNotFound(text="告警不存在，或不在你的数据范围内")
    names = await staff_names(corp)
    customer = (
        await display_names.customer(corp.id, alert.external_userid, alert.staff_userid)
        if alert.external_userid
        else None
    )
    hits = _hits(alert)
    needles = [h.get("matched", "") for h in hits] + [h.get("word", "") for h in hits]
    messages = []
    for m in await conversation(corp, alert):
        staff_side = m["sender"] in names
        label = names.get(m["sender"]) or (customer.name if customer else m["sender"])
        messages.append(
            {
                **m,
                "who": label,
                "side": "staff" if staff_side else "customer",
                "at": local(m["msgtime"], tz, seconds=True),
                "segments": _segments(m["text"], needles if m["matched"] else []),
            }
        )
    audit = await AuditLog.filter(
        corp_id=corp.id, object_type="alert", object_id=str(alert.id)
    ).order_by("id")
    comments = await AlertComment.filter(alert_id=alert.id).order_by("id")
    reviewers = await _reviewers(corp.id)
    if alert.assignee and alert.assignee not in {r["userid"] for r in reviewers}:
        reviewers.append({"userid": alert.assignee, "label": names.get(alert.assignee, "")})
    return {
        "tabs": tabs(who, "queue"),
        "labels": LABELS,
        "alert": alert,
        "title": f"告警 #{alert.id}",
        "at": local(alert.occurred_at, tz),
        "resolved_at": local(alert.resolved_at, tz),
        "staff_name": names.get(alert.staff_userid, alert.staff_userid),
        "customer": customer,
        "hits": hits,
        "messages": messages,
        "can": {a: alert.status in allowed for a, allowed in review.ALLOWED_FROM.items()},
        "allow_phrase": review.allow_phrase_for(alert) if alert.kind == "word" else "",
        "reviewers": reviewers,
        "assignee_name": (
            f"{names.get(alert.assignee, alert.assignee)}（{alert.assignee}）"
            if alert.assignee
            else ""
        ),
        "details_local": {
            k: local(alert.details.get(k), tz)
            for k in ("waiting_since", "deadline", "replied_at", "window_start")
        },
        "audit": [
            {"x": x, "at": local(x.created_at, tz, seconds=True), "names": names} for x in audit
        ],
        "comments": [{"c": c, "at": local(c.created_at, tz, seconds=True)} for c in comments],
    }


# admin/app.py PAGES lists this module only: the library, rules and statistics pages join here.
routes: list[web.AbstractRouteDef] = [*_routes, *compliance_library.routes]
