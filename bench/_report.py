"""What every benchmark shares for bench/all.py: `--quick` sizes and `--json` measures."""

from __future__ import annotations

import argparse
import json
import math
import operator
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}


@dataclass
class Measure:
    """One figure a benchmark reports, with its target when the project has one.

    `target` reads like "< 500" or ">= 3000" (the unit is `unit`); empty means the figure is
    informational. `full_only` marks a target set for the full size: at --quick sizes the
    figure is shown but not judged (a 200 000-lead funnel says nothing about 1 M)."""

    name: str
    value: float
    unit: str = ""
    target: str = ""
    full_only: bool = False
    met: bool | None = None

    def judge(self, quick: bool) -> Measure:
        if not self.target or (quick and self.full_only):
            self.met = None
        elif math.isnan(self.value):
            self.met = False  # a figure that could not be measured does not meet its target
        else:
            op, bound = self.target.split()
            self.met = _OPS[op](self.value, float(bound))
        return self


def parser(doc: str | None) -> argparse.ArgumentParser:
    """An ArgumentParser with the two options bench/all.py passes to every benchmark."""
    p = argparse.ArgumentParser(
        description=(doc or "").split("\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    p.add_argument("--quick", action="store_true", help="small sizes (bench/all.py --quick)")
    p.add_argument("--json", metavar="PATH", help="also write the measures as JSON to PATH")
    return p


def parse(p: argparse.ArgumentParser, quick: dict[str, Any], argv: Sequence[str] | None = None):
    """Parse; with --quick the `quick` values replace the defaults (explicit options win)."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    if "--quick" in args_in:
        p.set_defaults(**quick)
    return p.parse_args(args_in)


def emit(args: argparse.Namespace, bench: str, measures: list[Measure], note: str = "") -> None:
    """Judge the measures against their targets and write them where --json asked."""
    judged = [m.judge(bool(getattr(args, "quick", False))) for m in measures]
    if not getattr(args, "json", None):
        return
    params = {k: v for k, v in vars(args).items() if k not in ("json",)}
    body = {
        "bench": bench,
        "params": params,
        "note": note,
        "measures": [asdict(m) for m in judged],
    }
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(body, f, ensure_ascii=False, indent=1, default=str)
