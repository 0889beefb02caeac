"""All tortoise models, re-exported for discovery by Tortoise and the migrations."""

from scrm.models.admin import AdminUser, QuickReply, QuickReplyCategory
from scrm.models.campaign import (
    LinkOpen,
    MassSend,
    MassSendRecipient,
    MassSendTask,
    Material,
    Segment,
)
from scrm.models.compliance import (
    ActionEvent,
    Alert,
    AlertComment,
    AllowPhrase,
    ArchiveCursor,
    AuditLog,
    ChatMessage,
    ComplianceRule,
    ComplianceSettings,
    SensitiveWord,
)
from scrm.models.corp import Corp
from scrm.models.customer import Customer, FollowRelation
from scrm.models.deal import (
    ApiToken,
    Campaign,
    Contract,
    FollowUp,
    Opportunity,
    Payment,
    Quote,
    Stage,
    StageChange,
    Task,
)
from scrm.models.forecast import ForecastSubmission, SalesTarget
from scrm.models.group import GroupChat, GroupMember
from scrm.models.inbox import Inbox
from scrm.models.lead import (
    AssignmentRule,
    Lead,
    LeadActivity,
    LeadEvent,
    LeadSettings,
    LeadSource,
    ScoringRule,
)
from scrm.models.sop import Journey, JourneyLog, JourneyRun, JourneyTask, SopPlan, SopRun
from scrm.models.staff import Department, Staff
from scrm.models.sync import SyncCursor, SyncRun
from scrm.models.tag import Tag, TagGroup
from scrm.models.transfer import (
    ChurnEvent,
    Handover,
    TransferRotation,
    TransferRule,
    TransferSettings,
)

__all__ = [
    "LinkOpen",
    "MassSend",
    "MassSendRecipient",
    "MassSendTask",
    "Material",
    "Segment",
    "AdminUser",
    "QuickReply",
    "QuickReplyCategory",
    "ActionEvent",
    "Alert",
    "AlertComment",
    "AllowPhrase",
    "ArchiveCursor",
    "AuditLog",
    "ChatMessage",
    "ComplianceRule",
    "ComplianceSettings",
    "SensitiveWord",
    "Journey",
    "JourneyLog",
    "JourneyRun",
    "JourneyTask",
    "SopPlan",
    "SopRun",
    "ForecastSubmission",
    "SalesTarget",
    "ApiToken",
    "FollowUp",
    "Task",
    "Campaign",
    "Contract",
    "Opportunity",
    "Payment",
    "Quote",
    "Stage",
    "StageChange",
    "AssignmentRule",
    "Lead",
    "LeadActivity",
    "LeadEvent",
    "LeadSettings",
    "LeadSource",
    "ScoringRule",
    "Corp",
    "Customer",
    "FollowRelation",
    "GroupChat",
    "GroupMember",
    "Inbox",
    "Department",
    "Staff",
    "SyncCursor",
    "SyncRun",
    "Tag",
    "TagGroup",
    "ChurnEvent",
    "Handover",
    "TransferRotation",
    "TransferRule",
    "TransferSettings",
]
