"""Pictures uploaded with media/uploadimg, served back at the URL the upload answered (as
WeCom's CDN serves them), so a caller that stored the URL can fetch the picture again."""

from __future__ import annotations

import secrets
from collections import OrderedDict

from aiohttp import web

KEEP = 500  # the newest uploads only: a long demo must not grow without bound
routes = web.RouteTableDef()


class ImageStore:
    def __init__(self) -> None:
        self._images: OrderedDict[str, bytes] = OrderedDict()

    def put(self, data: bytes) -> str:
        kind = "jpg" if data[:2] == b"\xff\xd8" else "png"
        name = f"{secrets.token_hex(12)}.{kind}"
        self._images[name] = data
        while len(self._images) > KEEP:
            self._images.popitem(last=False)
        return name

    def get(self, name: str) -> bytes | None:
        return self._images.get(name)


IMAGES: web.AppKey[ImageStore] = web.AppKey("sandbox_images", ImageStore)


@routes.get("/sandbox/img/{name}")
async def image(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    data = request.app[IMAGES].get(name)
    if data is None:
        raise web.HTTPNotFound(text="no such image")
    return web.Response(
        body=data, content_type="image/jpeg" if name.endswith(".jpg") else "image/png"
    )
