"""Every API route, fed bad ids and bad bodies, answers with a clear 4xx (or succeeds), never
a 500: a crawl over the whole route table, so a new route is covered the day it lands."""

from __future__ import annotations

import re

from admin.api import API
from tests.admin.conftest import AUTH, Linked

IDS = ("1", "999999999999999999999", "abc", "-1")
BODIES: tuple[object, ...] = ("not json{", [], {"unexpected": True}, {"name": 12, "id": "x"})


async def test_no_route_answers_500_to_bad_input(linked: Linked) -> None:
    failures: list[str] = []
    seen: dict[int, int] = {}
    for route in API.routes:
        for raw_id in IDS:
            path = re.sub(r"\{[^}]+\}", raw_id, route.path)
            bodies = BODIES if route.method in ("POST", "PUT", "PATCH") else (None,)
            for body in bodies:
                headers = dict(AUTH)
                if isinstance(body, str):
                    data: object = body
                    headers["Content-Type"] = "application/json"
                    resp = await linked.bot.request(route.method, path, data=data, headers=headers)
                else:
                    resp = await linked.bot.request(route.method, path, json=body, headers=headers)
                seen[resp.status] = seen.get(resp.status, 0) + 1
                if resp.status >= 500:
                    failures.append(f"{route.method} {path} {body!r} → {resp.status}")
    assert not failures, "\n".join(failures)
    # The crawl reached the handlers: bad ids were not found, bad bodies refused as such.
    assert seen.get(404, 0) > 100 and seen.get(422, 0) + seen.get(400, 0) > 100, seen
