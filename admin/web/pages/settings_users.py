"""设置 · 账号: admin logins with their role, WeCom binding, team, state and actions."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from admin.api.admin_settings_users import user_out
from admin.web.pages.settings_common import ROLE_LABELS, base, corp_of, local, routes, staff_names
from admin.web.render import current, page
from scrm.models import AdminUser


@routes.get("/admin/settings/users")
@page("settings_users.html", nav="settings", title="设置 · 账号", role="admin")
async def users(request: web.Request) -> dict[str, Any]:
    corp = await corp_of(request)
    if corp is None:
        return base("users", None)
    rows = []
    for user in await AdminUser.filter(corp_id=corp.id).order_by("-active", "username"):
        out = user_out(user)
        out["last_login"] = local(user.last_login_at, corp)
        out["locked_text"] = local(user.locked_until, corp) if out["locked"] else ""
        rows.append(out)
    return base(
        "users",
        corp,
        users=rows,
        roles=ROLE_LABELS,
        names=await staff_names(corp),
        me=current(request).name,
    )
