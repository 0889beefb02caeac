"""Every closed set of values in a string column is a CharEnumField of its StrEnum (scrm.enums).

The columns keep their SQL type (varchar of the same length), their default and their indexes,
and every stored string is a value of its enum, so no row is touched: the migration records the
new field type in the migration state only. An AlterField would rebuild each of these tables on
SQLite (dropping their separate indexes, see 0019 and 0031), and on PostgreSQL only set a column
comment (the enum's listing): nothing a query reads."""

from typing import Any

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

from scrm.enums import (
    ActionKind,
    AlertKind,
    AlertStatus,
    ApprovalLevel,
    AssignmentStrategy,
    ChatType,
    ContractStatus,
    Direction,
    ForecastCategory,
    Grade,
    GroupCodeStatus,
    HandoverKind,
    HandoverStatus,
    JourneyAction,
    JourneyRunStatus,
    JourneyTaskStatus,
    LeadEventStatus,
    LeadStatus,
    LiveCodeStatus,
    LiveCodeStrategy,
    LostReason,
    MassSendStatus,
    MaterialKind,
    PlanStatus,
    QuickReplyKind,
    QuoteStatus,
    Role,
    ScoringKind,
    ScoringOp,
    Severity,
    SkipVerifyMode,
    SopKind,
    SopRunStatus,
    SyncStatus,
    SyncStep,
    SyncTrigger,
    WelcomeResult,
)


class RetypeField(ops.AlterField):
    """An AlterField of the migration state only: the database column stays as it is."""

    def describe(self) -> str:
        return f"Retype field {self.name} on {self.model_name} (state only)"

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None


