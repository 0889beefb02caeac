"""The edge's parse travels with the event: jobs read Inbox.parsed, not the XML again."""
# ruff: noqa: F811  (the `linked` fixture is imported from tests/livecode)

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client import REGISTRY

from bot.app import create_app
from bot.jobs.inbox import process_inbox
from scrm.enums import InboxStatus
from scrm.infra import keys
from scrm.infra.settings import Settings
from scrm.models import FollowRelation, Inbox
from tests.bot.test_inbox_jobs import ADD_KIND, deliver, run_worker
from tests.callbacks import add_contact_xml
from tests.conftest import CORP_ID
from tests.livecode.conftest import Linked, linked  # noqa: F401
from wecom import events
from wecom.crypto import WeComCrypto
from wecom.xmlparse import parse_xml


@pytest.fixture
def xml_parses(monkeypatch: pytest.MonkeyPatch) -> list[bytes | str]:
    """Every XML parse a job makes (parse_event's), recorded."""
    seen: list[bytes | str] = []

    def spy(data: bytes | str) -> dict[str, Any]:
        seen.append(data)
        return parse_xml(data)

    monkeypatch.setattr(events, "parse_xml", spy)
    return seen


def received() -> float:
    labels = {"kind": ADD_KIND}
    return REGISTRY.get_sample_value("scrm_callbacks_received_total", labels) or 0.0


async def stored(client: TestClient, crypto: WeComCrypto, plain: bytes) -> Inbox:
    await deliver(client, crypto, plain)
    await client.app[keys.ENQUEUER].stop()
    return await Inbox.get(corp_id=CORP_ID)


async def test_the_job_reads_the_edges_parse_and_parses_no_xml(
    aiohttp_client: Any, settings: Settings, crypto: WeComCrypto, xml_parses: list[bytes | str]
) -> None:
    client = await aiohttp_client(create_app(settings, run_sweeper=False))
    plain = _add("wmParsed")
    before = received()
    row = await stored(client, crypto, plain)
    assert received() == before + 1  # counted through the edge's kept counter
    assert row.payload == plain.decode()  # the XML is kept as WeCom sent it (replays, audits)
    assert json.loads(row.parsed or "") == parse_xml(plain)
    await run_worker(settings)
    await row.refresh_from_db()
    assert row.status == InboxStatus.HANDLED
    assert await FollowRelation.filter(customer__external_userid="wmParsed").exists()
    assert xml_parses == []


async def test_a_row_stored_without_the_parse_is_parsed_and_handled(
    aiohttp_client: Any, settings: Settings, crypto: WeComCrypto, xml_parses: list[bytes | str]
) -> None:
    client = await aiohttp_client(create_app(settings, run_sweeper=False))
    row = await stored(client, crypto, _add("wmOldRow"))
    # As the code before migration 0035 stored it: no parse beside the payload.
    await Inbox.filter(id=row.id).update(parsed=None)
    before = received()
    await deliver(client, crypto, _add("wmNext"))  # another add: the same counter again
    assert received() == before + 1
    await client.app[keys.ENQUEUER].stop()
    await run_worker(settings)
    await row.refresh_from_db()
    assert row.status == InboxStatus.HANDLED
    assert await FollowRelation.filter(customer__external_userid="wmOldRow").exists()
    assert xml_parses == [row.payload.encode()]


async def test_an_unreadable_parse_falls_back_to_the_payload(
    aiohttp_client: Any, settings: Settings, crypto: WeComCrypto, xml_parses: list[bytes | str]
) -> None:
    client = await aiohttp_client(create_app(settings, run_sweeper=False))
    row = await stored(client, crypto, _add("wmBadJson"))
    await Inbox.filter(id=row.id).update(parsed='{"ToUserName": ')
    await run_worker(settings)
    await row.refresh_from_db()
    assert row.status == InboxStatus.HANDLED and len(xml_parses) == 1


@pytest.mark.parametrize(
    ("parsed", "error"),
    [
        (None, "EventParseError: malformed XML"),  # an old row whose XML does not parse
        ('{"Content": "x"}', "EventParseError: not a WeCom event"),  # a parse with no event
    ],
)
async def test_a_poison_row_is_set_aside_as_before(
    db: Settings, parsed: str | None, error: str
) -> None:
    settings = db.model_copy(update={"inbox_max_attempts": 2})
    row = await Inbox.create(
        key="poison", corp_id=CORP_ID, kind=ADD_KIND, payload="<xml><oops", parsed=parsed
    )
    ctx = {"settings": settings, "dispatcher": None, "redis": None, "clients": None}
    assert await process_inbox(ctx, row.id) == "failed"
    await row.refresh_from_db()
    assert row.status == InboxStatus.FAILED and row.last_error.startswith(error)
    assert await process_inbox(ctx, row.id) == "failed"
    await row.refresh_from_db()
    assert (row.status, row.attempts) == (InboxStatus.DEAD, 2)


async def test_the_welcome_and_the_add_parse_no_xml(
    linked: Linked, xml_parses: list[bytes | str]
) -> None:
    code = await linked.api(
        "POST",
        "/api/v1/livecodes",
        {"name": "门店", "strategy": "native", "members": [{"userid": "zhangsan"}],
         "welcome_text": "您好，我是{员工姓名}"},
        status=201,
    )  # fmt: skip
    await linked.sandbox.control("scan", {"config_id": code["config_id"], "name": "顾客"})
    await linked.drain()  # the welcome lane's job, then the add's inbox job
    welcomes = await linked.sandbox.records("welcome")
    assert [w["data"]["text"] for w in welcomes] == ["您好，我是张三"]
    assert (await Inbox.get()).status == InboxStatus.HANDLED
    assert xml_parses == []


def _add(external_userid: str) -> bytes:
    return add_contact_xml(CORP_ID, "zhangsan", external_userid, int(time.time()), State="s")
