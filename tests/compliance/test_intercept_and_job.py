"""WeCom's intercept rule kept in step with the library, and the archive cron end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.jobs.compliance_archive import compliance_archive
from scrm.compliance import intercept, words
from scrm.infra.clients import WeComClients
from scrm.models import Alert, ChatMessage, ComplianceSettings, Corp, SensitiveWord
from tests.compliance.conftest import Linked
from tests.conftest import CORP_ID


async def corp() -> Corp:
    return await Corp.get(corp_id=CORP_ID)


async def add(word: str, **spec: Any) -> None:
    row = await words.add_word((await corp()).id, words.WordSpec(word=word, **spec))
    assert row is not None


async def rule_words(linked: Linked) -> list[str] | None:
    listed = await linked.client.list_intercept_rules()
    if not listed.rule_list:
        return None
    (brief,) = listed.rule_list
    return (await linked.client.get_intercept_rule(brief.rule_id)).rule.word_list


async def test_intercept_rule_follows_the_library(linked: Linked) -> None:
    c = await corp()
    assert await intercept.sync(c.id, linked.client) == "unchanged"  # nothing ever changed
    await add("返现", severity="medium")  # below the default floor (high)
    assert await intercept.sync(c.id, linked.client) == "empty"
    assert await rule_words(linked) is None
    await add("赌博", severity="high")
    await add("代开发票", severity="critical")
    await add("保本", severity="critical", scope_userids=["zhangsan"])  # scoped: ours only
    await add("投诉", severity="critical", directions=["customer_to_staff"])  # not sent by staff
    await add("长" * 33, severity="critical")  # longer than WeCom takes
    assert await intercept.sync(c.id, linked.client) == "created"
    assert await rule_words(linked) == ["代开发票", "赌博"]  # most severe first
    assert await intercept.sync(c.id, linked.client) == "unchanged"

    row = await SensitiveWord.get(corp_id=c.id, word="赌博")
    await words.update_word(row, words.WordSpec(word="赌球", severity="high"))
    assert await intercept.sync(c.id, linked.client) == "updated"
    assert await rule_words(linked) == ["代开发票", "赌球"]

    # an admin deleted the rule in the console: the next change creates it again
    settings = await ComplianceSettings.get(corp_id=c.id)
    await linked.client.del_intercept_rule(settings.intercept_rule_id)
    await add("套现", severity="high")
    assert await intercept.sync(c.id, linked.client) == "created"
    assert await rule_words(linked) == ["代开发票", "赌球", "套现"]

    for word in ("代开发票", "赌球", "套现"):
        await words.delete_word(await SensitiveWord.get(corp_id=c.id, word=word))
    assert await intercept.sync(c.id, linked.client) == "deleted"
    assert await rule_words(linked) is None
    assert (await ComplianceSettings.get(corp_id=c.id)).intercept_rule_id == ""


async def test_the_cron_pulls_scans_and_pushes(
    linked: Linked, redis_client: aioredis.Redis, tmp_path: Path
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (tmp_path / CORP_ID).mkdir()
    (tmp_path / CORP_ID / "1.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    await linked.sandbox.control(
        "finance/public_key", {"publickey_ver": 1, "public_key": public.decode()}
    )
    await add("赌博", severity="high")
    for text in ("您好", "来赌 博吗", "再见"):
        await linked.sandbox.control(
            "chat_messages", {"from": "zhangsan", "to": "wmCUSTOMER1", "text": text}
        )
    settings = linked.settings.model_copy(
        update={"archive_source": "sandbox", "archive_keys_dir": str(tmp_path)}
    )
    ctx = {
        "settings": settings,
        "redis": redis_client,
        "http": linked.sandbox.http,
        "clients": WeComClients(settings, linked.sandbox.http, redis_client),
    }
    assert await compliance_archive(ctx) == {"stored": 3, "alerts": 1}
    assert await compliance_archive(ctx) == {"stored": 0, "alerts": 0}
    assert await ChatMessage.all().count() == 3
    assert (await Alert.get()).word == "赌博"
    assert await rule_words(linked) == ["赌博"]
    # another worker holding the corp's lock: this one leaves the corp alone
    await linked.sandbox.control(
        "chat_messages", {"from": "zhangsan", "to": "wmCUSTOMER1", "text": "赌博"}
    )
    await redis_client.set(f"scrm:compliance:archive:{(await corp()).id}", "1")
    assert await compliance_archive(ctx) == {"stored": 0, "alerts": 0}
    await redis_client.delete(f"scrm:compliance:archive:{(await corp()).id}")
    assert await compliance_archive(ctx) == {"stored": 1, "alerts": 1}
