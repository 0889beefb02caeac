"""CSV import of leads, with a dry run that reports what would happen row by row."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from redis.asyncio import Redis

from scrm import vault
from scrm.leads.platforms import LeadFields
from scrm.models import LeadSource
from scrm.services import assignment, leads

MAX_ROWS = 20_000
KNOWN = {"name", "phone", "unionid", "city", "campaign", "ad_id"}


@dataclass
class ImportReport:
    rows: int = 0
    valid: int = 0
    would_create: int = 0
    would_merge: int = 0
    created: int = 0
    merged: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)


def _parse(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))  # Excel's UTF-8 BOM
    if not reader.fieldnames or not {"name", "phone", "unionid"} & set(reader.fieldnames):
        raise ValueError("the header needs at least one of: name, phone, unionid")
    return list(reader)


def _fields(row: dict[str, str]) -> LeadFields:
    clean = {k.strip(): (v or "").strip() for k, v in row.items() if k}
    return LeadFields(
        name=clean.get("name", ""),
        phone=clean.get("phone", ""),
        unionid=clean.get("unionid", ""),
        city=clean.get("city", ""),
        campaign=clean.get("campaign", ""),
        ad_id=clean.get("ad_id", ""),
        attributes={k: v for k, v in clean.items() if k not in KNOWN and v},
    )


async def import_csv(
    source: LeadSource, text: str, redis: Redis, *, dry_run: bool
) -> ImportReport:
    rows = _parse(text)
    if len(rows) > MAX_ROWS:
        raise ValueError(f"{len(rows)} rows: split the file into parts of {MAX_ROWS}")
    report = ImportReport(rows=len(rows))
    seen: set[str] = set()
    corp_id = source.corp_id  # type: ignore[attr-defined]
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        fields = _fields(row)
        if fields.phone and not vault.normalize_phone(fields.phone):
            report.errors.append(
                {"line": number, "error": f"phone {fields.phone!r} has no digits"}
            )
            continue
        if not (fields.phone or fields.unionid):
            report.errors.append({"line": number, "error": "needs a phone or a unionid"})
            continue
        report.valid += 1
        index = leads.phone_index(fields.phone)
        key = index or f"u:{fields.unionid}"
        exists = key in seen or await leads.find_person(corp_id, index, fields.unionid) is not None
        seen.add(key)
        if dry_run:
            report.would_merge += exists
            report.would_create += not exists
            continue
        lead, created = await leads.ingest(source, fields, redis)
        if created:
            report.created += 1
            await assignment.assign(lead, redis)
        else:
            report.merged += 1
    return report
