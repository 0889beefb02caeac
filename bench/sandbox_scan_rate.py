"""Benchmark: how many scans per second the sandbox can turn into delivered callbacks.

Run:  .venv/bin/python bench/sandbox_scan_rate.py [--scans 2000] [--concurrency 32] [--runs 3]

The sandbox and a bare "200 OK" callback endpoint run as child processes on loopback; each
scan creates a customer and relation, issues a welcome code and delivers one encrypted,
signed callback before answering. The figure is the ceiling for benchmarks that drive the
bot through the sandbox: above it, the sandbox — not the bot — is the bottleneck.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

import aiohttp

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))

from bench import _report
from bench._procs import free_port, start_bare, start_sandbox
from tests.conftest import AES_KEY, CORP_ID, SECRET, TOKEN


async def one_run(url: str, scans: int, concurrency: int) -> tuple[float, float]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:
        async with http.get(
            f"{url}/cgi-bin/gettoken", params={"corpid": CORP_ID, "corpsecret": SECRET}
        ) as r:
            token = (await r.json())["access_token"]
        async with http.post(
            f"{url}/cgi-bin/externalcontact/add_contact_way",
            params={"access_token": token},
            json={"type": 2, "scene": 2, "state": "bench", "user": [f"u{i}" for i in range(10)]},
        ) as r:
            config_id = (await r.json())["config_id"]
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(scans):
            queue.put_nowait(i)
        latencies: list[float] = []
        delivered = 0

        async def worker() -> None:
            nonlocal delivered
            while not queue.empty():
                queue.get_nowait()
                started = time.perf_counter()
                async with http.post(f"{url}/sandbox/scan", json={"config_id": config_id}) as r:
                    body = await r.json()
                latencies.append((time.perf_counter() - started) * 1000)
                delivered += body["delivery"]["status"] == 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        assert delivered == scans, f"only {delivered}/{scans} callbacks acked"
        return scans / elapsed, statistics.median(latencies)


async def main() -> None:
    parser = _report.parser(__doc__)
    parser.add_argument("--scans", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    args = _report.parse(parser, {"scans": 1000, "runs": 1})
    bot_port, sandbox_port = free_port(), free_port()
    bot = start_bare(bot_port)
    sandbox = start_sandbox(
        sandbox_port,
        CORP_ID,
        SECRET,
        TOKEN,
        AES_KEY,
        f"http://127.0.0.1:{bot_port}/wecom/callback/{CORP_ID}",
    )
    try:
        url = f"http://127.0.0.1:{sandbox_port}"
        runs = [await one_run(url, args.scans, args.concurrency) for _ in range(args.runs)]
    finally:
        for proc in (sandbox, bot):
            proc.terminate()
            proc.wait()
    rates = [r[0] for r in runs]
    print(f"\n{args.scans} scans, {args.concurrency} concurrent, {args.runs} runs\n")
    print("| measure | median | min | max |")
    print("|---|---|---|---|")
    print(
        f"| scans/s delivered | {statistics.median(rates):.0f} | {min(rates):.0f} | "
        f"{max(rates):.0f} |"
    )
    lat = [r[1] for r in runs]
    print(
        f"| scan → callback acked, p50 ms | {statistics.median(lat):.1f} | {min(lat):.1f} | "
        f"{max(lat):.1f} |"
    )
    _report.emit(
        args,
        "sandbox_scan_rate",
        [
            # Benchmarks that drive the bot through the sandbox need it well above their rate.
            _report.Measure(
                "sandbox scans/s delivered", statistics.median(rates), "/s", ">= 1000"
            ),
            _report.Measure("scan → callback acked p50", statistics.median(lat), "ms"),
        ],
    )


if __name__ == "__main__":
    asyncio.run(main())
