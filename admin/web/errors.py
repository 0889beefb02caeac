"""Styled Chinese error pages for /admin/: an unknown address, a refusal or a crash shows
the layout with a message and a way back, never aiohttp's bare "404: Not Found"."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from admin.api.auth import ACTOR
from admin.web.render import base_context
from scrm.infra.logging import get_logger

log = get_logger("admin.web.errors")
MESSAGES = {
    400: ("请求有误", "请求的参数不正确，请返回后重试。"),
    403: ("无权访问", "你的账号没有打开这个页面的权限。"),
    404: ("页面不存在", "这个地址没有对应的页面，可能已被删除或输入有误。"),
    405: ("操作不支持", "这个页面不支持这种操作。"),
    500: ("系统出错了", "服务器处理时出错，已记录日志。请稍后重试，或联系管理员。"),
}


def _ours(request: web.Request) -> bool:
    # Pages people navigate to; scripts' writes and static files keep their plain answers.
    return (
        request.method in ("GET", "HEAD")
        and request.path.startswith("/admin")
        and not request.path.startswith("/admin/static/")
    )


async def _page(request: web.Request, status: int, detail: str = "") -> web.StreamResponse:
    heading, text = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    context: dict[str, Any] = {"title": heading, "nav": "", "status": status, "text": text}
    if request.get(ACTOR) is not None:
        context = {**await base_context(request), **context}
    # aiohttp's own texts ("Not Found") are English: only our Chinese details are shown.
    if detail and not detail.isascii():
        context["detail"] = detail
    return aiohttp_jinja2.render_template("error.html", request, context, status=status)


@web.middleware
async def error_pages(request: web.Request, handler: Any) -> web.StreamResponse:
    if not _ours(request):
        return await handler(request)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or (exc.content_type or "").startswith("text/html"):
            raise
        return await _page(request, exc.status, exc.text or "")
    except Exception:
        log.exception("web.page_failed", path=request.path)
        return await _page(request, 500)
    return response
