"""The demo's admin part: logins for each role, then a real log-in and a look at the dashboard."""

from __future__ import annotations

import re
import secrets

import aiohttp

from admin.api.accounts import create_user
from scrm.models import Corp

# username → (role, WeCom member, team); the members are the demo's sandbox staff.
DEMO_LOGINS = {
    "admin": ("admin", "", []),
    "ops": ("ops", "", []),
    "manager": ("manager", "zhangsan", ["lisi"]),
    "lisi": ("staff", "lisi", []),
}


async def create_logins(corp_id: str) -> str:
    """One random password shared by the demo logins (printed: this is a throwaway corp)."""
    password = "Demo-" + secrets.token_urlsafe(6) + "1"
    corp = await Corp.get(corp_id=corp_id)
    for username, (role, userid, team) in DEMO_LOGINS.items():
        await create_user(corp.id, username, password, role, userid=userid, team=list(team))
    return password


async def login_and_read_dashboard(http: aiohttp.ClientSession, base: str, password: str) -> bool:
    """Log in as admin through the form (with its CSRF token) and print the dashboard's count."""
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        async with browser.get(f"{base}/admin/login") as r:
            token = re.search(r'name="_csrf" value="([^"]+)"', await r.text())
        if token is None:
            print("管理后台: 登录页没有 CSRF 令牌")
            return False
        form = {"username": "admin", "password": password, "_csrf": token.group(1)}
        async with browser.post(f"{base}/admin/login", data=form) as r:
            page = await r.text()
            ok = r.status == 200 and "工作台" in page
        adds = re.search(r'data-testid="adds-today">(\d+)<', page)
    print(
        f"\n管理后台: 以 admin 登录 → 工作台显示今日新增 {adds.group(1) if adds else '?'} 位客户"
        if ok
        else f"\n管理后台: 登录失败（HTTP {r.status}）"
    )
    return ok
