"""String enums: every closed set of values a column holds, shared by models, services and
migrations. A column of one is a `CharEnumField`, so a value outside its set is never stored."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

from scrm.enums.compliance import ActionKind, AlertKind, AlertStatus, Direction, Severity
from scrm.enums.corp import (
    GroupStatus,
    HandoverKind,
    HandoverStatus,
    InboxStatus,
    MemberType,
    RelationStatus,
    Role,
    SyncStatus,
    SyncStep,
    SyncTrigger,
)
from scrm.enums.outreach import (
    ChatType,
    GroupCodeStatus,
    LiveCodeStatus,
    LiveCodeStrategy,
    MassSendStatus,
    MaterialKind,
    QuickReplyKind,
    SkipVerifyMode,
    WelcomeResult,
)
from scrm.enums.sales import (
    ApprovalLevel,
    AssignmentStrategy,
    ContractStatus,
    ForecastCategory,
    Grade,
    LeadEventStatus,
    LeadStatus,
    LostReason,
    QuoteStatus,
    ScoringKind,
    ScoringOp,
)
from scrm.enums.sop import (
    JourneyAction,
    JourneyRunStatus,
    JourneyTaskStatus,
    PlanStatus,
    SopKind,
    SopRunStatus,
)

E = TypeVar("E", bound=StrEnum)


def members(enum: type[E], values: Iterable[str]) -> list[E]:
    """The members `values` name, the rest left out. A filter on an enum column refuses any
    other string (tortoise raises ValueError), and no stored row holds one: a filter from
    outside input (a query string, a journey's trigger) narrows to these, so an unknown value
    still matches nothing instead of failing."""
    known = {m.value: m for m in enum}
    return [known[v] for v in values if v in known]


__all__ = [
    "ActionKind",
    "AlertKind",
    "AlertStatus",
    "ApprovalLevel",
    "AssignmentStrategy",
    "ChatType",
    "ContractStatus",
    "Direction",
    "ForecastCategory",
    "Grade",
    "GroupCodeStatus",
    "GroupStatus",
    "HandoverKind",
    "HandoverStatus",
    "InboxStatus",
    "JourneyAction",
    "JourneyRunStatus",
    "JourneyTaskStatus",
    "LeadEventStatus",
    "LeadStatus",
    "LiveCodeStatus",
    "LiveCodeStrategy",
    "LostReason",
    "MassSendStatus",
    "MaterialKind",
    "MemberType",
    "PlanStatus",
    "QuickReplyKind",
    "QuoteStatus",
    "RelationStatus",
    "Role",
    "ScoringKind",
    "ScoringOp",
    "Severity",
    "SkipVerifyMode",
    "SopKind",
    "SopRunStatus",
    "SyncStatus",
    "SyncStep",
    "SyncTrigger",
    "WelcomeResult",
    "members",
]
