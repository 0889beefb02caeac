"""Closed sets of the sales records: lead intake, leads, scoring and assignment rules, deals."""

from __future__ import annotations

from enum import StrEnum


class LeadEventStatus(StrEnum):
    """A stored push: pending → processing → done | ignored; a failed try → retry (back to
    pending after a backoff) → dead after SCRM_INBOX_MAX_ATTEMPTS tries."""

    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    IGNORED = "ignored"
    RETRY = "retry"
    DEAD = "dead"
    FAILED = "failed"  # written before retry/dead existed; old rows may still hold it


class LeadStatus(StrEnum):
    NEW = "new"
    MQL = "mql"
    SQL = "sql"
    CONVERTED = "converted"  # it became an opportunity
    LOST = "lost"


class Grade(StrEnum):
    """A lead's grade by score band (seeds 1.2.1: S highest value … D park for now)."""

    S = "S"
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class ScoringKind(StrEnum):
    ATTRIBUTE = "attribute"
    BEHAVIOUR = "behaviour"


class ScoringOp(StrEnum):
    """How a rule tests its field; behaviour rules use EVENT, attribute rules the others."""

    EQ = "eq"
    IN = "in"
    CONTAINS = "contains"
    GTE = "gte"
    LTE = "lte"
    EXISTS = "exists"
    EVENT = "event"


class AssignmentStrategy(StrEnum):
    ROUND_ROBIN = "round_robin"
    WEIGHTED = "weighted"
    LEAST_LOADED = "least_loaded"
    POOL = "pool"  # to the public pool, nobody's


class ForecastCategory(StrEnum):
    """Seeds 预测管理: Pipeline / Best case / Commit / Closed, and Omitted."""

    UNSET = ""  # a stage's: none chosen, the seeds' mapping by name (or probability) decides
    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMIT = "commit"
    CLOSED = "closed"
    OMITTED = "omitted"


class LostReason(StrEnum):
    NONE = ""  # not lost, or lost before a reason was asked for
    PRICE = "price"
    FEATURE = "feature"
    TIMING = "timing"
    COMPETITOR = "competitor"
    NO_BUDGET = "no_budget"
    OTHER = "other"


class ApprovalLevel(StrEnum):
    """Who must approve a quote's discount."""

    SELF = "self"
    MANAGER = "manager"
    DIRECTOR = "director"


class QuoteStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"


class ContractStatus(StrEnum):
    SIGNED = "signed"
    PAID = "paid"
