"""The admin-wide guards the crawl applies to each page: no English outside an allow-list,
no unstyled error page, no console error, every shown time in the corp's one format."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.async_api import ConsoleMessage, Page

# Words a Chinese SCRM shows in Latin letters on purpose: brands, formats, units, the
# industry's acronyms. Anything else in English on a page is a leak.
ALLOWED = {
    "SCRM",
    "SOP",
    "MQL",
    "SQL",
    "CSV",
    "UTF",
    "Excel",
    "ID",
    "API",
    "URL",
    "JSON",
    "PNG",
    "JPG",
    "SVG",
    "QR",
    "VIP",
    "CRM",
    "ROI",
    "SLA",
    "KPI",
    "WeCom",
    "ms",
    "KB",
    "MB",
    "px",
    "AM",
    "PM",
    "UTC",
    "CNY",
    "TOP",
    "HTTP",
    "HTTPS",
    "http",
    "https",
    "www",
    "unionid",
    "userid",
    "webhook",
    "Webhook",
    "Chart",
    "js",
    "app",
    "App",
    "OAuth",
    "AES",
    "Token",
    "token",
    "Secret",
    "secret",
    "corpid",
    "CorpID",
    "AgentID",
    "EncodingAESKey",
    "IP",
    "PDF",
    "Word",
    "CSS",
    "PC",
    "H5",
    "Android",
    "iOS",
    "emoji",
    "AppID",
    "S",
    "A",
    "B",
    "C",
    "D",
}
WORD = re.compile(r"[A-Za-z][A-Za-z]+")
# Instants: anything shaped like a date followed by a clock time.
INSTANT = re.compile(r"\d{2,4}[-/.]\d{1,2}[-/.]\d{1,2}[ T]\d{1,2}:\d{2}(?::\d{2})?")
ONE_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$")
SKIP = ("/admin/logout", "/admin/static/", "/export", ".csv", ".png", ".svg", "/download")


@dataclass
class Findings:
    english: dict[str, set[str]] = field(default_factory=dict)
    times: dict[str, set[str]] = field(default_factory=dict)
    unstyled: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)

    def empty(self) -> bool:
        return not (self.english or self.times or self.unstyled or self.console)


def watch_console(page: Page, found: Findings) -> None:
    def said(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            found.console.append(f"{page.url}: {msg.text}")

    page.on("console", said)


def pattern(path: str) -> str:
    """/admin/leads/12?tab=x → /admin/leads/#: one visit per kind of page."""
    return re.sub(r"/\d+", "/#", urlsplit(path).path)


async def links(page: Page) -> list[str]:
    hrefs = await page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
    out = []
    for href in hrefs:
        if not href or not href.startswith("/admin/") or any(s in href for s in SKIP):
            continue
        out.append(href.split("#")[0])
    return out


async def check(
    page: Page, path: str, found: Findings, allowed: set[str], width: int, layout: str = "header"
) -> None:
    styled = await page.evaluate(
        f"() => document.styleSheets.length > 0 && !!document.querySelector('{layout}')"
    )
    if not styled:
        found.unstyled.append(f"{path} @{width}")
    text = await page.evaluate("() => document.body.innerText")
    for word in set(WORD.findall(text)) - allowed:
        found.english.setdefault(word, set()).add(f"{path} @{width}")
    for instant in INSTANT.findall(text):
        if not ONE_FORMAT.match(instant):
            found.times.setdefault(instant, set()).add(path)
