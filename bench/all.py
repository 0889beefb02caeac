"""Run every benchmark in bench/ and print one table: measure, target, value, met or not.

Run:  .venv/bin/python bench/all.py [--quick] [--only poster,funnel] [--skip corp_sync]
                                    [--timeout 1800] [--out bench-results.json]

Each benchmark runs as its own child process with `--json` (and `--quick` when given), one
after another, so they never compete with each other for the cores. The table carries the
date, the commit and the load average (1/5/15 min) as each benchmark started: on a shared
machine a figure measured at load 6 is not the code's speed. `met` is yes/no against the
project's target, `–` when the figure has no target or its target is set for the full size
only (see docs/benchmarks.md "Reading bench/all.py"). The exit status is 1 when a target
was missed or a benchmark failed. Environment (passed on to the benchmarks): SCRM_BENCH_REDIS_DB,
SCRM_BENCH_PG_SUFFIX, SCRM_BENCH_PORTS keep one engineer's runs apart from another's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Modules that are parts of another benchmark (sop_journeys also runs alone, but all.py
# measures it through sop_scale).
PARTS = {"sop_journeys"}


def benchmarks() -> list[str]:
    return sorted(
        p.stem
        for p in (ROOT / "bench").glob("*.py")
        if not p.stem.startswith("_") and p.stem != "all" and p.stem not in PARTS
    )


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    dirty = "+dirty" if git("status", "--porcelain", "--untracked-files=no") else ""
    return git("rev-parse", "--short", "HEAD") + dirty


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def run_one(name: str, quick: bool, timeout: float, logs: Path) -> dict[str, Any]:
    out = logs / f"{name}.json"
    cmd = [sys.executable, str(ROOT / "bench" / f"{name}.py"), "--json", str(out)]
    if quick:
        cmd.append("--quick")
    started_load, t0 = load(), time.perf_counter()
    with open(logs / f"{name}.log", "wb") as log:
        try:
            proc = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                  timeout=timeout, check=False)  # fmt: skip
            error = f"exit {proc.returncode}" if proc.returncode else ""
        except subprocess.TimeoutExpired:
            error = f"timed out after {timeout:.0f} s"
    result: dict[str, Any] = {"bench": name, "measures": []}
    if out.exists():
        result = json.loads(out.read_text(encoding="utf-8"))
    elif not error:
        error = "wrote no measures"
    result.update(load=started_load, seconds=time.perf_counter() - t0, error=error)
    return result


def fmt(value: float) -> str:
    if value != value:  # NaN
        return "NaN"
    if abs(value) >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def table(results: list[dict[str, Any]], quick: bool) -> tuple[str, bool]:
    ok = True
    lines = [
        f"bench/all.py{' --quick' if quick else ''} — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"commit {commit()}, {os.cpu_count()} cores, load now {load()}",
        "",
        "| benchmark | measure | target | value | met | load at start | s |",
        "|---|---|---|---:|---|---|---:|",
    ]
    for r in results:
        head = f"| {r['bench']} "
        if r["error"]:
            ok = False
            lines.append(f"{head}| **failed: {r['error']}** | | | no | {r['load']} | "
                         f"{r['seconds']:.0f} |")  # fmt: skip
        for m in r["measures"]:
            met = {True: "yes", False: "**no**", None: "–"}[m["met"]]
            ok = ok and m["met"] is not False
            target = f"{m['target']} {m['unit']}".strip() if m["target"] else ""
            if m["target"] and m["full_only"] and quick:
                target += " (full size)"
            lines.append(
                f"{head}| {m['name']} | {target} | {fmt(m['value'])} {m['unit']} | {met} | "
                f"{r['load']} | {r['seconds']:.0f} |"
            )
    return "\n".join(lines), ok


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="each benchmark's small sizes")
    p.add_argument("--only", default="", help="comma-separated benchmark names")
    p.add_argument("--skip", default="", help="comma-separated benchmark names")
    p.add_argument("--timeout", type=float, default=1800.0, help="per benchmark, seconds")
    p.add_argument("--out", help="also write every benchmark's measures as one JSON file")
    args = p.parse_args()
    names = benchmarks()
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - set(names)
        if unknown:
            raise SystemExit(f"no such benchmark: {', '.join(sorted(unknown))}")
        names = [n for n in names if n in wanted]
    names = [n for n in names if n not in set(args.skip.split(","))]
    logs = Path(tempfile.mkdtemp(prefix="scrm-bench-"))
    results = []
    for name in names:
        print(f"… {name} (load {load()})", file=sys.stderr, flush=True)
        results.append(run_one(name, args.quick, args.timeout, logs))
    text, ok = table(results, args.quick)
    print(text)
    print(f"\nlogs: {logs}")
    if args.out:
        Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1), "utf-8")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
