"""Job-name constants: producers and the worker agree on these strings."""

PROCESS_INBOX = "process_inbox"
# An add's welcome has a lane and a worker of its own (decisions 0024, 0033): at most this long.
WELCOME_TIMEOUT = 30
DRAIN_LEAD_EVENTS = "drain_lead_events"
COMPLIANCE_ARCHIVE = "compliance_archive"
COMPLIANCE_REPLY_TIMEOUTS = "compliance_reply_timeouts"
COMPLIANCE_NOTIFY = "compliance_notify"

# The worker's other jobs and crons.
CORP_SYNC = "corp_sync"
EXPORT_FILE = "export_file"
FIRST_SYNCS = "first_syncs"
JOURNEY_DATES = "journey_dates"
LEAD_UPKEEP = "lead_upkeep"
MASS_SEND_RUN = "mass_send_run"
MASS_SEND_TICK = "mass_send_tick"
MATERIAL_MEDIA = "material_media"
NIGHTLY_SYNC = "nightly_sync"
REFRESH_CUSTOMER = "sync_refresh_customer"
REFRESH_GROUP = "sync_refresh_group"
REFRESH_TAGS = "sync_refresh_tags"
REMIND_TASKS = "remind_tasks"
RESCORE_LEADS = "rescore_leads"
SOP_PLAN = "sop_plan"
SOP_SCAN = "sop_scan"
SOP_TRACK = "sop_track"
SYNC_LIVE_CODES = "sync_live_codes"
TRANSFERS_TICK = "transfers_tick"
WATCH_SLA = "watch_sla"

# arq marks a running job with one "in progress" key whose lifetime is the LONGEST function
# timeout + 10 s (the nightly corp sync: 6 h), whatever the job. A worker killed mid-job leaves
# the key, so its inbox job would wait half an hour; the sweeper uses these to tell a job
# that cannot still be running (started more than PROCESS_INBOX_TIMEOUT ago) from one that is.
PROCESS_INBOX_TIMEOUT = 60
LONGEST_JOB_TIMEOUT = 6 * 3600  # bot/worker.py checks that no job's timeout is longer
IN_PROGRESS_TTL_MS = (LONGEST_JOB_TIMEOUT + 10) * 1000


def inbox_job_id(inbox_key: str, attempt: int, replay: int = 0) -> str:
    """Deterministic arq job id: one job per stored event per attempt, whoever enqueues it.

    arq refuses an id whose job or result it still holds, which is what makes the edge's
    enqueue and the sweeper's re-enqueue of the same attempt collapse into one run. The id
    comes from the event's idempotency key, not the row id: row ids restart with a fresh
    database while Redis remembers old results (a demo re-run, a restored backup)."""
    return f"inbox:{inbox_key[:32]}:{replay}:{attempt}"


def first_sync_job_id(corp_pk: int) -> str:
    """One first sync per corp, whoever queues it (the worker's cron or the admin)."""
    return f"{CORP_SYNC}:first:{corp_pk}"
