"""/admin/ errors are styled Chinese pages: an unknown address (404), a crash (500, with the
layout and no traceback), while the JSON API keeps answering JSON."""

from __future__ import annotations

from typing import Any

import pytest

from admin.web.pages import dashboard
from tests.admin.conftest import Linked
from tests.admin.test_sessions import _login, _user


async def test_unknown_pages_and_crashes_answer_styled_chinese_pages(
    linked: Linked, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _user("errs", "admin")
    await _login(linked.bot, "errs")
    missing = await linked.bot.get("/admin/no-such-page")
    html = await missing.text()
    assert missing.status == 404 and 'data-testid="error-page"' in html
    assert "页面不存在" in html and "Not Found" not in html and "admin.css" in html

    async def broken(*_: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(dashboard, "_adds", broken)
    crashed = await linked.bot.get("/admin/")
    html = await crashed.text()
    assert crashed.status == 500 and "系统出错了" in html and "secret detail" not in html
    assert 'data-testid="error-page"' in html

    api = await linked.bot.get("/api/v1/no-such-thing")
    assert api.status == 404 and "error-page" not in await api.text()
