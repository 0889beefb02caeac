"""The word library: words, bulk import and allow phrases; every change bumps the version."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from scrm.compliance.normalize import normalize
from scrm.models import AllowPhrase, AuditLog, ComplianceSettings, SensitiveWord
from scrm.models.base import corp_pk

Severity = Literal["low", "medium", "high", "critical"]
Direction = Literal["staff_to_customer", "customer_to_staff", "group"]


class WordSpec(BaseModel):
    """A library word. Empty `directions` means every direction; empty scope, every staff."""

    word: str = Field(min_length=1, max_length=64)
    category: str = Field(default="", max_length=32)
    severity: Severity = "medium"
    directions: list[Direction] = []
    scope_userids: list[str] = Field(default=[], max_length=1000)
    scope_departments: list[int] = Field(default=[], max_length=1000)
    enabled: bool = True

    @field_validator("word")
    @classmethod
    def _matchable(cls, value: str) -> str:
        value = value.strip()
        if not normalize(value):
            raise ValueError("the word has no letters or characters left after normalisation")
        return value

    @field_validator("directions")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


class BulkImport(BaseModel):
    """Words to add or update (matched by the exact word); `replace` deletes the rest."""

    words: list[WordSpec] = Field(min_length=1, max_length=20_000)
    replace: bool = False


class AllowSpec(BaseModel):
    phrase: str = Field(min_length=1, max_length=128)
    note: str = Field(default="", max_length=255)

    @field_validator("phrase")
    @classmethod
    def _matchable(cls, value: str) -> str:
        value = value.strip()
        if not normalize(value):
            raise ValueError("the phrase has no letters or characters left after normalisation")
        return value


async def bump(corp_id: int) -> int:
    """Every library change: matchers in every process rebuild on their next scan."""
    await ComplianceSettings.get_or_create(corp_id=corp_id)
    await ComplianceSettings.filter(corp_id=corp_id).update(words_version=F("words_version") + 1)
    row = await ComplianceSettings.get(corp_id=corp_id)
    return row.words_version


async def _audit(corp_id: int, actor: str, action: str, oid: Any, data: dict[str, Any]) -> None:
    await AuditLog.create(
        corp_id=corp_id,
        actor=actor or "admin",
        action=action,
        object_type="sensitive_word",
        object_id=str(oid),
        data=data,
    )


async def add_word(corp_id: int, spec: WordSpec, actor: str = "") -> SensitiveWord | None:
    """None when the word is already in the library (the caller answers 409)."""
    if await SensitiveWord.filter(corp_id=corp_id, word=spec.word).exists():
        return None
    try:
        async with in_transaction():
            row = await SensitiveWord.create(corp_id=corp_id, **spec.model_dump())
            await _audit(corp_id, actor, "word_added", row.id, spec.model_dump())
            await bump(corp_id)
    except IntegrityError:  # added concurrently by another request
        return None
    return row


async def update_word(row: SensitiveWord, spec: WordSpec, actor: str = "") -> bool:
    """False when the new spelling belongs to another entry already."""
    clash = SensitiveWord.filter(corp_id=corp_pk(row), word=spec.word).exclude(id=row.id)
    if await clash.exists():
        return False
    async with in_transaction():
        for key, value in spec.model_dump().items():
            setattr(row, key, value)
        await row.save()
        await _audit(corp_pk(row), actor, "word_updated", row.id, spec.model_dump())
        await bump(corp_pk(row))
    return True


async def delete_word(row: SensitiveWord, actor: str = "") -> None:
    async with in_transaction():
        await row.delete()
        await _audit(corp_pk(row), actor, "word_deleted", row.id, {"word": row.word})
        await bump(corp_pk(row))


async def bulk_import(corp_id: int, spec: BulkImport, actor: str = "") -> dict[str, int]:
    """All or nothing: the body was validated whole before this runs; one version bump."""
    latest: dict[str, WordSpec] = {w.word: w for w in spec.words}  # the last spelling wins
    existing = {
        w.word: w for w in await SensitiveWord.filter(corp_id=corp_id, word__in=list(latest))
    }
    added = updated = deleted = 0
    async with in_transaction():
        new = [
            SensitiveWord(corp_id=corp_id, **w.model_dump())
            for word, w in latest.items()
            if word not in existing
        ]
        if new:
            await SensitiveWord.bulk_create(new, batch_size=1000)
            added = len(new)
        for word, row in existing.items():
            data = latest[word].model_dump()
            if any(getattr(row, k) != v for k, v in data.items()):
                await SensitiveWord.filter(id=row.id).update(**data)
                updated += 1
        if spec.replace:
            stale = SensitiveWord.filter(corp_id=corp_id).exclude(word__in=list(latest))
            deleted = await stale.delete()
        summary = {"added": added, "updated": updated, "deleted": deleted, "total": len(latest)}
        await _audit(corp_id, actor, "words_imported", "bulk", summary)
        await bump(corp_id)
    return summary


async def add_allow(corp_id: int, spec: AllowSpec, actor: str = "") -> AllowPhrase | None:
    if await AllowPhrase.filter(corp_id=corp_id, phrase=spec.phrase).exists():
        return None
    try:
        async with in_transaction():
            row = await AllowPhrase.create(
                corp_id=corp_id, phrase=spec.phrase, note=spec.note, created_by=actor
            )
            await bump(corp_id)
    except IntegrityError:
        return None
    return row


async def delete_allow(row: AllowPhrase) -> None:
    async with in_transaction():
        await row.delete()
        await bump(corp_pk(row))
