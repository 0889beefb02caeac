"""Every admin and sidebar page, opened with bad ids by a logged-in admin, answers a page or a
4xx, never a 500 (the API has its own crawl in test_bad_input.py)."""

from __future__ import annotations

import re

from tests.admin.conftest import Linked
from tests.admin.test_sessions import _login, _user

IDS = ("1", "999999999999999999999", "abc", "-1", "%E4%B8%AD")


async def test_no_page_answers_500_to_bad_ids(linked: Linked) -> None:
    await _user("crawler", "admin")
    await _login(linked.bot, "crawler")
    paths = {
        r.resource.canonical
        for r in linked.bot.app.router.routes()
        if r.method == "GET"
        and r.resource is not None
        and r.resource.canonical.startswith(("/admin", "/sidebar"))
        and "static" not in r.resource.canonical
    }
    failures, seen = [], 0
    for canonical in sorted(paths):
        for raw in IDS:
            path = re.sub(r"\{[^}]+\}", raw, canonical)
            for query in ("", "?page=abc&since=bad&month=13-2026&external_userid=x&tab=zz"):
                resp = await linked.bot.get(path + query, allow_redirects=False)
                seen += 1
                if resp.status >= 500:
                    failures.append(f"{path}{query} → {resp.status}")
    assert seen > 100 and not failures, "\n".join(failures)
