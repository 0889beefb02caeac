"""`GET /l/{id}`: the page a poster's QR opens — picks the member, shows their QR code."""

from __future__ import annotations

from pathlib import Path

import jinja2
from aiohttp import web
from redis.exceptions import RedisError

from livecode import service
from livecode.allocation import Allocator
from livecode.stats import scans_key
from scrm.infra import keys
from scrm.infra.cache import TtlCache
from scrm.infra.logging import get_logger
from scrm.models import Corp, Staff
from scrm.models.livecode import LiveCode

routes = web.RouteTableDef()
log = get_logger("livecode.landing")

RETRY_SECONDS = 5

# livecode's own templates (it sits below admin, whose jinja environment it must not use);
# autoescaped: a code's name and a member's name are typed by people.
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True
)


def _page(title: str, status: int = 200, **context: str) -> web.Response:
    """The landing page: a member's QR code (`name`, `qr_url`) or a `message`."""
    return web.Response(
        text=_TEMPLATES.get_template("landing.html").render(title=title, **context),
        status=status,
        content_type="text/html",
        charset="utf-8",
    )


# Corps change rarely; a page hit per scan should not reload (and decrypt) one.
_corps: TtlCache[int, Corp] = TtlCache(30.0)


async def _corp(pk: int) -> Corp:
    return await _corps.get_or_load(pk, lambda: Corp.get(id=pk))


@routes.get("/l/{code_id:\\d+}")
async def landing(request: web.Request) -> web.Response:
    wants_json = request.query.get("format") == "json"
    raw = request.match_info["code_id"]
    code = await LiveCode.get_or_none(id=int(raw), active=True) if len(raw) < 19 else None
    if code is None:
        raise web.HTTPNotFound(text="no such live code")
    corp = await _corp(code.corp_id)  # type: ignore[attr-defined]
    if code.strategy == "native":  # WeCom allocates: its own QR is the answer
        raise web.HTTPFound(code.qr_url)
    local = service.local_now(corp)
    redis = request.app[keys.ARQ]
    members = await service.members_of(code)
    try:
        choice = await Allocator(redis).allocate(code, members, local)
        await redis.incr(scans_key(code.id, local.date().isoformat()))
    except (RedisError, OSError) as exc:
        # Quotas live in Redis: without it no member can be chosen safely. A scanning
        # customer gets a page that says to try again, not a bare 500.
        log.warning("landing.redis_down", code_id=code.id, error=type(exc).__name__)
        headers = {"Retry-After": str(RETRY_SECONDS)}
        if wants_json:
            body = {"error": "unavailable", "message": "服务繁忙，请稍后再试"}
            return web.json_response(body, status=503, headers=headers)
        page = _page(code.name, status=503, message="服务繁忙，请稍后再扫码。")
        page.headers.update(headers)
        return page
    if choice is None:
        if wants_json:
            return web.json_response({"error": "exhausted", "status": code.status}, status=410)
        return _page(code.name, status=410, message="当前暂无可添加的顾问，请稍后再试。")
    member = next(m for m in members if m.userid == choice.userid)
    if wants_json:
        return web.json_response(
            {
                "userid": choice.userid,
                "backup": choice.backup,
                "config_id": member.config_id,
                "qr_code": member.qr_url,
            }
        )
    staff = await Staff.get_or_none(corp_id=corp.id, userid=choice.userid)
    name = staff.name if staff and staff.name else choice.userid
    return _page(code.name, name=name, qr_url=member.qr_url)
