"""Reviewing alerts: acknowledge, resolve, false positive, assign, comment — each audited."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from scrm import labels
from scrm.compliance.team_settings import bump_words_version
from scrm.enums import AlertStatus
from scrm.models import Alert, AlertComment, AllowPhrase, AuditLog
from scrm.models.base import corp_pk
from scrm.services.upsert import get_or_create

FINAL = ("resolved", "false_positive")
# Which status each action may start from; reopening undoes a final decision.
ALLOWED_FROM = {
    "acknowledge": ("open",),
    "resolve": ("open", "acknowledged"),
    "false_positive": ("open", "acknowledged"),
    "reopen": FINAL,
}
TARGET = {
    "acknowledge": AlertStatus.ACKNOWLEDGED,
    "resolve": AlertStatus.RESOLVED,
    "false_positive": AlertStatus.FALSE_POSITIVE,
    "reopen": AlertStatus.OPEN,
}
# A critical alert is closed with a written reason: the trail must say what was done.
NOTE_REQUIRED = ("critical",)
_BREAK = re.compile(r"[\s，。！？；、,.!?;:：\n*]")  # "*": never quote a masked number
AROUND = 4  # characters of context kept on each side of the word for an allow phrase


class ReviewError(ValueError):
    """The action does not fit the alert's state or the input; `status` is the HTTP answer."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


async def audit(corp_id: int, actor: str, action: str, obj: str, obj_id: Any, **data: Any) -> None:
    await AuditLog.create(
        corp_id=corp_id,
        actor=actor or "admin",
        action=action,
        object_type=obj,
        object_id=str(obj_id),
        data=data,
    )


async def transition(alert: Alert, action: str, actor: str, note: str = "") -> Alert:
    """Move the alert along; a move its status does not allow is a ReviewError (409)."""
    if alert.status not in ALLOWED_FROM[action]:
        now = labels.ALERT_STATUS.get(alert.status, alert.status)
        verb = labels.label(action, "action")
        raise ReviewError(f"这条告警当前为「{now}」，不能{verb}")
    if action == "resolve" and alert.severity in NOTE_REQUIRED and not note.strip():
        raise ReviewError("严重告警须填写处理说明后才能标记为已解决", 422)
    before, alert.status = alert.status, TARGET[action]
    alert.resolved_at = datetime.now(UTC) if alert.status in FINAL else None
    async with in_transaction():  # the change and its audit row stand or fall together
        await alert.save(update_fields=["status", "resolved_at", "updated_at"])
        await audit(
            corp_pk(alert),
            actor,
            action,
            "alert",
            alert.id,
            before=before,
            after=alert.status,
            note=note,
        )
    return alert


def allow_phrase_for(alert: Alert) -> str:
    """The matched word with the few characters around it in the quoted text, cut at
    punctuation: specific enough to spare this wording, not the word everywhere."""
    at = alert.context.find(alert.word)
    if at < 0:
        return alert.word
    start, end = at, at + len(alert.word)
    while start > 0 and at - start < AROUND and not _BREAK.match(alert.context[start - 1]):
        start -= 1
    while (
        end < len(alert.context)
        and end - at - len(alert.word) < AROUND
        and not _BREAK.match(alert.context[end])
    ):
        end += 1
    return alert.context[start:end]


async def false_positive(alert: Alert, actor: str, phrase: str = "", note: str = "") -> str:
    """Mark a word alert (or any alert) a false positive; a word alert's phrase joins the
    allow-list and the matcher is told to rebuild. Returns the phrase ('' for other kinds)."""
    phrase = phrase.strip()
    if alert.kind == "word" and alert.word:
        phrase = phrase or allow_phrase_for(alert)
        if alert.word not in phrase:
            raise ReviewError(f"白名单短语必须包含触发的词「{alert.word}」", 422)
        if len(phrase) > 128:
            raise ReviewError("白名单短语最多 128 个字符", 422)
    elif phrase:
        raise ReviewError("只有敏感词告警可以加入白名单", 422)
    await transition(alert, "false_positive", actor, note)
    if phrase:
        corp_id = corp_pk(alert)
        row, created = await get_or_create(
            AllowPhrase,
            corp_id=corp_id,
            phrase=phrase,
            defaults={"note": f"误报 #{alert.id} {note}"[:255], "created_by": actor},
        )
        if created:
            await bump_words_version(corp_id)
        await audit(
            corp_id, actor, "allow_phrase", "allow_phrase", row.id, phrase=phrase, alert=alert.id
        )
    return phrase


async def assign(alert: Alert, actor: str, assignee: str) -> Alert:
    before, alert.assignee = alert.assignee, assignee
    async with in_transaction():
        await alert.save(update_fields=["assignee", "updated_at"])
        await audit(
            corp_pk(alert), actor, "assign", "alert", alert.id, before=before, after=assignee
        )
    return alert


async def comment(alert: Alert, actor: str, text: str) -> AlertComment:
    async with in_transaction():
        row = await AlertComment.create(
            corp_id=corp_pk(alert), alert=alert, author=actor, text=text
        )
        await audit(corp_pk(alert), actor, "comment", "alert", alert.id, comment=row.id, text=text)
    return row