class Migration(migrations.Migration):
    dependencies = [('models', '0033_masssendclaims')]

    initial = False

    operations = [
        RetypeField(
            model_name='ActionEvent',
            name='kind',
            field=fields.CharEnumField(description='STAFF_DELETED_CUSTOMER: staff_deleted_customer\nCUSTOMER_DELETED_STAFF: customer_deleted_staff\nTRANSFER_FAILED: transfer_failed\nGROUP_DISMISSED: group_dismissed', enum_type=ActionKind, max_length=32),
        ),
        RetypeField(
            model_name='AdminUser',
            name='role',
            field=fields.CharEnumField(description='STAFF: staff\nMANAGER: manager\nOPS: ops\nADMIN: admin', enum_type=Role, max_length=16),
        ),
        RetypeField(
            model_name='Alert',
            name='kind',
            field=fields.CharEnumField(description='WORD: word\nACTION: action\nREPLY_TIMEOUT: reply_timeout', enum_type=AlertKind, max_length=16),
        ),
        RetypeField(
            model_name='Alert',
            name='severity',
            field=fields.CharEnumField(default=Severity.MEDIUM, description='LOW: low\nMEDIUM: medium\nHIGH: high\nCRITICAL: critical', enum_type=Severity, max_length=16),
        ),
        RetypeField(
            model_name='Alert',
            name='status',
            field=fields.CharEnumField(default=AlertStatus.OPEN, db_index=True, description='OPEN: open\nACKNOWLEDGED: acknowledged\nRESOLVED: resolved\nFALSE_POSITIVE: false_positive', enum_type=AlertStatus, max_length=16),
        ),
        RetypeField(
            model_name='ApiToken',
            name='role',
            field=fields.CharEnumField(description='STAFF: staff\nMANAGER: manager\nOPS: ops\nADMIN: admin', enum_type=Role, max_length=16),
        ),
        RetypeField(
            model_name='AssignmentRule',
            name='strategy',
            field=fields.CharEnumField(default=AssignmentStrategy.ROUND_ROBIN, description='ROUND_ROBIN: round_robin\nWEIGHTED: weighted\nLEAST_LOADED: least_loaded\nPOOL: pool', enum_type=AssignmentStrategy, max_length=16),
        ),
        RetypeField(
            model_name='ChatMessage',
            name='direction',
            field=fields.CharEnumField(description='STAFF_TO_CUSTOMER: staff_to_customer\nCUSTOMER_TO_STAFF: customer_to_staff\nGROUP: group\nINTERNAL: internal', enum_type=Direction, max_length=24),
        ),
        RetypeField(
            model_name='ComplianceRule',
            name='kind',
            field=fields.CharEnumField(description='STAFF_DELETED_CUSTOMER: staff_deleted_customer\nCUSTOMER_DELETED_STAFF: customer_deleted_staff\nTRANSFER_FAILED: transfer_failed\nGROUP_DISMISSED: group_dismissed', enum_type=ActionKind, max_length=32),
        ),
        RetypeField(
            model_name='ComplianceRule',
            name='severity',
            field=fields.CharEnumField(default=Severity.MEDIUM, description='LOW: low\nMEDIUM: medium\nHIGH: high\nCRITICAL: critical', enum_type=Severity, max_length=16),
        ),
        RetypeField(
            model_name='Contract',
            name='status',
            field=fields.CharEnumField(default=ContractStatus.SIGNED, description='SIGNED: signed\nPAID: paid', enum_type=ContractStatus, max_length=16),
        ),
        RetypeField(
            model_name='GroupLiveCode',
            name='status',
            field=fields.CharEnumField(default=GroupCodeStatus.ACTIVE, description='ACTIVE: active\nFULL: full\nPAUSED: paused', enum_type=GroupCodeStatus, max_length=16),
        ),
        RetypeField(
            model_name='Handover',
            name='kind',
            field=fields.CharEnumField(description='ONJOB: onjob\nRESIGNED: resigned', enum_type=HandoverKind, max_length=16),
        ),
        RetypeField(
            model_name='Handover',
            name='status',
            field=fields.CharEnumField(default=HandoverStatus.PENDING, description='PENDING: pending\nWAITING: waiting\nDONE: done\nREFUSED: refused\nLIMIT: limit\nFAILED: failed', enum_type=HandoverStatus, max_length=16),
        ),
        RetypeField(
            model_name='Journey',
            name='status',
            field=fields.CharEnumField(default=PlanStatus.ACTIVE, description='ACTIVE: active\nPAUSED: paused', enum_type=PlanStatus, max_length=16),
        ),
        RetypeField(
            model_name='JourneyLog',
            name='action',
            field=fields.CharEnumField(description='SENT: sent\nCAPPED: capped\nQUIET: quiet\nREMINDED: reminded\nTAGGED: tagged\nBRANCH: branch\nTASK: task\nWEBHOOK: webhook\nEXIT: exit\nREPLANNED: replanned', enum_type=JourneyAction, max_length=16),
        ),
        RetypeField(
            model_name='JourneyRun',
            name='status',
            field=fields.CharEnumField(default=JourneyRunStatus.ACTIVE, description='ACTIVE: active\nRUNNING: running\nDONE: done\nEXITED: exited', enum_type=JourneyRunStatus, max_length=16),
        ),
        RetypeField(
            model_name='JourneyTask',
            name='status',
            field=fields.CharEnumField(default=JourneyTaskStatus.FIRED, db_index=True, description='FIRED: fired\nSENT: sent\nEXPIRED: expired', enum_type=JourneyTaskStatus, max_length=16),
        ),
        RetypeField(
            model_name='Lead',
            name='grade',
            field=fields.CharEnumField(default=Grade.D, description='S: S\nA: A\nB: B\nC: C\nD: D', enum_type=Grade, max_length=1),
        ),
        RetypeField(
            model_name='Lead',
            name='status',
            field=fields.CharEnumField(default=LeadStatus.NEW, description='NEW: new\nMQL: mql\nSQL: sql\nCONVERTED: converted\nLOST: lost', enum_type=LeadStatus, max_length=16),
        ),
        RetypeField(
            model_name='LeadEvent',
            name='status',
            field=fields.CharEnumField(default=LeadEventStatus.PENDING, description='PENDING: pending\nPROCESSING: processing\nDONE: done\nIGNORED: ignored\nRETRY: retry\nDEAD: dead\nFAILED: failed', enum_type=LeadEventStatus, max_length=16),
        ),
        RetypeField(
            model_name='LiveCode',
            name='skip_verify_mode',
            field=fields.CharEnumField(default=SkipVerifyMode.ALWAYS, description='ALWAYS: always\nWINDOW: window\nNEVER: never', enum_type=SkipVerifyMode, max_length=8),
        ),
        RetypeField(
            model_name='LiveCode',
            name='status',
            field=fields.CharEnumField(default=LiveCodeStatus.ACTIVE, description='ACTIVE: active\nPAUSED: paused\nEXHAUSTED: exhausted\nEXPIRED: expired', enum_type=LiveCodeStatus, max_length=16),
        ),
        RetypeField(
            model_name='LiveCode',
            name='strategy',
            field=fields.CharEnumField(default=LiveCodeStrategy.ROUND_ROBIN, description='NATIVE: native\nROUND_ROBIN: round_robin\nWEIGHTED: weighted\nLEAST_LOADED: least_loaded', enum_type=LiveCodeStrategy, max_length=16),
        ),
        RetypeField(
            model_name='LiveCodeAdd',
            name='welcome',
            field=fields.CharEnumField(default=WelcomeResult.NOT_RECORDED, description='NOT_RECORDED: \nSENT: sent\nSPENT: spent\nEXPIRED: expired\nSKIPPED: skipped\nFAILED: failed\nNONE: none', enum_type=WelcomeResult, max_length=16),
        ),
        RetypeField(
            model_name='MassSend',
            name='chat_type',
            field=fields.CharEnumField(default=ChatType.SINGLE, description='SINGLE: single\nGROUP: group', enum_type=ChatType, max_length=8),
        ),
        RetypeField(
            model_name='MassSend',
            name='status',
            field=fields.CharEnumField(default=MassSendStatus.SCHEDULED, db_index=True, description='SCHEDULED: scheduled\nSENDING: sending\nSENT: sent\nFAILED: failed\nCANCELLED: cancelled', enum_type=MassSendStatus, max_length=16),
        ),
        RetypeField(
            model_name='Material',
            name='kind',
            field=fields.CharEnumField(description='TEXT: text\nIMAGE: image\nLINK: link\nMINIPROGRAM: miniprogram\nFILE: file\nVIDEO: video\nPOSTER: poster', enum_type=MaterialKind, max_length=16),
        ),
        RetypeField(
            model_name='Opportunity',
            name='forecast_category',
            field=fields.CharEnumField(default=ForecastCategory.PIPELINE, description='UNSET: \nPIPELINE: pipeline\nBEST_CASE: best_case\nCOMMIT: commit\nCLOSED: closed\nOMITTED: omitted', enum_type=ForecastCategory, max_length=16),
        ),
        RetypeField(
            model_name='Opportunity',
            name='lost_reason',
            field=fields.CharEnumField(default=LostReason.NONE, description='NONE: \nPRICE: price\nFEATURE: feature\nTIMING: timing\nCOMPETITOR: competitor\nNO_BUDGET: no_budget\nOTHER: other', enum_type=LostReason, max_length=16),
        ),
        RetypeField(
            model_name='QuickReply',
            name='kind',
            field=fields.CharEnumField(description='TEXT: text\nIMAGE: image\nLINK: link\nMATERIAL: material', enum_type=QuickReplyKind, max_length=8),
        ),
        RetypeField(
            model_name='Quote',
            name='approval_level',
            field=fields.CharEnumField(description='SELF: self\nMANAGER: manager\nDIRECTOR: director', enum_type=ApprovalLevel, max_length=16),
        ),
        RetypeField(
            model_name='Quote',
            name='status',
            field=fields.CharEnumField(description='PENDING_APPROVAL: pending_approval\nAPPROVED: approved\nREJECTED: rejected', enum_type=QuoteStatus, max_length=16),
        ),
        RetypeField(
            model_name='ScoringRule',
            name='kind',
            field=fields.CharEnumField(description='ATTRIBUTE: attribute\nBEHAVIOUR: behaviour', enum_type=ScoringKind, max_length=16),
        ),
        RetypeField(
            model_name='ScoringRule',
            name='op',
            field=fields.CharEnumField(default=ScoringOp.EQ, description='EQ: eq\nIN: in\nCONTAINS: contains\nGTE: gte\nLTE: lte\nEXISTS: exists\nEVENT: event', enum_type=ScoringOp, max_length=16),
        ),
        RetypeField(
            model_name='SensitiveWord',
            name='severity',
            field=fields.CharEnumField(default=Severity.MEDIUM, description='LOW: low\nMEDIUM: medium\nHIGH: high\nCRITICAL: critical', enum_type=Severity, max_length=16),
        ),
        RetypeField(
            model_name='SopPlan',
            name='kind',
            field=fields.CharEnumField(default=SopKind.GROUP, description='GROUP: group', enum_type=SopKind, max_length=16),
        ),
        RetypeField(
            model_name='SopPlan',
            name='status',
            field=fields.CharEnumField(default=PlanStatus.ACTIVE, description='ACTIVE: active\nPAUSED: paused', enum_type=PlanStatus, max_length=16),
        ),
        RetypeField(
            model_name='SopRun',
            name='status',
            field=fields.CharEnumField(default=SopRunStatus.PLANNED, db_index=True, description='PLANNED: planned\nFIRING: firing\nFIRED: fired\nSENT: sent\nSKIPPED: skipped\nFAILED: failed\nEXPIRED: expired\nCANCELLED: cancelled', enum_type=SopRunStatus, max_length=16),
        ),
        RetypeField(
            model_name='Stage',
            name='forecast_category',
            field=fields.CharEnumField(default=ForecastCategory.UNSET, description='UNSET: \nPIPELINE: pipeline\nBEST_CASE: best_case\nCOMMIT: commit\nCLOSED: closed\nOMITTED: omitted', enum_type=ForecastCategory, max_length=16),
        ),
        RetypeField(
            model_name='SyncCursor',
            name='step',
            field=fields.CharEnumField(description='EVERY: \nSTAFF: staff\nTAGS: tags\nCUSTOMERS: customers\nGROUPS: groups', enum_type=SyncStep, max_length=16),
        ),
        RetypeField(
            model_name='SyncRun',
            name='only',
            field=fields.CharEnumField(default=SyncStep.EVERY, description='EVERY: \nSTAFF: staff\nTAGS: tags\nCUSTOMERS: customers\nGROUPS: groups', enum_type=SyncStep, max_length=16),
        ),
        RetypeField(
            model_name='SyncRun',
            name='status',
            field=fields.CharEnumField(default=SyncStatus.RUNNING, description='RUNNING: running\nDONE: done\nFAILED: failed\nINTERRUPTED: interrupted', enum_type=SyncStatus, max_length=16),
        ),
        RetypeField(
            model_name='SyncRun',
            name='trigger',
            field=fields.CharEnumField(default=SyncTrigger.CLI, description='CLI: cli\nADMIN: admin\nFIRST: first\nNIGHTLY: nightly', enum_type=SyncTrigger, max_length=16),
        ),
    ]
