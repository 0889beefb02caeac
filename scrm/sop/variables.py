"""Variables in SOP and journey texts: {群主} {群名} {员工姓名} {客户昵称} {日期} {星期}.

The names are the welcome templates' (livecode/welcome.py) where they mean the same."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from scrm.models import Customer, GroupChat, Staff
from wecom import errors
from wecom.client import WeComClient

GROUP_VARS = ("群主", "群名", "日期", "星期")
JOURNEY_VARS = ("员工姓名", "客户昵称", "日期", "星期")
# A WeCom task carries one text for all its recipients: a text naming the group or the
# customer is sent as one task per group / customer (more tasks for the member to confirm).
PER_TARGET = ("群名", "客户昵称")
# Only {…} holding a few CJK characters counts as a variable: other braces are plain text.
_VAR = re.compile(r"\{([\u4e00-\u9fff]{1,6})\}")
WEEKDAYS = "一二三四五六日"


def check(text: str, allowed: tuple[str, ...]) -> None:
    """Refuse a text naming a variable that does not exist here (a typo would be sent)."""
    unknown = sorted({m for m in _VAR.findall(text) if m not in allowed})
    if unknown:
        known = " ".join(f"{{{v}}}" for v in allowed)
        raise ValueError(f"unknown variable {{{unknown[0]}}}: use {known}")


def per_target(text: str) -> bool:
    return any(f"{{{v}}}" in text for v in PER_TARGET)


def render(text: str, values: dict[str, str]) -> str:
    return _VAR.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def date_values(at: datetime, zone: ZoneInfo) -> dict[str, str]:
    local = at.astimezone(zone)
    return {"日期": f"{local.month}月{local.day}日", "星期": f"星期{WEEKDAYS[local.weekday()]}"}


async def staff_name(corp_id: int, userid: str) -> str:
    staff = await Staff.get_or_none(corp_id=corp_id, userid=userid)
    return staff.name if staff and staff.name else userid


async def group_name(corp_id: int, chat_id: str) -> str:
    chat = await GroupChat.get_or_none(corp_id=corp_id, chat_id=chat_id)
    return chat.name if chat and chat.name else "本群"


async def customer_name(corp_id: int, external_userid: str, client: WeComClient) -> str:
    """Our mirror's name for the customer, else WeCom's (kept for the next text)."""
    customer = await Customer.get_or_none(corp_id=corp_id, external_userid=external_userid)
    if customer is not None and customer.name:
        return customer.name
    try:
        name = (await client.get_external_contact(external_userid)).external_contact.name
    except errors.WeComError:
        return "您"
    if customer is not None and name:
        customer.name = name
        await customer.save(update_fields=["name", "updated_at"])
    return name or "您"
