"""Pydantic's English validation errors as Chinese sentences for the people who read them;
the machine `type` and the `loc` path stay beside them for scripts."""

from __future__ import annotations

import re
from typing import Any

from pydantic_core import ErrorDetails

from scrm import labels

_TEMPLATES = {
    "missing": "必填",
    "extra_forbidden": "不认识的字段",
    "string_type": "应为文字",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为是或否",
    "bool_parsing": "应为是或否",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "json_invalid": "JSON 格式错误，请检查括号、逗号和引号",
    "json_type": "JSON 格式错误",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "string_pattern_mismatch": "格式不正确",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式不正确",
    "datetime_from_date_parsing": "时间格式不正确",
    "time_parsing": "时间格式应为 HH:MM",
    "url_parsing": "不是有效的网址",
    "url_type": "不是有效的网址",
    "enum": "取值无效，可选：{expected}",
    "literal_error": "取值无效，可选：{expected}",
    "union_tag_invalid": "类型无效，可选：{expected_tags}",
    "union_tag_not_found": "缺少类型字段 {discriminator}",
}


def _choices(text: str) -> str:
    """ "'wait', 'send' or 'tag'" → "等待、发送消息、打标签"."""
    keys = re.findall(r"'([^']*)'", text) or [text]
    return "、".join(labels.any_label(k) for k in keys)


def _where(loc: tuple[Any, ...]) -> str:
    parts = []
    for p in loc:
        if isinstance(p, int):
            parts.append(f"第 {p + 1} 项")
        else:
            parts.append(labels.label(p, "field"))
    return " › ".join(parts)


def chinese(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    if kind in ("literal_error", "enum") and "expected" in ctx:
        ctx["expected"] = _choices(ctx["expected"])
    if kind.startswith("union_tag") and "expected_tags" in ctx:
        ctx["expected_tags"] = _choices(ctx["expected_tags"])
    template = _TEMPLATES.get(kind)
    if template is None:
        # A validator's own message: kept (it names the rule), without pydantic's prefix.
        said = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        text = "取值不符合要求：" + said
    else:
        try:
            text = template.format(**ctx)
        except KeyError:
            text = template.split("：")[0].split("{")[0].strip() or "取值不符合要求"
    where = _where(tuple(error["loc"]))
    return f"{where}：{text}" if where else text


def details(errors: list[ErrorDetails]) -> list[dict[str, str]]:
    return [
        {"loc": ".".join(map(str, e["loc"])), "msg": chinese(e), "type": e["type"]} for e in errors
    ]
