"""Writes scrm-dashboard.json next to it: `python deploy/grafana/make_dashboard.py`.

Kept as code so every query is one line here and tests/deploy checks each metric exists."""

from __future__ import annotations

import json
from pathlib import Path

DS = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
# Welcome latency from the callback's arrival at our edge (scrm/infra/metrics.py WELCOME_LATENCY).
WELCOME_BUCKETS = "sum by (le) (rate(scrm_welcome_latency_seconds_bucket[5m]))"

# (title, unit, [(legend, PromQL)]) — gauges filled from the DB at scrape are the same in
# every process: max(), never sum().
PANELS: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("回调速率 Callback rate", "reqps", [
        ("{{kind}}", "sum by (kind) (rate(scrm_callbacks_received_total[5m]))"),
        ("duplicate", "sum(rate(scrm_callbacks_duplicate_total[5m]))"),
    ]),
    ("回调拒绝 Callback refusals", "reqps", [
        ("{{reason}}", "sum by (reason) (rate(scrm_callbacks_refused_total[5m]))"),
    ]),
    ("回调应答 Ack latency p99", "s", [
        ("p99", "histogram_quantile(0.99, "
                "sum by (le) (rate(scrm_callback_ack_seconds_bucket[5m])))"),
    ]),
    ("欢迎语时延 Welcome latency", "s", [
        ("p50", f"histogram_quantile(0.5, {WELCOME_BUCKETS})"),
        ("p99", f"histogram_quantile(0.99, {WELCOME_BUCKETS})"),
    ]),
    ("欢迎语结果 Welcome outcomes", "ops", [
        ("{{outcome}}", "sum by (outcome) (rate(scrm_welcome_total[5m]))"),
    ]),
    ("任务积压 Job backlog", "short", [
        ("inbox {{status}}", "max by (status) (scrm_inbox_backlog)"),
        ("arq queue", "max(scrm_job_queue_depth)"),
        ("enqueue failed /s", "sum(rate(scrm_inbox_enqueue_failed_total[5m]))"),
    ]),
    ("任务吞吐 Jobs", "ops", [
        ("done {{kind}}", "sum by (kind) (rate(scrm_jobs_processed_total[5m]))"),
        ("failed {{kind}}", "sum by (kind) (rate(scrm_jobs_failed_total[5m]))"),
    ]),
    ("群SOP延迟 SOP lateness", "s", [
        ("oldest due run", "max(scrm_sop_due_oldest_seconds)"),
    ]),
    ("合规告警 Alerts (last hour)", "short", [
        ("{{kind}}", "max by (kind) (scrm_alerts_last_hour)"),
    ]),
    ("进程 Processes", "short", [
        ("{{role}}", "count by (role) (scrm_process_info)"),
    ]),
]  # fmt: skip


def dashboard() -> dict[str, object]:
    panels = []
    for i, (title, unit, queries) in enumerate(PANELS):
        panels.append(
            {
                "id": i + 1,
                "type": "timeseries",
                "title": title,
                "datasource": DS,
                "gridPos": {"h": 8, "w": 12, "x": 12 * (i % 2), "y": 8 * (i // 2)},
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                "targets": [
                    {"refId": chr(65 + n), "datasource": DS, "expr": expr, "legendFormat": legend}
                    for n, (legend, expr) in enumerate(queries)
                ],
            }
        )
    return {
        "__inputs": [
            {
                "name": "DS_PROMETHEUS",
                "label": "Prometheus",
                "type": "datasource",
                "pluginId": "prometheus",
                "pluginName": "Prometheus",
            }
        ],
        "title": "SCRM bot",
        "uid": "scrm-bot",
        "tags": ["scrm"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "panels": panels,
    }


if __name__ == "__main__":
    out = Path(__file__).with_name("scrm-dashboard.json")
    out.write_text(json.dumps(dashboard(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
