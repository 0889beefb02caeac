"""Chinese names for the pipeline's English keys (stages, gate fields, statuses) and money text."""

from __future__ import annotations

from typing import Any

from scrm import labels
from scrm.services.deals import LOST_REASONS

# Stages are rows a corp may rename or add to; unknown names are shown as they are.
STAGES = labels.STAGES
# Gate fields: (label, input kind). Kinds: text, textarea, date, money (元 typed, 分 sent), reason.
FIELDS: dict[str, tuple[str, str]] = {
    "next_step": ("下一步", "text"),
    "next_step_date": ("下一步日期", "date"),
    "decision_maker": ("决策人", "text"),
    "pain_points": ("客户痛点", "textarea"),
    "purchase_process": ("采购流程", "textarea"),
    "solution_doc": ("方案文档", "text"),
    "competitors": ("竞争对手", "text"),
    "quote_number": ("报价单号", "text"),
    "contract_version": ("合同版本", "text"),
    "legal_status": ("法务状态", "text"),
    "amount": ("商机金额（元）", "money"),
    "expected_close": ("预计成交日期", "date"),
    "lost_reason": ("输单原因", "reason"),
    "lost_note": ("输单说明", "textarea"),
    "contract": ("合同编号", "text"),
}
LOST = labels.LOST_REASONS
QUOTE_STATUS = labels.QUOTE_STATUS
LEVELS = labels.APPROVAL_LEVELS
FORECAST = labels.FORECAST
CONTRACT_STATUS = {"signed": "已签署", "paid": "已回款"}


def stage(name: str) -> str:
    return STAGES.get(name, name)


def field(name: str) -> str:
    return FIELDS.get(name, (name, "text"))[0]


def yuan(cents: int, currency: str = "CNY") -> str:
    """分 → "¥12,345" (cents shown only when there are any)."""
    text = f"{cents / 100:,.2f}".removesuffix(".00")
    return ("¥" if currency == "CNY" else currency + " ") + text


def for_script() -> dict[str, Any]:
    """Everything deals.js needs to speak Chinese about the pipeline."""
    return {
        "stages": STAGES,
        "fields": {k: {"label": v[0], "kind": v[1]} for k, v in FIELDS.items()},
        "lost": {k: LOST.get(k, k) for k in LOST_REASONS},
        "levels": LEVELS,
    }
