"""The archive pull against the sandbox's GetChatData: RSA by key version, cursor, crashes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from scrm.compliance import archive, words
from scrm.compliance import scan as scan_module
from scrm.compliance.archive_sources import ArchiveError, ArchiveKeys, SandboxSource
from scrm.infra import cache
from scrm.infra.settings import Settings
from scrm.models import Alert, ArchiveCursor, ChatMessage, Corp
from tests.conftest import CORP_ID, SECRET
from tests.wecom.sandbox_fixtures import Sandbox


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@dataclass
class World:
    sandbox: Sandbox
    corp: Corp
    keys: dict[int, rsa.RSAPrivateKey]

    async def enter_key(self, ver: int) -> None:
        """What the admin does in WeCom's console, and what we keep on our side."""
        self.keys[ver] = new_key()
        await self.sandbox.control(
            "finance/public_key", {"publickey_ver": ver, "public_key": pem(self.keys[ver])}
        )

    async def say(self, text: str, sender: str = "zhangsan", to: str = "wmCUSTOMER1") -> None:
        await self.sandbox.control("chat_messages", {"from": sender, "to": to, "text": text})

    def source(self) -> SandboxSource:
        """A new source object each time: what a restarted worker builds."""
        return SandboxSource(self.sandbox.http, self.sandbox.url, CORP_ID, SECRET)

    def our_keys(self, *versions: int) -> ArchiveKeys:
        return ArchiveKeys({v: self.keys[v] for v in versions or tuple(self.keys)})


@pytest.fixture
async def world(db: Settings, sandbox: Sandbox) -> AsyncIterator[World]:
    corp = await Corp.get(corp_id=CORP_ID)
    corp.api_base = sandbox.url
    await corp.save()
    w = World(sandbox, corp, {})
    await w.enter_key(1)
    yield w


async def stored_seqs(corp: Corp) -> list[int]:
    rows = await ChatMessage.filter(corp_id=corp.id).order_by("seq").values_list("seq", flat=True)
    return [int(s) for s in rows]


async def test_messages_arrive_decrypted_with_who_when_what(world: World) -> None:
    await words.add_word(world.corp.id, words.WordSpec(word="赌博", severity="high"))
    await world.say("您好，欢迎咨询")
    await world.say("可以一起赌博吗", sender="wmCUSTOMER1", to="zhangsan")
    result = await archive.pull(world.corp.id, world.source(), world.our_keys(), limit=1)
    assert (result.stored, result.alerts, result.cursor, result.stopped) == (2, 1, 2, "")
    first, second = await ChatMessage.filter(corp_id=world.corp.id).order_by("seq")
    assert (first.sender, first.receivers, first.text) == (
        "zhangsan",
        ["wmCUSTOMER1"],
        "您好，欢迎咨询",
    )
    assert first.direction == "staff_to_customer" and first.msgtype == "text"
    assert first.msgtime.tzinfo is not None and first.source == "sandbox"
    assert second.direction == "customer_to_staff" and second.staff_userid == "zhangsan"
    alert = await Alert.get(corp_id=world.corp.id)
    assert alert.msgid == second.msgid and alert.external_userid == "wmCUSTOMER1"


async def test_cursor_never_skips_or_repeats_across_restarts_and_crashes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await words.add_word(world.corp.id, words.WordSpec(word="返现"))
    for i in range(7):
        await world.say(f"第{i}条 返现")
    one = await archive.pull_once(world.corp.id, world.source(), world.our_keys(), limit=3)
    assert (one.stored, one.cursor) == (3, 3)

    # a crash after the batch was written but before it committed: nothing of it stays
    async def boom(*_: object) -> int:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(scan_module, "scan", boom)
    with pytest.raises(RuntimeError):
        await archive.pull_once(world.corp.id, world.source(), world.our_keys(), limit=3)
    monkeypatch.undo()
    assert await stored_seqs(world.corp) == [1, 2, 3]
    assert (await ArchiveCursor.get(corp_id=world.corp.id, source="sandbox")).seq == 3

    cache.clear_all()  # a restarted process: no matcher, no source, only the database
    for i in range(7, 9):
        await world.say(f"第{i}条 返现")
    rest = await archive.pull(world.corp.id, world.source(), world.our_keys(), limit=3)
    assert rest.cursor == 9 and rest.stored == 6
    assert await stored_seqs(world.corp) == list(range(1, 10))  # none skipped, none twice
    assert await Alert.filter(corp_id=world.corp.id, kind="word").count() == 9
    nothing = await archive.pull(world.corp.id, world.source(), world.our_keys(), limit=3)
    assert (nothing.fetched, nothing.stored, nothing.cursor) == (0, 0, 9)


async def test_an_unknown_key_version_holds_the_cursor_until_the_key_is_there(
    world: World,
) -> None:
    await world.say("旧密钥加密的消息")
    await world.enter_key(2)  # the admin rotated the key in the console
    await world.say("新密钥加密的消息")
    await world.say("又一条")
    stuck = await archive.pull(world.corp.id, world.source(), world.our_keys(1))
    assert stuck.cursor == 1 and "publickey_ver 2" in stuck.stopped
    assert await stored_seqs(world.corp) == [1]
    again = await archive.pull(world.corp.id, world.source(), world.our_keys(1))
    assert again.stored == 0 and again.cursor == 1  # still waiting, still not skipping
    done = await archive.pull(world.corp.id, world.source(), world.our_keys(1, 2))
    assert (done.stored, done.cursor, done.stopped) == (2, 3, "")


async def test_a_wrong_private_key_does_not_decrypt(world: World) -> None:
    await world.say("你好")
    wrong = ArchiveKeys({1: new_key()})
    result = await archive.pull(world.corp.id, world.source(), wrong)
    assert result.cursor == 0 and "does not decrypt" in result.stopped
    assert await stored_seqs(world.corp) == []


async def test_the_sandbox_enforces_getchatdata_rules(world: World) -> None:
    bad_secret = SandboxSource(world.sandbox.http, world.sandbox.url, CORP_ID, "nope")
    with pytest.raises(ArchiveError, match="40001"):
        await bad_secret.fetch(0, 10)
    with pytest.raises(ArchiveError, match="10000"):
        await world.source().fetch(0, 1001)
    await world.say("同一条消息")
    first = await world.source().fetch(0, 10)
    assert first == await world.source().fetch(0, 10)  # served identically every time
    assert first[0].publickey_ver == 1 and first[0].seq == 1


def test_keys_load_from_a_directory(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    key = new_key()
    (folder / "3.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / "notes.txt").write_text("ignored")
    loaded = ArchiveKeys.from_dir(str(folder))
    assert list(loaded.keys) == [3]
    assert ArchiveKeys.from_dir(str(folder / "missing")).keys == {}


def test_parse_message_kinds() -> None:
    text = {"msgid": "a", "from": "u", "tolist": ["wm1"], "msgtime": 1_700_000_000_000,
            "msgtype": "text", "text": {"content": "你好"}}  # fmt: skip
    parsed = archive.parse_message(5, text)
    assert parsed is not None and parsed.text == "你好" and parsed.seq == 5
    assert parsed.msgtime.isoformat() == "2023-11-14T22:13:20+00:00"
    link = {**text, "msgtype": "link", "link": {"title": "返现活动", "description": "点这里"}}
    assert archive.parse_message(6, link).text == "返现活动\n点这里"  # type: ignore[union-attr]
    assert archive.parse_message(7, {"msgid": "b", "action": "switch", "user": "u"}) is None
