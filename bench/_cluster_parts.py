"""The cluster harness's parts: its processes, the lead pushes, the database's counts, measures."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import signal
import subprocess
from pathlib import Path
from typing import Any

import aiohttp

from bench import _report

ROOT = Path(__file__).resolve().parent.parent
SCRM = str(ROOT / ".venv/bin/scrm-bot")
FORM_SECRET = "cluster-form-secret"
MEMBERS = 10


def quota_for(scans: int) -> int:
    """Members' daily quota: 60 % of the scans fit, the rest must overflow to the backup."""
    return max(1, scans * 6 // 10 // (MEMBERS - 1))


class Proc:
    """One scrm-bot process, restartable."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log, self.proc = args, env, log, None

    def start(self) -> None:
        out = open(self.log, "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(  # type: ignore[assignment]
            [SCRM, *self.args], env=self.env, stdout=out, stderr=subprocess.STDOUT
        )

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.signal(sig)
        self.wait()

    def signal(self, sig: int) -> None:
        if self.proc is not None:
            self.proc.send_signal(sig)

    def wait(self) -> None:
        if self.proc is not None:
            self.proc.wait(timeout=60)
            self.proc = None


def lead_push(i: int) -> tuple[dict[str, str], bytes, str]:
    person = i - 1 if i % 5 == 4 else i  # every fifth push repeats the person before it
    phone = f"137{person:08d}"
    # A different body each push: a repeat is a new event the intake must merge, not a retry.
    raw = json.dumps({"name": f"客户{person}", "phone": phone, "remark": f"第{i}次"}).encode()
    sig = hmac.new(FORM_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return {"X-Signature": sig, "X-Request-Id": f"c{i}"}, raw, phone


async def post_retrying(http: aiohttp.ClientSession, url: str, **kw: Any) -> bool:
    for wait in (0, 1, 2, 4):  # the first try, then 3 retries, as the platforms do
        await asyncio.sleep(wait)
        try:
            async with http.post(url, **kw) as resp:
                await resp.read()
                if resp.status == 200:
                    return True
        except (TimeoutError, aiohttp.ClientError):
            pass
    return False


POSTER = "customer_id IN (SELECT id FROM customer WHERE external_userid LIKE 'wmCluster%')"


async def db_counts(url: str) -> dict[str, int]:
    from tortoise import Tortoise

    from bot.db import tortoise_config

    await Tortoise.init(config=tortoise_config(url))
    conn = Tortoise.get_connection("default")

    async def one(sql: str) -> int:
        return int((await conn.execute_query_dict(sql))[0]["n"] or 0)

    try:
        return {
            "inbox_left": await one("SELECT COUNT(*) AS n FROM inbox WHERE status<>'handled'"),
            "lead_events": await one("SELECT COUNT(*) AS n FROM lead_event"),
            "lead_events_left": await one(
                "SELECT COUNT(*) AS n FROM lead_event WHERE status<>'done'"
            ),
            # Leads from pushes carry a phone; the poster's customers make leads without one.
            "leads": await one("SELECT COUNT(*) AS n FROM lead WHERE phone_index IS NOT NULL"),
            "lead_people": await one("SELECT COUNT(DISTINCT phone_index) AS n FROM lead"),
            "touches": await one(
                "SELECT SUM(touches) AS n FROM lead WHERE phone_index IS NOT NULL"
            ),
            # The poster's customers (the seeded ones of the planned sends are not counted).
            "relations": await one(f"SELECT COUNT(*) AS n FROM follow_relation WHERE {POSTER}"),
            "relation_customers": await one(
                f"SELECT COUNT(DISTINCT customer_id) AS n FROM follow_relation WHERE {POSTER}"
            ),
            "journey_left": await one(
                "SELECT COUNT(*) AS n FROM journey_run WHERE status<>'done'"
            ),
            # Not yet made (or failed): a task made may move on (sent, expired) as it is tracked.
            "sop_left": await one(
                "SELECT COUNT(*) AS n FROM sop_run WHERE status IN ('planned','firing','failed')"
            ),
            "mass_left": await one(
                "SELECT COUNT(*) AS n FROM mass_send "
                "WHERE status IN ('scheduled','sending','failed')"
            ),
        }
    finally:
        await Tortoise.close_connections()


def measures(result: dict[str, Any]) -> list[_report.Measure]:
    """What bench/all.py records of a run, each with its target."""
    counts = {k: float(v) for k, v in result.items() if isinstance(v, int | float)}
    return [
        _report.Measure(
            "welcomed / scanned",
            counts["welcomed"] / max(counts["scans"], 1) * 100,
            "%",
            ">= 100",
        ),
        _report.Measure("welcomed twice", counts["welcomed_twice"], "", "== 0"),
        _report.Measure("welcomes after 20 s", counts["welcome_late"], "", "== 0"),
        _report.Measure("members past quota", counts["quota_over"], "", "== 0"),
        _report.Measure(
            "live leads − people", counts["leads"] - counts["lead_people"], "", "== 0"
        ),
        *(
            _report.Measure(
                f"{label}: targets not sent",
                counts[f"{kind}_targets"] - counts[f"{kind}_sent"],
                "",
                "== 0",
            )
            for kind, label in (("sop", "group SOP"), ("journey", "journey"), ("mass", "群发"))
        ),  # fmt: skip
        *(
            _report.Measure(f"{label}: sent twice", counts[f"{kind}_twice"], "", "== 0")
            for kind, label in (("sop", "group SOP"), ("journey", "journey"), ("mass", "群发"))
        ),  # fmt: skip
        _report.Measure(
            "events left unprocessed",
            counts["inbox_left"] + counts["lead_events_left"],
            "",
            "== 0",
        ),
    ]
