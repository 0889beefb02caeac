"""`GET /sandbox/` (a page to watch the demo), `/sandbox/state` and QR images of codes."""

from __future__ import annotations

import io
from dataclasses import asdict
from html import escape
from itertools import islice
from typing import Any

import qrcode
from aiohttp import web

from wecom.sandbox.gate import WORLD
from wecom.sandbox.state import World

routes = web.RouteTableDef()
SHOWN_CUSTOMERS = 300  # a seeded corp has 200 000: the page shows the first few


def snapshot(world: World) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for corp_id, corp in world.corps.items():
        out[corp_id] = {
            "staff": [s.model_dump() for s in corp.staff.values()],
            "customers": [asdict(c) for c in corp.customers.values()],
            "relations": [{**asdict(r), "tags": sorted(r.tags)} for r in corp.relations.values()],
            "tags": list(corp.tags.values()),
            "contact_ways": [
                {k: v for k, v in w.items() if k != "created"} for w in corp.contact_ways.values()
            ],
            "groups": [
                {
                    "chat_id": g.chat_id,
                    "name": g.name,
                    "owner": g.owner,
                    "members": list(g.members),
                    "dismissed": g.dismissed,
                }
                for g in corp.groups.values()
            ],
        }
    return out


@routes.get("/sandbox/state")
async def state(request: web.Request) -> web.Response:
    return web.json_response(snapshot(request.app[WORLD]))


def _table(head: list[str], rows: list[list[Any]]) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{th}</tr>{body or '<tr><td>—</td></tr>'}</table>"


@routes.get("/sandbox/")
async def page(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    parts = [
        "<!doctype html><meta charset='utf-8'><meta http-equiv='refresh' content='3'>",
        "<title>企业微信沙箱</title><style>body{font-family:sans-serif;margin:2em}"
        "table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #ccc;"
        "padding:4px 8px;text-align:left}</style><h1>企业微信沙箱</h1>",
    ]
    for corp_id, corp in world.corps.items():
        parts.append(f"<h2>企业 {escape(corp_id)}</h2><h3>员工</h3>")
        parts.append(
            _table(
                ["userid", "姓名", "客户数"],
                [
                    [
                        s.userid,
                        s.name,
                        sum(1 for e in corp.customers_of(s.userid) if corp.relation(s.userid, e)),
                    ]
                    for s in corp.staff.values()
                ],
            )
        )
        parts.append("<h3>客户</h3>")
        parts.append(
            _table(
                ["external_userid", "昵称", "跟进员工", "渠道(state)", "标签"],
                [
                    [
                        r.external_userid,
                        getattr(corp.customers.get(r.external_userid), "name", ""),
                        r.userid,
                        r.state,
                        ", ".join(corp.tags[t]["name"] for t in r.tags if t in corp.tags),
                    ]
                    for r in islice(
                        (r for r in corp.relations.values() if r.active), SHOWN_CUSTOMERS
                    )
                ],
            )
        )
        parts.append("<h3>客户群</h3>")
        parts.append(
            _table(
                ["chat_id", "群名", "群主", "人数"],
                [
                    [g.chat_id, g.name, g.owner, len(g.members)]
                    for g in corp.groups.values()
                    if not g.dismissed
                ],
            )
        )
    shown = [r for r in world.records if r.kind not in ("gettoken", "callback")][-50:]
    parts.append("<h2>最近消息与操作</h2>")
    parts.append(
        _table(
            ["#", "类型", "内容"],
            [
                [r.seq, r.kind, r.data.get("text") or r.data.get("content") or r.data]
                for r in reversed(shown)
            ],
        )
    )
    return web.Response(text="".join(parts), content_type="text/html", charset="utf-8")


@routes.get("/sandbox/qr/{config_id}")
async def qr(request: web.Request) -> web.Response:
    base = str(request.url.origin())
    img = qrcode.make(f"{base}/sandbox/scan?config_id={request.match_info['config_id']}")
    buf = io.BytesIO()
    img.save(buf)
    return web.Response(body=buf.getvalue(), content_type="image/png")
