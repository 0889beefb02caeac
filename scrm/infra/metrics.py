"""Prometheus metrics for the edge, the inbox and the jobs."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CALLBACKS_RECEIVED = Counter(
    "scrm_callbacks_received_total", "WeCom callbacks accepted and stored", ["kind"]
)
CALLBACKS_DUPLICATE = Counter(
    "scrm_callbacks_duplicate_total", "Redeliveries of an already stored callback"
)
CALLBACKS_REFUSED = Counter(
    "scrm_callbacks_refused_total", "WeCom callbacks refused at the edge", ["reason"]
)
ACK_LATENCY = Histogram(
    "scrm_callback_ack_seconds",
    "Time from request start to the 200 ack",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
ENQUEUE_FAILED = Counter(
    "scrm_inbox_enqueue_failed_total", "Stored events whose job could not be enqueued (Redis)"
)
JOBS_PROCESSED = Counter("scrm_jobs_processed_total", "Inbox jobs handled", ["kind"])
JOBS_FAILED = Counter("scrm_jobs_failed_total", "Inbox jobs that raised", ["kind"])
INBOX_BACKLOG = Gauge("scrm_inbox_backlog", "Inbox rows not yet handled", ["status"])
WELCOME_SENT = Counter(
    "scrm_welcome_total", "Welcome messages by outcome (sent, spent, expired, failed)", ["outcome"]
)
WELCOME_LATENCY = Histogram(
    "scrm_welcome_latency_seconds",
    "From the add callback's arrival at our edge to send_welcome_msg answered",
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0),
)
# WeCom's own clock, whole seconds: inflated by 0–1 s, but it is what the 20 s window counts.
WELCOME_SINCE_CREATE = Histogram(
    "scrm_welcome_since_create_seconds",
    "From the add event's CreateTime (whole seconds) to send_welcome_msg answered",
    buckets=(0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0),
)
# A lead webhook held back while scans or welcomes were in flight (scrm/infra/priority_gate.py).
WEBHOOKS_HELD = Histogram(
    "scrm_webhook_held_seconds",
    "How long a lead webhook waited for poster scans and welcomes to go first",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0),
)
# One series per process, 1 while it runs: `role` (web, worker, up) is what a Prometheus
# query groups by, e.g. sum by (role) (rate(scrm_jobs_processed_total[5m]) * on(instance)
# group_left(role) scrm_process_info).
PROCESS_INFO = Gauge("scrm_process_info", "This process and its role", ["role"])
# Filled at each scrape from the database and Redis (bot/scrape.py): the same figure from
# every process, so a dashboard takes max() across instances, never sum().
JOB_QUEUE = Gauge("scrm_job_queue_depth", "Jobs waiting in arq's queue (all kinds, deferred too)")
SOP_DUE_OLDEST = Gauge(
    "scrm_sop_due_oldest_seconds", "Age of the oldest group-SOP run that is due and not yet fired"
)
ALERTS_LAST_HOUR = Gauge(
    "scrm_alerts_last_hour", "Compliance alerts that occurred in the last hour", ["kind"]
)
