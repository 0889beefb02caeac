"""The landing page's HTML: the same page as before the template, and people's text escaped."""

from __future__ import annotations

from scrm.models import Staff
from scrm.models.livecode import LiveCodeMember
from tests.livecode.conftest import Linked
from tests.livecode.test_api import SPEC

ONE_MEMBER = {**SPEC, "members": [{"userid": "zhangsan"}]}


async def test_the_page_shows_the_member_and_their_qr_code(linked: Linked) -> None:
    code = await linked.api("POST", "/api/v1/livecodes", ONE_MEMBER, status=201)
    member = await LiveCodeMember.get(code_id=code["id"], userid="zhangsan")
    resp = await linked.bot.get(f"/l/{code['id']}")
    assert resp.status == 200 and resp.content_type == "text/html"
    assert await resp.text() == (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<title>门店海报</title>\n"
        "<style>body{font-family:sans-serif;text-align:center;margin:2em}"
        "img{width:70vw;max-width:320px}</style>\n"
        "<h2>门店海报</h2><p>长按识别二维码，添加顾问 张三</p>"
        f'<img src="{member.qr_url}" alt="QR"></html>'
    )


async def test_a_hostile_code_name_and_member_name_are_escaped(linked: Linked) -> None:
    hostile = {**ONE_MEMBER, "name": "<script>alert('码')</script>"}
    code = await linked.api("POST", "/api/v1/livecodes", hostile, status=201)
    await Staff.filter(userid="zhangsan").update(name='<img src=x onerror="alert(1)">')
    html = await (await linked.bot.get(f"/l/{code['id']}")).text()
    assert "<script>" not in html and "<img src=x" not in html
    assert html.count("<title>&lt;script&gt;alert(&#39;码&#39;)&lt;/script&gt;</title>") == 1
    assert "<h2>&lt;script&gt;alert(&#39;码&#39;)&lt;/script&gt;</h2>" in html
    assert "添加顾问 &lt;img src=x onerror=&#34;alert(1)&#34;&gt;</p>" in html


async def test_the_no_member_page_escapes_the_name_too(linked: Linked) -> None:
    spec = {
        **ONE_MEMBER,
        "name": "<b>满</b>",
        "members": [{"userid": "zhangsan", "daily_quota": 1}],
    }
    code = await linked.api("POST", "/api/v1/livecodes", spec, status=201)
    assert (await linked.bot.get(f"/l/{code['id']}", params={"format": "json"})).status == 200
    resp = await linked.bot.get(f"/l/{code['id']}")
    assert resp.status == 410
    assert await resp.text() == (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<title>&lt;b&gt;满&lt;/b&gt;</title>\n"
        "<style>body{font-family:sans-serif;text-align:center;margin:2em}"
        "img{width:70vw;max-width:320px}</style>\n"
        "<h2>&lt;b&gt;满&lt;/b&gt;</h2><p>当前暂无可添加的顾问，请稍后再试。</p></html>"
    )
