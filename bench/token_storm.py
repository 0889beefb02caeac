"""Benchmark: 1 000 concurrent WeCom calls at token expiry → gettoken calls and added latency.

Run:  .venv/bin/python bench/token_storm.py [--calls 1000] [--clients 4] [--runs 3]

The sandbox runs as a child process (loopback). `--clients` WeComClient instances share one
Redis (db 12), as that many worker processes would. Two expiries are measured:
- "WeCom revoked it": the sandbox expires every token, so all calls in flight get 42001;
- "cache TTL ended": the Redis key and the in-memory copies vanish (the renewal path).
For each: gettoken calls made (target 1), and p50/p99 call latency against warm calls.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

import aiohttp
import redis.asyncio as aioredis

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

from bench import _report
from bench._procs import free_port, redis_url, start_sandbox
from tests.conftest import AES_KEY, CORP_ID, SECRET, TOKEN
from wecom.client import WeComClient

REDIS = redis_url(12)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed(client: WeComClient) -> float:
    started = time.perf_counter()
    await client.get_follow_user_list()
    return (time.perf_counter() - started) * 1000


async def storm(clients: list[WeComClient], calls: int) -> list[float]:
    per = calls // len(clients)
    return list(await asyncio.gather(*(timed(c) for c in clients for _ in range(per))))


async def gettokens(http: aiohttp.ClientSession, url: str) -> int:
    async with http.get(f"{url}/sandbox/records", params={"kind": "gettoken"}) as r:
        return len((await r.json())["records"])


async def one_run(url: str, calls: int, n_clients: int) -> dict[str, tuple[int, float, float]]:
    redis = aioredis.from_url(REDIS)
    await redis.flushdb()
    out: dict[str, tuple[int, float, float]] = {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200)) as http:
        clients = [
            WeComClient(
                CORP_ID,
                SECRET,
                session=http,
                redis=redis,
                api_base=url,
                rate_per_minute=10_000_000,
            )
            for _ in range(n_clients)
        ]
        await storm(clients, n_clients)  # warm: token fetched, connections open
        warm = await storm(clients, calls)
        out["warm token"] = (0, pct(warm, 0.5), pct(warm, 0.99))
        before = await gettokens(http, url)
        async with http.post(f"{url}/sandbox/expire_tokens") as r:
            await r.read()
        revoked = await storm(clients, calls)
        out["WeCom revoked it (42001)"] = (
            await gettokens(http, url) - before,
            pct(revoked, 0.5),
            pct(revoked, 0.99),
        )
        before = await gettokens(http, url)
        await redis.delete(clients[0].token.key)
        for c in clients:
            c.token._value = None  # what the local TTL running out does
        lapsed = await storm(clients, calls)
        out["cache TTL ended"] = (
            await gettokens(http, url) - before,
            pct(lapsed, 0.5),
            pct(lapsed, 0.99),
        )
    await redis.aclose()
    return out


async def main() -> None:
    parser = _report.parser(__doc__)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    args = _report.parse(parser, {"calls": 300, "runs": 1})
    port = free_port()
    proc = start_sandbox(port, CORP_ID, SECRET, TOKEN, AES_KEY, "")
    url = f"http://127.0.0.1:{port}"
    try:
        runs = [await one_run(url, args.calls, args.clients) for _ in range(args.runs)]
    finally:
        proc.terminate()
        proc.wait()
    print(
        f"\n{args.calls} concurrent calls from {args.clients} clients sharing Redis; "
        f"median of {args.runs} runs\n"
    )
    print("| scenario | gettoken calls | p50 ms | p99 ms |")
    print("|---|---|---|---|")
    for name in runs[0]:
        tokens = statistics.median(r[name][0] for r in runs)
        p50 = statistics.median(r[name][1] for r in runs)
        p99 = statistics.median(r[name][2] for r in runs)
        print(f"| {name} | {tokens:g} | {p50:.1f} | {p99:.1f} |")
    measures = []
    for name in runs[0]:
        if name != "warm token":  # one gettoken per expiry, however many callers
            tokens = statistics.median(r[name][0] for r in runs)
            measures.append(_report.Measure(f"{name}: gettoken calls", tokens, "", "== 1"))
        p99 = statistics.median(r[name][2] for r in runs)
        measures.append(_report.Measure(f"{name}: p99 of {args.calls} calls", p99, "ms"))
    _report.emit(args, "token_storm", measures)


if __name__ == "__main__":
    asyncio.run(main())
