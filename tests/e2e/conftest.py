"""Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against the real app.

`ui` gives a browser page, a linked bot + sandbox, and logins for each role. Screenshots go to
tests/artifacts/screenshots/. Any JavaScript error on a page fails the test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

from admin.api.accounts import create_user
from scrm.models import Corp
from tests.conftest import CORP_ID
from tests.livecode.conftest import Linked, linked  # noqa: F401

CHROMIUM = os.environ.get("SCRM_TEST_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
PASSWORD = "Passw0rd-e2e"
# Logins every e2e test has: username → (role, WeCom userid, team).
USERS: dict[str, tuple[str, str, list[str]]] = {
    "admin": ("admin", "", []),
    "ops": ("ops", "", []),
    "boss": ("manager", "zhangsan", ["lisi"]),
    "lisi": ("staff", "lisi", []),
    "wangwu": ("staff", "wangwu", []),
}


@dataclass
class UI:
    linked: Linked
    browser: Browser
    page: Page
    errors: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return str(self.linked.bot.make_url(path))

    async def login(self, username: str, page: Page | None = None) -> Page:
        page = page or self.page
        await page.goto(self.url("/admin/login"))
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url("**/admin/**")
        return page

    async def new_page(self, **options: Any) -> Page:
        """A page in a fresh context (its own cookies): a second person."""
        context = await self.browser.new_context(**{"viewport": VIEWPORT, **options})
        page = await context.new_page()
        self._watch(page)
        return page

    async def shot(self, name: str, page: Page | None = None) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        await (page or self.page).screenshot(path=str(path), full_page=True)
        return path

    def _watch(self, page: Page) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))


VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture
async def ui(linked: Linked) -> AsyncIterator[UI]:  # noqa: F811
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"BROWSER TESTS SKIPPED: {CHROMIUM} is missing "
            "(apt-get install chromium chromium-driver; scripts/test does it as root)"
        )
    corp = await Corp.get(corp_id=CORP_ID)
    for username, (role, userid, team) in USERS.items():
        await create_user(corp.id, username, PASSWORD, role, userid=userid, team=team)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = await browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        page = await context.new_page()
        page.set_default_timeout(10_000)
        found = UI(linked, browser, page)
        found._watch(page)
        yield found
        await browser.close()
    assert not found.errors, f"JavaScript errors on the pages: {found.errors}"
