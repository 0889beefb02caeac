"""Every string column whose values are a closed set is a CharEnumField of its StrEnum, and the
strings stored are the enum's values, unchanged: what an older release wrote reads back as the
member, and what the enum writes is the plain string (decision 0039, migration 0034)."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import pytest
from tortoise import connections, fields
from tortoise.fields.data import CharEnumFieldInstance
from tortoise.models import Model

import scrm.models
import scrm.models.livecode as lc
from scrm import enums as e
from scrm.infra.settings import Settings
from scrm.models import (
    ActionEvent,
    AdminUser,
    Alert,
    ApiToken,
    AssignmentRule,
    ChatMessage,
    ComplianceRule,
    Contract,
    Corp,
    FollowRelation,
    GroupChat,
    GroupMember,
    Handover,
    Inbox,
    Journey,
    JourneyLog,
    JourneyRun,
    JourneyTask,
    Lead,
    LeadEvent,
    MassSend,
    Material,
    Opportunity,
    QuickReply,
    Quote,
    ScoringRule,
    SensitiveWord,
    SopPlan,
    SopRun,
    Stage,
    SyncCursor,
    SyncRun,
)

CLOSED: dict[tuple[type[Model], str], type[StrEnum]] = {
    (AdminUser, "role"): e.Role,
    (ApiToken, "role"): e.Role,
    (QuickReply, "kind"): e.QuickReplyKind,
    (Material, "kind"): e.MaterialKind,
    (MassSend, "chat_type"): e.ChatType,
    (MassSend, "status"): e.MassSendStatus,
    (SensitiveWord, "severity"): e.Severity,
    (ComplianceRule, "kind"): e.ActionKind,
    (ComplianceRule, "severity"): e.Severity,
    (ChatMessage, "direction"): e.Direction,
    (ActionEvent, "kind"): e.ActionKind,
    (Alert, "kind"): e.AlertKind,
    (Alert, "severity"): e.Severity,
    (Alert, "status"): e.AlertStatus,
    (Stage, "forecast_category"): e.ForecastCategory,
    (Opportunity, "forecast_category"): e.ForecastCategory,
    (Opportunity, "lost_reason"): e.LostReason,
    (Quote, "approval_level"): e.ApprovalLevel,
    (Quote, "status"): e.QuoteStatus,
    (Contract, "status"): e.ContractStatus,
    (LeadEvent, "status"): e.LeadEventStatus,
    (Lead, "grade"): e.Grade,
    (Lead, "status"): e.LeadStatus,
    (ScoringRule, "kind"): e.ScoringKind,
    (ScoringRule, "op"): e.ScoringOp,
    (AssignmentRule, "strategy"): e.AssignmentStrategy,
    (lc.LiveCode, "strategy"): e.LiveCodeStrategy,
    (lc.LiveCode, "skip_verify_mode"): e.SkipVerifyMode,
    (lc.LiveCode, "status"): e.LiveCodeStatus,
    (lc.LiveCodeAdd, "welcome"): e.WelcomeResult,
    (lc.GroupLiveCode, "status"): e.GroupCodeStatus,
    (SopPlan, "kind"): e.SopKind,
    (SopPlan, "status"): e.PlanStatus,
    (SopRun, "status"): e.SopRunStatus,
    (Journey, "status"): e.PlanStatus,
    (JourneyRun, "status"): e.JourneyRunStatus,
    (JourneyLog, "action"): e.JourneyAction,
    (JourneyTask, "status"): e.JourneyTaskStatus,
    (SyncRun, "trigger"): e.SyncTrigger,
    (SyncRun, "only"): e.SyncStep,
    (SyncRun, "status"): e.SyncStatus,
    (SyncCursor, "step"): e.SyncStep,
    (Handover, "kind"): e.HandoverKind,
    (Handover, "status"): e.HandoverStatus,
    # Enum columns from the start (migration 0001).
    (Inbox, "status"): e.InboxStatus,
    (FollowRelation, "status"): e.RelationStatus,
    (GroupChat, "status"): e.GroupStatus,
    (GroupMember, "type"): e.MemberType,
}

# Plain strings named like a state on purpose: their values are not a set the code closes.
OPEN = {
    (Lead, "platform"): "a lead platform key: the registry grows, and csv/api/manual/… too",
    (scrm.models.LeadSource, "platform"): "a lead platform key (the registry grows)",
    (LeadEvent, "platform"): "a lead platform key (the registry grows)",
    (scrm.models.LeadActivity, "kind"): "a behaviour event: any name POST /activities gives",
    (Inbox, "kind"): "WeCom's event and change types, as WeCom sends them",
    (scrm.models.AuditLog, "action"): "a write's verb: an action path's last part",
    (scrm.models.AuditLog, "object_type"): "the object an action path names",
    (scrm.models.LinkOpen, "source"): "mass:<id> | sidebar | sop | journey: carries an id",
    (ChatMessage, "source"): "the name of an archive source (sandbox, finance_sdk, more later)",
    (scrm.models.ArchiveCursor, "source"): "the name of an archive source",
    (Material, "category"): "a corp's own categories",
    (SensitiveWord, "category"): "a corp's own categories",
    (Alert, "category"): "the matched word's category (a corp's own)",
    (FollowRelation, "state"): "a contact way's state string, made per live code",
    (lc.LiveCode, "state"): "the contact way's state string (unique per code)",
    (lc.GroupLiveCode, "state"): "the join way's state string (unique per code)",
    (Handover, "reason"): "text for people",
    (Opportunity, "next_step"): "text for people",
}
# A column so named holds a state, a kind or a mode: a closed set unless OPEN says why not.
STATE_LIKE = re.compile(
    r"(^|_)(status|state|kind|type|strategy|mode|role|severity|grade|direction|trigger|action"
    r"|level|step|op|only|welcome|category|reason|source|platform)$"
)


def _models() -> list[type[Model]]:
    found = {
        obj
        for module in (scrm.models, lc)
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, Model) and not obj._meta.abstract
    }
    found.discard(Model)
    return sorted(found, key=lambda m: m.__name__)


def test_closed_set_columns_are_enum_fields_of_their_enum() -> None:
    wrong = []
    for (model, name), enum in CLOSED.items():
        field = model._meta.fields_map[name]
        if not isinstance(field, CharEnumFieldInstance) or field.enum_type is not enum:
            wrong.append(f"{model.__name__}.{name}: {type(field).__name__}")
    assert wrong == [], "closed sets stored as plain strings again: " + ", ".join(wrong)


def test_no_state_like_string_column_is_left_plain_without_a_reason() -> None:
    plain = [
        f"{model.__name__}.{name}"
        for model in _models()
        for name, field in model._meta.fields_map.items()
        if isinstance(field, fields.CharField)
        and not isinstance(field, CharEnumFieldInstance)
        and STATE_LIKE.search(name)
        and (model, name) not in OPEN
    ]
    assert plain == [], (
        "a new state, kind or mode column: make it a CharEnumField of a StrEnum in scrm.enums, "
        f"or add it to OPEN with the reason its values are open: {plain}"
    )


def test_members_drops_what_is_not_in_the_set() -> None:
    assert e.members(e.LeadStatus, ["mql", "bogus", "", "sql"]) == [e.LeadStatus.MQL, "sql"]
    assert e.members(e.LostReason, [""]) == [e.LostReason.NONE]


_numbers = itertools.count(1)


async def _row(model: type[Model], corp: Corp, made: dict[type[Model], Model]) -> Model:
    """One row of `model`, its parents made first (once each); required fields get a value."""
    if model is Corp:
        return corp
    if model in made:
        return made[model]
    meta, values = model._meta, {}
    for name in meta.fk_fields:
        fk = meta.fields_map[name]
        if not fk.null:
            values[name] = await _row(fk.related_model, corp, made)  # type: ignore[attr-defined]
    for name in meta.db_fields:
        field = meta.fields_map[name]
        if field.pk or getattr(field, "reference", None) or field.null or field.has_db_default():
            continue
        if field.default is not None or getattr(field, "auto_now_add", False):
            continue
        values[name] = _value(field)
    made[model] = await model.create(**values)
    return made[model]


def _value(field: fields.Field[Any]) -> Any:
    if isinstance(field, CharEnumFieldInstance):
        return next(iter(field.enum_type))
    if isinstance(field, fields.CharField):
        return str(next(_numbers))[-field.max_length :]
    if isinstance(field, fields.TextField):
        return "text"
    if isinstance(field, fields.DatetimeField):
        return datetime(2026, 1, 1, tzinfo=UTC)
    if isinstance(field, fields.DateField):
        return date(2026, 1, 1)
    if isinstance(field, fields.BooleanField):
        return False
    if isinstance(field, fields.IntField | fields.BigIntField | fields.SmallIntField):
        return next(_numbers)
    raise AssertionError(f"no test value for {type(field).__name__} {field.model_field_name}")


async def test_each_member_is_stored_as_its_string_and_read_back_as_itself(
    db: Settings,
) -> None:
    """On the suite's database: the ORM writes each member as exactly its value (read with raw
    SQL), and a raw string, as earlier releases stored it, reads back as the member."""
    corp = await Corp.first()
    assert corp is not None
    conn = connections.get("default")
    made: dict[type[Model], Model] = {}
    checked = 0
    for (model, name), enum in CLOSED.items():
        row = await _row(model, corp, made)
        table, column = model._meta.db_table, model._meta.fields_db_projection[name]
        select = f'SELECT "{column}" AS v FROM "{table}" WHERE id = {row.pk}'
        for member in enum:
            await model.filter(pk=row.pk).update(**{name: member})
            raw = await conn.execute_query_dict(select)
            assert raw == [{"v": member.value}] and type(raw[0]["v"]) is str, (table, column)
            await conn.execute_script(
                f'UPDATE "{table}" SET "{column}" = \'{member.value}\' WHERE id = {row.pk}'
            )
            got = await model.filter(pk=row.pk).values_list(name, flat=True)
            assert got == [member] and got[0] is member, (table, column, got)
            checked += 1
    assert checked > 200


async def test_a_string_outside_the_set_is_refused_before_it_is_stored(db: Settings) -> None:
    corp = await Corp.first()
    assert corp is not None
    lead = await _row(Lead, corp, {})
    with pytest.raises(ValueError, match="bogus"):
        await Lead.filter(pk=lead.pk).update(status="bogus")
    with pytest.raises(ValueError):
        await Lead.create(corp=corp, grade="E")
    assert await Lead.filter(pk=lead.pk).values_list("status", flat=True) == [e.LeadStatus.NEW]
