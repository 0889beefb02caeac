"""`scrm-bot demo`: the WeCom sandbox and the bot together, a seeded corp and a few scans."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import string
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from redis.asyncio import Redis

from bot import runner
from bot.db import close_db, init_db, migrate
from bot.demo_admin import create_logins, login_and_read_dashboard
from bot.demo_campaign import demo_mass_send
from bot.demo_compliance import demo_compliance, register_archive_key
from bot.demo_leads import demo_leads
from bot.demo_month import seed_month
from bot.demo_seed import DEMO_STAFF, seed, seed_store_code
from bot.demo_sync import first_sync, names_once_known, seed_world
from bot.term_table import table
from scrm.infra.corps import bootstrap_corp
from scrm.infra.logging import log_to_file, quiet
from scrm.infra.settings import Settings, override_settings
from scrm.models import Corp, Tag
from wecom.sandbox import SandboxConfig, SandboxCorp, SandboxStaff, create_sandbox_app

DEMO_DIR = Path(".demo")


def _random(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def demo_settings(base: Settings, port: int) -> Settings:
    """A throwaway corp with fresh keys, its own SQLite file, the sandbox as WeCom."""
    alnum = string.ascii_letters + string.digits
    return base.model_copy(
        update={
            "database_url": f"sqlite://{DEMO_DIR / 'scrm.db'}",
            "redis_url": demo_redis_url(base.redis_url),
            "secret_key_file": str(DEMO_DIR / "secret_key"),
            "wecom_corp_id": "ww" + secrets.token_hex(8),
            "wecom_token": _secret(_random(alnum, 32)),
            "wecom_aes_key": _secret(_random(alnum, 43)),
            "wecom_secret": _secret(_random(alnum, 43)),
            "wecom_agent_id": 1000002,
            "wecom_api_base": f"http://127.0.0.1:{port + 10}",
            "wecom_oauth_base": f"http://127.0.0.1:{port + 10}",  # the sidebar's sign-in
            "host": "127.0.0.1",
            "port": port,
            "public_url": f"http://127.0.0.1:{port}",
            "admin_token": _secret(secrets.token_urlsafe(16)),
            "archive_source": "sandbox",
            "archive_keys_dir": str(DEMO_DIR / "archive-keys"),
        }
    )


DEMO_REDIS_DB = 15


def demo_redis_url(url: str) -> str:
    """The demo's own Redis database: it is emptied at every demo start, so counters, cursors
    and job results of an earlier run (whose row ids repeat) cannot leak into this one.
    SCRM_DEMO_REDIS_DB picks another number (two demos on one Redis must not share one)."""
    head, _, tail = url.partition("://")
    host = tail.split("/", 1)[0]
    db = os.environ.get("SCRM_DEMO_REDIS_DB", "")
    return f"{head}://{host}/{int(db) if db.isdigit() else DEMO_REDIS_DB}"


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


async def redis_or_explain(url: str) -> bool:
    client = Redis.from_url(url, socket_connect_timeout=1)
    try:
        await client.ping()
        return True
    except OSError:
        print(
            f"Redis is not reachable at {url}. scrm-bot needs Redis (the job queue).\n"
            "  Debian/Ubuntu: sudo apt-get install redis-server && redis-server --daemonize yes\n"
            "  or point SCRM_REDIS_URL at one. `./scripts/demo` starts one for you."
        )
        return False
    finally:
        await client.aclose()


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


async def start_sandbox(settings: Settings) -> web.AppRunner:
    sandbox_port = settings.port + 10
    corp = SandboxCorp(
        corp_id=settings.wecom_corp_id,
        secret=settings.wecom_secret.get_secret_value(),
        token=settings.wecom_token.get_secret_value(),
        aes_key=settings.wecom_aes_key.get_secret_value(),
        agent_id=settings.wecom_agent_id,
        callback_url=f"http://127.0.0.1:{settings.port}/wecom/callback/{settings.wecom_corp_id}",
        staff=[SandboxStaff(userid=u, name=n) for u, n in DEMO_STAFF],
    )
    config = SandboxConfig(corps=[corp], public_url=f"http://127.0.0.1:{sandbox_port}")
    app_runner = web.AppRunner(create_sandbox_app(config), access_log=None)
    await app_runner.setup()
    await web.TCPSite(app_runner, "127.0.0.1", sandbox_port).start()
    return app_runner


async def run_demo(base: Settings, *, port: int, scans: int, once: bool) -> int:
    for p in (port, port + 10):
        if not _port_free(p):
            print(f"port {p} is in use; pick another with `scrm-bot demo --port N`")
            return 1
    if not await redis_or_explain(base.redis_url):
        return 1
    DEMO_DIR.mkdir(exist_ok=True)
    for old in DEMO_DIR.glob("scrm.db*"):
        old.unlink()
    # Its settings live in this process only: a welcome child (reading SCRM_*) would not see
    # them, so the demo runs the welcome worker in-process.
    settings = demo_settings(base, port).model_copy(update={"welcome_process": False})
    fresh = Redis.from_url(settings.redis_url)
    try:
        await fresh.flushdb()
    finally:
        await fresh.aclose()
    override_settings(settings)
    # The demo's output is its tables: the service's own log lines go to a file instead.
    log_file = log_to_file(DEMO_DIR / "demo.log")
    quiet("arq.worker")
    print(f"服务日志写入 {log_file}（终端只显示演示结果）")
    await migrate(settings)
    sandbox = await start_sandbox(settings)
    sandbox_url = f"http://127.0.0.1:{port + 10}"
    async with aiohttp.ClientSession() as http:
        await seed_world(http, sandbox_url)  # what the corp had before it connected
    await init_db(settings)
    await bootstrap_corp(settings)
    stop = asyncio.Event()
    bot = asyncio.create_task(
        runner.run(settings, web_on=True, worker_on=True, host="127.0.0.1", port=port, stop=stop)
    )
    try:
        async with aiohttp.ClientSession() as http:
            code = await seed(settings, http)
            ok = await first_sync(settings, http) is not None
            await register_archive_key(http, settings, sandbox_url)
            print(f"演示企业 {settings.wecom_corp_id}：成员 {'、'.join(n for _, n in DEMO_STAFF)}")
            members = "、".join(dict(DEMO_STAFF).get(u, u) for u in code.staff_userids)
            print(f"渠道活码「{code.name}」：{members} 接待")
            tag_names = dict(await Tag.all().values_list("tag_id", "name"))
            ok = await scan_and_report(http, sandbox_url, code.config_id, scans, tag_names) and ok
            store = await seed_store_code(settings, http)
            ok = await landing_scans(http, settings.public_url, sandbox_url, store.id) and ok
            token = settings.admin_token.get_secret_value()
            ok = await demo_leads(http, settings.public_url, token) and ok
            ok = await demo_compliance(http, settings, sandbox_url) and ok
            ok = await seed_month(http, settings.wecom_corp_id, settings.public_url, token) and ok
            ok = await demo_mass_send(http, settings.public_url, token, sandbox_url) and ok
            password = await create_logins(settings.wecom_corp_id)
            ok = await login_and_read_dashboard(http, settings.public_url, password) and ok
        token = settings.admin_token.get_secret_value()
        print(f"\n服务:     http://127.0.0.1:{port}  （/healthz、/metrics、/api/openapi.json）")
        print(f"沙箱:     {sandbox_url}/sandbox/  （模拟企业微信：成员、客户、消息）")
        print(f"管理后台: http://127.0.0.1:{port}/admin/  账号 admin、ops、manager 或 lisi")
        print(f"          密码 {password}（演示企业，用完即弃）")
        print(
            f"侧边栏:   http://127.0.0.1:{port}/sidebar/?external_userid=<客户ID>  "
            "（先以 lisi 登录；在企业微信里由 JS-SDK 识别当前客户）"
        )
        print(f"二维码:   {sandbox_url}/sandbox/qr/{code.config_id}")
        print(f"落地页:   {store.qr_url}  （「门店海报」的二维码打开这里）")
        print(
            f"API:      curl -H 'Authorization: Bearer {token}' "
            f"http://127.0.0.1:{port}/api/v1/livecodes/{store.id}/stats"
        )
        print(
            f"海报:     curl -H 'Authorization: Bearer {token}' -o poster.png "
            f"http://127.0.0.1:{port}/api/v1/livecodes/{store.id}/poster.png"
        )
        if once:
            return 0 if ok else 1
        print("两个服务保持运行；按 Ctrl-C 停止")
        await runner.stop_on_signals().wait()
        return 0
    finally:
        stop.set()
        await bot
        await close_db()
        await sandbox.cleanup()
        override_settings(None)


async def scan_and_report(
    http: aiohttp.ClientSession,
    sandbox_url: str,
    config_id: str,
    scans: int,
    tag_names: dict[str, str],
) -> bool:
    """Customers scan the code; wait for the welcomes and show what each customer got."""
    names = ["王小明", "李华", "陈静", "赵雷", "孙悦", "周杰", "吴敏", "郑爽", "冯涛", "何洁"]
    started = time.time()
    scanned: list[dict[str, Any]] = []
    for i in range(scans):
        body = {"config_id": config_id, "name": names[i % len(names)] + ("" if i < 10 else str(i))}
        async with http.post(f"{sandbox_url}/sandbox/scan", json=body) as r:
            scanned.append(await r.json())
    deadline = time.time() + 20
    welcomes: dict[str, dict[str, Any]] = {}
    while time.time() < deadline and len(welcomes) < scans:
        await asyncio.sleep(0.2)
        welcomes = {
            rec["data"]["external_userid"]: rec["data"]
            for rec in await _records(http, sandbox_url, "welcome", started)
        }
    tags = await _records(http, sandbox_url, "mark_tag", started)
    tagged = {
        rec["data"]["external_userid"]: [tag_names.get(t, t) for t in rec["data"]["add_tag"]]
        for rec in tags
    }
    # The bot's own names for them: each add's profile fetch follows its welcome.
    corp = await Corp.get()
    known = await names_once_known(corp.id, [s["external_userid"] for s in scanned])
    staff = dict(DEMO_STAFF)
    rows = []
    for scan in scanned:
        ext = scan["external_userid"]
        w = welcomes.get(ext)
        rows.append(
            [
                known.get(ext, ext),
                staff.get(scan["userid"], scan["userid"]),
                f"{w.get('latency_ms', '?')} ms" if w else "未发送",
                "、".join(tagged.get(ext, [])) or "—",
                (w or {}).get("text", ""),
            ]
        )
    print()
    print(table(["客户", "接待员工", "欢迎语耗时", "自动标签", "欢迎语"], rows, right=(2,)))
    print(f"\n{len(welcomes)}/{scans} 条欢迎语在企业微信的 20 秒窗口内送达")
    return len(welcomes) == scans


async def landing_scans(
    http: aiohttp.ClientSession, bot_url: str, sandbox_url: str, code_id: int, n: int = 4
) -> bool:
    """Customers open the round-robin code's page, then scan the member it shows."""
    print(f"\n门店海报（轮流分配，配额 张三 2 / 李四 1，备用 王五）：{n} 位顾客")
    staff = dict(DEMO_STAFF)
    since = time.time()
    for i in range(n):
        async with http.get(f"{bot_url}/l/{code_id}", params={"format": "json"}) as r:
            pick = await r.json()
        body = {"config_id": pick["config_id"], "name": f"到店顾客{i + 1}"}
        async with http.post(f"{sandbox_url}/sandbox/scan", json=body) as r:
            await r.read()
        whom = staff.get(pick["userid"], pick["userid"])
        print(f"  到店顾客{i + 1} → {whom}{'（备用）' if pick['backup'] else ''}")
    deadline = time.time() + 20
    while time.time() < deadline:
        if len(await _records(http, sandbox_url, "welcome", since)) >= n:
            return True
        await asyncio.sleep(0.2)
    return False


async def _records(
    http: aiohttp.ClientSession, sandbox_url: str, kind: str, since: float
) -> list[dict[str, Any]]:
    async with http.get(f"{sandbox_url}/sandbox/records", params={"kind": kind}) as r:
        records: list[dict[str, Any]] = (await r.json())["records"]
    return [rec for rec in records if rec["at"] >= since]
