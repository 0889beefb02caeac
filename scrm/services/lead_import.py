"""CSV import of leads, with a dry run that reports what would happen row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from redis.asyncio import Redis

from scrm import phones, storable
from scrm.infra import table_stats
from scrm.models import LeadSource
from scrm.services import assignment, leads
from scrm.services.lead_platforms import LeadFields, scrub_phones

MAX_ROWS = 20_000
MAX_LINES = 1_000  # rows a dry run describes one by one (the counts cover them all)
KNOWN = {"name", "phone", "unionid", "city", "campaign", "ad_id"}
# Column titles people type in Excel, as the field they fill (compared trimmed, lower case).
HEADERS = {
    "姓名": "name",
    "名字": "name",
    "客户姓名": "name",
    "手机号": "phone",
    "手机": "phone",
    "手机号码": "phone",
    "电话": "phone",
    "联系电话": "phone",
    "城市": "city",
    "活动": "campaign",
    "广告id": "ad_id",
    "广告编号": "ad_id",
}
Progress = Callable[[int], Awaitable[None]]


@dataclass
class ImportReport:
    rows: int = 0
    valid: int = 0
    would_create: int = 0
    would_merge: int = 0
    created: int = 0
    merged: int = 0
    to_pool: int = 0  # new leads no assignment rule gave an owner: they wait in 公海
    errors: list[dict[str, object]] = field(default_factory=list)
    # Dry run: per row, what would happen (outcome create|merge|reject, and why).
    lines: list[dict[str, object]] = field(default_factory=list)

    def describe(self, line: int, fields: LeadFields, outcome: str, why: str = "") -> None:
        if len(self.lines) < MAX_LINES:
            phone = fields.phone
            shown = phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else phone
            self.lines.append(
                {"line": line, "name": fields.name, "phone": shown, "outcome": outcome, "why": why}
            )


def _column(title: str) -> str:
    plain = title.strip()
    return HEADERS.get(plain.lower(), plain.lower() if plain.lower() in KNOWN else plain)


def _parse(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))  # Excel's UTF-8 BOM
    if reader.fieldnames:
        reader.fieldnames = [_column(f or "") for f in reader.fieldnames]
    if not reader.fieldnames or not {"name", "phone", "unionid"} & set(reader.fieldnames):
        raise ValueError("表头至少要有一列：姓名、手机号 或 unionid（中英文均可，如 name,phone）")
    return list(reader)


def check(text: str) -> int:
    """The number of data rows, or ValueError for a file that cannot be imported at all."""
    rows = len(_parse(text))
    if rows > MAX_ROWS:
        raise ValueError(f"共 {rows} 行：请拆成每份不超过 {MAX_ROWS} 行的文件")
    return rows


def _fields(row: dict[str, str]) -> LeadFields:
    # A cell may hold NUL or other controls PostgreSQL cannot store: they are dropped here.
    clean = {
        storable.clean(k.strip()): storable.clean((v or "").strip()) for k, v in row.items() if k
    }
    return scrub_phones(
        LeadFields(
            name=clean.get("name", ""),
            phone=clean.get("phone", ""),
            unionid=clean.get("unionid", ""),
            city=clean.get("city", ""),
            campaign=clean.get("campaign", ""),
            ad_id=clean.get("ad_id", ""),
            attributes={k: v for k, v in clean.items() if k not in KNOWN and v},
        )
    )


async def import_csv(
    source: LeadSource,
    text: str,
    redis: Redis,
    *,
    dry_run: bool,
    progress: Progress | None = None,
    every: int = 200,
) -> ImportReport:
    """`progress(rows_done)` is awaited every `every` rows (long imports show a bar)."""
    rows = _parse(text)
    if len(rows) > MAX_ROWS:
        raise ValueError(f"共 {len(rows)} 行：请拆成每份不超过 {MAX_ROWS} 行的文件")
    report = ImportReport(rows=len(rows))
    seen: dict[str, int] = {}  # person key → the first line that named them
    corp_id = source.corp_id  # type: ignore[attr-defined]
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        if number > 2 and (number - 2) % every == 0:
            if progress is not None:
                await progress(number - 2)
            if not dry_run:  # a first import fills an empty table: keep its lookups indexed
                await table_stats.refresh(redis, ("lead",))
        fields = _fields(row)
        problem = ""
        if fields.phone and phones.key(fields.phone) is None:
            problem = f"手机号 {phones.mask(fields.phone)} 不是有效号码"
        elif not (fields.phone or fields.unionid):
            problem = "缺少手机号或 unionid"
        if problem:
            report.errors.append({"line": number, "error": problem})
            if dry_run:
                report.describe(number, fields, "reject", problem)
            continue
        report.valid += 1
        index = leads.phone_index(fields.phone)
        earlier = seen.setdefault(index or f"u:{fields.unionid}", number)
        if dry_run:
            if earlier != number:
                why = f"与第 {earlier} 行是同一人"
            elif await leads.find_person(corp_id, index, fields.unionid) is not None:
                why = "已有这条线索"
            else:
                why = ""
            report.would_merge += bool(why)
            report.would_create += not why
            report.describe(number, fields, "merge" if why else "create", why)
            continue
        lead, created = await leads.ingest(source, fields, redis)
        if created:
            report.created += 1
            report.to_pool += await assignment.assign(lead, redis) is None
        else:
            report.merged += 1
    return report
