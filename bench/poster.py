"""Benchmark: live-code posters per second, cold (rendered) and cached, at 750×1334.

Run:  .venv/bin/python bench/poster.py [--posters 200] [--runs 3] [--levels]

Cold: every poster is different (title and QR payload), rendered with pillow + zxing-cpp and
PNG-encoded, one after another in one process — what a single web process can do. Cached:
the same poster served from the in-process cache (`livecode.poster.CACHE`). `--levels`
adds ms per poster and bytes for each zlib level, interleaved so machine load hits all alike.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _report
from livecode import poster, poster_fast


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


def levels(n: int) -> dict[int, tuple[float, int]]:
    """Median ms per cold poster and its size, per PNG compression level (interleaved)."""
    template, spent, size = poster.PosterTemplate(), {}, {}
    chosen = poster_fast.COMPRESS_LEVEL
    try:
        for i in range(n):
            for level in (0, 1, 3, 6, 9):
                poster_fast.COMPRESS_LEVEL = level
                t0 = time.perf_counter()
                png = poster.render(template, title=f"双十一{i}", staff_name="张三",
                                    qr_payload=f"https://scrm.example.com/l/{i}")  # fmt: skip
                spent.setdefault(level, []).append((time.perf_counter() - t0) * 1000)
                size[level] = len(png)
    finally:
        poster_fast.COMPRESS_LEVEL = chosen
    return {lv: (statistics.median(ms), size[lv]) for lv, ms in spent.items()}


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
    parser.add_argument("--levels", action="store_true", help="compare PNG zlib levels")
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
    if args.levels:
        print("\n| zlib level | ms per cold poster (median) | bytes |\n|---:|---:|---:|")
        for level, (ms, size) in levels(args.posters // 2).items():
            mark = " (chosen)" if level == poster_fast.COMPRESS_LEVEL else ""
            print(f"| {level}{mark} | {ms:.1f} | {size:,} |")
    _report.emit(
        args,
        "poster",
        [_report.Measure("cold posters/s, 750×1334, one process", statistics.median(colds),
                         "/s", ">= 100")],
    )  # fmt: skip


if __name__ == "__main__":
    main()
