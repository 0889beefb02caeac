"""Benchmark: live-code posters per second, cold (rendered) and cached, at 750×1334.

Run:  .venv/bin/python bench/poster.py [--posters 200] [--runs 3]

Cold: every poster is different (title and QR payload), rendered with pillow + qrcode and
PNG-encoded, one after another in one process — what a single web process can do. Cached:
the same poster served from the in-process cache (`livecode.poster.CACHE`).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _report
from livecode import poster


def cold(n: int) -> float:
    template = poster.PosterTemplate()
    started = time.perf_counter()
    for i in range(n):
        poster.render(
            template,
            title=f"双十一门店海报{i}",
            staff_name="张三",
            qr_payload=f"https://scrm.example.com/l/{i}",
        )
    return n / (time.perf_counter() - started)


def cached(n: int) -> float:
    template = poster.PosterTemplate()
    key = poster.PosterCache.key("bench", template.model_dump_json())
    poster.CACHE.put(key, poster.render(template, title="t", qr_payload="https://x/l/1"))
    started = time.perf_counter()
    for _ in range(n):
        assert poster.CACHE.get(poster.PosterCache.key("bench", template.model_dump_json()))
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = _report.parser(__doc__)
    parser.add_argument("--posters", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = _report.parse(parser, {"posters": 100, "runs": 3})
    colds = [cold(args.posters) for _ in range(args.runs)]
    hots = [cached(args.posters * 50) for _ in range(args.runs)]
    print(f"\nposter: 750×1334 PNG, {args.posters} posters × {args.runs} runs, one process\n")
    print("| mode | posters/s (median) | min | max |")
    print("|---|---:|---:|---:|")
    print(
        f"| cold (render + encode) | {statistics.median(colds):.0f} | {min(colds):.0f} | "
        f"{max(colds):.0f} |"
    )
    print(f"| cached | {statistics.median(hots):.0f} | {min(hots):.0f} | {max(hots):.0f} |")
    _report.emit(
        args,
        "poster",
        [_report.Measure("cold posters/s, 750×1334, one process", statistics.median(colds),
                         "/s", ">= 100")],
    )  # fmt: skip


if __name__ == "__main__":
    main()
