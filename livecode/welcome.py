"""Welcome-message templates: variables such as {客户昵称} and {员工姓名}, rendered safely."""

from __future__ import annotations

import re
from collections.abc import Mapping

# Both the Chinese names operators type and ASCII aliases for API users.
ALIASES = {
    "客户昵称": "customer_name",
    "员工姓名": "staff_name",
    "渠道": "channel",
    "活动": "campaign",
    "日期": "date",
    "原跟进人": "owner_name",
}
_VAR = re.compile(r"\{([^{}]{1,20})\}")
MAX_TEXT_BYTES = 4000  # WeCom's limit for welcome text


def needs_customer_name(template: str) -> bool:
    return any(name in template for name in ("{客户昵称}", "{customer_name}"))


def render(template: str, values: Mapping[str, str]) -> str:
    """Replace known variables; unknown ones stay as typed so an operator can see the typo."""

    def sub(match: re.Match[str]) -> str:
        key = ALIASES.get(match.group(1), match.group(1))
        value = values.get(key)
        return match.group(0) if value is None else value

    text = _VAR.sub(sub, template)
    encoded = text.encode()
    if len(encoded) > MAX_TEXT_BYTES:
        text = encoded[:MAX_TEXT_BYTES].decode(errors="ignore")
    return text
