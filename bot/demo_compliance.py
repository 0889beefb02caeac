"""The demo's compliance part: a word library, chat that breaks it, a deletion, the alerts."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.term_table import table
from scrm import labels
from scrm.infra.settings import Settings
from scrm.models import Corp, Staff
from scrm.services import display_names

WORDS = [
    {"word": "私下转账", "category": "违规交易", "severity": "critical"},
    {"word": "加我微信", "category": "飞单", "severity": "high"},
    {"word": "保证收益", "category": "违规承诺", "severity": "medium"},
]


def archive_keys(keys_dir: Path, corp_id: str) -> str:
    """A fresh archive key pair, as an admin makes one for 会话内容存档: the private half
    where the bot reads it (<dir>/<corp>/<publickey_ver>.pem); returns the public PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    folder = keys_dir / corp_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "1.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


async def register_archive_key(
    http: aiohttp.ClientSession, settings: Settings, sandbox_url: str
) -> None:
    """What an admin does once when turning on 会话内容存档: a key pair, the public half
    entered in WeCom (here the sandbox), the private half where the bot reads it."""
    public_pem = archive_keys(Path(settings.archive_keys_dir), settings.wecom_corp_id)
    async with http.post(
        f"{sandbox_url}/sandbox/finance/public_key",
        json={"publickey_ver": 1, "public_key": public_pem},
    ) as r:
        r.raise_for_status()


async def demo_compliance(
    http: aiohttp.ClientSession, settings: Settings, sandbox_url: str
) -> bool:
    """Words in, one message with an evasion and a phone number, one deletion; prints the
    alerts the archive pull and the callback raised. True when both arrived."""
    bot_url, token = settings.public_url, settings.admin_token.get_secret_value()
    auth = {"Authorization": f"Bearer {token}"}
    async with http.get(f"{sandbox_url}/sandbox/records", params={"kind": "scan"}) as r:
        customer = (await r.json())["records"][0]["data"]  # the demo's first scan
    for word in WORDS:
        async with http.post(f"{bot_url}/api/v1/compliance/words", json=word, headers=auth) as r:
            r.raise_for_status()
    staff, ext = customer["userid"], customer["external_userid"]
    said = "您好，私 下 转·账更优惠，加我微信 138 1234 5678"
    async with http.post(
        f"{sandbox_url}/sandbox/chat_messages", json={"from": staff, "to": ext, "text": said}
    ) as r:
        r.raise_for_status()
    async with http.post(
        f"{sandbox_url}/sandbox/staff_deletes_customer",
        json={"userid": staff, "external_userid": ext},
    ) as r:
        r.raise_for_status()
    corp = await Corp.get(corp_id=settings.wecom_corp_id)
    who = await display_names.name(corp.id, ext, staff)
    member = await Staff.get_or_none(corp_id=corp.id, userid=staff)
    by = member.name if member and member.name else staff
    print(f"\n合规监控：{len(WORDS)} 个敏感词；{by} 对 {who} 说：「{said}」")
    print("  ……随后删除了这位客户。等待会话存档拉取（每 15 秒一次）：")
    alerts: list[dict[str, Any]] = []
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        async with http.get(f"{bot_url}/api/v1/compliance/alerts", headers=auth) as r:
            body = await r.json()
        alerts = body["items"]
        if {a["kind"] for a in alerts} >= {"word", "action"}:
            break
        await asyncio.sleep(1)
    people = await display_names.customers(corp.id, [a["external_userid"] for a in alerts])
    members = dict(await Staff.filter(corp_id=corp.id).values_list("userid", "name"))
    rows = [
        [
            labels.label(a["severity"], "severity"),
            labels.label(a["kind"], "alert_kind"),
            members.get(a["staff_userid"]) or a["staff_userid"],
            people[a["external_userid"]].name if a["external_userid"] in people else "—",
            a["context"],
        ]
        for a in alerts
    ]
    print(table(["级别", "类型", "员工", "客户", "内容"], rows, indent="  ", limit=50))
    return {a["kind"] for a in alerts} >= {"word", "action"}
