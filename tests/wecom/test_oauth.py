"""OAuth (网页授权) against the sandbox: the authorize page's redirect, then auth/getuserinfo."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import CORP_ID
from tests.wecom.sandbox_fixtures import Sandbox
from wecom import errors
from wecom.client import WeComClient

BACK = "http://127.0.0.1:9/sidebar/oauth?keep=1"


async def authorize(sandbox: Sandbox, **params: str) -> tuple[int, str]:
    """Open the authorize page like a browser would; answer (status, Location or body)."""
    query = {
        "appid": CORP_ID,
        "redirect_uri": BACK,
        "response_type": "code",
        "scope": "snsapi_base",
        "state": "abc123",
        "agentid": "1000002",
        **params,
    }
    async with sandbox.http.get(
        f"{sandbox.url}/connect/oauth2/authorize", params=query, allow_redirects=False
    ) as r:
        return r.status, r.headers.get("Location") or await r.text()


async def test_round_trip_names_the_chosen_member_and_the_code_is_single_use(
    sandbox: Sandbox, wecom: WeComClient
) -> None:
    status, location = await authorize(sandbox, userid="lisi")
    assert status == 302
    back = urlsplit(location)
    query = parse_qs(back.query)
    assert f"{back.scheme}://{back.netloc}{back.path}" == "http://127.0.0.1:9/sidebar/oauth"
    assert query["state"] == ["abc123"] and query["keep"] == ["1"]
    code = query["code"][0]

    who = await wecom.get_user_info(code)
    assert who.userid == "lisi" and not who.openid
    with pytest.raises(errors.WeComError) as spent:
        await wecom.get_user_info(code)  # WeCom codes are good for one call
    assert spent.value.errcode == 40029
    assert [r["data"]["userid"] for r in await sandbox.records("oauth_user")] == ["lisi"]


async def test_without_userid_the_first_member_signs_in(
    sandbox: Sandbox, wecom: WeComClient
) -> None:
    _, location = await authorize(sandbox)
    code = parse_qs(urlsplit(location).query)["code"][0]
    assert (await wecom.get_user_info(code)).userid == "zhangsan"


async def test_unknown_codes_and_bad_requests_are_refused(
    sandbox: Sandbox, wecom: WeComClient
) -> None:
    with pytest.raises(errors.WeComError) as bad:
        await wecom.get_user_info("not-a-code")
    assert bad.value.errcode == 40029
    for params, reason in (
        ({"appid": "wwunknown"}, "appid"),
        ({"response_type": "token"}, "response_type"),
        ({"scope": "snsapi_userinfo"}, "scope"),
        ({"agentid": "42"}, "agentid"),
        ({"state": "has space"}, "state"),
        ({"redirect_uri": "/relative"}, "redirect_uri"),
        ({"userid": "nobody"}, "userid"),
    ):
        status, body = await authorize(sandbox, **params)
        assert status == 400 and reason in body, (params, body)
    assert await sandbox.records("oauth_authorize") == []
