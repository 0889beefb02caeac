"""`scrm-bot sync [--corp ID] [--only STEP]`: a corp sync run in the terminal, with a summary."""

from __future__ import annotations

import argparse
import unicodedata

import aiohttp
import redis.asyncio as aioredis

from bot.db import close_db, init_db
from scrm.infra.clients import WeComClients
from scrm.infra.corps import bootstrap_corp
from scrm.infra.settings import Settings
from scrm.models import Corp, SyncRun
from scrm.sync.corp import STEPS, SyncBusy, run_corp_sync

KIND_LABELS = {
    "staff": "成员",
    "tags": "标签",
    "customers": "客户",
    "relations": "好友关系",
    "groups": "客户群",
    "members": "群成员",
}


def add_parser(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser("sync", help="import and reconcile what WeCom already knows")
    cmd.add_argument("--corp", default="", help="the corp id (default: every active corp)")
    cmd.add_argument("--only", choices=STEPS, default="", help="one step instead of all")


def _cell(text: str, width: int, right: bool = True) -> str:
    """Pad by display width: a Chinese character takes two terminal columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    pad = " " * max(0, width - shown)
    return pad + text if right else text + pad


def summary(run: SyncRun) -> list[str]:
    """The lines the CLI prints (and the demo may reuse) for a finished run."""
    lines = [
        f"用时 {run.duration_ms / 1000:.1f} 秒，API 调用 {run.api_calls} 次，"
        f"写入 {run.rows_written} 行",
        "  "
        + _cell("种类", 10, right=False)
        + "".join(_cell(h, 9) for h in ("新增", "变更", "结束")),
    ]
    for kind, row in run.counts.items():
        cells = [str(row["added"]), str(row["changed"]), str(row["ended"])]
        label = KIND_LABELS.get(kind, kind)
        lines.append("  " + _cell(label, 10, right=False) + "".join(_cell(c, 9) for c in cells))
    lines += [f"  ! {e}" for e in run.errors]
    return lines


async def run(settings: Settings, args: argparse.Namespace) -> int:
    await init_db(settings)
    redis = aioredis.from_url(settings.redis_url)
    try:
        await bootstrap_corp(settings)
        corps = Corp.filter(active=True)
        if args.corp:
            corps = corps.filter(corp_id=args.corp)
        found = await corps.order_by("id")
        if not found:
            print("没有这个企业" if args.corp else "还没有企业：先设置 SCRM_WECOM_* 或在后台添加")
            return 2
        status = 0
        async with aiohttp.ClientSession() as http:
            clients = WeComClients(settings, http, redis)
            for corp in found:
                status = max(status, await _one(corp, clients, redis, args.only))
        return status
    finally:
        await redis.aclose()
        await close_db()


async def _one(corp: Corp, clients: WeComClients, redis: aioredis.Redis, only: str) -> int:
    print(f"同步企业 {corp.name or corp.corp_id}（{corp.corp_id}）", flush=True)

    async def report(message: str, done: int, total: int) -> None:
        print(f"  [{done}/{total}] {message}", flush=True)

    try:
        result = await run_corp_sync(
            corp.id, clients.for_corp(corp), redis, only=only, trigger="cli", report=report
        )
    except SyncBusy as exc:
        print(f"  {exc}")
        return 1
    except Exception as exc:  # recorded on the run; the next start resumes from its cursors
        print(f"  同步失败：{exc}（再次运行将从中断处继续）")
        return 1
    print("  同步完成：" + "\n".join(summary(result)), flush=True)
    return 0
