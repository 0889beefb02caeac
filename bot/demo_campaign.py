"""The demo's 群发: the month's 「双十二预热」 goes to WeCom as one task per member, one member
sends it in the sandbox, and the tracking WeCom reports is printed per member."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from bot.term_table import table

SEND_NAME = "双十二预热"
WAIT_SECONDS = 20.0


async def _api(
    http: aiohttp.ClientSession, method: str, url: str, token: str, body: Any = None
) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.request(method, url, json=body, headers=headers) as r:
        return await r.json() if r.status < 300 else None


async def _sent(http: aiohttp.ClientSession, base: str, token: str) -> dict[str, Any] | None:
    """The demo's 群发 once the worker has made every member's task (or None on timeout)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        page = await _api(http, "GET", f"{base}/api/v1/mass-sends", token)
        for send in (page or {}).get("items", []):
            if send["name"] == SEND_NAME and send["status"] in ("sent", "failed"):
                return dict(send)
        await asyncio.sleep(0.3)
    return None


async def demo_mass_send(
    http: aiohttp.ClientSession, base: str, token: str, sandbox_url: str
) -> bool:
    send = await _sent(http, base, token)
    if send is None or send["status"] != "sent":
        print(f"\n群发「{SEND_NAME}」没有在 {WAIT_SECONDS:.0f} 秒内发往企业微信")
        return False
    detail = await _api(http, "GET", f"{base}/api/v1/mass-sends/{send['id']}", token)
    members = (detail or {}).get("members", [])
    if not members:
        print(f"\n群发「{SEND_NAME}」没有可发送的客户")
        return False
    first = members[0]  # this member taps 发送 in WeCom; the others have not yet
    async with http.post(
        f"{sandbox_url}/sandbox/mass/{first['msgid']}/confirm", json={"userid": first["userid"]}
    ) as r:
        confirmed = r.status == 200
    tracked = await _api(http, "POST", f"{base}/api/v1/mass-sends/{send['id']}/track", token)
    rows = [
        [
            m["name"],
            m["recipients"],
            m["status_counts"].get("1", 0),
            m["status_counts"].get("0", 0),
            "已确认发送" if m["confirmed"] else "待成员确认",
        ]
        for m in (tracked or {}).get("members", [])
    ]
    print(f"\n群发「{SEND_NAME}」：每位成员一条企业微信群发任务，{first['name']} 已确认发送")
    head = ["成员", "客户数", "已送达", "未发送", "状态"]
    print(table(head, rows, right=(1, 2, 3), indent="  "))
    reached = sum(r[2] for r in rows)
    return confirmed and reached == first["recipients"]
